"""branches.registers: Excel workbooks: numbers, texts and dates as cells, row numbers, merged and blank
header cells, hidden sheets, large sheets.

Assertions use error codes and values only: translated messages need Django settings.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from branches.registers import read_register
from tests.branches.test_registers import error_code, xlsx_bytes


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
