from celery import shared_task


# Acknowledged once it has run: a worker killed meanwhile leaves the message to be delivered again, and the
# job, found running, is then marked failed and retryable (its transaction died with the worker's connection).
@shared_task(name="jobs.run", acks_late=True, reject_on_worker_lost=True)
def job_run(job_id: int) -> None:
    from jobs.services import job_execute

    job_execute(job_id, fast=True)


@shared_task(name="jobs.sweep")
def jobs_sweep() -> dict:
    from jobs.services import jobs_sweep as sweep

    return sweep()
