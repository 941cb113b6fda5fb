"""The columns a register can hold: each ledger key with the header texts departments write for it, which keys
are yes/no, counts, dates or lists, and the values those columns use. A header is compared in one normal form
(normalize_header: half-width, simplified characters, no spaces, stars, colons or bracketed units), so a new
spelling is added to FIELD_ALIASES rather than loosening the matching. Also how columns are named by their
letter (column_letter, blank_column_header), as a spreadsheet shows them.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# The first alias of each key is the standard header used by the import template.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("单位名称", "组织名称", "名称", "企业名称", "社会组织名称"),
    "uscc": ("统一社会信用代码", "信用代码", "社会信用代码"),
    "district": ("所属区", "区县", "所在区", "区"),
    "street": ("街道", "乡镇", "街道（乡镇）", "所属街道"),
    "field": ("类别", "三新类别", "领域", "三新领域"),
    "unit_type": ("单位类型", "组织类型", "类型"),
    "industry": ("行业", "所属行业"),
    "address": ("地址", "单位地址", "住所"),
    "employees": ("职工总数", "会员数", "从业人员数", "职工人数", "职工数"),
    "women": ("女职工数", "女性人数", "女会员数", "女职工人数"),
    "contact_name": ("联系人",),
    "contact_mobile": ("联系电话", "手机", "联系方式"),
    "party_org": ("是否建立党组织", "党组织"),
    "trade_union": ("是否建立工会", "工会"),
    "categories": ("分类", "标签"),
    "founded_on": ("成立日期", "登记日期", "注册日期", "成立时间", "登记时间", "注册时间", "成立登记日期"),
}

#: Canonical keys that a register must provide (reported in RegisterTable.missing_required).
REQUIRED_FIELDS: tuple[str, ...] = ("name",)
#: Keys normalised to True / False / None.
YES_NO_FIELDS: frozenset[str] = frozenset({"party_org", "trade_union"})
#: Keys parsed to int / None.
COUNT_FIELDS: frozenset[str] = frozenset({"employees", "women"})
#: Keys split into a list of labels.
LIST_FIELDS: frozenset[str] = frozenset({"categories"})
#: Keys parsed to datetime.date / None.
DATE_FIELDS: frozenset[str] = frozenset({"founded_on"})
#: Headers that carry no data (row numbers); silently ignored instead of reported as unknown.
IGNORED_HEADERS: frozenset[str] = frozenset({"序号", "No."})

YES_VALUES: frozenset[str] = frozenset(
    {"是", "有", "已建", "已建立", "已成立", "已组建", "建立", "Y", "YES", "1", "√", "✓", "✔", "TRUE", "T"}
)
NO_VALUES: frozenset[str] = frozenset(
    {"否", "无", "没有", "未建", "未建立", "未成立", "未组建", "不", "N", "NO", "0", "×", "✗", "✘", "X"}
    | {"FALSE", "F"}
)
#: Values meaning "not filled in" in a yes/no column (no problem reported).
UNKNOWN_VALUES: frozenset[str] = frozenset({"-", "--", "/", "—", "——", "不详", "未知"})
TOTALS_PREFIXES: tuple[str, ...] = ("合计", "总计", "小计")
CATEGORY_SEPARATORS = re.compile(r"[,，、;；/|]")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
_HEADER_PUNCTUATION = str.maketrans("", "", "*:※")


@functools.cache
def _t2s():
    """The traditional → simplified converter (the one name matching uses), made on first use."""
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=4096)
def simplified(text: str) -> str:
    """The text in simplified characters (單位名稱 → 单位名称); a register repeats few distinct texts."""
    return _t2s().convert(text) if text and not text.isascii() else text


def normalize_header(text: str) -> str:
    """Return the comparable form of a header: half-width, simplified characters, no whitespace, '*', colons
    or (units)."""
    text = simplified(unicodedata.normalize("NFKC", str(text)))
    text = _BRACKETED.sub("", text)
    text = text.translate(_HEADER_PUNCTUATION)
    return "".join(text.split())


def _build_alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for key, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            normalized = normalize_header(alias)
            if index.setdefault(normalized, key) != key:
                raise ValueError(f"header alias {alias!r} is used for two keys")
    return index


ALIAS_INDEX: dict[str, str] = _build_alias_index()
_IGNORED_NORMALIZED = frozenset(normalize_header(h) for h in IGNORED_HEADERS)


def standard_headers() -> list[str]:
    """Return the standard header (first alias) of every canonical key, in ledger order."""
    return [aliases[0] for aliases in FIELD_ALIASES.values()]


def blank_column_header(index: int) -> str:
    """The name given to a column whose header cell is blank, by its letter (列C for the third)."""
    return f"列{column_letter(index)}"


def column_letter(index: int) -> str:
    """A column's letter as a spreadsheet shows it (0 → A, 27 → AB)."""
    return _column_letters(index + 1)


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
