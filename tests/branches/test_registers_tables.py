"""branches.registers: finding the header, mapping its columns, skipping blank and totals rows, and
tables read as a stream of rows.

Assertions use error codes and values only: translated messages need Django settings.
"""

from __future__ import annotations

import pytest

from branches.registers import FIELD_ALIASES, RegisterError, normalize_header, read_register
from tests.branches.test_registers import SOCIAL_CSV, error_code, xlsx_bytes


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
