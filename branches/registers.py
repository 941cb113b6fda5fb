"""Read a register (名录 / 台账) that another department sent as Excel or CSV into clean rows.

This module never touches the database: it turns bytes into a :class:`RegisterTable` (header
mapping, cleaned rows, per-row problems) or raises :class:`RegisterError` with a user-facing
message. Matching rows against the ledger is somebody else's job.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import itertools
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from federation.uploads import ArchiveError, zip_chunks, zip_open

# --------------------------------------------------------------------------------------------
# Data: canonical ledger columns and the header texts that departments use for them.
# Matching is exact after normalize_header() (full-width forms made half-width, traditional characters made
# simplified, whitespace, '*', colons and bracketed units removed), so add new spellings here rather than
# loosening the matching.
# The first alias of each key is the standard header used by the import template.
# --------------------------------------------------------------------------------------------
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

HEADER_SCAN_ROWS = 20
MAX_REGISTER_BYTES = 50 * 1024 * 1024
# Reading limits: settings.IMPORT_MAX_ROWS / _COLUMNS / _CELLS, these defaults outside a configured project.
DEFAULT_MAX_ROWS = 200_000
DEFAULT_MAX_COLUMNS = 200
DEFAULT_MAX_CELLS = 10_000_000

TEMPLATE_SHEET = "台账导入"
TEMPLATE_NOTES_SHEET = "填写说明"
#: USCC of the template's example row, so an import can warn when the example was not deleted.
TEMPLATE_EXAMPLE_USCC = "91150302MA01231035"

ERROR_CODES: frozenset[str] = frozenset(
    {"empty", "too_large", "unsupported_type", "corrupt", "no_header", "no_rows", "too_many_rows", "encoding"}
    | {"too_many_columns", "too_many_cells"}
)

_WORKBOOK_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
_TEXT_EXTENSIONS = frozenset({".csv", ".txt", ".tsv", ""})
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_FOREIGN_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x7fELF", "ELF"),
    (b"MZ\x90\x00", "EXE"),
    (b"{\\rtf", "RTF"),
)
_DELIMITERS = (",", "\t", ";", "|")
# Every whitespace character (incl. U+3000 ideographic space, NBSP) plus zero-width marks.
_STRIP_CHARS = (
    "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + "\ufeff\u200b\u200c\u200d\u2060"
)
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
_HEADER_PUNCTUATION = str.maketrans("", "", "*:※")
_INTEGER = re.compile(r"\d+(?:\.0*)?")
_COUNT_UNITS = ("人", "名", "个", "位")
_BINARY_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"
_SAMPLE = 65536


def _interpolate(message: Any, params: dict[str, Any]) -> str:
    return str(message) % params


#: Lazily translated "%"-interpolation: the message is translated when it is rendered.
_lazy_interpolate = lazy(_interpolate, str)


_MESSAGES: dict[str, Any] = {
    "empty": _("The file is empty."),
    "too_large": _("The file is too large: at most %(limit)s MB can be imported at once."),
    "unsupported_type": _(
        "This file type cannot be imported. Please upload an Excel workbook (.xlsx or .xls) or a CSV file."
    ),
    "foreign_type": _(
        "This is a %(kind)s file, not a register. Please upload an Excel workbook (.xlsx or .xls) or a CSV file."
    ),
    "binary": _(
        "The file contains binary data and is neither CSV text nor an Excel workbook. "
        "Please upload an Excel workbook (.xlsx or .xls) or a CSV file."
    ),
    "html": _(
        "This file is a web page or XML export with a spreadsheet name, not a real workbook. "
        "Open it in Excel or WPS, save it as .xlsx and upload that file."
    ),
    "encrypted": _(
        "The workbook is password-protected. Remove the password in Excel or WPS and upload it again."
    ),
    "corrupt": _(
        "The workbook is damaged or incomplete and cannot be opened. "
        "Open it in Excel or WPS, save it again as .xlsx and upload the new file."
    ),
    "corrupt_csv": _("The CSV file could not be parsed near row %(row)s: %(detail)s"),
    "no_header": _(
        "No header row was found in the first %(rows)s rows: the header row needs at least two "
        "recognised column names, for example 单位名称 and 统一社会信用代码."
    ),
    "no_rows": _("The header row was found, but there are no data rows below it."),
    "too_many_rows": _("The file has more than %(limit)s data rows. Split it into smaller files."),
    "too_many_columns": _(
        "The sheet has more than %(limit)s columns. Delete the columns that are not needed and upload it again."
    ),
    "too_many_cells": _(
        "The sheet reaches down to row %(rows)s and across to column %(columns)s, more than can be read at "
        "once. Delete the empty rows and columns around the table, or split it, and upload it again."
    ),
    "zip_bomb": _(
        "The workbook would expand to more than %(limit)s MB when opened, or is compressed far more than a "
        "real workbook, so it cannot be imported. Save it again in Excel or WPS, or split it, and upload it."
    ),
    "encoding": _(
        "The text could not be decoded (it is neither UTF-8 nor GBK/GB18030). "
        "Save it as “CSV UTF-8” or as an Excel workbook and upload it again."
    ),
}


class RegisterError(Exception):
    """A register file that cannot be read at all; ``code`` says why, ``message`` tells the user."""

    def __init__(self, code: str, message: Any = None, **params: Any) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown RegisterError code: {code!r}")
        self.code = code
        template = _MESSAGES[code] if message is None else message
        self.message = _lazy_interpolate(template, params) if params else template
        # no_header: the first rows of the file as read, [(row number, texts)], for a person to point at the header
        self.head: list[tuple[int, list[str]]] = []
        super().__init__(code)

    def __str__(self) -> str:
        try:
            return str(self.message)
        except Exception:  # translations unavailable (Django settings not configured)
            return self.code


@dataclass(slots=True)
class RegisterRow:
    """One data row of a register: cleaned values by canonical key, problems and the raw texts."""

    number: int
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)


@dataclass
class RegisterTable:
    """A register read from a file: where the header was, how it was mapped, and the rows."""

    header_row: int
    headers: list[str]
    mapping: dict[str, str]
    unknown_headers: list[str]
    rows: list[RegisterRow] | Iterator[RegisterRow]  # an iterator when read with stream=True
    skipped: list[tuple[int, str]]
    missing_required: list[str]
    file_type: str = ""
    sheet_name: str = ""
    encoding: str = ""
    row_count: int = 0  # data rows read (so far, while a stream is read)
    named_as: str = ""  # the workbook extension (".xlsx" …) of a file that is CSV text all the same


@dataclass(frozen=True)
class _Options:
    max_rows: int
    stream: bool = False
    raw: bool = True
    max_columns: int = DEFAULT_MAX_COLUMNS
    max_cells: int = DEFAULT_MAX_CELLS
    header_row: int | None = None  # the row a person said holds the headers (else it is looked for)


# --------------------------------------------------------------------------------------------
# Small public helpers
# --------------------------------------------------------------------------------------------
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
    if value.isdigit() and int(value) in _EXCEL_SERIALS:
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


# --------------------------------------------------------------------------------------------
# Header resolution
# --------------------------------------------------------------------------------------------
class _Resolver:
    """Maps header texts to canonical keys: user mapping first, then aliases, then ignored."""

    def __init__(self, mapping: dict[str, str] | None) -> None:
        self.exact: dict[str, str] = {}
        self.normalized: dict[str, str] = {}
        for header, key in (mapping or {}).items():
            if key and key not in FIELD_ALIASES:
                raise ValueError(f"mapping target {key!r} is not a canonical key")
            self.exact[str(header).strip(_STRIP_CHARS)] = key
            self.normalized.setdefault(normalize_header(header), key)

    def resolve(self, header: str) -> str | None:
        """Canonical key, '' for an ignored column, None for an unknown one."""
        if header in self.exact:
            return self.exact[header]
        normalized = normalize_header(header)
        if normalized in self.normalized:
            return self.normalized[normalized]
        if normalized in ALIAS_INDEX:
            return ALIAS_INDEX[normalized]
        if normalized in _IGNORED_NORMALIZED:
            return ""
        return None

    def matches(self, texts: list[str]) -> int:
        """How many cells of a candidate header row are known aliases or user-mapped headers."""
        count = 0
        for text in texts:
            if text:
                normalized = normalize_header(text)
                if text in self.exact or normalized in self.normalized or normalized in ALIAS_INDEX:
                    count += 1
        return count


@dataclass
class _Columns:
    headers: list[str]
    mapping: dict[str, str]
    unknown: list[str]
    fields: list[tuple[int, str, str]]  # (column index, header, canonical key)
    raw: list[tuple[int, str]]  # (column index, header) of every named column, first occurrence


def _columns(header_texts: list[str], resolver: _Resolver) -> _Columns:
    cols = _Columns(headers=[], mapping={}, unknown=[], fields=[], raw=[])
    used: set[str] = set()
    seen: set[str] = set()
    for index, text in enumerate(header_texts):
        if not text:
            continue
        cols.headers.append(text)
        if text not in seen:
            seen.add(text)
            cols.raw.append((index, text))
        key = resolver.resolve(text)
        if key == "":
            continue
        if key is None or key in used:
            if text not in cols.unknown:
                cols.unknown.append(text)
            continue
        used.add(key)
        cols.fields.append((index, text, key))
        cols.mapping[text] = key
    return cols


def _find_header(
    numbered: Iterator[tuple[int, list[Any]]],
    resolver: _Resolver,
    head: list[tuple[int, list[str]]] | None = None,
    forced: int | None = None,
) -> tuple[int, list[str], int, int]:
    """Consume rows until the header; return (row number, texts, matches, non-blank rows seen). The non-blank
    rows scanned are added to `head`. With `forced`, that row is the header (its blank cells named after their
    column letter, 列C, so that a person can say what they hold) and matches counts its non-blank cells."""
    seen = 0
    for number, cells in numbered:
        texts = [_cell_text(cell) for cell in cells]
        if forced is not None:
            if number < forced:
                continue
            if number > forced or not any(texts):
                break
            count = sum(1 for text in texts if text)
            texts = [text or blank_column_header(index) for index, text in enumerate(texts)]
            return number, texts, count, 1
        if not any(texts):
            continue
        seen += 1
        if head is not None:
            head.append((number, texts))
        matches = resolver.matches(texts)
        if matches >= 2:
            return number, texts, matches, seen
        if seen >= HEADER_SCAN_ROWS:
            break
    return 0, [], 0, seen


def blank_column_header(index: int) -> str:
    """The name given to a column whose header cell is blank, by its letter (列C for the third)."""
    return f"列{column_letter(index)}"


def column_letter(index: int) -> str:
    """A column's letter as a spreadsheet shows it (0 → A, 27 → AB)."""
    return _column_letters(index + 1)


