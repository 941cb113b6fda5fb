"""From rows of cells to a table, whatever the file was: the header row is found (the first of the first rows
with two known headers, or the one a person named), its texts are resolved to ledger keys (a person's own
mapping first, then the aliases), and every row below it is cleaned into a RegisterRow. Blank rows between
data rows and totals rows are skipped and noted; the row limit is enforced as rows are taken.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from .cells import _CELL_MESSAGES, _CLEANERS, _STRIP_CHARS, _cell_text, _is_totals, _labels_cell
from .columns import (
    _IGNORED_NORMALIZED,
    ALIAS_INDEX,
    FIELD_ALIASES,
    REQUIRED_FIELDS,
    blank_column_header,
    normalize_header,
)
from .results import HEADER_SCAN_ROWS, RegisterError, RegisterRow, RegisterTable, _lazy_interpolate, _Options


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
