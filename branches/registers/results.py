"""What reading a register gives: a RegisterTable of RegisterRows, or a RegisterError whose code says why the
file cannot be read at all and whose message tells the person who uploaded it (the messages are here, by
code). Also the limits of one reading (rows, columns, cells, bytes) and the options a reader passes along.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

HEADER_SCAN_ROWS = 20
MAX_REGISTER_BYTES = 50 * 1024 * 1024
# Reading limits: settings.IMPORT_MAX_ROWS / _COLUMNS / _CELLS, these defaults outside a configured project.
DEFAULT_MAX_ROWS = 200_000
DEFAULT_MAX_COLUMNS = 200
DEFAULT_MAX_CELLS = 10_000_000

ERROR_CODES: frozenset[str] = frozenset(
    {"empty", "too_large", "unsupported_type", "corrupt", "no_header", "no_rows", "too_many_rows", "encoding"}
    | {"too_many_columns", "too_many_cells"}
)


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
