"""Coverage pages: the dashboard (as of any day), the monthly report (printable) and its XLSX."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coverage.exports import report_build_current, report_disclosure_record, report_file_name, report_rows
from coverage.forms import AsOfForm, MonthForm, RefreshForm
from coverage.jobs import figures_not_current_message, monthly_report_start
from coverage.models import SnapshotBatch
from coverage.selectors import dashboard_figures, figure_links, ledger_link, newest_batch_stamp, trends_for
from coverage.services import (
    ComputeBusy,
    figures_for_page,
    month_day,
    month_start,
    snapshot_compute,
    snapshot_refresh_enqueue,
)
from federation import access
from federation.downloads import XLSX, attachment
from federation.selectors import area_of


def _area(user) -> str:
    """The user's area by name (the city for an admin without a unit)."""
    area = area_of(user)
    return area.name if area else ""


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
    newest = newest_batch_stamp()
    parts = [
        batch.pk,
        batch.computed_at.timestamp(),
        batch.version,
        batch.stale,
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
    page = figures_for_page(as_of, today=today)  # current, or the newest there are while they are refreshed
    batch = page.batch
    context = {
        "as_of": as_of,
        "today": today,
        "batch": batch,
        "page": page,
        "area": _area(request.user),
        "form": AsOfForm(initial={"as_of": as_of}),
        "can_export": access.has(request.user, "coverage.export"),
    }
    if batch is None:  # a day's first figures, being computed by the worker
        return render(request, "coverage/dashboard.html", context)
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
    page = figures_for_page(month_day(month))
    context = {
        "month": month,
        "as_of": page.as_of,
        "batch": page.batch,
        "page": page,
        "area": _area(request.user),
        "form": MonthForm(initial={"month": month.strftime("%Y-%m")}),
        "can_export": access.has(request.user, "coverage.export"),
    }
    if page.batch is not None:
        context.update(dashboard_figures(request.user, page.batch))
    return render(request, "coverage/report.html", context)


@require_GET
def report_export(request):
    """The month's report as XLSX; its ledger sheet names liaisons (mobiles masked): the export is logged.

    Built here when the area's ledger sheet has at most EXPORT_INLINE_ROWS organisations (the download starts at
    once, as for a small ledger export); above that it is written as a job and the user follows it on the
    job's page, then downloads it there. Either way only from current figures: out-of-date ones are said and
    the user is sent back to the report."""
    access.require(request.user, "coverage.export")
    month = _month(request)
    page = figures_for_page(month_day(month))
    area = _area(request.user)
    if page.current and page.batch is not None:
        rows = report_rows(request.user, page.as_of)
        if rows > settings.EXPORT_INLINE_ROWS:  # a large area's workbook is written off the request
            job = monthly_report_start(by=request.user, month=month, as_of=page.as_of, rows=rows)
            return redirect("jobs:detail", pk=job.pk)
    built = (
        page.current
        and page.batch is not None
        and report_build_current(user=request.user, batch=page.batch, as_of=page.as_of, area=area)
    )
    if not built:  # never a workbook whose summary disagrees with its ledger sheet
        messages.warning(request, figures_not_current_message())
        return redirect(reverse("coverage:report") + f"?month={month:%Y-%m}")
    workbook, row_count = built
    report_disclosure_record(user=request.user, month=month, row_count=row_count)
    return attachment(FileResponse(workbook, content_type=XLSX), report_file_name(area, month))


@require_POST
def refresh(request):
    """Bring a day's figures up to date now: in the worker when there is one, else here."""
    access.require(request.user, "coverage.view")
    form = RefreshForm(request.POST)
    if not form.is_valid():
        messages.warning(request, _("The figures were not refreshed: the day was not understood."))
        return redirect("coverage:dashboard")
    as_of = min(form.cleaned_data["as_of"], timezone.localdate())
    back = form.cleaned_data["back"]
    if snapshot_refresh_enqueue(as_of, force=True):
        messages.info(request, _("The figures are being refreshed; this page updates itself when they are."))
    else:
        try:
            snapshot_compute(as_of=as_of, wait=False)
            messages.success(request, _("The figures are up to date."))
        except ComputeBusy:
            messages.info(request, _("The figures are being refreshed right now; look again in a moment."))
    if back == "report":
        return redirect(reverse("coverage:report") + f"?month={as_of:%Y-%m}")
    return redirect(reverse("coverage:dashboard") + f"?as_of={as_of.isoformat()}")