def _build_table(
    numbered: Iterator[tuple[int, list[Any]]],
    header_row: int,
    header_texts: list[str],
    resolver: _Resolver,
    options: _Options,
) -> RegisterTable:
    cols = _columns(header_texts, resolver)
    header_of = {key: header for _, header, key in cols.fields}
    table = RegisterTable(
        header_row=header_row,
        headers=cols.headers,
        mapping=cols.mapping,
        unknown_headers=cols.unknown,
        rows=[],
        skipped=[],
        missing_required=[key for key in REQUIRED_FIELDS if key not in header_of],
    )
    rows = _table_rows(numbered, table, cols, header_of, options)
    table.rows = rows if options.stream else list(rows)
    return table


def _row_texts(cells: list[Any], width: int) -> list[str]:
    """The texts of a row's cells (what _cell_text makes of each), at least `width` of them.

    Most cells of a register are strings: they are stripped without a call per cell, and the ="0123" trick of
    CSV exports is looked for in the row as a whole before cell by cell."""
    texts = [cell.strip(_STRIP_CHARS) if cell.__class__ is str else _cell_text(cell) for cell in cells]
    if '="' in "".join(texts):
        texts = [_cell_text(text) for text in texts]
    if len(texts) < width:
        texts.extend([""] * (width - len(texts)))
    return texts


