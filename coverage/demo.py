"""Demo coverage figures: the last six months' snapshots and today's, from the demo ledger."""

import datetime as dt

from django.utils import timezone

from coverage.services import month_end, month_start, snapshot_compute


def demo_load(*, stdout) -> None:
    """Compute the figures as of each of the past six months' last day, and today (idempotent: replaced)."""
    today = timezone.localdate()
    month, days = month_start(today), []
    for _ in range(6):
        month = month_start(month - dt.timedelta(days=1))
        days.append(month_end(month))
    for day in [*reversed(days), today]:
        snapshot_compute(as_of=day)
    stdout.write(f"Demo coverage: figures for {len(days)} past months and today.")
