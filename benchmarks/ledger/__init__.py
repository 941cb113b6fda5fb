"""Figures for the ledger at scale: pages and the register import on a generated ledger (PostgreSQL only).

Run through `manage.py benchmark_ledger`. What it does, in order:

1. creates two users marked by their user name (`benchmark-city`, `benchmark-admin`);
2. generates N organisations through PostgreSQL COPY into the configured database, derived columns computed by
   organisation_derive (timed); every generated row carries the marker: a name starting with 基准 and
   `notes = "benchmark_ledger"`; categories linked through COPY too; then VACUUM ANALYZE (what autovacuum,
   off on some development servers, would do);
3. measures pages in-process with django.test.Client and DEBUG off: median and p95 over `repeat` requests after
   one warm-up request, whose queries are counted;
4. measures the register import end to end on a generated XLSX (rows per second, peak memory) against
   reading the same file and COPYing its parsed rows into a temporary table;
5. removes everything it generated (organisations, their links and history, the 基准测试名录 register, its
   imports and files, the users and their logs) unless `keep`.

The parts: organisations.py (the marked rows, their generation and clean-up), pages.py, imports.py, and run.py
(the run in this order and its report).
"""

from .imports import IMPORT_KEYS, benchmark_import
from .organisations import (
    MARKER,
    NAME_PREFIX,
    SEED,
    SOURCE_NAME,
    USER_PREFIX,
    benchmark_cleanup,
    benchmark_generate,
    benchmark_organisations,
    benchmark_uscc,
    copy_rows,
    leftovers,
    organisations_delete,
    register_delete,
)
from .pages import FIGURE_KEYS, PAGES, Figure, Page, benchmark_pages, benchmark_users, measure_page
from .run import Report, benchmark_run, pad, report_table, show

__all__ = [
    "FIGURE_KEYS",
    "IMPORT_KEYS",
    "MARKER",
    "NAME_PREFIX",
    "PAGES",
    "SEED",
    "SOURCE_NAME",
    "USER_PREFIX",
    "Figure",
    "Page",
    "Report",
    "benchmark_cleanup",
    "benchmark_generate",
    "benchmark_import",
    "benchmark_organisations",
    "benchmark_pages",
    "benchmark_run",
    "benchmark_users",
    "benchmark_uscc",
    "copy_rows",
    "leftovers",
    "measure_page",
    "organisations_delete",
    "pad",
    "register_delete",
    "report_table",
    "show",
]
