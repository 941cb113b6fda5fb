"""The jobs list and a job's page: progress while it runs (the part that changes is fetched again every
second), then its outcome, its result to download, or the reason it failed. The backup page (administrators):
the last backups and a button that starts one."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from federation import access
from federation.downloads import attachment
from jobs.backups import backup_counts, backup_running, backup_start, backups_recent
from jobs.models import Job
from jobs.services import JobRefused, job_cancel, job_progress, job_retry, jobs_for

PAGE_SIZE = 50


@require_GET
def job_list(request):
    access.require(request.user, "jobs.view")
    page = Paginator(jobs_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "jobs/job_list.html", {"page": page, "all": access.scope_region(request.user) is None}
    )


def _job_or_404(request, pk: int) -> Job:
    access.require(request.user, "jobs.view")
    return get_object_or_404(jobs_for(request.user), pk=pk)


@require_GET
def job_detail(request, pk):
    job = _job_or_404(request, pk)
    context = {"job": job, "progress": job_progress(job), "next_url": _next_url(job)}
    if job.kind == Job.Kind.BACKUP:
        context["backup_counts"] = backup_counts(job)
    if request.htmx:
        return render(request, "jobs/_job_state.html", context)
    return render(request, "jobs/job_detail.html", context)


def _next_url(job: Job) -> str:
    """Where the work goes on once the job is done (an import's preview or its result), as its handler said."""
    return job.outcome.get("next", "") if job.status == Job.Status.DONE else ""


@require_POST
def job_cancel_view(request, pk):
    return _act(request, pk, job_cancel)


@require_POST
def job_retry_view(request, pk):
    return _act(request, pk, job_retry)


def _act(request, pk, action):
    """Cancel or start again a job the user sees; a refusal is said on its page."""
    job = _job_or_404(request, pk)
    try:
        action(job=job, by=request.user)
    except JobRefused as refused:
        messages.error(request, refused.message)
    return redirect("jobs:detail", pk=job.pk)


@require_GET
def job_download(request, pk):
    job = _job_or_404(request, pk)
    if job.owner_id != request.user.pk or not job.result:
        raise Http404
    response = FileResponse(job.result.open("rb"))
    return attachment(response, job.result_name)


@require_http_methods(["GET", "POST"])
def backup(request):
    """GET: the last backups and where they are written; POST: start one (one at a time: a backup waiting or
    under way is shown instead of starting a second). Backups stay on the server: nothing here downloads one."""
    access.require(request.user, "jobs.backup")
    if request.method == "POST":
        running = backup_running()
        if running is not None:
            messages.info(request, _("A backup is already under way; here it is."))
            return redirect("jobs:detail", pk=running.pk)
        job = backup_start(by=request.user)
        return redirect("jobs:detail", pk=job.pk)
    return render(
        request,
        "jobs/backup.html",
        {"backups": backups_recent(), "running": backup_running(), "directory": settings.BACKUP_DIR},
    )
