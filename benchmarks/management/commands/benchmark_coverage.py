"""manage.py benchmark_coverage: the coverage dashboards on a large generated ledger (benchmarks/women.py)."""

from django.core.management.base import CommandError

from benchmarks.command import BenchmarkCommand
from benchmarks.women import benchmark_cleanup, benchmark_run, leftovers, report_table


class Command(BenchmarkCommand):
    name = "benchmark_coverage"
    database_hint = "sanxin_coverage"
    volume = "up to hundreds of thousands of rows"
    help = (
        "Generate organisations and women's organisations in the configured PostgreSQL database, measure the "
        "coverage dashboards against a trivial page, print a table and remove what it generated (unless --keep)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=100_000, help="organisations to generate")
        parser.add_argument("--branches", type=int, default=30_000, help="women's organisations to generate")
        parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
        self.add_common_arguments(parser)

    def handle(self, *args, **options):
        if not self.guard(options, cleanup=benchmark_cleanup, leftovers=leftovers):
            return
        if (
            options["organisations"] < 1
            or options["repeat"] < 1
            or not 0 <= options["branches"] <= options["organisations"]
        ):
            raise CommandError(
                "--organisations and --repeat must be positive, --branches at most --organisations."
            )
        report = benchmark_run(
            organisations=options["organisations"],
            branches=options["branches"],
            repeat=options["repeat"],
            keep=options["keep"],
            log=self.stdout.write,
        )
        self.report(report, report_table, options)
