"""branches.registers: the two sample registers under branches/demo/registers/ and the import template.

Assertions use error codes and values only: translated messages need Django settings.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from branches.registers import (
    FIELD_ALIASES,
    TEMPLATE_EXAMPLE_USCC,
    TemplateArea,
    import_template_xlsx,
    read_register,
    standard_headers,
)

DEMO = Path(__file__).resolve().parents[2] / "branches" / "demo" / "registers"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_valid(code: str) -> bool:
    if len(code) != 18 or any(char not in USCC_ALPHABET for char in code):
        return False
    total = sum(USCC_ALPHABET.index(char) * weight for char, weight in zip(code, USCC_WEIGHTS, strict=False))
    return USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


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
    data = import_template_xlsx(TemplateArea(city="乌海市", district="海勃湾区", street="新华街道"))
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
