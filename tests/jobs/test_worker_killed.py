"""A worker killed while it applies a register leaves nothing written and the job failed and retryable; started
again on a live worker, the job completes (CI: PostgreSQL, Redis and real worker processes)."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest

from branches.models import Organisation, RegisterImport
from branches.services.imports import register_import_upload
from jobs.models import Job
from tests.conftest import worker_start, worker_stop

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROWS = 30_000


def register(rows: int) -> bytes:
    lines = ["单位名称,所属区,单位类型,联系人,联系电话"]
    lines += [f"乌海市中断测试{i}商会,海勃湾区,社会团体,王{i}女士,139{i:08d}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def wait_for(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds} s for {what}")


@pytest.fixture
def on_worker_queue(settings):
    """Jobs go to a worker of the test's own (which the test kills), through Redis."""
    from federation.celery import app

    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    settings.JOBS_RUNNER = "celery"
    app.conf.task_always_eager = False
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    yield queue
    app.conf.task_default_queue = previous
    app.conf.task_always_eager = True


def test_a_worker_killed_during_an_apply_leaves_nothing_written_and_the_job_retryable(
    city_officer, on_worker_queue, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    from branches.jobs import import_apply_start
    from jobs.services import job_retry, jobs_sweep

    register_import = register_import_upload(
        by=city_officer, data=register(ROWS), file_name="中断.csv", source_name="民政局名录"
    )
    assert register_import.status == RegisterImport.Status.PREVIEWED
    worker = worker_start(on_worker_queue, log_name="test-worker-killed")
    try:
        job = import_apply_start(by=city_officer, register_import=register_import)  # sent once committed

        def writing():  # the worker has read rows and handed batches to the database
            job.refresh_from_db()
            return job.status == Job.Status.RUNNING and job.rows_written > 0 and job.rows_read < ROWS

        wait_for(writing, seconds=60, what="the worker to be writing the import")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker_stop(worker)
        else:
            worker.log.close()

    # Its connection gone, PostgreSQL rolled the transaction back: nothing of the import is in the ledger.
    wait_for(lambda: not Organisation.objects.exists(), seconds=10, what="the rollback")
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.PREVIEWED
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING  # nobody has told it yet
    settings.JOBS_STALE_MINUTES = 0  # the sweep (every five minutes) finds it silent
    assert jobs_sweep()["interrupted"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED

    worker = worker_start(on_worker_queue, log_name="test-worker-killed")
    try:
        job_retry(job=job, by=city_officer)
        wait_for(lambda: Job.objects.get(pk=job.pk).finished, seconds=120, what="the retried job")
    finally:
        worker_stop(worker)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    assert job.attempts == 2 and job.outcome["counts"]["new"] == ROWS
    assert Organisation.objects.count() == ROWS
