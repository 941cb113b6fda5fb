"""The register import pages, through the test client."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from branches.models import Organisation, RegisterImport, RegisterSource
from branches.registers import RegisterError
from branches.services.imports import register_import_upload
from federation.models import DisclosureLog

DEMO = Path(__file__).resolve().parents[2] / "branches" / "demo" / "registers"
CIVIL_AFFAIRS = DEMO / "民政局_社会组织名录.csv"
SOCIAL_WORK = DEMO / "社工部_两新组织台账.xlsx"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def message(code: str, **params) -> str:
    """A reader's message as the page shows it (in the default language, escaped)."""
    with translation.override("zh-hans"):
        return escape(str(RegisterError(code, **params).message))


def shown(msgid: str, **params) -> str:
    """One of the page's own strings as the page shows it (in the default language)."""
    with translation.override("zh-hans"):
        return escape(translation.gettext(msgid) % params)


def numbered_csv(rows: int) -> bytes:
    lines = ["单位名称,所属区,单位类型,联系电话"]
    lines += [f"乌海市测试{i}协会,海勃湾区,社会团体,1394730{i:04d}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


# --- the happy path ---------------------------------------------------------------------------------------


def test_an_officer_uploads_previews_applies_and_downloads_the_rows_not_imported(client, city_officer):
    client.force_login(city_officer)
    assert client.get(reverse("branches:import_list")).status_code == 200
    assert client.get(reverse("branches:import_upload")).status_code == 200

    response = client.post(
        reverse("branches:import_upload"),
        {"source": "民政局社会组织名录", "file": file(CIVIL_AFFAIRS.name, CIVIL_AFFAIRS.read_bytes())},
    )

    register_import = RegisterImport.objects.get()
    detail = reverse("branches:import_detail", args=[register_import.pk])
    assert response.status_code == 302 and response["Location"] == detail
    page = client.get(detail)
    assert page.status_code == 200
    assert reverse("branches:import_apply", args=[register_import.pk]) in page.text
    assert shown("Add %(new)s and update %(updated)s organisations", new=39, updated=0) in page.text
    assert "乌海市女企业家协会" in page.text
    invalid = client.get(detail, {"status": "invalid"})
    assert "乌海市书法家协会" in invalid.text and "乌海市女企业家协会" not in invalid.text
    assert Organisation.objects.count() == 0

    response = client.post(reverse("branches:import_apply", args=[register_import.pk]))

    assert response.status_code == 302 and response["Location"] == detail
    assert Organisation.objects.count() == 39
    result = client.get(detail)
    assert result.status_code == 200
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.APPLIED
    assert reverse("branches:import_apply", args=[register_import.pk]) not in result.text

    report = client.get(reverse("branches:import_errors", args=[register_import.pk]))
    assert report.status_code == 200
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("组织名称", "统一社会信用代码")
    assert [row[0] for row in rows[1:]] == ["乌海市书法家协会"]
    assert DisclosureLog.objects.filter(user=city_officer, kind="export", row_count=1).exists()


def test_unknown_columns_are_mapped_on_the_import_page(client, city_officer):
    client.force_login(city_officer)
    data = "单位名称,所属区,单位类型,负责人手机\n乌海市甲协会,海勃湾区,协会,13947300000\n".encode()
    client.post(reverse("branches:import_upload"), {"source": "名录", "file": file("a.csv", data)})
    register_import = RegisterImport.objects.get()
    assert register_import.status == RegisterImport.Status.UPLOADED
    page = client.get(reverse("branches:import_detail", args=[register_import.pk]))
    assert "负责人手机" in page.text and 'name="column_0"' in page.text

    response = client.post(
        reverse("branches:import_mapping", args=[register_import.pk]), {"column_0": "contact_mobile"}
    )

    assert response.status_code == 302
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.PREVIEWED
    assert register_import.mapping == {"负责人手机": "contact_mobile"}


def test_a_mapping_that_reads_one_ledger_column_twice_is_refused(client, city_officer):
    client.force_login(city_officer)
    data = "单位名称,所属区,单位类型,负责人,负责人手机\n甲,海勃湾区,协会,王,13947300000\n".encode()
    register_import = register_import_upload(
        by=city_officer, data=data, file_name="a.csv", source_name="名录"
    )

    response = client.post(
        reverse("branches:import_mapping", args=[register_import.pk]), {"column_0": "name", "column_1": ""}
    )

    assert response.status_code == 200
    assert "is-invalid" in response.text
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.UPLOADED and register_import.mapping == {}


def test_discarding_an_import_writes_nothing(client, city_officer):
    client.force_login(city_officer)
    register_import = register_import_upload(
        by=city_officer, data=CIVIL_AFFAIRS.read_bytes(), file_name="a.csv", source_name="民政局"
    )
    response = client.post(reverse("branches:import_discard", args=[register_import.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("branches:import_list")
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.DISCARDED
    assert client.get(reverse("branches:import_detail", args=[register_import.pk])).status_code == 200
    again = client.post(reverse("branches:import_apply", args=[register_import.pk]))
    assert again.status_code == 302 and not Organisation.objects.exists()


def test_applying_twice_shows_a_message_not_an_error(client, city_officer):
    client.force_login(city_officer)
    register_import = register_import_upload(
        by=city_officer, data=CIVIL_AFFAIRS.read_bytes(), file_name="a.csv", source_name="民政局"
    )
    url = reverse("branches:import_apply", args=[register_import.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "alert-danger" in response.text
    assert Organisation.objects.count() == 39


def test_the_rows_of_a_tab_come_as_a_fragment_to_htmx(client, city_officer):
    client.force_login(city_officer)
    register_import = register_import_upload(
        by=city_officer, data=CIVIL_AFFAIRS.read_bytes(), file_name="a.csv", source_name="民政局"
    )
    response = client.get(
        reverse("branches:import_detail", args=[register_import.pk]),
        {"status": "new"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="import-rows">')
    assert "<html" not in response.text


def test_the_blank_template_is_a_workbook(client, city_officer):
    client.force_login(city_officer)
    response = client.get(reverse("branches:import_template"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["台账导入", "填写说明"]


# --- who may see what -------------------------------------------------------------------------------------


def test_another_districts_officer_does_not_find_the_import(client, district_officer, other_district_officer):
    register_import = register_import_upload(
        by=district_officer, data=CIVIL_AFFAIRS.read_bytes(), file_name="a.csv", source_name="民政局"
    )
    client.force_login(other_district_officer)
    for name in ("import_detail", "import_errors"):
        assert client.get(reverse(f"branches:{name}", args=[register_import.pk])).status_code == 404
    for name in ("import_apply", "import_discard", "import_mapping"):
        assert client.post(reverse(f"branches:{name}", args=[register_import.pk])).status_code == 404
    assert register_import.source.name not in client.get(reverse("branches:import_list")).text
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.PREVIEWED


def test_a_contact_may_not_import(client, liaison):
    client.force_login(liaison)
    assert client.get(reverse("branches:import_list")).status_code == 403
    assert client.get(reverse("branches:import_upload")).status_code == 403
    assert client.get(reverse("branches:import_template")).status_code == 403


def test_a_viewer_may_not_import(client, city_viewer):
    client.force_login(city_viewer)
    assert client.get(reverse("branches:import_list")).status_code == 403


@pytest.mark.parametrize("name", ["import_apply", "import_discard", "import_mapping"])
def test_actions_refuse_a_get(client, city_officer, name):
    client.force_login(city_officer)
    register_import = register_import_upload(
        by=city_officer, data=CIVIL_AFFAIRS.read_bytes(), file_name="a.csv", source_name="民政局"
    )
    assert client.get(reverse(f"branches:{name}", args=[register_import.pk])).status_code == 405


# --- bad files --------------------------------------------------------------------------------------------


def truncated_xlsx() -> bytes:
    data = SOCIAL_WORK.read_bytes()
    return data[: len(data) // 2]


def xlsx_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not really")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.csv", b"", "empty"),
        ("junk.csv", bytes(range(256)) * 40, "unsupported_type"),
        ("truncated.xlsx", truncated_xlsx(), "corrupt"),
        ("broken.xlsx", xlsx_without_workbook(), "corrupt"),
        ("header-only.csv", "单位名称,统一社会信用代码,所属区\n".encode(), "no_rows"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "unsupported_type"),
    ],
)
def test_a_bad_file_gets_one_clear_message_and_nothing_is_stored(client, city_officer, name, data, code):
    client.force_login(city_officer)
    organisations = Organisation.objects.count()

    response = client.post(reverse("branches:import_upload"), {"source": "名录", "file": file(name, data)})

    assert response.status_code == 200
    assert response.text.count("invalid-feedback") == 1
    if code in ("empty", "corrupt", "no_rows"):
        assert message(code) in response.text
    assert not RegisterImport.objects.exists() and not RegisterSource.objects.exists()
    assert Organisation.objects.count() == organisations


def test_a_file_over_the_upload_limit_is_refused(client, city_officer, settings):
    settings.UPLOAD_MAX_MB = 1
    client.force_login(city_officer)
    data = numbered_csv(10) + b"," * (2 * 1024 * 1024)

    response = client.post(
        reverse("branches:import_upload"), {"source": "名录", "file": file("big.csv", data)}
    )

    assert response.status_code == 200
    assert message("too_large", limit=1) in response.text
    assert not RegisterImport.objects.exists()


def test_a_missing_file_or_register_name_is_asked_for(client, city_officer):
    client.force_login(city_officer)
    response = client.post(reverse("branches:import_upload"), {"source": " "})
    assert response.status_code == 200 and response.text.count("invalid-feedback") == 2


# --- cost ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [10, 300])
def test_the_preview_costs_the_same_few_queries_however_long_the_file(
    client, city_officer, rows, django_assert_max_num_queries
):
    register_import = register_import_upload(
        by=city_officer, data=numbered_csv(rows), file_name="a.csv", source_name="名录"
    )
    client.force_login(city_officer)
    url = reverse("branches:import_detail", args=[register_import.pk])
    with django_assert_max_num_queries(10):
        response = client.get(url, {"page": 2} if rows > 50 else {})
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("branches:import_list")).status_code == 200


def test_the_preview_names_the_organisations_a_newer_register_no_longer_lists(client, city_officer):
    from branches.services.imports import register_import_run

    header = "单位名称,所属区,单位类型\n"
    register_import_run(
        by=city_officer, data=(header + "甲协会,海勃湾区,协会\n乙协会,海南区,协会\n").encode(), file_name="a.csv",
        source_name="名录", dry_run=False,
    )  # fmt: skip
    newer = register_import_upload(
        by=city_officer,
        data=(header + "甲协会,海勃湾区,协会\n").encode(),
        file_name="b.csv",
        source_name="名录",
    )
    client.force_login(city_officer)
    page = client.get(reverse("branches:import_detail", args=[newer.pk]))
    gone = Organisation.objects.get(name="乙协会")
    assert reverse("branches:organisation_detail", args=[gone.pk]) in page.text
    assert shown("Not in this file: %(count)s", count=1) in page.text
