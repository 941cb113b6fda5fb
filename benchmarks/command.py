"""What the benchmark commands share: PostgreSQL and DEBUG guards, clean-up of a kept run, the report's output."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class BenchmarkCommand(BaseCommand):
    """A benchmark that generates data into PostgreSQL, measures, prints a table and removes what it made."""

    name = ""  # the command's name, for messages
    database_hint = ""  # e.g. "sanxin_bench"
    volume = ""  # how much it writes, for the DEBUG guard's message

    def add_common_arguments(self, parser) -> None:
        parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
        parser.add_argument("--keep", action="store_true", help="keep the generated data (to look at it)")
        parser.add_argument("--clean", action="store_true", help="only remove what an earlier run kept")
        parser.add_argument("--force", action="store_true", help="run even though DEBUG is off")

    def guard(self, options, *, cleanup, leftovers) -> bool:
        """Refuse what must not run; handle --clean. Returns False when there is nothing more to do."""
        if connection.vendor != "postgresql":
            raise CommandError(
                f"{self.name} measures PostgreSQL only, and this database is {connection.vendor}: "
                f"set DATABASE_URL=postgres://… (a database of its own, e.g. {self.database_hint})."
            )
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                f"{self.name} writes {self.volume} into the configured database; it runs only with DEBUG on, "
                "or with --force on a database you mean to use for it."
            )
        if options["clean"]:
            self.stdout.write(f"Removed: {cleanup()}")
            return False
        left = leftovers()
        if any(left.values()):
            raise CommandError(
                f"An earlier run left generated data behind ({left}); remove it with "
                f"`manage.py {self.name} --clean` first."
            )
        return True

    def report(self, report, table, options) -> None:
        """Print the table, write the JSON, say how to remove kept data."""
        self.stdout.write("")
        self.stdout.write(table(report))
        if options["json"]:
            path = Path(options["json"])
            path.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2), encoding="utf-8")
            self.stdout.write(f"\nJSON written to {path}")
        if options["keep"]:
            self.stdout.write(f"Generated data kept; remove it with `manage.py {self.name} --clean`.")


def server_facts(*names: str) -> dict[str, str]:
    """The measured database's name and PostgreSQL's version and the named settings (jit, autovacuum…), for a
    report's heading."""
    facts = {"database": connection.settings_dict["NAME"]}
    with connection.cursor() as cursor:
        for name in ("server_version", *names):
            cursor.execute(f"SHOW {name}")
            facts["postgresql" if name == "server_version" else name] = cursor.fetchone()[0]
    return facts
