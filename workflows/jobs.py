"""Guided formation's job (see jobs.services): a run's papers package whose attachments weigh more than
PACKAGE_INLINE_BYTES, zipped off the request and kept on the job's page for the staff member who asked. The
package is the one the page sends for a small run, and its download is logged the same way."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from federation import access
from federation.models import DisclosureLog, User
from federation.services import disclosure_record
from jobs.context import Reporter
from jobs.models import Job
from jobs.services import JobRefused, handler, job_start, result_save

from .documents import run_package
from .models import FormationRun, StepAttachment
from .selectors import runs_for


def package_is_large(run: FormationRun) -> bool:
    """Whether the run's package is zipped as a job: its attachments (what makes a package heavy; the filled
    papers are a few kilobytes each) weigh more than PACKAGE_INLINE_BYTES."""
    size = StepAttachment.objects.filter(entry__run=run).aggregate(size=Sum("size"))["size"]
    return (size or 0) > settings.PACKAGE_INLINE_BYTES


def package_record(*, user: User, run: FormationRun) -> None:
    """The package holds the run's answers and uploads (people's names and numbers): each one made is logged."""
    disclosure_record(
        user=user,
        kind=DisclosureLog.Kind.EXPORT,
        what=_("Formation papers of %(organisation)s (ZIP)") % {"organisation": run.organisation.name},
        obj=run,
    )


def run_package_start(*, by: User, run: FormationRun) -> Job:
    files = StepAttachment.objects.filter(entry__run=run).count()
    return job_start(
        by=by,
        kind=Job.Kind.RUN_PACKAGE,
        label=_("Formation papers of %(organisation)s (ZIP)") % {"organisation": run.organisation.name},
        params={"run": run.pk},
        rows_total=files or None,
    )


@handler(Job.Kind.RUN_PACKAGE)
def _run_package(job: Job, reporter: Reporter) -> dict[str, Any]:
    """The run as its owner may see it now (its area, their permission), packaged as the page would."""
    owner = job.owner
    run = (
        runs_for(owner)
        .select_related("organisation__region", "template", "owner", "liaison", "branch")
        .filter(pk=job.params["run"])
        .first()
    )
    if run is None:
        raise JobRefused(_("This formation run is no longer in your area; nothing was packaged."))
    try:
        access.require(owner, "workflow.papers", run)
    except PermissionDenied:
        raise JobRefused(_("You may no longer download this run's papers.")) from None
    reporter.update(phase="reading", read=0)
    data, file_name = run_package(run)
    files = job.rows_total or 0
    reporter.update(phase="finishing", read=files, written=files)
    result_save(job, file_name, data)
    package_record(user=owner, run=run)
    return {"run": run.pk, "next": reverse("workflows:run_detail", args=[run.pk])}
