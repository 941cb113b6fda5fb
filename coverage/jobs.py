"""The coverage app's job (see jobs.services): the monthly report's workbook for a large area, written off the
request and kept on the job's page for its owner. It is built by the same code as the page's download, from
current figures and the ledger read in one snapshot of the database, and logged the same way."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from coverage.exports import report_build_current, report_disclosure_record, report_file_name
from coverage.services import figures_for_page, snapshot_compute
from federation import access
from federation.models import User
from federation.selectors import area_of
from jobs.context import Reporter
from jobs.models import Job
from jobs.services import JobRefused, handler, job_start, result_save


def figures_not_current_message() -> str:
    return _(
        "The figures are being brought up to date with the latest changes; the workbook can be "
        "downloaded once they are current (usually within a minute)."
    )


def monthly_report_start(*, by: User, month: dt.date, as_of: dt.date, rows: int) -> Job:
    """Write the month's report (as of `as_of`, the day its figures were read for) in a job."""
    return job_start(
        by=by,
        kind=Job.Kind.MONTHLY_REPORT,
        label=_("Monthly coverage report %(month)s") % {"month": month.strftime("%Y-%m")},
        params={"month": month.strftime("%Y-%m"), "as_of": as_of.isoformat()},
        rows_total=rows,
    )


@handler(Job.Kind.MONTHLY_REPORT)
def _monthly_report(job: Job, reporter: Reporter) -> dict[str, Any]:
    """The figures must be current when the workbook is written. Changes made since the job was started make
    them out of date: then they are counted again here (the job is off the request, it may wait for that)
    and the workbook written once more; still out of date after that (the ledger is being edited hard), the
    job fails and says so, and can be started again."""
    owner = job.owner
    try:
        access.require(owner, "coverage.export")
    except PermissionDenied:
        raise JobRefused(_("You may no longer export the coverage report.")) from None
    month = dt.date.fromisoformat(job.params["month"] + "-01")
    as_of = dt.date.fromisoformat(job.params["as_of"])
    area = area_of(owner)
    area_name = area.name if area else ""
    reporter.update(phase="reading", read=0)
    built = None
    for attempt in range(2):
        page = figures_for_page(as_of)
        batch = page.batch if page.current else None
        if batch is None and attempt:
            batch = snapshot_compute(as_of=as_of, wait=True)
        built = batch and report_build_current(user=owner, batch=batch, as_of=as_of, area=area_name)
        if built:
            break
    if not built:
        raise JobRefused(
            _("The figures changed while the workbook was being written; start it again in a minute.")
        )
    workbook, row_count = built
    with workbook:
        reporter.update(phase="finishing", read=row_count, written=row_count)
        result_save(job, report_file_name(area_name, month), workbook.read())
    report_disclosure_record(user=owner, month=month, row_count=row_count)
    return {"rows": row_count, "next": reverse("coverage:report") + f"?month={month:%Y-%m}"}
