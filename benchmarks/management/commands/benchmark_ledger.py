"""manage.py benchmark_ledger: figures for the ledger on a large generated ledger (see benchmarks/ledger/)."""

from django.core.management.base import CommandError

from benchmarks.command import BenchmarkCommand
from benchmarks.ledger import benchmark_cleanup, benchmark_run, leftovers, report_table


class Command(BenchmarkCommand):
    name = "benchmark_ledger"
    database_hint = "sanxin_bench"
    volume = "up to hundreds of thousands of rows"
    help = (
        "Generate a large ledger in the configured PostgreSQL database, measure the ledger's pages and the "
        "register import, print a table and remove what it generated (unless --keep)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=100_000, help="organisations to generate")
        parser.add_argument("--rows", type=int, default=50_000, help="rows of the register to import")
        parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
        self.add_common_arguments(parser)

    def handle(self, *args, **options):
        if not self.guard(options, cleanup=benchmark_cleanup, leftovers=leftovers):
            return
        if options["organisations"] < 1 or options["rows"] < 2 or options["repeat"] < 1:
            raise CommandError("--organisations, --rows and --repeat must be positive (--rows at least 2).")
        report = benchmark_run(
            organisations=options["organisations"],
            rows=options["rows"],
            repeat=options["repeat"],
            keep=options["keep"],
            log=self.stdout.write,
        )
        self.report(report, report_table, options)
