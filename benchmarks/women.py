"""Figures for the coverage dashboards at scale (PostgreSQL only); run through `manage.py benchmark_coverage`.

1. generates N organisations through benchmarks.ledger (COPY, marked 基准 / notes benchmark_ledger) and M
   women's organisations on them through COPY (names start with 基准; a tenth industry-wide, each covering five
   more organisations; established dates over two years, a twentieth dissolved), then ANALYZE;
2. times computing a snapshot from nothing (today's and last month's);
3. measures pages in-process (benchmarks.ledger.measure_page: median and p95, queries of a warm request):
   the trivial page benchmarks.ledger measures (its "floor" page, the staff home, which shows the coverage
   panel), the inbox for reference, the dashboard today, the dashboard as of last month's end, the printable report;
4. removes what it generated (branches, organisations, users, the snapshots computed during the run).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from benchmarks import ledger
from branches.models import Branch
from coverage.models import SnapshotBatch
from coverage.services import month_end, month_start, snapshot_compute

BRANCH_PREFIX = "基准"


def leftovers() -> dict[str, int]:
    return {**ledger.leftovers(), "branches": Branch.objects.filter(name__startswith=BRANCH_PREFIX).count()}


@transaction.atomic
def benchmark_cleanup(since: dt.datetime | None = None) -> dict[str, Any]:
    """Remove the generated branches (raw deletes: no history rows), then the ledger's generated rows."""
    removed: dict[str, Any] = {}
    ids = list(Branch.objects.filter(name__startswith=BRANCH_PREFIX).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        for table, column in (
            (Branch.covers.through._meta.db_table, "branch_id"),
            (Branch.history.model._meta.db_table, "id"),
            ("branches_branchmember", "branch_id"),
            (Branch._meta.db_table, "id"),
        ):
            cursor.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [ids])
            removed[table] = cursor.rowcount
    if since is not None:
        removed["snapshots"] = SnapshotBatch.objects.filter(computed_at__gte=since).delete()[0]
    removed.update(ledger.benchmark_cleanup())
    return removed


def benchmark_branches(count: int, *, seed: int = ledger.SEED) -> dict[str, Any]:
    """COPY `count` women's organisations onto generated organisations; return counts and seconds."""
    rng, today = random.Random(seed + 7), timezone.localdate()
    started = time.perf_counter()
    hosts = list(ledger.benchmark_organisations().values_list("pk", "region_id").order_by("pk"))
    rng.shuffle(hosts)
    chosen, others = hosts[:count], [pk for pk, _region in hosts[count:]]
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Branch._meta.db_table, len(chosen)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        rows, covers = [], []
        for pk, (host, region) in zip(ids, chosen, strict=True):
            industry = rng.random() < 0.1
            established = today - dt.timedelta(days=rng.randint(0, 730))
            dissolved = established + dt.timedelta(days=rng.randint(30, 300)) if rng.random() < 0.05 else None
            if dissolved and dissolved > today:
                dissolved = None
            rows.append(
                (pk, f"{BRANCH_PREFIX}妇联{pk}", host, region, "federation", "industry" if industry else "standalone",
                 "established", established, "", "", 1, None, None, dissolved, "{}", now, now)
            )  # fmt: skip
            covers.append((pk, host))
            if industry and others:
                covers.extend((pk, rng.choice(others)) for _ in range(5))
        columns = ["id", "name", "organisation_id", "region_id", "form", "way", "stage", "established_on",
                   "approval_number", "approving_unit", "term_number", "term_ends_on", "seats", "dissolved_on",
                   "checklist", "created_at", "updated_at"]  # fmt: skip
        ledger.copy_rows(cursor, Branch._meta.db_table, columns, iter(rows))
        covers = list(dict.fromkeys(covers))
        ledger.copy_rows(
            cursor, Branch.covers.through._meta.db_table, ["branch_id", "organisation_id"], iter(covers)
        )
        cursor.execute(f"ANALYZE {Branch._meta.db_table}")
        cursor.execute(f"ANALYZE {Branch.covers.through._meta.db_table}")
    return {"branches": len(rows), "covers": len(covers), "seconds": round(time.perf_counter() - started, 2)}


