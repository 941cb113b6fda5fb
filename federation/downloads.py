"""What every download shares: the XLSX content type, the guard against formulas in cells, the headers of a file
saved rather than shown."""

from __future__ import annotations

from typing import Any, TypeVar

from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

Response = TypeVar("Response", bound=HttpResponseBase)


def cell_neutralise(value: Any) -> Any:
    """A text a spreadsheet would run as a formula, with a leading apostrophe; any other value as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def attachment(response: Response, filename: str, *, private: bool = True) -> Response:
    """The response as a file to save under `filename`. A private one (personal data, or figures of the user's
    own area) is never kept by a proxy or the browser."""
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    if private:
        response["Cache-Control"] = "private, no-store"
    return response
