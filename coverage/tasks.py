"""Background work of the coverage dashboards: a thin wrapper around the snapshot service."""

from celery import shared_task


@shared_task(name="coverage.snapshots_monthly", acks_late=True, soft_time_limit=600, time_limit=900)
def snapshots_monthly() -> dict:
    """Periodic: last month's final figures (once), and today's figures when the data changed."""
    from coverage.services import snapshots_monthly as run

    return run()


@shared_task(name="coverage.snapshot_refresh", acks_late=True, soft_time_limit=300, time_limit=420)
def snapshot_refresh() -> str:
    """Enqueued by a page showing today's figures: recompute them when the data changed or they are old."""
    from coverage.services import snapshot_refresh as run

    return run()