def benchmark_run(*, organisations: int, branches: int, repeat: int, keep: bool, log=print) -> ledger.Report:
    report = ledger.Report()
    started_at = timezone.now()
    today = timezone.localdate()
    last_month_end = month_end(month_start(month_start(today) - dt.timedelta(days=1)))
    report.meta = {
        "organisations": organisations,
        "branches": branches,
        "repeat": repeat,
        "database": connection.settings_dict["NAME"],
        "started": started_at.isoformat(timespec="seconds"),
        "kept": keep,
    }
    try:
        officer, admin = ledger.benchmark_users()
        log(f"Generating {organisations} organisations …")
        report.generation = ledger.benchmark_generate(organisations)
        log(f"Generating {branches} women's organisations …")
        report.generation["branches"] = benchmark_branches(branches)
        timings = {}
        for key, day in (("snapshot_today", today), ("snapshot_last_month", last_month_end)):
            tick = time.perf_counter()
            batch = snapshot_compute(as_of=day)
            timings[key] = {"seconds": round(time.perf_counter() - tick, 2), "rows": batch.rows.count()}
        report.imports = timings  # shown in the JSON as "import": the cold computations
        log(f"Snapshots computed: {timings}")
        floor = next(page for page in ledger.PAGES if page.key == "floor")
        pages = [
            floor,  # the ledger benchmark's trivial page, measured in this run: the ratios' denominator
            ledger.Page("inbox", "inbox (for reference)", False, lambda ctx: reverse("federation:inbox")),
            ledger.Page("dashboard", "coverage dashboard, today", False, lambda ctx: reverse("coverage:dashboard")),
            ledger.Page("dashboard_past", "coverage dashboard, last month's end", False,
                        lambda ctx: reverse("coverage:dashboard") + f"?as_of={last_month_end.isoformat()}"),
            ledger.Page("report", "monthly report page, last month", False,
                        lambda ctx: reverse("coverage:report") + f"?month={last_month_end:%Y-%m}"),
        ]  # fmt: skip
        log(f"Measuring pages ({repeat} requests each) …")
        report.figures = ledger.benchmark_pages(
            officer=officer, admin=admin, repeat=repeat, context={}, pages=pages
        )
        # the dashboards again with no cache: every request sums the rows and renders the body anew
        with override_settings(
            CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
        ):
            uncached = ledger.benchmark_pages(
                officer=officer, admin=admin, repeat=repeat, context={}, pages=[pages[0], pages[2], pages[3]]
            )
        floor_ms = report.figures["floor"].median_ms
        for key in ("dashboard", "dashboard_past"):
            figure = uncached[key]
            figure.key, figure.label = f"{key}_uncached", f"{figure.label} (no cache)"
            if floor_ms and figure.median_ms is not None:
                figure.ratio = round(figure.median_ms / floor_ms, 1)
            report.figures[figure.key] = figure
    finally:
        if not keep:
            log("Cleaning up …")
            report.cleanup = benchmark_cleanup(since=started_at)
    report.meta["finished"] = timezone.now().isoformat(timespec="seconds")
    return report


def report_table(report: ledger.Report) -> str:
    head = f"{'figure':44} {'median ms':>10} {'p95 ms':>10} {'queries':>8} {'× floor':>8}"
    lines = [head, "-" * len(head)]
    for figure in report.figures.values():
        cells = [ledger.show(v) for v in (figure.median_ms, figure.p95_ms, figure.queries, figure.ratio)]
        lines.append(
            f"{figure.label:44} {cells[0]:>10} {cells[1]:>10} {cells[2]:>8} {cells[3]:>8}  {figure.error}"
        )
    for key, value in report.imports.items():
        lines.append(f"{key}: {value['seconds']} s computing from nothing, {value['rows']} rows")
    return "\n".join(lines)
