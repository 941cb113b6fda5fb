"""The file of an import: the upload limit, reading it again from storage, what the reader found."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from branches.errors import LedgerError
from branches.models import RegisterImport
from branches.registers import MAX_REGISTER_BYTES, RegisterError, RegisterTable, read_register


def upload_limit_bytes() -> int:
    """The largest file the upload page takes (settings.UPLOAD_MAX_MB)."""
    return settings.UPLOAD_MAX_MB * 1024 * 1024


def _read(
    data: bytes,
    file_name: str,
    mapping: dict[str, str] | None,
    *,
    max_bytes: int,
    stream: bool = False,
    header_row: int | None = None,
) -> RegisterTable:
    """The file as a table; streamed (rows cleaned as they are classified, no raw texts kept) for the passes
    that only classify and write, which then hold one row of the file at a time instead of all of them."""
    return read_register(
        data,
        file_name,
        mapping=mapping or None,
        max_bytes=max_bytes,
        stream=stream,
        raw=not stream,
        header_row=header_row,
    )


def _stored_limit() -> int:
    # A stored file passed a limit when it came in (the page's, or the reader's for the command).
    return max(upload_limit_bytes(), MAX_REGISTER_BYTES)


def _stored_bytes(register_import: RegisterImport) -> bytes:
    if not register_import.file:
        raise LedgerError(_("The file of this import is no longer kept; upload it again."))
    try:
        with register_import.file.open("rb") as handle:
            return handle.read()
    except OSError as error:
        raise LedgerError(_("The file of this import is no longer kept; upload it again.")) from error


def _stored_table(register_import: RegisterImport, *, stream: bool = False) -> RegisterTable:
    try:
        return _read(
            _stored_bytes(register_import),
            register_import.file_name,
            register_import.mapping,
            max_bytes=_stored_limit(),
            stream=stream,
            header_row=register_import.header_row,
        )
    except RegisterError as error:
        raise LedgerError(error.message) from error


#: How much of a file's head the page shows for a person to point at the header row.
HEAD_COLUMNS = 30
HEAD_CELL_LENGTH = 40


def register_import_head(register_import: RegisterImport) -> list[tuple[int, list[str]]]:
    """The first rows of a file whose header row was not found, [(row number, cell texts)], read again from the
    stored file (they are personal data: never kept in the preview); empty when the header is found."""
    try:
        _read(_stored_bytes(register_import), register_import.file_name, register_import.mapping,
              max_bytes=_stored_limit())  # fmt: skip
    except RegisterError as error:
        if error.code != "no_header":
            return []
        used = [max(index for index, text in enumerate(texts) if text) + 1 for _number, texts in error.head]
        width = min(HEAD_COLUMNS, max(used, default=0))
        return [
            (number, [text[:HEAD_CELL_LENGTH] for text in (texts + [""] * width)[:width]])
            for number, texts in error.head
        ]
    except LedgerError:
        return []
    return []


def _table_info(table: RegisterTable) -> dict[str, Any]:
    return {
        "file_type": table.file_type,
        "encoding": table.encoding,
        "named_as": table.named_as,
        "sheet": table.sheet_name,
        "header_row": table.header_row,
        "headers": list(dict.fromkeys(table.headers)),
        "mapping": table.mapping,
        "unknown": table.unknown_headers,
        "missing": table.missing_required,
        "rows": table.row_count,
        "skipped": len(table.skipped),
    }


def register_import_table(register_import: RegisterImport) -> dict[str, Any]:
    """What the reader found in the file (headers, mapping, unknown columns): stored, or read again."""
    table = (register_import.summary or {}).get("table")
    if table:
        return table
    try:
        return _table_info(_stored_table(register_import))
    except LedgerError:
        return {"headers": [], "mapping": {}, "unknown": [], "missing": [], "rows": 0, "skipped": 0}