class _RowCleaner:
    """Turns the texts of a data row into its values and problems, by the columns the header mapped."""

    def __init__(self, fields: list[tuple[int, str, str]], header_of: dict[str, str]) -> None:
        self.plain = [
            (index, key) for index, _header, key in fields if key != "uscc" and key not in _CLEANERS
        ]
        self.typed = [
            (index, header, key, _CLEANERS[key]) for index, header, key in fields if key in _CLEANERS
        ]
        self.uscc = next(((index, header) for index, header, key in fields if key == "uscc"), None)
        self.header_of = header_of
        self.width = max((index for index, _header, _key in fields), default=-1) + 1

    def __call__(self, number: int, cells: list[Any], texts: list[str], raw: dict[str, str]) -> RegisterRow:
        values: dict[str, Any] = {key: texts[index] for index, key in self.plain}
        problems: list[str] = []
        if self.uscc is not None:
            index, header = self.uscc
            text = texts[index]
            values["uscc"] = "".join(unicodedata.normalize("NFKC", text).split()).upper() if text else ""
            if text and index < len(cells) and isinstance(cells[index], int | float):
                problems.append(
                    _lazy_interpolate(
                        _(
                            "%(header)s was stored as a number, so digits may have been lost: "
                            "format the column as text in Excel."
                        ),
                        {"header": header},
                    )
                )
        for index, header, key, clean in self.typed:
            text = texts[index]
            if clean is _labels_cell:
                values[key] = list(clean(text))
                continue
            value, wrong = clean(text)
            values[key] = value
            if wrong:
                problems.append(_lazy_interpolate(_CELL_MESSAGES[wrong], {"header": header, "value": text}))
        header_of = self.header_of
        if "name" in header_of and not values.get("name"):
            problems.append(_lazy_interpolate(_("%(header)s is empty."), {"header": header_of["name"]}))
        # Whether the counts agree with each other (and with the ledger's record) is the import's question.
        return RegisterRow(number=number, values=values, problems=problems, raw=raw)


