"""Background work of the coverage dashboards: a thin wrapper around the snapshot service."""

import datetime as dt

from celery import shared_task


@shared_task(name="coverage.snapshots_monthly", acks_late=True, soft_time_limit=600, time_limit=900)
def snapshots_monthly() -> dict:
    """Periodic: last month's final figures (once), and today's figures when the data changed."""
    from coverage.services import snapshots_monthly as run

    return run()


@shared_task(name="coverage.snapshot_refresh", acks_late=True, soft_time_limit=600, time_limit=900)
def snapshot_refresh(as_of: str | None = None) -> str:
    """Enqueued by a page showing out-of-date figures: recompute that day's when they are still out of date."""
    from coverage.services import snapshot_refresh as run

    return run(as_of=dt.date.fromisoformat(as_of) if as_of else None)
