"""A backup started by an administrator from the backup page: `federation.backups.backup_create` (what `manage.py
backup` runs) as a job, into BACKUP_DIR. The backup holds personal data: it stays on the server; the job keeps
only where it was written, its size and the row counts of its manifest (no file to download)."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext as _

from federation import access
from federation.backups import BackupError, backup_create
from federation.models import User
from jobs.context import Reporter
from jobs.models import Job
from jobs.services import JobCancelled, JobRefused, handler, job_start

RECENT = 10  # the backups the page lists


def backup_running() -> Job | None:
    """A backup waiting or under way (one at a time is enough)."""
    return (
        Job.objects.filter(kind=Job.Kind.BACKUP, status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
        .order_by("-pk")
        .first()
    )


def backups_recent() -> list[Job]:
    return list(Job.objects.filter(kind=Job.Kind.BACKUP).select_related("owner")[:RECENT])


def backup_start(*, by: User) -> Job:
    access.require(by, "jobs.backup")
    return job_start(by=by, kind=Job.Kind.BACKUP, label=_("Backup of the database and the uploaded files"),
                     params={})  # fmt: skip


@handler(Job.Kind.BACKUP)
def _backup(job: Job, reporter: Reporter) -> dict[str, Any]:
    try:
        access.require(job.owner, "jobs.backup")
    except PermissionDenied:
        raise JobRefused(_("Only an administrator can make a backup.")) from None
    if connection.vendor == "sqlite" and connection.in_atomic_block:
        # SQLite's backup reads the file through a connection of its own, which would wait for this one's
        # transaction forever (a job run inside the request that started it: the tests' way)
        raise JobRefused(_("The backup could not be made: the database is busy. Start it again."))
    reporter.update(phase="writing")
    try:
        made = backup_create(output=Path(settings.BACKUP_DIR))
    except (
        BackupError
    ) as error:  # the operator's reason (a missing pg_dump, a full disk), as the command says it
        raise JobRefused(_("The backup could not be made: %(reason)s") % {"reason": error.message}) from None
    manifest = made.manifest
    files = manifest["files"]
    counts = {label: count for label, count in manifest["counts"].items() if count is not None}
    rows = sum(counts.values())
    with suppress(
        JobCancelled
    ):  # asked too late: the backup is written, and kept (the page offers no cancel)
        reporter.update(phase="finishing", read=rows, written=rows)
    return {
        "path": str(made.path),
        "size": sum(entry["size"] for entry in files.values()),
        "database_size": files["database"]["size"],
        "media_size": files["media"]["size"],
        "media_files": manifest["media_files"],
        "counts": counts,
        "next": reverse("jobs:backup"),
    }


def backup_counts(job: Job) -> list[tuple[str, int]]:
    """A backup's row counts by table, named as the app names them (in the reader's language)."""
    from django.apps import apps

    named = []
    for label, count in (job.outcome.get("counts") or {}).items():
        try:
            name = str(apps.get_model(label)._meta.verbose_name_plural)
        except (LookupError, ValueError):
            name = label
        named.append((name, count))
    return named
