"""Jobs: long work started by a person, run off the request, followed on a page that shows its progress.

`job_start` records the job and, once the request's transaction commits, hands it to a runner:
- "celery" (a broker is configured): a worker runs it (`jobs.run`, acknowledged late: a worker killed while it
  runs leaves the message to be delivered again, and the job is then marked failed and retryable);
- "thread" (a laptop without a broker): a thread of the web process runs it, so the page still answers at once;
- "inline" (the tests): it runs at once, before the request returns.

While it runs, a job reports rows read and written and its phase through `jobs.context.progress()`. The report
reaches the page whatever the job's own transaction holds back: on PostgreSQL it is written on a connection of
its own; everywhere it is also put in the cache. A cancel is asked for the same way and seen by the job at its
next report; work that writes does so in one transaction, so a cancel rolls everything back (never half
applied). When the job ends, its owner gets a message in the inbox (in their language) with the link to it.

Results (exports) are kept JOBS_KEEP_DAYS days and downloaded by their owner; a daily sweep removes older ones
and marks as failed a running job whose worker stopped reporting (JOBS_STALE_MINUTES).

The kinds, each registered with `@handler(kind)` by the app whose work it is (imported from its apps.py ready()):
- branches.jobs: a register's upload and preview, and its apply (files above IMPORT_INLINE_BYTES); a ledger
  export above EXPORT_INLINE_ROWS rows (its file kept for download);
- coverage.jobs: the monthly report's XLSX when the area's ledger sheet has more than EXPORT_INLINE_ROWS
  organisations (written from current figures in one snapshot of the database, as the page does);
- workflows.jobs: a run's papers package (ZIP) whose attachments weigh more than PACKAGE_INLINE_BYTES, asked for
  by staff (the liaison, who has no job pages, always gets it at once);
- jobs.backups: a backup (`federation.backups.backup_create`) into BACKUP_DIR, started by an administrator from
  the backup page; it stays on the server: the job keeps its path, size and row counts, no file.
A handler reports with `reporter.update(phase=..., read=..., written=...)`, raises JobRefused for an expected
failure (said to the owner), logs a disclosure when it writes personal data, and returns its outcome; the
outcome's "next" is the page where the work goes on (the job's page links to it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import close_old_connections, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from federation import access
from federation.models import User
from federation.notifications import notification_create
from jobs.context import reporting, speedups
from jobs.models import Job

log = logging.getLogger("jobs")

REPORT_SECONDS = 0.5  # at most this often a running job writes its progress
CHECK_SECONDS = 1.0  # at most this often it looks whether it was asked to stop


class JobCancelled(Exception):
    """Raised inside a job that was asked to stop; its transaction rolls back."""


class JobRefused(Exception):
    """An expected failure: its message (already in the owner's language) is shown as the reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# kind → function(job, reporter) -> outcome (a dict kept on the job; "next": where the work goes on), registered
# by the apps whose work it is (branches.jobs)
HANDLERS: dict[str, Callable[[Job, Reporter], dict[str, Any]]] = {}


def handler(kind: str) -> Callable:
    def register(function: Callable[[Job, Reporter], dict[str, Any]]) -> Callable:
        HANDLERS[kind] = function
        return function

    return register


# --------------------------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------------------------


def _cache_key(job_id: int) -> str:
    return f"jobs:{job_id}:progress"


def _cancel_key(job_id: int) -> str:
    return f"jobs:{job_id}:cancel"


class Reporter:
    """A running job's progress, written at most every REPORT_SECONDS outside the job's own transaction."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.pk
        self.state: dict[str, Any] = {
            "phase": "",
            "rows_total": job.rows_total,
            "rows_read": 0,
            "rows_written": 0,
        }
        self._reported = 0.0
        self._checked = 0.0
        self._side: Any = None  # PostgreSQL: a connection of the job's own, in autocommit

    def update(
        self,
        *,
        phase: str | None = None,
        total: int | None = None,
        read: int | None = None,
        written: int | None = None,
        add_written: int = 0,
    ) -> None:
        state = self.state
        changed_phase = phase is not None and phase != state["phase"]
        if phase is not None:
            state["phase"] = phase
        if total is not None:
            state["rows_total"] = total
        if read is not None:
            state["rows_read"] = read
        if written is not None:
            state["rows_written"] = written
        state["rows_written"] += add_written
        now = time.monotonic()
        if changed_phase or now - self._reported >= REPORT_SECONDS:
            self._reported = now
            self.flush()
        self.check()

    def flush(self) -> None:
        state = {**self.state, "heartbeat_at": timezone.now()}
        cache.set(_cache_key(self.job_id), state, timeout=24 * 3600)
        if connection.vendor == "postgresql":
            self._side_execute(
                f"UPDATE {Job._meta.db_table} SET phase = %s, rows_total = %s, rows_read = %s, rows_written = %s, "
                "heartbeat_at = %s WHERE id = %s AND status = 'running'",
                [state["phase"], state["rows_total"], state["rows_read"], state["rows_written"],
                 state["heartbeat_at"], self.job_id],
            )  # fmt: skip

    def check(self) -> None:
        now = time.monotonic()
        if now - self._checked < CHECK_SECONDS:
            return
        self._checked = now
        if cache.get(_cancel_key(self.job_id)):
            raise JobCancelled
        if connection.vendor == "postgresql":
            rows = self._side_execute(
                f"SELECT cancel_requested_at IS NOT NULL FROM {Job._meta.db_table} WHERE id = %s",
                [self.job_id],
            )
            if rows and rows[0][0]:
                raise JobCancelled

    def _side_execute(self, sql: str, params: list) -> list:
        try:
            if self._side is None:
                self._side = connection.get_new_connection(connection.get_connection_params())
                self._side.autocommit = True
            with self._side.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        except Exception:  # progress is a courtesy: the job goes on without it
            log.warning("job %s: could not write its progress", self.job_id, exc_info=True)
            self.close()
            return []

    def close(self) -> None:
        if self._side is not None:
            try:
                self._side.close()
            finally:
                self._side = None


def job_progress(job: Job) -> dict[str, Any]:
    """What the page shows of a job: its row, with the newest report when the job is running."""
    shown: dict[str, Any] = {
        "phase": job.phase,
        "rows_total": job.rows_total,
        "rows_read": job.rows_read,
        "rows_written": job.rows_written,
    }
    if job.status == Job.Status.RUNNING:
        reported = cache.get(_cache_key(job.pk))
        if reported:
            shown.update({key: reported[key] for key in shown})
    shown["stopping"] = job.status == Job.Status.RUNNING and bool(
        job.cancel_requested_at or cache.get(_cancel_key(job.pk))
    )
    total = shown["rows_total"]
    done = shown["rows_written"] if shown["phase"] == "writing" else shown["rows_read"]
    shown["percent"] = min(100, round(100 * done / total)) if total else None
    if job.status == Job.Status.DONE:
        shown["percent"] = 100
    return shown


# --------------------------------------------------------------------------------------------------------
# Starting, running, ending
# --------------------------------------------------------------------------------------------------------


def jobs_for(user: User) -> QuerySet[Job]:
    """The jobs started in the user's area (by the starter's unit); their own wherever; admins see all. Backups
    only for those who may make them (where they lie on the server is no one else's business)."""
    jobs = access.scope(user, Job.objects.select_related("owner", "unit"), region_field="unit__region")
    if not access.has(user, "jobs.backup"):
        jobs = jobs.exclude(kind=Job.Kind.BACKUP)
    return jobs


def job_start(
    *, by: User, kind: str, label: str, params: dict[str, Any], rows_total: int | None = None
) -> Job:
    """Record a job and run it once the current transaction commits."""
    job = Job.objects.create(
        kind=kind, label=label[:200], owner=by, unit=by.unit, params=params, rows_total=rows_total
    )
    if runner() == "inline":  # the tests: at once, inside the caller's transaction
        _enqueue(job.pk)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def runner() -> str:
    configured = getattr(settings, "JOBS_RUNNER", "")
    if configured:
        return configured
    return "thread" if settings.CELERY_TASK_ALWAYS_EAGER else "celery"


def _enqueue(job_id: int) -> None:
    how = runner()
    if how == "inline":
        job_execute(job_id, fast=True)
    elif how == "thread":
        threading.Thread(target=_in_thread, args=(job_id,), name=f"job-{job_id}", daemon=True).start()
    else:
        from jobs.tasks import job_run

        try:
            job_run.delay(job_id)
        except Exception:  # the broker is down: the job waits; the page says so and offers to start it again
            log.warning("could not hand job %s to the worker", job_id, exc_info=True)


def _in_thread(job_id: int) -> None:
    try:
        job_execute(job_id, fast=False)  # a web process keeps its process-wide settings
    finally:
        close_old_connections()
        connection.close()


def job_execute(job_id: int, *, fast: bool) -> None:
    """Run a queued job to its end (done, failed or cancelled). A job found running already was being run by
    a worker that stopped: it is marked failed (its transaction was rolled back with the worker's connection)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None:
        return
    if not claimed:
        if job.status == Job.Status.RUNNING:
            _end_interrupted(job)
        return
    cache.delete(_cancel_key(job.pk))
    reporter = Reporter(job)
    language = job.owner.language or settings.LANGUAGE_CODE
    try:
        with translation.override(language), reporting(reporter):
            if fast:
                with speedups():
                    outcome = HANDLERS[job.kind](job, reporter)
            else:
                outcome = HANDLERS[job.kind](job, reporter)
    except JobCancelled:
        _end(job, Job.Status.CANCELLED)
    except JobRefused as refused:
        _end(job, Job.Status.FAILED, error=refused.message)
    except Exception:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        with translation.override(language):
            _end(job, Job.Status.FAILED, error=_("Something went wrong on the server; nothing was changed. "
                                                "Try again, or tell your administrator."))  # fmt: skip
    else:
        _end(job, Job.Status.DONE, outcome=outcome or {})
    finally:
        reporter.close()


def _end_interrupted(job: Job) -> None:
    with translation.override(job.owner.language or settings.LANGUAGE_CODE):
        _end(
            job,
            Job.Status.FAILED,
            error=_("The server stopped while this ran; nothing was changed. Start it again."),
        )


def _end(job: Job, status: str, *, error: str = "", outcome: dict[str, Any] | None = None) -> None:
    now = timezone.now()
    reported = cache.get(_cache_key(job.pk)) or {}
    changes: dict[str, Any] = {"status": status, "finished_at": now, "heartbeat_at": now, "error": error}
    for key in ("phase", "rows_read", "rows_written", "rows_total"):
        if reported.get(key) is not None:
            changes[key] = reported[key]
    if outcome is not None:
        changes["outcome"] = outcome
    if status == Job.Status.DONE:
        changes["expires_at"] = now + timedelta(days=settings.JOBS_KEEP_DAYS)
    with transaction.atomic():
        ended = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(**changes)
        if not ended:
            return
        for key, value in changes.items():
            setattr(job, key, value)
        templates: dict[str, str] = {Job.Status.DONE: "job_done", Job.Status.FAILED: "job_failed"}
        template = templates.get(status)
        if template:
            notification_create(
                user=job.owner,
                kind=template,
                template=template,
                context={"job": job, "kind": job.get_kind_display(), "error": error},
                url=f"/jobs/{job.pk}/",
            )
    cache.delete(_cache_key(job.pk))


def result_save(job: Job, name: str, content: bytes) -> None:
    """Keep a job's result file (an export) for its owner to download."""
    job.result.save(name, ContentFile(content), save=False)
    job.result_name, job.result_size = name, len(content)
    Job.objects.filter(pk=job.pk).update(result=job.result.name, result_name=name, result_size=len(content))


def job_cancel(*, job: Job, by: User) -> Job:
    """Stop a job: one waiting ends at once; one running stops at its next report, writing nothing."""
    _require_own(job, by)
    now = timezone.now()
    job.refresh_from_db()
    # A running job is told through the cache (and on PostgreSQL its row): on SQLite its transaction may hold
    # the database's write lock, so the request that asks writes nothing.
    if job.status == Job.Status.QUEUED and Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.CANCELLED, cancel_requested_at=now, finished_at=now
    ):
        job.refresh_from_db()
        return job
    if job.status != Job.Status.RUNNING:
        return job
    cache.set(_cancel_key(job.pk), True, timeout=24 * 3600)
    if connection.vendor == "postgresql":
        # read by the job on its own connection; SQLite's job reads the cache (and its database stays locked by
        # the job's write until the job ends)
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(cancel_requested_at=now)
    job.refresh_from_db()
    return job


