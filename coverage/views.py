"""Coverage pages: the dashboard (as of any day), the monthly report (printable) and its XLSX."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from branches.selectors import organisations_for
from coverage.exports import report_ledger, report_xlsx_build
from coverage.forms import AsOfForm, MonthForm
from coverage.models import SnapshotBatch
from coverage.selectors import dashboard_figures, figure_links, ledger_link, trends_for
from coverage.services import month_day, month_start, snapshot_for_page
from federation import access
from federation.models import DisclosureLog, Region
from federation.services import disclosure_record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _area(user) -> str:
    """The user's area by name (the city for an admin without a unit)."""
    root = access.scope_region(user)
    if root is None:
        root = Region.objects.filter(level=Region.Level.CITY).order_by("path").first()
    return root.name if root else ""


def _as_of(request) -> dt.date:
    """The day asked for, or today; a bad value is said and replaced by today (never a 500)."""
    form = AsOfForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        for error in form.errors.get("as_of", []):
            messages.warning(request, _("The date was not used: %(error)s Showing today.") % {"error": error})
        return timezone.localdate()
    return (form.cleaned_data.get("as_of") if form.is_bound else None) or timezone.localdate()


def _month(request) -> dt.date:
    form = MonthForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        for error in form.errors.get("month", []):
            messages.warning(
                request, _("The month was not used: %(error)s Showing this month.") % {"error": error}
            )
        return month_start(timezone.localdate())
    return (form.cleaned_data.get("month") if form.is_bound else None) or month_start(timezone.localdate())


def _links(figures: dict, as_of: dt.date) -> None:
    """Attach to every figure (and stage) the ledger links that reproduce its counts."""
    lines = [figures["headline"], *figures["by_field"], *figures["by_category"], *figures["by_district"]]
    figure_links([*lines, *figures["by_street"]], as_of)
    for stage in figures["stages"]:
        stage["link"] = ledger_link(as_of, {}, coverage="target", stage=stage["stage"])


def _chart_data(figures: dict, trends: dict) -> dict:
    """What the charts draw (the tables beside them show the same numbers)."""

    def series(lines):
        return {
            "labels": [str(f.label) for f in lines],
            "rates": [f.rate for f in lines],
            "covered": [f.covered for f in lines],
            "denominator": [f.denominator for f in lines],
        }

    return {
        "by_field": series(figures["by_field"]),
        "by_category": series(figures["by_category"]),
        "by_district": series(figures["by_district"]),
        "stages": {
            "labels": [str(s["label"]) for s in figures["stages"]],
            "counts": [s["count"] for s in figures["stages"]],
        },
        "funnel": {
            "labels": [s["title"] for s in figures["funnel"]["steps"]],
            "waiting": [s["waiting"] for s in figures["funnel"]["steps"]],
        },
        "trends": trends,
    }


# A rendered dashboard body stays valid as long as its snapshot (and the newest one, for the trends) is
# unchanged; the key says so, the timeout only bounds the memory of a stale key.
BODY_TIMEOUT = 3600


def _body_key(request, batch: SnapshotBatch, today: dt.date) -> str:
    """The cache key of a dashboard body: the snapshot as computed, the newest snapshot, the user's area."""
    root = access.scope_region(request.user)
    newest = SnapshotBatch.objects.order_by("-computed_at").values_list("pk", "computed_at").first()
    parts = [
        batch.pk,
        batch.computed_at.timestamp(),
        batch.fingerprint,
        *(newest or ()),
        root.pk if root else "all",
        get_language(),
        today.isoformat(),
    ]
    return "coverage:dashboard:" + hashlib.sha256(repr(parts).encode()).hexdigest()


@require_GET
def dashboard(request):
    access.require(request.user, "coverage.view")
    today = timezone.localdate()
    as_of = _as_of(request)
    batch = snapshot_for_page(as_of, today=today)  # today's: the newest figures, refreshed by the worker
    context = {
        "as_of": as_of,
        "today": today,
        "batch": batch,
        "area": _area(request.user),
        "form": AsOfForm(initial={"as_of": as_of}),
        "can_export": access.has(request.user, "coverage.export"),
    }
    key = _body_key(request, batch, today)
    body = cache.get(key)
    if body is None:
        figures = dashboard_figures(request.user, batch)
        _links(figures, batch.as_of)
        trends = trends_for(request.user, today)
        context.update(figures, trends=trends, chart_data=_chart_data(figures, trends))
        body = render_to_string("coverage/_dashboard_body.html", context)
        cache.set(key, body, BODY_TIMEOUT)
    return render(request, "coverage/dashboard.html", {**context, "body": body})


@require_GET
def report(request):
    access.require(request.user, "coverage.view")
    month = _month(request)
    as_of = month_day(month)
    batch = snapshot_for_page(as_of)
    as_of = batch.as_of  # this month's: the newest figures there are (never recomputed in the request)
    figures = dashboard_figures(request.user, batch)
    return render(
        request,
        "coverage/report.html",
        {
            **figures,
            "month": month,
            "as_of": as_of,
            "batch": batch,
            "area": _area(request.user),
            "form": MonthForm(initial={"month": month.strftime("%Y-%m")}),
            "can_export": access.has(request.user, "coverage.export"),
        },
    )


@require_GET
def report_export(request):
    """The month's report as XLSX; its ledger sheet names liaisons (mobiles masked): the export is logged."""
    access.require(request.user, "coverage.export")
    month = _month(request)
    as_of = month_day(month)
    batch = snapshot_for_page(as_of)
    as_of = batch.as_of  # this month's: the newest figures there are (never recomputed in the request)
    figures = dashboard_figures(request.user, batch)
    area = _area(request.user)
    ledger = report_ledger(organisations_for(request.user), as_of)
    workbook, row_count = report_xlsx_build(figures=figures, as_of=as_of, area=area, ledger=ledger)
    disclosure_record(
        user=request.user,
        kind=DisclosureLog.Kind.EXPORT,
        what=_("Monthly coverage report %(month)s (XLSX), mobile numbers masked")
        % {"month": month.strftime("%Y-%m")},
        params={"month": month.strftime("%Y-%m"), "format": "xlsx", "reveal": "0"},
        row_count=row_count,
        request=request,
    )
    file_name = _("%(area)s coverage report %(month)s") % {"area": area, "month": month.strftime("%Y-%m")}
    response = FileResponse(workbook, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{file_name}.xlsx"
    )
    response["Cache-Control"] = "private, no-store"
    return response
