"""manage.py benchmark_ledger: figures for the ledger on a large generated ledger (see branches/benchmark.py)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from branches.benchmark import benchmark_cleanup, benchmark_run, leftovers, report_table


class Command(BaseCommand):
    help = (
        "Generate a large ledger in the configured PostgreSQL database, measure the ledger's pages and the "
        "register import, print a table and remove what it generated (unless --keep)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=100_000, help="organisations to generate")
        parser.add_argument("--rows", type=int, default=50_000, help="rows of the register to import")
        parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
        parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
        parser.add_argument("--keep", action="store_true", help="keep the generated data (to look at it)")
        parser.add_argument("--clean", action="store_true", help="only remove what an earlier run kept")
        parser.add_argument("--force", action="store_true", help="run even though DEBUG is off")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"benchmark_ledger measures PostgreSQL only, and this database is {connection.vendor}: "
                "set DATABASE_URL=postgres://… (a database of its own, e.g. sanxin_bench)."
            )
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "benchmark_ledger writes up to hundreds of thousands of rows into the configured database; "
                "it runs only with DEBUG on, or with --force on a database you mean to use for it."
            )
        if options["clean"]:
            self.stdout.write(f"Removed: {benchmark_cleanup()}")
            return
        left = leftovers()
        if any(left.values()):
            raise CommandError(
                f"An earlier run left generated data behind ({left}); remove it with "
                "`manage.py benchmark_ledger --clean` first."
            )
        if options["organisations"] < 1 or options["rows"] < 2 or options["repeat"] < 1:
            raise CommandError("--organisations, --rows and --repeat must be positive (--rows at least 2).")
        report = benchmark_run(
            organisations=options["organisations"],
            rows=options["rows"],
            repeat=options["repeat"],
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
            self.stdout.write("Generated data kept; remove it with `manage.py benchmark_ledger --clean`.")
