"""Uploaded files: the one size limit, and the type read from a file's first bytes (never from its name)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext as _

# content type → the bytes such a file starts with (Word and Excel files are ZIP archives)
SIGNATURES = {
    "application/pdf": b"%PDF",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "application/zip": b"PK\x03\x04",
}


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
