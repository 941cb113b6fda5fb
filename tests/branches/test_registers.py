"""Tests for branches.registers: reading register files into clean rows (no database). Here: CSV and other
text, in the encodings and delimiters departments send; the helpers the other test_registers_* modules share.

Assertions use error codes and values only: translated messages need Django settings.
"""

from __future__ import annotations

import io

import openpyxl
import pytest

from branches.registers import RegisterError, RegisterTable, read_register

SOCIAL_CSV = (
    "2024年乌海市社会组织名录,,,,,\n"
    "填报单位：乌海市民政局,,,日期：2024-06-30,,\n"
    "组织名称,统一社会信用代码,所在区,会员数,女会员数,是否建立党组织\n"
    "乌海市爱心协会,51150302MJ0000001X,海勃湾区,120,80,是\n"
    "\n"
    "乌海市女企业家协会,51150302MJ0000002X,海勃湾区,45,45,否\n"
    ",,,,,\n"
    "合计,,,165,125,\n"
)


def xlsx_bytes(rows: list[list], *, title: str = "Sheet1", hidden_first: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if hidden_first:
        sheet.title = "说明"
        sheet.append(["单位名称", "信用代码"])
        sheet.append(["隐藏表里的单位", "x"])
        sheet.sheet_state = "hidden"
        sheet = workbook.create_sheet(title)
    else:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_code(data: bytes, filename: str, **kwargs) -> str:
    with pytest.raises(RegisterError) as excinfo:
        read_register(data, filename, **kwargs)
    return excinfo.value.code


# ------------------------------------------------------------------------------------------ CSV
@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_encodings(encoding, detected):
    table = read_register(SOCIAL_CSV.encode(encoding), "名录.csv")
    assert isinstance(table, RegisterTable)
    assert table.file_type == "csv"
    assert table.encoding == detected
    assert table.header_row == 3
    assert [row.number for row in table.rows] == [4, 6]
    assert table.rows[0].values == {
        "name": "乌海市爱心协会",
        "uscc": "51150302MJ0000001X",
        "district": "海勃湾区",
        "employees": 120,
        "women": 80,
        "party_org": True,
    }
    assert table.rows[1].values["party_org"] is False
    assert table.skipped == [(5, "blank"), (7, "blank"), (8, "totals")]
    assert table.missing_required == []
    assert table.unknown_headers == []


def test_csv_gb18030_characters_outside_gbk():
    text = "单位名称,联系人\n乌海市𠮷祥商贸有限公司,䶮晓\n"  # 𠮷 and 䶮 need GB18030 four-byte codes
    table = read_register(text.encode("gb18030"), "a.csv")
    assert table.rows[0].values == {"name": "乌海市𠮷祥商贸有限公司", "contact_name": "䶮晓"}


def test_tab_separated_and_chinese_comma_is_not_a_delimiter():
    text = "单位名称\t地址\t职工总数\n乌海市甲公司\t海勃湾区，新华街道，1号\t12\n"
    table = read_register(text.encode("utf-8"), "a.txt")
    assert table.rows[0].values == {
        "name": "乌海市甲公司",
        "address": "海勃湾区，新华街道，1号",
        "employees": 12,
    }


def test_semicolon_separated_with_quoted_commas():
    text = '单位名称;地址;标签\n"乌海市乙公司";"海南区,拉僧庙镇";"快递物流, 外卖配送"\n'
    table = read_register(text.encode("utf-8"), "a.csv")
    assert table.rows[0].values == {
        "name": "乌海市乙公司",
        "address": "海南区,拉僧庙镇",
        "categories": ["快递物流", "外卖配送"],
    }


def test_utf16_unicode_text_export():
    text = "单位名称\t统一社会信用代码\r\n乌海市丙公司\t91150302MA01231035\r\n"
    table = read_register(text.encode("utf-16"), "导出.txt")
    assert table.encoding == "utf-16"
    assert table.rows[0].values == {"name": "乌海市丙公司", "uscc": "91150302MA01231035"}


def test_quoted_newlines_keep_record_numbers_and_excel_text_trick():
    text = '单位名称,地址,信用代码\n"乌海市丁公司","第一行\n第二行",="91150302MA01231035"\n乌海市戊公司,,\n'
    table = read_register(text.encode("utf-8"), "a.csv")
    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[0].values["address"] == "第一行\n第二行"
    assert table.rows[0].values["uscc"] == "91150302MA01231035"


def test_cells_are_stripped_of_full_width_and_zero_width_spaces():
    text = "单位名称,联系人\n\u3000乌海市己公司\u200b ,\xa0张三\u3000\n"
    table = read_register(text.encode("utf-8"), "a.csv")
    assert table.rows[0].values == {"name": "乌海市己公司", "contact_name": "张三"}
