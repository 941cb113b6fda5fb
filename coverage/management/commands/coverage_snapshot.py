"""manage.py coverage_snapshot --month 2026-10: (re)compute a month's coverage figures."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coverage.services import month_start, snapshot_month


class Command(BaseCommand):
    help = "Compute a month's coverage figures (as of its last day, or today for this month); default this month."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM, e.g. 2026-10")

    def handle(self, *args, **options):
        today = timezone.localdate()
        month = month_start(today)
        if options["month"]:
            try:
                year, number = options["month"].split("-")
                month = dt.date(int(year), int(number), 1)
            except ValueError:
                raise CommandError("--month takes YYYY-MM, e.g. 2026-10.") from None
            if month > today:
                raise CommandError("--month cannot be in the future.")
        batch = snapshot_month(month=month, today=today)
        self.stdout.write(
            f"Coverage figures as of {batch.as_of}: {batch.rows.count()} rows, {batch.funnel.count()} funnel rows "
            f"in {batch.seconds} s."
        )
