"""What a cell says: the text a person sees in it (_cell_text: stripped of every kind of space, Excel's numbers
and dates written as a register shows them) and that text parsed for the typed columns: yes/no, head counts,
founding dates, lists of labels. A value that does not parse is not an error of the file: the cleaners return
what is wrong with it, and the row keeps a warning with the value left empty.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from typing import Any

from django.utils.translation import gettext_lazy as _

from .columns import (
    _BRACKETED,
    CATEGORY_SEPARATORS,
    COUNT_FIELDS,
    DATE_FIELDS,
    LIST_FIELDS,
    NO_VALUES,
    TOTALS_PREFIXES,
    UNKNOWN_VALUES,
    YES_NO_FIELDS,
    YES_VALUES,
)

# Every whitespace character (incl. U+3000 ideographic space, NBSP) plus zero-width marks.
_STRIP_CHARS = (
    "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + "\ufeff\u200b\u200c\u200d\u2060"
)
_INTEGER = re.compile(r"\d+(?:\.0*)?")
_COUNT_UNITS = ("人", "名", "个", "位")


def parse_yes_no(text: str) -> bool | None:
    """Parse 是/否, 有/无, 已建/未建, Y/N, 1/0, √/× to True/False ('' → None); ValueError otherwise."""
    value = _BRACKETED.sub("", unicodedata.normalize("NFKC", text)).strip(_STRIP_CHARS).upper()
    if not value or value in UNKNOWN_VALUES:
        return None
    if value in YES_VALUES:
        return True
    if value in NO_VALUES:
        return False
    if value.startswith(("已建", "已成立", "已组建", "已单独", "已联合")):
        return True
    if value.startswith(("未建", "未成立", "未组建")):
        return False
    raise ValueError(text)


def parse_count(text: str) -> int | None:
    """Parse a head count like '12', '12.0', '1,234' or '12人' to int ('' → None); ValueError otherwise."""
    value = "".join(unicodedata.normalize("NFKC", text).split()).replace(",", "")
    if not value:
        return None
    if value.endswith(_COUNT_UNITS):
        value = value[:-1]
    if not _INTEGER.fullmatch(value):
        raise ValueError(text)
    return int(value.split(".", 1)[0])


_DATE_TEXT = re.compile(
    r"(\d{4})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?|[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|(\d{2})(\d{2}))"
    r"(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
#: Excel's serial day numbers that a date cell without its format shows (1950 to 2080).
_EXCEL_SERIALS = range(18264, 65745)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(text: str) -> dt.date | None:
    """Parse a founding date as registers write it: 2019年3月5日, 2019-03-05, 2019/3/5, 2019.3.5, 20190305, an
    ISO date and time, or an Excel serial day number ('' → None); ValueError otherwise (or for a day that does
    not exist, or one before 1900 or after today)."""
    value = unicodedata.normalize("NFKC", text).strip(_STRIP_CHARS)
    if not value:
        return None
    if value.isdecimal() and int(value) in _EXCEL_SERIALS:
        date = _EXCEL_EPOCH + dt.timedelta(days=int(value))
    else:
        match = _DATE_TEXT.fullmatch(value)
        if not match:
            raise ValueError(text)
        year, *parts = match.groups()
        month, day = next((parts[i], parts[i + 1]) for i in (0, 2, 4) if parts[i] is not None)
        try:
            date = dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(text) from None
    if date.year < 1900 or date > dt.date.today():  # noqa: DTZ011 (a calendar date, wherever the server is)
        raise ValueError(text)
    return date


def _cell_text(value: Any) -> str:
    """Turn a cell (str from CSV, or a calamine value) into the text a user sees, stripped."""
    if type(value) is str:
        text = value.strip(_STRIP_CHARS)
        if text[:2] == '="' and text[-1] == '"' and len(text) >= 3:  # the ="0123" trick of CSV exports
            text = text[2:-1].strip(_STRIP_CHARS)
        return text
    if type(value) is float and value.is_integer():  # head counts: calamine reads every number as a float
        return str(int(value))
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip(_STRIP_CHARS)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer():
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    return str(value).strip(_STRIP_CHARS)


def _is_totals(text: str) -> bool:
    return "".join(text.split()).startswith(TOTALS_PREFIXES)


# What is wrong with a cell (the second item a cleaner returns) → the warning; the row keeps, the value is left empty.
_CELL_MESSAGES = {
    "number": _("%(header)s is not a number (“%(value)s”) and was left empty."),
    "negative": _("%(header)s is negative (%(value)s) and was left empty."),
    "yes_no": _("%(header)s is not a yes/no value (“%(value)s”) and was left empty."),
    "date": _("%(header)s is not a date (“%(value)s”) and was left empty."),
}
_NEGATIVE = re.compile(r"-\s*\d+(?:\.0*)?\s*[人名个位]?")


@functools.lru_cache(maxsize=4096)
def _count_cell(text: str) -> tuple[int | None, str]:
    """(count, what is wrong with the text or ""); a column holds few distinct texts, each parsed once."""
    try:
        return parse_count(text), ""
    except ValueError:
        return None, "negative" if _NEGATIVE.fullmatch(
            unicodedata.normalize("NFKC", text).strip()
        ) else "number"


@functools.lru_cache(maxsize=4096)
def _yes_no_cell(text: str) -> tuple[bool | None, str]:
    try:
        return parse_yes_no(text), ""
    except ValueError:
        return None, "yes_no"


@functools.lru_cache(maxsize=4096)
def _date_cell(text: str) -> tuple[dt.date | None, str]:
    try:
        return parse_date(text), ""
    except ValueError:
        return None, "date"


@functools.lru_cache(maxsize=4096)
def _labels_cell(text: str) -> tuple[str, ...]:
    labels = [label.strip(_STRIP_CHARS) for label in CATEGORY_SEPARATORS.split(text)] if text else []
    return tuple(dict.fromkeys(label for label in labels if label))


_CLEANERS = {
    **dict.fromkeys(COUNT_FIELDS, _count_cell),
    **dict.fromkeys(YES_NO_FIELDS, _yes_no_cell),
    **dict.fromkeys(LIST_FIELDS, _labels_cell),
    **dict.fromkeys(DATE_FIELDS, _date_cell),
}
