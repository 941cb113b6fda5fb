"""Ledger export: the list's filters, as XLSX or CSV, every export recorded."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from branches.forms import OrganisationFilterForm
from branches.jobs import ledger_export_start
from branches.selectors import organisation_search
from branches.services.exports import (
    EXPORT_FORMATS,
    ledger_csv_stream,
    ledger_export_record,
    ledger_file_name,
    ledger_xlsx_build,
)
from federation import access
from federation.downloads import attachment


@require_GET
def organisation_export(request):
    """The ledger narrowed by the list's filters (GET), as ?format=xlsx (default) or csv; mobiles masked
    unless the user may see them and asked for them (reveal=1)."""
    access.require(request.user, "ledger.export")
    export_format = (request.GET.get("format") or "xlsx").strip().lower()
    if export_format not in EXPORT_FORMATS:
        return HttpResponseBadRequest(
            _("Cannot export as “%(format)s”: choose xlsx (Excel) or csv.") % {"format": export_format[:20]},
            content_type="text/plain; charset=utf-8",
        )
    form = OrganisationFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    reveal = request.GET.get("reveal") == "1" and access.has(request.user, "personal.reveal")
    organisations = organisation_search(user=request.user, filters=filters)
    file_name = ledger_file_name(user=request.user, export_format=export_format)
    rows = organisations.count()
    if rows > settings.EXPORT_INLINE_ROWS:  # a large export is written off the request, then downloaded
        job = ledger_export_start(
            by=request.user, query=request.GET.urlencode(), export_format=export_format, reveal=reveal,
            file_name=file_name, rows=rows,
        )  # fmt: skip
        return redirect("jobs:detail", pk=job.pk)

    if export_format == "csv":
        # Streamed: the row count is taken before, so the export is on record even if the download breaks.
        ledger_export_record(
            user=request.user,
            export_format=export_format,
            filters=filters,
            reveal=reveal,
            row_count=rows,
        )
        response = StreamingHttpResponse(
            ledger_csv_stream(organisations, reveal=reveal), content_type=EXPORT_FORMATS["csv"]
        )
    else:
        workbook, row_count = ledger_xlsx_build(organisations, reveal=reveal)
        ledger_export_record(
            user=request.user,
            export_format=export_format,
            filters=filters,
            reveal=reveal,
            row_count=row_count,
        )
        response = FileResponse(workbook, content_type=EXPORT_FORMATS["xlsx"])
    return attachment(response, file_name)  # personal data: private
