"""Uploaded files: the one size limit, the type read from a file's first bytes (never from its name), the
checks a ZIP-based file (XLSX, DOCX) passes before anything expands it, Word files that would run code or
fetch a template from elsewhere, and how every stored file is served back."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import PurePath

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from federation.downloads import XLSX

# content type → the bytes such a file starts with (Word and Excel files are ZIP archives)
SIGNATURES = {
    "application/pdf": b"%PDF",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "application/zip": b"PK\x03\x04",
}
# extension → the part every Office file of that kind holds
OFFICE_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
# extension → the content type of an Office file (a ZIP by its bytes)
OFFICE_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": XLSX,
}
# What a browser may show in the page; every other stored file is downloaded.
SHOWN_INLINE = frozenset({"application/pdf", "image/jpeg", "image/png"})
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>", re.IGNORECASE)
_RELS_MAX = 1024 * 1024  # a relationships part is a few hundred bytes; more is not read
# Members smaller than this may compress any amount (an empty sheet's XML compresses ~100-fold).
_RATIO_FLOOR = 1024 * 1024
_CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """A ZIP archive refused before it is expanded: `reason` is "corrupt" or "too_large" (a zip bomb)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def upload_size_error(upload) -> str | None:
    """Why the file is too large (settings.UPLOAD_MAX_MB), or None."""
    if upload.size > settings.UPLOAD_MAX_MB * 1024 * 1024:
        return _("%(name)s is larger than %(limit)s MB.") % {
            "name": upload.name,
            "limit": settings.UPLOAD_MAX_MB,
        }
    return None


def upload_type(upload, types: Iterable[str]) -> str | None:
    """The one of `types` (keys of SIGNATURES) the file's first bytes show, or None; the file is rewound."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return next((kind for kind in types if head.startswith(SIGNATURES[kind])), None)


def zip_open(data) -> zipfile.ZipFile:
    """Open a ZIP archive (bytes or a file) whose declared contents stay within the limits.

    A zip bomb declares gigabytes (more than settings.UPLOAD_ZIP_MAX_MB in all) or a member compressed far
    more than real documents are (settings.UPLOAD_ZIP_MAX_RATIO); one that lies about its sizes is caught
    by zip_chunks. Raises ArchiveError.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise ArchiveError("corrupt") from exc
    limit = settings.UPLOAD_ZIP_MAX_MB * 1024 * 1024
    ratio = settings.UPLOAD_ZIP_MAX_RATIO
    if sum(info.file_size for info in infos) > limit or any(
        info.file_size > _RATIO_FLOOR and info.file_size > ratio * max(info.compress_size, 1)
        for info in infos
    ):
        archive.close()
        raise ArchiveError("too_large")
    return archive


def zip_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's bytes in chunks; never more than its declared size (a lying size fails the CRC check)."""
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise ArchiveError("corrupt") from exc


def upload_archive_error(upload) -> str | None:
    """Why a Word or Excel upload is refused: not a readable file of its extension, or a zip bomb; or None.

    Every member is read through once (in chunks), so a file whose contents differ from what it declares is
    refused here rather than when someone opens it. The file is rewound.
    """
    part = OFFICE_PARTS.get(PurePath(upload.name or "").suffix.lower())
    if part is None:
        return None
    upload.seek(0)
    try:
        with zip_open(upload) as archive:
            if part not in archive.namelist():
                raise ArchiveError("corrupt")
            for info in archive.infolist():
                for _chunk in zip_chunks(archive, info):
                    pass
    except ArchiveError as error:
        if error.reason == "too_large":
            return _(
                "%(name)s would expand to more than %(limit)s MB when opened, or is compressed far more than "
                "a real document; it is not accepted."
            ) % {"name": upload.name, "limit": settings.UPLOAD_ZIP_MAX_MB}
        return _("%(name)s is damaged or is not a real Word (.docx) or Excel (.xlsx) file.") % {
            "name": upload.name
        }
    finally:
        upload.seek(0)
    return None


def docx_active_content_error(upload) -> str | None:
    """Why a Word file is refused for what it would do when opened: macros (a vbaProject part, or a
    macro-enabled document renamed .docx), or a template fetched from another computer or website (an
    external attachedTemplate relationship, which Word follows on opening); or None. The file is rewound.

    Run after upload_archive_error, which refuses damaged files and zip bombs."""
    if PurePath(upload.name or "").suffix.lower() != ".docx":
        return None
    upload.seek(0)
    try:
        with zip_open(upload) as archive:
            names = archive.namelist()
            macros = any("vbaproject" in name.lower() for name in names)
            if not macros and "[Content_Types].xml" in names:
                types = _member_head(archive, "[Content_Types].xml")
                macros = b"macroenabled" in types.lower()
            remote = any(
                _external_template(_member_head(archive, name))
                for name in names
                if name.lower().endswith(".rels")
            )
    except ArchiveError:
        return _("%(name)s is damaged or is not a real Word (.docx) or Excel (.xlsx) file.") % {
            "name": upload.name
        }
    finally:
        upload.seek(0)
    if macros:
        return _(
            "%(name)s contains macros, which could run on the computers of those who open it. Save it in "
            "Word as a plain Word document (.docx, without macros) and upload it again."
        ) % {"name": upload.name}
    if remote:
        return _(
            "%(name)s is linked to a template on another computer or website, which Word would fetch when "
            "it is opened. Remove the link (in Word: Developer → Document Template) and upload it again."
        ) % {"name": upload.name}
    return None


def _member_head(archive: zipfile.ZipFile, name: str) -> bytes:
    """The first megabyte of a small member (relationships, content types)."""
    data = b""
    for chunk in zip_chunks(archive, archive.getinfo(name)):
        data += chunk
        if len(data) >= _RELS_MAX:
            break
    return data[:_RELS_MAX]


def _external_template(rels: bytes) -> bool:
    """Whether a relationships part points outside the file for the document's template."""
    for tag in _RELATIONSHIP.findall(rels):
        lowered = tag.lower()
        if b"targetmode" in lowered and b"external" in lowered and b"attachedtemplate" in lowered:
            return True
    return False


def stored_type(handle, name: str) -> str:
    """A stored file's content type, read from its first bytes (a ZIP is the Office type its name says;
    bytes of no known kind are application/octet-stream). The handle is rewound."""
    handle.seek(0)
    head = handle.read(16)
    handle.seek(0)
    kind = next((kind for kind, signature in SIGNATURES.items() if head.startswith(signature)), None)
    if kind == "application/zip":
        return OFFICE_TYPES.get(PurePath(name or "").suffix.lower(), kind)
    return kind or "application/octet-stream"


def stored_file_response(field_file, *, name: str, cache: str = "private, no-store") -> FileResponse:
    """Serve a stored file as what its bytes are, whatever the uploading browser claimed: the browser is told
    not to guess (nosniff), and anything but an image or a PDF is downloaded rather than shown in the page."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    content_type = stored_type(handle, name)
    response = FileResponse(
        handle, as_attachment=content_type not in SHOWN_INLINE, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    return response
