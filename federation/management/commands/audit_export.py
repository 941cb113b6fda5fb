"""Write a log as JSON lines (one entry a line, with its place in the chain and its digest)."""

import datetime as dt
import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from federation.audit import LOGS, entries


class Command(BaseCommand):
    help = "Export a log (logins, operations, disclosures, jobs) as JSON lines, to a file or standard output."

    def add_arguments(self, parser):
        parser.add_argument("log", choices=sorted(LOGS))
        parser.add_argument("--since", help="only entries from this day on (YYYY-MM-DD)")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, log, since=None, output=None, **options):
        start = None
        if since:
            try:
                day = dt.date.fromisoformat(since)
            except ValueError as error:
                raise CommandError(f"--since wants YYYY-MM-DD, got {since!r}") from error
            start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
        stream = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        count = 0
        try:
            for entry in entries(LOGS[log], since=start):
                stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
                count += 1
        finally:
            if output:
                stream.close()
        self.stderr.write(f"{count} entries")
