"""Zip-based files (XLSX, XLSB, ODS, and whatever else arrives zipped): what kind of file the members say it is,
and the checks made before calamine opens it. Every member is read through once, so that one larger than it
declares fails here; each worksheet's extent is scanned, because calamine allocates the whole rectangle from
A1 to the farthest cell and a 2 KB sheet with one cell at XFD3000 would take 1.5 GB.
"""

from __future__ import annotations

import functools
import itertools
import re
import zipfile
from collections.abc import Iterator

from django.conf import settings

from federation.uploads import ArchiveError, zip_chunks, zip_open

from .columns import _column_letters
from .results import _MESSAGES, RegisterError, RegisterTable, _Options
from .tables import _Resolver
from .text import _TEXT_EXTENSIONS
from .workbooks import _WORKBOOK_EXTENSIONS, _read_workbook


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
