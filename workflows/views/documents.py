"""Downloads of a run's papers, for staff of its area and the organisation's liaison alike: one filled paper,
the whole package as a ZIP, an uploaded attachment. Out of scope is 404; papers printing people are logged."""

from __future__ import annotations

import io

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from federation import access
from federation.downloads import attachment
from federation.models import DisclosureLog
from federation.services import disclosure_record
from federation.uploads import stored_file_response

from ..documents import (
    DOCX_CONTENT_TYPE,
    DocumentUnavailable,
    document_file_name,
    document_has_personal_data,
    document_render,
    run_package,
)
from ..jobs import package_is_large, package_record, run_package_start
from ..models import DocumentTemplate
from .common import attachment_or_404, entry_or_404, run_or_404


def _unavailable(error: DocumentUnavailable) -> HttpResponse:
    return HttpResponse(str(error), status=422, content_type="text/plain; charset=utf-8")


@require_GET
def document_download(request, pk, document):
    """One paper of a step, filled with the run's answers so far (blanks where answers are missing)."""
    entry = entry_or_404(request, pk, "workflow.papers")
    document = get_object_or_404(
        DocumentTemplate.objects.select_related("step"), pk=document, step=entry.step
    )
    try:
        data = document_render(document, entry.run)
    except DocumentUnavailable as error:
        return _unavailable(error)
    if document_has_personal_data(document):
        disclosure_record(
            user=request.user,
            kind=DisclosureLog.Kind.EXPORT,
            what=_("%(document)s of %(organisation)s (.docx)")
            % {"document": document.title, "organisation": entry.run.organisation.name},
            obj=entry,
            params={"document": document.pk},
        )
    response = FileResponse(io.BytesIO(data), content_type=DOCX_CONTENT_TYPE)
    return attachment(response, document_file_name(document))  # the run's answers: private


@require_GET
def package_download(request, pk):
    """All papers and attachments of a run so far, with a checklist of what is missing, as one ZIP. A package
    whose attachments weigh more than PACKAGE_INLINE_BYTES is zipped as a job when staff ask (they follow it
    on the job's page and download it there); the organisation's liaison has no job pages and always gets it
    at once."""
    run = run_or_404(request, pk, "workflow.papers")
    if access.has(request.user, "jobs.view") and package_is_large(run):
        job = run_package_start(by=request.user, run=run)
        return redirect("jobs:detail", pk=job.pk)
    data, file_name = run_package(run)
    package_record(user=request.user, run=run)
    return attachment(FileResponse(io.BytesIO(data), content_type="application/zip"), file_name)


@require_GET
def attachment_download(request, pk):
    """A file uploaded to a step, unless it was removed."""
    uploaded = attachment_or_404(request, pk, "workflow.papers")
    return stored_file_response(uploaded.file, name=uploaded.original_name)
