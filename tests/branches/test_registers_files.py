"""branches.registers: files that cannot be read (empty, damaged, foreign, binary, too large) are refused
with a code, and no bytes raise anything but RegisterError.

Assertions use error codes and values only: translated messages need Django settings.
"""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from branches.registers import ERROR_CODES, RegisterError, read_register
from tests.branches.test_registers import SOCIAL_CSV, error_code, xlsx_bytes


def test_truncated_xlsx_is_corrupt():
    data = xlsx_bytes([["单位名称", "联系人"], ["乌海市甲公司", "张三"]])
    assert error_code(data[: len(data) // 2], "台账.xlsx") == "corrupt"


def test_empty_files():
    assert error_code(b"", "a.xlsx") == "empty"
    assert error_code(b"", "a.csv") == "empty"
    assert error_code(b"\xef\xbb\xbf \r\n\r\n", "a.csv") == "empty"
    assert error_code(xlsx_bytes([]), "a.xlsx") == "empty"


def test_header_only_files_have_no_rows():
    assert error_code("单位名称,信用代码\n".encode(), "a.csv") == "no_rows"
    assert error_code("单位名称,信用代码\n,\n合计,\n".encode(), "a.csv") == "no_rows"
    assert error_code(xlsx_bytes([["标题"], ["单位名称", "信用代码"]]), "a.xlsx") == "no_rows"


def test_no_header_found():
    text = "甲,乙,丙\n1,2,3\n"
    assert error_code(text.encode("utf-8"), "a.csv") == "no_header"
    rows = [[f"标题{i}"] for i in range(25)] + [["单位名称", "联系人"], ["乌海市甲公司", "张三"]]
    assert error_code(xlsx_bytes(rows), "a.xlsx") == "no_header"


@pytest.mark.parametrize(("filename", "code"), [("随机.csv", "unsupported_type"), ("随机.xlsx", "corrupt")])
def test_random_bytes(filename, code):
    assert error_code(os.urandom(4096), filename) == code


def test_png_pdf_and_other_known_types():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(50)
    assert error_code(png, "image.png") == "unsupported_type"
    assert error_code(png, "renamed.xlsx") == "unsupported_type"
    assert error_code(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "名录.pdf") == "unsupported_type"
    assert error_code("单位名称,联系人\n甲,乙\n".encode(), "名录.pdf") == "unsupported_type"


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "单位名称,联系人\n")
    assert error_code(buffer.getvalue(), "名录.zip") == "unsupported_type"
    assert error_code(buffer.getvalue(), "名录.xlsx") == "corrupt"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert error_code(buffer.getvalue(), "名录.docx") == "unsupported_type"


def test_workbook_parts_that_are_broken_are_corrupt():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "not xml")
        archive.writestr("xl/workbook.xml", "<<<")
    assert error_code(buffer.getvalue(), "a.xlsx") == "corrupt"


def test_ole_junk_named_xls_is_corrupt():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2048)
    assert error_code(data, "旧表.xls") == "corrupt"


def test_html_saved_as_xls_is_refused():
    html = "<html><body><table><tr><td>单位名称</td><td>联系人</td></tr></table></body></html>"
    assert error_code(html.encode("utf-8"), "导出.xls") == "unsupported_type"


def test_csv_named_xls_is_read_as_text():
    table = read_register("单位名称\t联系人\n甲\t乙\n".encode("gbk"), "导出.xls")
    assert table.file_type == "csv"
    assert table.rows[0].values == {"name": "甲", "contact_name": "乙"}


def test_undecodable_text():
    data = "单位名称,信用代码\n".encode("gbk") + b"\xff\xfe\xff,1\n"
    assert error_code(data, "a.csv") == "encoding"


def test_text_with_nul_bytes_is_not_a_register():
    assert error_code(b"\xb5\xa5\xce\xbb\xc3\xfb\xb3\xc6,x\x00y\n", "a.csv") == "unsupported_type"


def test_control_characters_decoding_as_gb18030_are_refused():
    junk = bytes([0x81, 0x30, 0x81, 0x30, 0x01, 0x02, 0x1B, 0xB5, 0xA5]) * 50
    junk.decode("gb18030")  # it does decode...
    assert error_code(junk, "a.csv") == "unsupported_type"  # ...but it is not a register


def test_private_use_characters_are_refused():
    junk = bytes([0xAA, 0xA1, 0xFE, 0xFE, 0xF8, 0xA1]) * 100  # GBK user-defined area → U+E000..
    assert error_code(junk, "a.csv") == "unsupported_type"


def test_too_large():
    assert error_code(SOCIAL_CSV.encode("utf-8"), "a.csv", max_bytes=100) == "too_large"


def test_every_code_has_a_message():
    for code in ERROR_CODES:
        error = RegisterError(code)
        assert error.code == code
        assert error.message is not None
    with pytest.raises(ValueError):
        RegisterError("nonsense")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), filename=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a.txt", "a"]))
def test_arbitrary_bytes_never_raise_anything_but_register_error(data, filename):
    try:
        table = read_register(data, filename)
    except RegisterError as error:
        assert error.code in ERROR_CODES
    else:
        assert table.rows


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(
        st.text(
            alphabet=st.characters(
                min_codepoint=0x20, max_codepoint=0x9FFF, categories=["L", "N", "P", "Zs"]
            ),
            max_size=12,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_csv_round_trip_of_arbitrary_names(names):
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["单位名称", "联系人"])
    for name in names:
        writer.writerow([name, "张三"])
    try:
        table = read_register(buffer.getvalue().encode("utf-8"), "a.csv")
    except RegisterError as error:
        assert error.code == "no_rows"
        return
    expected = [name.strip() for name in names]
    got = {row.number: row.values["name"] for row in table.rows}
    for number, name in enumerate(expected, start=2):
        if number in got:
            assert got[number] == name
