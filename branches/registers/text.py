"""Registers saved as text (CSV, TSV, a CSV renamed .xls): the bytes decoded (a UTF-16 or UTF-8 byte order
mark, then UTF-8, then GB18030), binary data, web pages and XML refused with a message of their own, and the
delimiter chosen as the one that finds the best header. Rows are numbered by record, so a quoted newline
inside a cell does not shift the numbers a person is told.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator

from .cells import _STRIP_CHARS
from .results import _MESSAGES, HEADER_SCAN_ROWS, RegisterError, RegisterTable, _Options
from .tables import _build_table, _find_header, _Resolver
from .workbooks import _WORKBOOK_EXTENSIONS

_TEXT_EXTENSIONS = frozenset({".csv", ".txt", ".tsv", ""})
_DELIMITERS = (",", "\t", ";", "|")
_BINARY_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"
_SAMPLE = 65536


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
