"""manage.py benchmark_reminders: the daily reminder sweep on a large generated ledger (branches/benchmark_sweep.py)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from branches.benchmark_sweep import benchmark_cleanup, benchmark_run, leftovers, report_table, strangers


def _levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise CommandError(f"--due takes numbers separated by commas (200,2000), not {text!r}.") from error
    if not levels or min(levels) < 1:
        raise CommandError("--due takes positive numbers separated by commas (200,2000).")
    return levels


class Command(BaseCommand):
    help = (
        "Generate organisations and a contact log in the configured PostgreSQL database, run the daily reminder "
        "sweep at each due level with a tenth of the contact log and with all of it, print its time, queries "
        "and query plans, and remove what it generated (unless --keep)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=100_000, help="organisations to generate")
        parser.add_argument("--contacts", type=int, default=1_000_000, help="contact-log rows to generate")
        parser.add_argument("--due", default="200,2000", help="rows due per level, comma-separated")
        parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
        parser.add_argument("--keep", action="store_true", help="keep the generated data (to look at it)")
        parser.add_argument("--clean", action="store_true", help="only remove what an earlier run kept")
        parser.add_argument("--force", action="store_true", help="run even though DEBUG is off")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"benchmark_reminders measures PostgreSQL only, and this database is {connection.vendor}: "
                "set DATABASE_URL=postgres://… (a database of its own, e.g. sanxin_sweep)."
            )
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "benchmark_reminders writes up to a million rows into the configured database; it runs only "
                "with DEBUG on, or with --force on a database you mean to use for it."
            )
        if options["clean"]:
            self.stdout.write(f"Removed: {benchmark_cleanup()}")
            return
        left = leftovers()
        if any(left.values()):
            raise CommandError(
                f"An earlier run left generated data behind ({left}); remove it with "
                "`manage.py benchmark_reminders --clean` first."
            )
        others = strangers()
        if any(others.values()):
            raise CommandError(
                f"This database holds users or organisations the benchmark did not make ({others}): the sweep "
                "would send them real reminders. Run it on a database of its own (createdb sanxin_sweep, then "
                "migrate)."
            )
        organisations, contacts, due = options["organisations"], options["contacts"], _levels(options["due"])
        if organisations < 10 or contacts < 10:
            raise CommandError("--organisations and --contacts must be at least 10.")
        # Due follow-ups are drawn from the latest contacts (a tenth of the log) of organisations not archived.
        room = min(organisations, contacts // 10) * 9 // 10
        if max(due) > room:
            raise CommandError(
                f"--due {max(due)} is more than the {room} latest contacts a level can draw from: raise "
                "--organisations or --contacts, or lower --due."
            )
        report = benchmark_run(
            organisations=organisations,
            contacts=contacts,
            due=due,
            keep=options["keep"],
            log=self.stdout.write,
        )
        self.stdout.write("")
        self.stdout.write(report_table(report))
        if options["json"]:
            path = Path(options["json"])
            path.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2), encoding="utf-8")
            self.stdout.write(f"\nJSON written to {path}")
        if options["keep"]:
            self.stdout.write("Generated data kept; remove it with `manage.py benchmark_reminders --clean`.")
