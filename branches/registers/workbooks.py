"""Workbooks read through python-calamine (XLSX, XLSM, XLSB, XLS, ODS): the first visible worksheet with a
header row is the register, its rows numbered as the spreadsheet numbers them. A password-protected or damaged
workbook is refused with a message that says what to do; a sheet wider than the column limit is refused before
its rows are read.
"""

from __future__ import annotations

import io

from .results import _MESSAGES, HEADER_SCAN_ROWS, RegisterError, RegisterTable, _Options
from .tables import _build_table, _find_header, _Resolver

_WORKBOOK_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


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
