"""manage.py benchmark_reminders: the daily reminder sweep on a large generated ledger (benchmarks/sweep/)."""

from django.core.management.base import CommandError

from benchmarks.command import BenchmarkCommand
from benchmarks.sweep import benchmark_cleanup, benchmark_run, leftovers, report_table, strangers


def _levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise CommandError(f"--due takes numbers separated by commas (200,2000), not {text!r}.") from error
    if not levels or min(levels) < 1:
        raise CommandError("--due takes positive numbers separated by commas (200,2000).")
    return levels


class Command(BenchmarkCommand):
    name = "benchmark_reminders"
    database_hint = "sanxin_sweep"
    volume = "up to a million rows"
    help = (
        "Generate organisations and a contact log in the configured PostgreSQL database, run the daily reminder "
        "sweep at each due level with a tenth of the contact log and with all of it, print its time, queries "
        "and query plans, and remove what it generated (unless --keep)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=100_000, help="organisations to generate")
        parser.add_argument("--contacts", type=int, default=1_000_000, help="contact-log rows to generate")
        parser.add_argument("--due", default="200,2000", help="rows due per level, comma-separated")
        self.add_common_arguments(parser)

    def handle(self, *args, **options):
        if not self.guard(options, cleanup=benchmark_cleanup, leftovers=leftovers):
            return
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
        self.report(report, report_table, options)
