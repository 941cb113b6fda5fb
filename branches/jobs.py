"""The ledger's jobs, run off the request (see jobs.services): a large register's upload (read and preview) and
its apply, and a large ledger export. They call the services the pages call for small files."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.json import KeyTransform
from django.urls import reverse

from branches.errors import LedgerError
from branches.models import RegisterImport
from branches.registers import RegisterError
from branches.services.imports import register_import_apply, register_import_upload
from federation.models import User
from jobs.context import Reporter
from jobs.models import Job
from jobs.services import JobRefused, handler, job_start, result_save


def import_upload_start(
    *, by: User, data: bytes, file_name: str, source_name: str, defaults: dict[str, Any]
) -> Job:
    """Keep the uploaded bytes and read and preview them in a job."""
    staged = default_storage.save(f"jobs/uploads/{uuid.uuid4().hex}.bin", ContentFile(data))
    return job_start(
        by=by,
        kind=Job.Kind.IMPORT_PREVIEW,
        label=file_name,
        params={"staged": staged, "file_name": file_name, "source_name": source_name, "defaults": defaults},
    )


def import_apply_start(*, by: User, register_import: RegisterImport) -> Job:
    counts = (
        RegisterImport.objects.filter(pk=register_import.pk)
        .values_list(KeyTransform("counts", "summary"), flat=True)
        .first()
    )
    rows = counts if isinstance(counts, dict) else json.loads(counts or "{}")  # the counts only, not the rows
    return job_start(
        by=by,
        kind=Job.Kind.IMPORT_APPLY,
        label=register_import.file_name,
        params={"import": register_import.pk},
        rows_total=sum(value for key, value in rows.items() if key != "not_in_latest") or None,
    )


def import_job_running(register_import: RegisterImport) -> Job | None:
    """The job applying this import, while it waits or runs."""
    return (
        Job.objects.filter(
            kind=Job.Kind.IMPORT_APPLY,
            params__import=register_import.pk,
            status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
        )
        .order_by("-pk")
        .first()
    )


@handler(Job.Kind.IMPORT_PREVIEW)
def _import_preview(job: Job, reporter: Reporter) -> dict[str, Any]:
    params = job.params
    if not default_storage.exists(params["staged"]):
        raise JobRefused(str(_file_gone()))
    with default_storage.open(params["staged"], "rb") as staged:
        data = staged.read()
    try:
        register_import = register_import_upload(
            by=job.owner,
            data=data,
            file_name=params["file_name"],
            source_name=params["source_name"],
            defaults=params["defaults"],
        )
    except (RegisterError, LedgerError) as error:
        raise JobRefused(str(error.message)) from error
    default_storage.delete(params["staged"])
    counts = (register_import.summary or {}).get("counts", {})
    return {"import": register_import.pk, "counts": counts, "next": _detail(register_import)}


@handler(Job.Kind.IMPORT_APPLY)
def _import_apply(job: Job, reporter: Reporter) -> dict[str, Any]:
    register_import = RegisterImport.objects.filter(pk=job.params["import"]).first()
    if register_import is None:
        raise JobRefused(str(_file_gone()))
    try:
        counts = register_import_apply(register_import=register_import, by=job.owner)
    except LedgerError as error:
        raise JobRefused(str(error.message)) from error
    return {"import": register_import.pk, "counts": counts, "next": _detail(register_import)}


def _detail(register_import: RegisterImport) -> str:
    return reverse("branches:import_detail", args=[register_import.pk])


def _file_gone() -> str:
    from django.utils.translation import gettext

    return gettext("The uploaded file is no longer there; upload it again.")


def ledger_export_start(
    *, by: User, query: str, export_format: str, reveal: bool, file_name: str, rows: int
) -> Job:
    """Write a large export in a job; its file waits on the job's page for its owner."""
    return job_start(
        by=by,
        kind=Job.Kind.LEDGER_EXPORT,
        label=file_name,
        params={"query": query, "format": export_format, "reveal": reveal, "file_name": file_name},
        rows_total=rows,
    )


@handler(Job.Kind.LEDGER_EXPORT)
def _ledger_export(job: Job, reporter: Reporter) -> dict[str, Any]:
    """The list's filters as they were asked for, applied for the owner as they are now (scope, permission)."""
    import tempfile

    from django.http import QueryDict

    from branches.forms import OrganisationFilterForm
    from branches.selectors import organisation_search
    from branches.services.exports import ledger_csv_stream, ledger_export_record, ledger_xlsx_write
    from federation import access

    params, owner = job.params, job.owner
    access.require(owner, "ledger.export")
    filters = OrganisationFilterForm(QueryDict(params["query"]) or None, user=owner).filters()
    reveal = bool(params["reveal"]) and access.has(owner, "personal.reveal")
    organisations = organisation_search(user=owner, filters=filters)
    with tempfile.TemporaryFile() as target:
        if params["format"] == "csv":
            rows = organisations.count()
            for part in ledger_csv_stream(organisations, reveal=reveal):
                target.write(part.encode("utf-8"))
        else:
            rows = ledger_xlsx_write(organisations, reveal=reveal, target=target)
        reporter.update(phase="finishing", read=rows, written=rows)
        target.seek(0)
        result_save(job, params["file_name"], target.read())
    ledger_export_record(
        user=owner, export_format=params["format"], filters=filters, reveal=reveal, row_count=rows
    )
    return {"rows": rows}
