"""The way in: read_register takes the bytes of an upload and its name, refuses what is empty, too large or a
known foreign kind (PDF, images, archives, executables), and hands the rest to the reader its first bytes
call for (zip-based workbooks, old OLE workbooks, or text), whatever the file's extension claims. The limits
come from the project's settings when there are any.
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings

from .archives import _read_zip
from .results import (
    _MESSAGES,
    DEFAULT_MAX_CELLS,
    DEFAULT_MAX_COLUMNS,
    DEFAULT_MAX_ROWS,
    MAX_REGISTER_BYTES,
    RegisterError,
    RegisterTable,
    _Options,
)
from .tables import _Resolver
from .text import _TEXT_EXTENSIONS, _read_text
from .workbooks import _WORKBOOK_EXTENSIONS, _read_ole

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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
