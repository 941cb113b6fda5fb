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
    data: bytes, file_name: str, mapping: dict[str, str] | None, *, max_bytes: int, stream: bool = False
) -> RegisterTable:
    """The file as a table; streamed (rows cleaned as they are classified, no raw texts kept) for the passes
    that only classify and write, which then hold one row of the file at a time instead of all of them."""
    return read_register(
        data, file_name, mapping=mapping or None, max_bytes=max_bytes, stream=stream, raw=not stream
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
        )
    except RegisterError as error:
        raise LedgerError(error.message) from error


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
