"""manage.py benchmark: the whole app's figures at scale, in one run (see benchmarks/run.py)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from benchmarks import generate
from benchmarks.run import benchmark_run, report_table


class Command(BaseCommand):
    help = (
        "Generate the app's data at a scale in the configured PostgreSQL database (or reuse it), measure the "
        "pages against a trivial one, the register import against a raw COPY and the daily reminder sweep; "
        "print a table and write JSON. The data stays for the next --reuse run; --clean removes it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=100_000, help="organisations to generate")
        parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
        parser.add_argument("--reuse", action="store_true", help="skip generation when the data is there")
        parser.add_argument("--rows", type=int, default=50_000, help="rows of the register to import")
        parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
        parser.add_argument("--clean", action="store_true", help="only remove the generated data")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"The benchmark measures PostgreSQL only, and this database is {connection.vendor}: set "
                "DATABASE_URL=postgres://… to a database of its own (createdb sx_bench, then migrate)."
            )
        if options["clean"]:
            self.stdout.write(f"Removed: {generate.benchmark_cleanup()}")
            return
        scale, rows, repeat = options["scale"], options["rows"], options["repeat"]
        if scale < 20 or rows < 2 or repeat < 1:
            raise CommandError("--scale must be at least 20, --rows at least 2, --repeat at least 1.")
        others = generate.strangers()
        if any(others.values()):
            raise CommandError(
                f"This database holds users or organisations the benchmark did not make ({others}): the "
                "reminder sweep would send them real messages. Run it on a database of its own."
            )
        existing = generate.generated_scale()
        if existing and not options["reuse"]:
            raise CommandError(
                f"The database already holds {existing} generated organisations: pass --reuse to measure them "
                "again, or remove them with `manage.py benchmark --clean`."
            )
        if existing and existing != scale:
            raise CommandError(
                f"The generated data is at scale {existing}, not {scale}: pass --scale {existing}, or remove it "
                "with `manage.py benchmark --clean`."
            )
        report = benchmark_run(scale=scale, rows=rows, repeat=repeat, reuse=options["reuse"],
                               log=self.stdout.write)  # fmt: skip
        self.stdout.write("")
        self.stdout.write(report_table(report))
        if options["json"]:
            path = Path(options["json"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(report.as_json(), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
            )
            self.stdout.write(f"\nJSON written to {path}")
