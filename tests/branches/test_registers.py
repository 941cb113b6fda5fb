"""Tests for branches.registers: reading register files into clean rows (no database).

Assertions use error codes and values only: translated messages need Django settings.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from branches.registers import (
    ERROR_CODES,
    FIELD_ALIASES,
    TEMPLATE_EXAMPLE_USCC,
    RegisterError,
    RegisterTable,
    import_template_xlsx,
    normalize_header,
    parse_count,
    parse_yes_no,
    read_register,
    standard_headers,
)

DEMO = Path(__file__).resolve().parents[2] / "branches" / "demo" / "registers"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

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


def uscc_valid(code: str) -> bool:
    if len(code) != 18 or any(char not in USCC_ALPHABET for char in code):
        return False
    total = sum(USCC_ALPHABET.index(char) * weight for char, weight in zip(code, USCC_WEIGHTS, strict=False))
    return USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


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


def test_header_normalisation():
    assert normalize_header(" *单位名称： ") == "单位名称"
    assert normalize_header("职工总数（人）") == "职工总数"
    assert normalize_header("女职工数(人)") == "女职工数"
    assert normalize_header("女职工\n人数") == "女职工人数"
    assert normalize_header("ＵＳＣＣ") == "USCC"
    text = "*单位名称,职工总数（人）,女职工数(人),联系电话：,街道（乡镇）\n乌海市庚公司,10,5,13900000000,海北街道\n"
    table = read_register(text.encode("utf-8"), "a.csv")
    assert table.mapping == {
        "*单位名称": "name",
        "职工总数（人）": "employees",
        "女职工数(人)": "women",
        "联系电话：": "contact_mobile",
        "街道（乡镇）": "street",
    }


def test_every_alias_is_recognised():
    for key, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            other = "联系人" if key != "contact_name" else "单位名称"
            text = f"{alias},{other}\nx,y\n"
            table = read_register(text.encode("utf-8"), "a.csv")
            assert table.mapping[alias] == key


def test_unknown_header_reported_then_mapped():
    text = "单位名称,信用代码,备注,所在社区,序号\n乌海市辛公司,91150302MA01231035,重点企业,滨河社区,1\n"
    table = read_register(text.encode("utf-8"), "a.csv")
    assert table.unknown_headers == ["备注", "所在社区"]  # 序号 is ignored silently
    assert "备注" not in table.mapping
    assert table.rows[0].raw["备注"] == "重点企业"
    assert "address" not in table.rows[0].values

    table = read_register(text.encode("utf-8"), "a.csv", mapping={"所在社区": "address", "备注": ""})
    assert table.unknown_headers == []
    assert table.mapping["所在社区"] == "address"
    assert "备注" not in table.mapping
    assert table.rows[0].values["address"] == "滨河社区"


def test_mapping_overrides_an_alias_and_helps_find_the_header():
    text = "企业全称,统一代码\n乌海市壬公司,91150302MA01231035\n"
    assert error_code(text.encode("utf-8"), "a.csv") == "no_header"
    table = read_register(text.encode("utf-8"), "a.csv", mapping={"企业全称": "name", "统一代码": "uscc"})
    assert table.rows[0].values == {"name": "乌海市壬公司", "uscc": "91150302MA01231035"}


def test_mapping_rejects_unknown_target():
    with pytest.raises(ValueError):
        read_register(SOCIAL_CSV.encode("utf-8"), "a.csv", mapping={"备注": "nonsense"})


def test_duplicate_headers_first_wins():
    text = "单位名称,联系电话,手机,名称\n乌海市癸公司,0473-1234567,13900000001,别名\n"
    table = read_register(text.encode("utf-8"), "a.csv")
    assert table.mapping == {"单位名称": "name", "联系电话": "contact_mobile"}
    assert table.unknown_headers == ["手机", "名称"]
    assert table.rows[0].values == {"name": "乌海市癸公司", "contact_mobile": "0473-1234567"}
    assert table.rows[0].raw["手机"] == "13900000001"


def test_missing_required_name():
    text = "信用代码,联系人\n91150302MA01231035,张三\n"
    table = read_register(text.encode("utf-8"), "a.csv")
    assert table.missing_required == ["name"]
    assert table.rows[0].values == {"uscc": "91150302MA01231035", "contact_name": "张三"}


def test_totals_rows_and_blank_rows():
    text = "单位名称,职工总数\n甲,1\n,\n乙,2\n小计,3\n合　计,3\n 总计（全市）,3\n丙,4\n,\n\n"
    table = read_register(text.encode("utf-8"), "a.csv")
    assert [(row.number, row.values["name"]) for row in table.rows] == [(2, "甲"), (4, "乙"), (8, "丙")]
    # trailing blank rows are not reported
    assert table.skipped == [(3, "blank"), (5, "totals"), (6, "totals"), (7, "totals")]


def test_totals_label_in_a_leading_number_column():
    text = "序号,单位名称,职工总数\n1,甲,5\n合计,,5\n"
    table = read_register(text.encode("utf-8"), "a.csv")
    assert len(table.rows) == 1
    assert table.skipped == [(3, "totals")]


# ------------------------------------------------------------------------- value normalisation
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("是", True),
        ("否", False),
        ("有", True),
        ("无", False),
        ("已建", True),
        ("未建", False),
        ("Y", True),
        ("n", False),
        ("1", True),
        ("0", False),
        ("√", True),
        ("×", False),
        ("TRUE", True),
        ("是（联合党支部）", True),
        ("已建立联合党支部", True),
        (" ", None),
        ("", None),
        ("/", None),
    ],
)
def test_parse_yes_no(text, expected):
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12), ("12.0", 12), ("1,234", 1234), ("１２", 12), ("30人", 30), (" 7 ", 7), ("", None)],
)
def test_parse_count(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["abc", "12.5", "-3", "约50", "不详"])
def test_parse_count_rejects(text):
    with pytest.raises(ValueError):
        parse_count(text)


def test_bad_values_become_row_problems_not_exceptions():
    text = (
        "单位名称,职工总数,女职工数,是否建立党组织,是否建立工会\n"
        "甲,abc,3,也许,是\n"
        ",10,20,否,否\n"
        "丙,10,4,√,×\n"
    )
    table = read_register(text.encode("utf-8"), "a.csv")
    first, second, third = table.rows
    assert first.values == {
        "name": "甲",
        "employees": None,
        "women": 3,
        "party_org": None,
        "trade_union": True,
    }
    assert len(first.problems) == 2  # not a number, not a yes/no value
    assert first.raw["职工总数"] == "abc"
    assert len(second.problems) == 1  # the empty name; how the counts compare is for the import to say
    assert second.values["women"] == 20
    assert third.problems == []
    assert third.values == {
        "name": "丙",
        "employees": 10,
        "women": 4,
        "party_org": True,
        "trade_union": False,
    }


def test_categories_split_and_deduplicated():
    text = '单位名称,分类\n甲,"民营企业百强、快递物流，外卖配送;快递物流"\n乙,\n'
    table = read_register(text.encode("utf-8"), "a.csv")
    assert table.rows[0].values["categories"] == ["民营企业百强", "快递物流", "外卖配送"]
    assert table.rows[1].values["categories"] == []


# ------------------------------------------------------------------------------------------ XLSX
def test_xlsx_numbers_text_and_dates():
    data = xlsx_bytes(
        [
            ["2024年乌海市两新组织台账"],
            ["填报单位：社工部", None, "日期：2024-06-30"],
            [
                "单位名称",
                "信用代码",
                "职工人数",
                "女职工人数",
                "手机",
                "是否建立工会",
                "成立日期",
                None,
                "是否建立党组织",
            ],
            [
                "乌海市甲公司",
                "91150302MA01231035",
                12.0,
                5,
                13947312345,
                True,
                dt.date(2020, 5, 1),
                "x",
                "已建",
            ],
            [
                "乌海市乙公司",
                "92150303MA0000000X",
                3.5,
                None,
                "139 4731 2345",
                False,
                dt.datetime(2021, 1, 2),  # noqa: DTZ001 - Excel cells hold naive datetimes
                None,
                None,
            ],
        ]
    )
    table = read_register(data, "台账.xlsx")
    assert table.file_type == "xlsx"
    assert table.sheet_name == "Sheet1"
    assert table.header_row == 3
    assert table.unknown_headers == [] and table.mapping["成立日期"] == "founded_on"
    first, second = table.rows
    assert first.number == 4
    assert first.values == {
        "name": "乌海市甲公司",
        "uscc": "91150302MA01231035",
        "employees": 12,
        "women": 5,
        "contact_mobile": "13947312345",
        "trade_union": True,
        "founded_on": dt.date(2020, 5, 1),
        "party_org": True,
    }
    assert first.raw["职工人数"] == "12"
    assert first.raw["成立日期"] == "2020-05-01"
    assert first.problems == []
    assert second.values["employees"] is None
    assert len(second.problems) == 1  # 3.5 is not a head count
    assert second.raw["职工人数"] == "3.5"
    assert second.values["trade_union"] is False
    assert second.values["party_org"] is None
    assert second.raw["成立日期"] == "2021-01-02"
    assert second.values["founded_on"] == dt.date(2021, 1, 2)  # an Excel date and time: its day


def test_xlsx_uscc_stored_as_number_is_never_a_float_string():
    data = xlsx_bytes([["单位名称", "统一社会信用代码"], ["乌海市全数字公司", 911503020000000000]])
    row = read_register(data, "a.xlsx").rows[0]
    assert row.values["uscc"].isdigit()
    assert "e" not in row.values["uscc"].lower() and "." not in row.values["uscc"]
    assert len(row.problems) == 1  # stored as a number: digits may be lost


def test_xlsx_leading_empty_rows_keep_spreadsheet_row_numbers():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["C5"] = "单位名称"
    sheet["D5"] = "联系人"
    sheet["C6"] = "乌海市甲公司"
    sheet["D6"] = "张三"
    sheet["C8"] = "乌海市乙公司"
    sheet.merge_cells("C3:D3")
    sheet["C3"] = "标题"
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_register(buffer.getvalue(), "a.xlsx")
    assert table.header_row == 5
    assert [row.number for row in table.rows] == [6, 8]
    assert table.skipped == [(7, "blank")]


def test_xlsx_merged_and_blank_header_cells():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["单位名称", "联系人", None, "是否建立工会"])
    sheet.merge_cells("B1:C1")
    sheet.append(["乌海市甲公司", "张三", "13900000000", "是"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_register(buffer.getvalue(), "a.xlsx")
    assert table.headers == ["单位名称", "联系人", "是否建立工会"]
    assert table.rows[0].values == {"name": "乌海市甲公司", "contact_name": "张三", "trade_union": True}


def test_xlsx_hidden_first_sheet_is_skipped():
    data = xlsx_bytes(
        [["单位名称", "信用代码"], ["乌海市甲公司", "91150302MA01231035"]], title="名录", hidden_first=True
    )
    table = read_register(data, "a.xlsx")
    assert table.sheet_name == "名录"
    assert [row.values["name"] for row in table.rows] == ["乌海市甲公司"]


def test_xlsx_first_visible_sheet_without_header_falls_through_to_next():
    workbook = openpyxl.Workbook()
    workbook.active.append(["这是一张说明表"])
    data_sheet = workbook.create_sheet("数据")
    data_sheet.append(["单位名称", "联系人"])
    data_sheet.append(["乌海市甲公司", "张三"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_register(buffer.getvalue(), "a.xlsx")
    assert table.sheet_name == "数据"


def test_xlsx_5000_rows_write_only():
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("名录")
    sheet.append(["乌海市大名录"])
    sheet.append(["单位名称", "统一社会信用代码", "职工人数", "女职工人数", "是否建立工会", "分类"])
    for index in range(5000):
        sheet.append([f"乌海市第{index}号公司", f"9115030200{index:08d}", index, index // 2, "是", "甲、乙"])
    sheet.append(["合计", None, sum(range(5000)), None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_register(buffer.getvalue(), "big.xlsx")
    assert len(table.rows) == 5000
    assert table.rows[0].number == 3
    assert table.rows[-1].number == 5002
    assert table.rows[-1].values["uscc"] == "911503020000004999"
    assert table.rows[-1].values["employees"] == 4999
    assert sum(row.values["women"] for row in table.rows) == sum(i // 2 for i in range(5000))
    assert table.skipped == [(5003, "totals")]
    assert all(not row.problems for row in table.rows)


def test_too_many_rows():
    rows = [["单位名称", "联系人"]] + [[f"单位{i}", "张三"] for i in range(11)]
    assert error_code(xlsx_bytes(rows), "a.xlsx", max_rows=10) == "too_many_rows"
    assert len(read_register(xlsx_bytes(rows), "a.xlsx", max_rows=11).rows) == 11
    text = "\n".join(",".join(row) for row in rows)
    assert error_code(text.encode("utf-8"), "a.csv", max_rows=10) == "too_many_rows"


# ---------------------------------------------------------------------------------------- errors
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


# -------------------------------------------------------------------------------- sample registers
def test_sample_civil_affairs_csv():
    path = DEMO / "民政局_社会组织名录.csv"
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    table = read_register(data, path.name)
    assert table.encoding == "gb18030"
    assert table.header_row == 3
    assert len(table.rows) == 40
    assert table.unknown_headers == []
    assert set(table.mapping.values()) == {
        "name",
        "uscc",
        "district",
        "street",
        "unit_type",
        "employees",
        "women",
        "contact_name",
        "contact_mobile",
        "party_org",
    }
    assert table.skipped == [(44, "totals")]
    names = {row.values["name"] for row in table.rows}
    assert "烏海市愛心協會" in names
    assert "乌海市女企业家协会" in names
    codes = [row.values["uscc"] for row in table.rows]
    assert all(code.startswith("5") for code in codes)
    assert sum(not uscc_valid(code) for code in codes) == 1
    assert all(row.values["district"] in {"海勃湾区", "海南区", "乌达区"} for row in table.rows)
    assert all(len(row.values["contact_mobile"]) == 11 for row in table.rows)
    assert all(row.values["party_org"] in (True, False) for row in table.rows)
    assert all(not row.problems for row in table.rows)


def test_sample_social_work_xlsx_overlaps_the_csv():
    path = DEMO / "社工部_两新组织台账.xlsx"
    table = read_register(path.read_bytes(), path.name)
    assert table.header_row == 3
    assert len(table.rows) == 60
    assert table.unknown_headers == []
    assert table.skipped == []
    assert "trade_union" in table.mapping.values()
    assert sum(bool(row.problems) for row in table.rows) == 1  # one 女职工人数 of 不详
    codes = [row.values["uscc"] for row in table.rows if row.values["uscc"]]
    assert all(uscc_valid(code) for code in codes)
    assert (
        sum(code.startswith("9") for code in codes) == 49
    )  # + 1 社会团体 (51…) in the 万达 business district
    assert any("快递物流" in row.values["categories"] for row in table.rows)
    assert all(row.values["contact_mobile"].isdigit() for row in table.rows)

    social = read_register((DEMO / "民政局_社会组织名录.csv").read_bytes(), "民政局_社会组织名录.csv")
    social_codes = {row.values["uscc"] for row in social.rows}
    social_names = {row.values["name"] for row in social.rows}
    by_code = [row for row in table.rows if row.values["uscc"] in social_codes]
    assert len(by_code) == 8
    name_only = [
        row.values["name"]
        for row in table.rows
        if not row.values["uscc"] and row.values["name"].replace("（", "(").replace("）", ")") in social_names
    ]
    assert len(name_only) == 2
    assert "乌海市爱心协会" in {row.values["name"] for row in by_code}


# ---------------------------------------------------------------------------------------- template
def test_template_round_trip():
    data = import_template_xlsx()
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["台账导入", "填写说明"]
    sheet = workbook["台账导入"]
    assert [cell.value for cell in sheet[1]] == standard_headers()
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["A"].width > 10
    notes = workbook["填写说明"]
    noted = [notes.cell(row=index, column=1).value for index in range(2, 2 + len(FIELD_ALIASES))]
    assert noted == standard_headers()

    table = read_register(data, "导入模板.xlsx")
    assert table.sheet_name == "台账导入"
    assert table.header_row == 1
    assert table.unknown_headers == []
    assert table.missing_required == []
    assert list(table.mapping.values()) == list(FIELD_ALIASES)
    (row,) = table.rows
    assert row.number == 2
    assert row.problems == []
    assert row.values["uscc"] == TEMPLATE_EXAMPLE_USCC
    assert uscc_valid(TEMPLATE_EXAMPLE_USCC)
    assert row.values["district"] == "海勃湾区"
    assert isinstance(row.values["employees"], int)
    assert row.values["party_org"] in (True, False)
    assert row.values["categories"]


# --------------------------------------------------------------------------------------------
# Streaming: the rows of a table, cleaned one at a time
# --------------------------------------------------------------------------------------------
STREAMED = [
    ["单位名称", "统一社会信用代码", "职工总数", "女职工数", "是否建立工会", "分类"],
    ["甲协会", "91150302MA0000001H", "12人", "5", "是", "快递、外卖"],
    [None, None, None, None, None, None],
    ["合计", None, 12, 5, None, None],
    ["乙协会", 123, "十二", "5", "也许", ""],
]


def test_a_streamed_table_gives_the_rows_of_a_read_one(tmp_path):
    data = xlsx_bytes(STREAMED)
    table = read_register(data, "a.xlsx")
    streamed = read_register(data, "a.xlsx", stream=True)
    assert streamed.row_count == 0 and not isinstance(streamed.rows, list)

    rows = list(streamed.rows)

    assert [(r.number, r.values, [str(p) for p in r.problems], r.raw) for r in rows] == [
        (r.number, r.values, [str(p) for p in r.problems], r.raw) for r in table.rows
    ]
    assert streamed.row_count == table.row_count == 2
    assert streamed.skipped == table.skipped == [(3, "blank"), (4, "totals")]
    assert rows[1].values["employees"] is None and rows[1].problems


def test_rows_read_without_raw_texts_keep_their_values():
    data = xlsx_bytes(STREAMED)
    rows = read_register(data, "a.xlsx", raw=False).rows
    assert [row.raw for row in rows] == [{}, {}]
    assert [row.values for row in rows] == [row.values for row in read_register(data, "a.xlsx").rows]


def test_a_streamed_table_raises_about_its_rows_while_they_are_read():
    streamed = read_register(xlsx_bytes([["单位名称", "统一社会信用代码"], ["甲", "1"], ["乙", "2"]]), "a.xlsx",
                             stream=True, max_rows=1)  # fmt: skip
    with pytest.raises(RegisterError) as error:
        list(streamed.rows)
    assert error.value.code == "too_many_rows"
