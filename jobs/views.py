"""The jobs list and a job's page: progress while it runs (the part that changes is fetched again every
second), then its outcome, its result to download, or the reason it failed."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from federation import access
from federation.downloads import attachment
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
    if request.htmx:
        return render(request, "jobs/_job_state.html", context)
    return render(request, "jobs/job_detail.html", context)


def _next_url(job: Job) -> str:
    """Where the work goes on once the job is done (an import's preview or its result), as its handler said."""
    return job.outcome.get("next", "") if job.status == Job.Status.DONE else ""


@require_POST
def job_cancel_view(request, pk):
    job = _job_or_404(request, pk)
    try:
        job_cancel(job=job, by=request.user)
    except JobRefused as refused:
        messages.error(request, refused.message)
    return redirect("jobs:detail", pk=job.pk)


@require_POST
def job_retry_view(request, pk):
    job = _job_or_404(request, pk)
    try:
        job_retry(job=job, by=request.user)
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
