"""branches.registers: the values of yes/no, count and list columns, and a bad value as a row's problem.

Assertions use error codes and values only: translated messages need Django settings.
"""

from __future__ import annotations

import pytest

from branches.registers import parse_count, parse_yes_no, read_register


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