def _table_rows(
    numbered: Iterator[tuple[int, list[Any]]],
    table: RegisterTable,
    cols: _Columns,
    header_of: dict[str, str],
    options: _Options,
) -> Iterator[RegisterRow]:
    raw_cols = cols.raw if options.raw else []
    clean = _RowCleaner(cols.fields, header_of)
    width = max([clean.width, *(index + 1 for index, _header in raw_cols)])
    skipped = table.skipped
    pending_blank: list[int] = []
    for number, cells in numbered:
        texts = _row_texts(cells, width)
        first = next(filter(None, texts), "")
        if not first:
            pending_blank.append(number)  # reported only if a non-blank row follows
            continue
        if pending_blank:
            skipped.extend((n, "blank") for n in pending_blank)
            pending_blank.clear()
        if _is_totals(first):
            skipped.append((number, "totals"))
            continue
        if table.row_count >= options.max_rows:
            raise RegisterError("too_many_rows", limit=options.max_rows)
        table.row_count += 1
        raw = {header: texts[index] for index, header in raw_cols}
        yield clean(number, cells, texts, raw)
    if not table.row_count:
        raise RegisterError("no_rows")


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


# --------------------------------------------------------------------------------------------
# File type detection and the two readers
# --------------------------------------------------------------------------------------------
def read_register(
    data: bytes,
    filename: str,
    *,
    mapping: dict[str, str] | None = None,
    max_rows: int | None = None,
    max_columns: int | None = None,
    max_bytes: int = MAX_REGISTER_BYTES,
    stream: bool = False,
    raw: bool = True,
    header_row: int | None = None,
) -> RegisterTable:
    """Read an XLSX/XLS/CSV register into a RegisterTable, or raise RegisterError.

    With ``header_row`` that row holds the headers (a person said so) instead of the first row with two known
    ones. A file whose header is not found raises no_header with the first rows in the error's ``head``.

    With ``stream``, ``rows`` is an iterator that cleans each row as it is taken (a RegisterError about the
    rows, such as too many or none, is raised while iterating); ``skipped`` and ``row_count`` are complete once
    it is exhausted. Without ``raw``, rows keep no raw texts (only the error report shows them).
    """
    resolver = _Resolver(mapping)
    options = _Options(
        max_rows=_limit("IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS) if max_rows is None else max_rows,
        max_columns=_limit("IMPORT_MAX_COLUMNS", DEFAULT_MAX_COLUMNS) if max_columns is None else max_columns,
        max_cells=_limit("IMPORT_MAX_CELLS", DEFAULT_MAX_CELLS),
        stream=stream,
        raw=raw,
        header_row=header_row,
    )
    if not data:
        raise RegisterError("empty")
    if len(data) > max_bytes:
        raise RegisterError("too_large", limit=max_bytes // (1024 * 1024))
    extension = PurePath(filename or "").suffix.lower()
    if data.startswith(_ZIP_MAGIC):
        return _read_zip(data, extension, resolver, options)
    if data.startswith(_OLE_MAGIC):
        return _read_ole(data, extension, resolver, options)
    for magic, kind in _FOREIGN_MAGIC:
        if data.startswith(magic):
            raise RegisterError("unsupported_type", _MESSAGES["foreign_type"], kind=kind)
    if extension not in _TEXT_EXTENSIONS and extension not in _WORKBOOK_EXTENSIONS:
        raise RegisterError("unsupported_type")
    return _read_text(data, extension, resolver, options)


def _limit(name: str, default: int) -> int:
    return getattr(settings, name, default) if settings.configured else default


def _read_zip(data: bytes, extension: str, resolver: _Resolver, options: _Options) -> RegisterTable:
    try:
        archive = zip_open(data)  # refuses what declares too much or too high a ratio (a zip bomb)
    except ArchiveError as exc:
        if exc.reason == "too_large":
            raise RegisterError("too_large", _MESSAGES["zip_bomb"], limit=settings.UPLOAD_ZIP_MAX_MB) from exc
        if extension in _WORKBOOK_EXTENSIONS or extension in _TEXT_EXTENSIONS:
            raise RegisterError("corrupt") from exc
        raise RegisterError("unsupported_type", _MESSAGES["foreign_type"], kind="ZIP") from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "xl/workbook.xml" in names:
            _check_members(archive, infos, options)
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        file_type = "xlsb" if "xl/workbook.bin" in names else "xlsx"
    elif "content.xml" in names and "mimetype" in names:
        file_type = "ods"
    elif "word/document.xml" in names:
        raise RegisterError("unsupported_type", _MESSAGES["foreign_type"], kind="Word")
    elif "ppt/presentation.xml" in names:
        raise RegisterError("unsupported_type", _MESSAGES["foreign_type"], kind="PowerPoint")
    elif extension in _WORKBOOK_EXTENSIONS:
        raise RegisterError("corrupt")
    else:
        raise RegisterError("unsupported_type", _MESSAGES["foreign_type"], kind="ZIP")
    return _read_workbook(data, file_type, resolver, options)


def _check_members(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], options: _Options) -> None:
    """Read every member through once before calamine does: a member larger than it declares fails its CRC
    check here, and a worksheet whose cells reach past the limits is refused. Calamine allocates the whole
    rectangle from A1 to the farthest cell (32 bytes a cell), so a 2 KB sheet with one cell at XFD3000
    would take 1.5 GB."""
    try:
        for info in infos:
            if _WORKSHEET.fullmatch(info.filename):
                _sheet_extent_check(functools.partial(zip_chunks, archive, info), options)
            else:
                for _chunk in zip_chunks(archive, info):
                    pass
    except ArchiveError as exc:
        raise RegisterError("corrupt") from exc


_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
# Rows allowed above and among the data rows (title, header, blank and totals rows) before the exact count.
_ROW_SLACK = 1000
_MAX_TAG = 65536
_ANY_TAG = re.compile(rb"<(row|c)\b([^>]*?)(/?)>")
_ROW_REF = re.compile(rb'\br="([0-9]+)"')
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')


def _above(number: int) -> str:
    """A regular expression of the whole numbers greater than `number`."""
    digits = str(number)
    options = [f"[1-9][0-9]{{{len(digits)},}}"]
    for index, digit in enumerate(digits):
        if digit != "9":
            options.append(f"{digits[:index]}[{int(digit) + 1}-9][0-9]{{{len(digits) - index - 1}}}")
    return "|".join(options)


# Excel, WPS and openpyxl write every cell as <c r="B2" ...>: a sheet within the limits is scanned by three
# searches per chunk (about a second for 200,000 rows) that find nothing. Any other cell tag is followed exactly.
_CELL_NOT_REFERENCED = re.compile(rb'<c(?:>|[\t\n\r]| (?!r="))')
_WIDE_CELL = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')


@functools.lru_cache(maxsize=8)
def _cell_below(max_row: int) -> re.Pattern[bytes]:
    """A cell whose row is past `max_row`."""
    return re.compile(rb'<c r="[A-Z]{1,3}0*(?:%s)"' % _above(max_row).encode())


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _tags(chunks: Iterator[bytes]) -> Iterator[tuple[bytes, int]]:
    """(buffer, end) pairs in which every tag before `end` is whole; the rest carries to the next chunk."""
    tail = b""
    for chunk in chunks:
        buffer = tail + chunk
        cut = buffer.rfind(b"<")
        if cut < 0 or buffer.find(b">", cut) >= 0:
            cut = len(buffer)
        tail = buffer[cut:]
        if len(tail) > _MAX_TAG:
            raise ArchiveError("corrupt")
        yield buffer, cut


def _sheet_extent_check(open_chunks, options: _Options) -> None:
    """Refuse a worksheet whose cells reach past the row, column or cell limits, as soon as a chunk shows it.

    The rectangle is bounded first by what the scan did not find (no row past the limit, no column past Z);
    only a sheet too wide for that bound to be safe is read a second time for its last row.
    """
    max_row = options.max_rows + _ROW_SLACK
    below = _cell_below(max_row)
    columns = 26  # until a column of two or more letters is seen
    chunks = open_chunks()
    for buffer, end in _tags(chunks):
        if _CELL_NOT_REFERENCED.search(buffer, 0, end):  # follow every tag: this chunk again, then the rest
            return _exact_extent_check(itertools.chain([buffer], chunks), options)
        if below.search(buffer, 0, end):
            raise RegisterError("too_many_rows", limit=options.max_rows)
        if _WIDE_CELL.search(buffer, 0, end):
            columns = max(columns, *map(_column_number, set(_WIDE_CELL.findall(buffer, 0, end))))
            if columns > options.max_columns:
                raise RegisterError("too_many_columns", limit=options.max_columns)
    if max_row * columns <= options.max_cells:
        return None
    # Rows are in the rectangle only up to the last one: find it among those long enough to matter.
    digits = len(str(options.max_cells // columns))
    long_rows = re.compile(rb'<c\s+r="[A-Z]{1,3}0*([1-9][0-9]{%d,})"' % (digits - 1))
    rows = 0
    for buffer, end in _tags(open_chunks()):
        found = long_rows.findall(buffer, 0, end)
        rows = max(rows, max(map(int, found), default=0))
    if rows * columns > options.max_cells:
        raise RegisterError("too_many_cells", rows=rows, columns=_column_letters(columns))
    return None


def _exact_extent_check(chunks: Iterator[bytes], options: _Options) -> None:
    """The extent of a sheet whose cells may lack references, following every row and cell tag."""
    rows = columns = row = column = 0
    for buffer, end in _tags(chunks):
        for tag, attributes, empty in _ANY_TAG.findall(buffer, 0, end):
            if tag == b"row":
                ref = _ROW_REF.search(attributes)
                row, column = (int(ref[1]) if ref else row + 1), 0
                continue
            ref = _CELL_REF.search(attributes)
            row, column = (int(ref[2]), _column_number(ref[1])) if ref else (row, column + 1)
            if not empty:  # a cell without a value (<c r="B2" s="1"/>) is not read
                rows, columns = max(rows, row), max(columns, column)
        if columns > options.max_columns:
            raise RegisterError("too_many_columns", limit=options.max_columns)
        if rows > options.max_rows + _ROW_SLACK:
            raise RegisterError("too_many_rows", limit=options.max_rows)
        if rows * columns > options.max_cells:
            raise RegisterError("too_many_cells", rows=rows, columns=_column_letters(columns))


def _read_ole(data: bytes, extension: str, resolver: _Resolver, options: _Options) -> RegisterTable:
    if _ENCRYPTED_MARK in data:
        raise RegisterError("unsupported_type", _MESSAGES["encrypted"])
    if extension not in _WORKBOOK_EXTENSIONS and b"W\x00o\x00r\x00k\x00b\x00o\x00o\x00k" not in data:
        raise RegisterError("unsupported_type", _MESSAGES["foreign_type"], kind="Office")
    return _read_workbook(data, "xls", resolver, options)


def _read_workbook(data: bytes, file_type: str, resolver: _Resolver, options: _Options) -> RegisterTable:
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = workbook.sheets_metadata
    except PasswordError as exc:
        raise RegisterError("unsupported_type", _MESSAGES["encrypted"]) from exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine errors and pyo3 panics on malformed files
        raise RegisterError("corrupt") from exc
    visible = [
        sheet.name
        for sheet in sheets
        if sheet.visible == SheetVisibleEnum.Visible and sheet.typ == SheetTypeEnum.WorkSheet
    ]
    names = visible or [sheet.name for sheet in sheets if sheet.typ == SheetTypeEnum.WorkSheet]
    any_content = False
    head: list[tuple[int, list[str]]] = []
    with workbook:
        for name in names:
            try:
                sheet = workbook.get_sheet_by_name(name)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:
                raise RegisterError("corrupt") from exc
            # XLS, XLSB and ODS sheets are not scanned before they are read: refuse at least what is too wide.
            if sheet.width > options.max_columns:
                raise RegisterError("too_many_columns", limit=options.max_columns)
            # iter_rows() yields every row from the top of the sheet, so row numbers are absolute.
            numbered = enumerate(sheet.iter_rows(), start=1)
            scanned: list[tuple[int, list[str]]] = []
            header_row, header_texts, _matches, seen = _find_header(
                numbered, resolver, scanned, options.header_row
            )
            any_content = any_content or seen > 0
            head = head or scanned  # the first sheet with something on it is the one to show
            if header_row:
                table = _build_table(numbered, header_row, header_texts, resolver, options)
                table.file_type = file_type
                table.sheet_name = name
                return table
    if not any_content:
        raise RegisterError("empty")
    error = RegisterError("no_header", rows=HEADER_SCAN_ROWS)
    error.head = head
    raise error


def _looks_binary(data: bytes) -> bool:
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _BINARY_CONTROL_BYTES))
    return controls * 50 > len(sample)


def _text_looks_binary(text: str) -> bool:
    """Text with NULs or >2% control / private-use / unassigned characters is not a register."""
    sample = text[:_SAMPLE]
    if "\x00" in sample:
        return True
    bad = 0
    for char in sample:
        if char.isprintable() or char in "\t\r\n":
            continue
        if unicodedata.category(char) in ("Cc", "Co", "Cn", "Cs"):
            bad += 1
    return bad * 50 > len(sample)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise RegisterError("encoding") from exc
    if _looks_binary(data):
        raise _BinaryData
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise RegisterError("encoding") from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8"), "utf-8"  # a file cut inside its last character
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise RegisterError("encoding") from exc


class _BinaryData(Exception):
    pass


def _csv_rows(text: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)


def _read_text(data: bytes, extension: str, resolver: _Resolver, options: _Options) -> RegisterTable:
    binary_code = "corrupt" if extension in _WORKBOOK_EXTENSIONS else "unsupported_type"
    binary_message = None if extension in _WORKBOOK_EXTENSIONS else _MESSAGES["binary"]
    try:
        text, encoding = _decode(data)
        if _text_looks_binary(text):
            raise _BinaryData
    except _BinaryData:
        raise RegisterError(binary_code, binary_message) from None
    head = text.lstrip(_STRIP_CHARS)[:1024].lower()
    if head.startswith("<") and any(tag in head for tag in ("<html", "<table", "<!doctype", "<?xml")):
        raise RegisterError("unsupported_type", _MESSAGES["html"])
    if not text.strip(_STRIP_CHARS):
        raise RegisterError("empty")

    best: tuple[int, str] | None = None
    any_content = False
    # the head as the delimiter cutting most cells reads it
    head: tuple[int, list[tuple[int, list[str]]]] = (0, [])
    for delimiter in _DELIMITERS:
        scanned: list[tuple[int, list[str]]] = []
        try:
            header_row, _texts, matches, seen = _find_header(
                enumerate(_csv_rows(text, delimiter), 1), resolver, scanned, options.header_row
            )
        except csv.Error:
            continue
        any_content = any_content or seen > 0
        if header_row and (best is None or matches > best[0]):
            best = (matches, delimiter)
        cells = sum(1 for _number, texts in scanned for cell in texts if cell)
        if cells > head[0]:
            head = (cells, scanned)
    if best is None:
        if not any_content:
            raise RegisterError("empty")
        error = RegisterError("no_header", rows=HEADER_SCAN_ROWS)
        error.head = head[1]
        raise error

    numbered = _numbered_csv(_csv_rows(text, best[1]), options.max_columns)
    header_row, header_texts, _matches, _seen = _find_header(numbered, resolver, None, options.header_row)
    table = _build_table(numbered, header_row, header_texts, resolver, options)
    table.file_type = "csv"
    table.encoding = encoding
    if extension in _WORKBOOK_EXTENSIONS:  # saved as CSV and renamed, or exported by a system as "xls"
        table.named_as = extension
    return table


def _numbered_csv(rows: Iterable[list[str]], max_columns: int) -> Iterator[tuple[int, list[str]]]:
    number = 0
    try:
        for number, row in enumerate(rows, start=1):
            if len(row) > max_columns and any(cell.strip() for cell in row[max_columns:]):
                raise RegisterError("too_many_columns", limit=max_columns)
            yield number, row
    except csv.Error as exc:
        raise RegisterError("corrupt", _MESSAGES["corrupt_csv"], row=number + 1, detail=str(exc)) from exc


# --------------------------------------------------------------------------------------------
# Import template
# --------------------------------------------------------------------------------------------
TEMPLATE_EXAMPLE: dict[str, Any] = {
    "name": "乌海市海勃湾区示例科技有限公司",
    "uscc": TEMPLATE_EXAMPLE_USCC,
    "district": "海勃湾区",
    "street": "新华街道",
    "field": "新经济组织",
    "unit_type": "民营企业",
    "industry": "信息传输、软件和信息技术服务业",
    "address": "乌海市海勃湾区新华街道示例路88号",
    "employees": 56,
    "women": 23,
    "contact_name": "王示例",
    "contact_mobile": "13947300000",
    "party_org": "是",
    "trade_union": "否",
    "categories": "民营企业百强、高新技术企业",
    "founded_on": "2019-03-05",
}

TEMPLATE_NOTES: dict[str, tuple[str, str]] = {
    "name": ("必填", "填写营业执照或登记证书上的全称，如“乌海市海勃湾区××科技有限公司”。"),
    "uscc": ("建议填写", "18位，由数字和大写英文字母组成，见营业执照或登记证书；本列请保持“文本”格式。"),
    "district": ("建议填写", "填写海勃湾区、海南区或乌达区。"),
    "street": ("建议填写", "填写街道或乡镇全称，如新华街道、千里山镇、乌兰淖尔镇。"),
    "field": ("建议填写", "三新类别：新经济组织、新社会组织或新就业群体。"),
    "unit_type": ("选填", "如民营企业、个体工商户、分支机构、商圈市场、社会团体、民办非企业单位、基金会。"),
    "industry": ("选填", "按国民经济行业分类填写门类名称，如批发和零售业，交通运输、仓储和邮政业。"),
    "address": ("选填", "实际经营或办公地址。"),
    "employees": ("建议填写", "整数，单位：人；社会组织填写会员数。"),
    "women": ("建议填写", "整数，单位：人；不应大于职工总数。"),
    "contact_name": ("建议填写", "联系人姓名。"),
    "contact_mobile": ("建议填写", "11位手机号，或带区号的固定电话，如0473-1234567。"),
    "party_org": ("建议填写", "填“是”或“否”（也可填有/无、已建/未建、√/×）。"),
    "trade_union": ("建议填写", "填“是”或“否”（也可填有/无、已建/未建、√/×）。"),
    "categories": ("选填", "自定义标签，多个标签用顿号或逗号分隔，如“民营企业百强、快递物流”。"),
    "founded_on": ("选填", "成立或登记日期，如2019-03-05、2019/3/5或2019年3月5日。"),
}


def import_template_xlsx() -> bytes:
    """Build the blank import template (台账导入 + 填写说明 sheets) as XLSX bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    keys = list(FIELD_ALIASES)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TEMPLATE_SHEET
    sheet.append(standard_headers())
    sheet.append([TEMPLATE_EXAMPLE.get(key, "") for key in keys])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FCE4EC")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    widths = {"name": 36, "uscc": 22, "industry": 28, "address": 36, "categories": 28, "contact_mobile": 16}
    for position, key in enumerate(keys, start=1):
        letter = get_column_letter(position)
        width = widths.get(key, max(10, 2 * len(FIELD_ALIASES[key][0]) + 4))
        sheet.column_dimensions[letter].width = width
        if key in ("uscc", "contact_mobile"):
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(row=2, column=position).number_format = "@"
        if key in YES_NO_FIELDS:
            validation = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
            validation.add(f"{letter}2:{letter}5000")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "B2"

    notes = workbook.create_sheet(TEMPLATE_NOTES_SHEET)
    notes.append(["列名", "是否必填", "填写说明"])
    for cell in notes[1]:
        cell.font = bold
        cell.fill = fill
    for key in keys:
        required, note = TEMPLATE_NOTES[key]
        notes.append([FIELD_ALIASES[key][0], required, note])
    notes.append([])
    notes.append(["注意", "", "“台账导入”表第2行为示例数据，导入前请删除；表头请勿修改，每个单位占一行。"])
    notes.append(["", "", "也可直接上传其他部门的名录（Excel或CSV），系统会自动识别常见列名。"])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 12
    notes.column_dimensions["C"].width = 80
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


__all__ = [
    "ALIAS_INDEX",
    "FIELD_ALIASES",
    "REQUIRED_FIELDS",
    "TEMPLATE_EXAMPLE_USCC",
    "RegisterError",
    "RegisterRow",
    "RegisterTable",
    "blank_column_header",
    "column_letter",
    "import_template_xlsx",
    "normalize_header",
    "parse_count",
    "parse_date",
    "parse_yes_no",
    "read_register",
    "standard_headers",
]