def job_retry(*, job: Job, by: User) -> Job:
    """Run a failed or cancelled job again, with what it was started with."""
    _require_own(job, by)
    retried = Job.objects.filter(pk=job.pk, status__in=[Job.Status.FAILED, Job.Status.CANCELLED]).update(
        status=Job.Status.QUEUED, error="", cancel_requested_at=None, started_at=None, finished_at=None,
        phase="", rows_read=0, rows_written=0, outcome={},
    )  # fmt: skip
    if retried and runner() == "inline":
        _enqueue(job.pk)
    elif retried:
        transaction.on_commit(lambda: _enqueue(job.pk))
    job.refresh_from_db()
    return job


def _require_own(job: Job, by: User) -> None:
    if job.owner_id != by.pk and access.actor(by) != access.ADMIN:
        raise JobRefused(_("Only the person who started it (or an administrator) can do that."))


def jobs_sweep() -> dict[str, int]:
    """Mark as failed the running jobs whose worker stopped reporting; remove results past their keeping time."""
    now = timezone.now()
    stale = now - timedelta(minutes=settings.JOBS_STALE_MINUTES)
    interrupted = 0
    for job in Job.objects.select_related("owner").filter(status=Job.Status.RUNNING, heartbeat_at__lt=stale):
        reported = cache.get(_cache_key(job.pk))
        if reported and reported["heartbeat_at"] >= stale:
            continue  # reporting through the cache only (SQLite): still alive
        _end_interrupted(job)
        interrupted += 1
    expired = 0
    for job in Job.objects.filter(expires_at__lt=now).exclude(result=""):
        job.result.delete(save=False)
        Job.objects.filter(pk=job.pk).update(result="")
        expired += 1
    return {"interrupted": interrupted, "results_removed": expired}
