"""The whole app's figures in one run (`manage.py benchmark`, PostgreSQL only).

1. generates the data at a scale (benchmarks/generate.py) unless --reuse finds it there, then VACUUM ANALYZE;
2. measures pages in-process with benchmarks.ledger.measure_page (django.test.Client, DEBUG off: median and
   p95 over `repeat` requests after a warm-up request whose queries are counted) against a floor page, a view
   that only returns the user's name, mounted through benchmarks.urls for the run and nowhere else;
3. imports an XLSX register end to end through the import service's public entry point against a raw COPY of
   the same parsed rows (benchmarks.ledger.benchmark_import), then undoes what the import created;
4. runs the daily reminder sweep (benchmarks.sweep.sweep_once) twice — the second run must send
   nothing — and forgets what it sent, so that a later --reuse run finds the same day's work.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Max
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from benchmarks import generate, ledger
from benchmarks.command import server_facts
from benchmarks.sweep import sweep_once
from branches.models import Region
from coverage.models import SnapshotBatch
from coverage.services import snapshot_compute
from federation.models import JobRun, Notification, Reminder, User
from workflows.models import StepEntry

DUMMY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
_LEDGER = {page.key: page for page in ledger.PAGES}


def _page(key: str, label: str, url, *, user: str = "") -> ledger.Page:
    return ledger.Page(key, label, False, url, user=user)


def _dashboard(ctx: dict[str, Any]) -> str:
    return reverse("coverage:dashboard")


PAGES = [
    _page("floor", "floor: trivial page (the user's name)", lambda ctx: reverse("benchmark_floor")),
    *(_LEDGER[key] for key in ("list_first", "list_last", "list_filtered", "list_search", "detail")),
    _page("dashboard", "coverage dashboard (warm)", _dashboard),
    _page("review_queue", "review queue", lambda ctx: reverse("workflows:review_queue")),
    _page(
        "portal_home",
        "portal: contact's home",
        lambda ctx: reverse("federation:contact_home"),
        user="contact",
    ),
    _page(
        "portal_run",
        "portal: the run's steps",
        user="contact",
        url=lambda ctx: reverse("workflows:portal_run", kwargs={"pk": ctx["run"]}),
    ),  # fmt: skip
    *(_LEDGER[key] for key in ("admin_list", "admin_search")),
]
UNCACHED = [PAGES[0], _page("dashboard_uncached", "coverage dashboard (cache miss)", _dashboard)]
FIGURE_KEYS = [page.key for page in PAGES] + ["dashboard_uncached"]


@dataclass
class Report(ledger.Report):
    sweep: dict[str, Any] = field(default_factory=dict)
    freshness: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {**super().as_json(), "sweep": self.sweep, "freshness": self.freshness}


def measure_freshness(repeat: int = 3) -> dict[str, Any]:
    """How soon figures are current after a committed change: a change (one organisation's women count),
    then the count a page hands to the worker, timed; the check a page makes; what the marking trigger adds
    to a write."""
    from branches.models import Organisation
    from coverage.services import newest_change

    today = timezone.localdate()
    organisation = Organisation.objects.filter(archived_at__isnull=True).order_by("pk").first()
    counts, checks = [], []
    for _ in range(repeat):
        Organisation.objects.filter(pk=organisation.pk).update(women=organisation.women)  # a committed change
        started = time.perf_counter()
        newest_change()
        checks.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        snapshot_compute(as_of=today)
        counts.append(time.perf_counter() - started)
    table = connection.ops.quote_name(Organisation._meta.db_table)
    writes = {}
    for label, toggle in (("with", "ENABLE"), ("without", "DISABLE")):
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} {toggle} TRIGGER USER")
            try:
                started = time.perf_counter()
                for _ in range(200):  # one transaction each, as a form's save
                    cursor.execute(f"UPDATE {table} SET women = women WHERE id = %s", [organisation.pk])
                writes[label] = (time.perf_counter() - started) * 1000 / 200
            finally:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    snapshot_compute(as_of=today)
    return {
        "count_seconds": [round(value, 2) for value in counts],
        "check_ms": round(statistics.median(checks), 2),
        "write_ms_with_trigger": round(writes["with"], 3),
        "write_ms_without_trigger": round(writes["without"], 3),
    }


def _context(contact: User) -> dict[str, Any]:
    """What the pages' URLs need: a district, an organisation with a bit of everything, the contact's run."""
    liaison = contact.liaisons.select_related("organisation").first()
    run = liaison.organisation.runs.order_by("-id").first() if liaison else None
    return {
        "district": Region.objects.get(code="150302").pk,
        "organisation": liaison.organisation_id if liaison else 0,
        "run": run.pk if run else 0,
    }


def measure_pages(*, people: dict[str, User], repeat: int) -> dict[str, ledger.Figure]:
    """Every page, then the dashboard again with no cache (every request sums the rows and renders anew)."""
    contact = User.objects.filter(username__startswith=generate.CONTACT_PREFIX).order_by("id").first()
    context = _context(contact) if contact else {"district": 0, "organisation": 0, "run": 0}
    users = {"contact": contact} if contact else {}
    pages = [page for page in PAGES if not page.user or contact]
    common = {"officer": people["officer"], "admin": people["admin"], "repeat": repeat, "context": context}
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        figures = ledger.benchmark_pages(**common, pages=pages, users=users)
        with override_settings(CACHES=DUMMY_CACHE):
            uncached = ledger.benchmark_pages(**common, pages=UNCACHED)
    figures["dashboard_uncached"] = uncached["dashboard_uncached"]
    floor = figures["floor"].median_ms
    for figure in figures.values():
        figure.ratio = round(figure.median_ms / floor, 1) if floor and figure.median_ms is not None else None
    return figures


def measure_sweep() -> dict[str, Any]:
    """The daily reminder sweep on the generated day's work, then again (nothing left to send)."""
    floors = {model.__name__: model.objects.aggregate(top=Max("id"))["top"] or 0
              for model in (Reminder, Notification, JobRun)}  # fmt: skip
    try:
        first, _statements = sweep_once(floors["JobRun"])
        second, _statements = sweep_once(floors["JobRun"])
    finally:
        forgotten = generate.sweep_forget(floors)
    return {
        "label": "daily reminder sweep (reminders_send_due, force)",
        "first": asdict(first),
        "second": asdict(second),
        "forgotten": forgotten,
    }


def benchmark_run(*, scale: int, rows: int, repeat: int, reuse: bool, log=print) -> Report:
    """Generate (unless reused), measure pages, the import and the sweep; return the report."""
    report = Report()
    report.meta = {
        "scale": scale,
        "rows": rows,
        "repeat": repeat,
        **server_facts("autovacuum"),
        "started": timezone.now().isoformat(timespec="seconds"),
    }
    existing = generate.generated_scale()
    if reuse and existing:
        log(f"Reusing the {existing} generated organisations.")
        people = generate.benchmark_people()
        report.generation = {"reused": True}
        if not SnapshotBatch.objects.exists():
            snapshot_compute(as_of=timezone.localdate())
    else:
        log(f"Generating {scale} organisations and what hangs on them …")
        people = generate.benchmark_people()
        report.generation = {"reused": False, **generate.benchmark_generate(scale=scale, log=log)}
        log(f"  {report.generation['seconds']} s")
    report.generation["rows"] = _counts()
    generate.import_cleanup()  # what an interrupted run's import left
    log(f"Measuring pages ({repeat} requests each) …")
    report.figures = measure_pages(people=people, repeat=repeat)
    log(f"Importing a {rows}-row register …")
    try:
        report.imports = ledger.benchmark_import(officer=people["officer"], rows=rows, generated=scale)
    finally:
        generate.import_cleanup()
    log("Running the daily reminder sweep …")
    report.sweep = measure_sweep()
    log("Timing how soon coverage figures are current after a change …")
    report.freshness = measure_freshness()
    report.meta["finished"] = timezone.now().isoformat(timespec="seconds")
    return report


def _counts() -> dict[str, int]:
    """The rows the measurements ran on (estimates from the statistics: exact counts cost seconds)."""
    from activities.models import Activity
    from answers.models import Question
    from branches.models import Branch, ContactLog, Liaison, Organisation
    from workflows.models import FormationRun

    models = [Organisation, Branch, Liaison, ContactLog, FormationRun, StepEntry, Activity, Question, User]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)",
            [[model._meta.db_table for model in models]],
        )
        estimates = dict(cursor.fetchall())
    return {model._meta.model_name: estimates.get(model._meta.db_table, 0) for model in models}


def report_table(report: Report) -> str:
    """The figures (pages, import) as benchmarks.ledger prints them, then the sweep and the generation."""
    lines = [ledger.report_table(ledger.Report(figures=report.figures, imports=report.imports)), ""]
    fresh = report.freshness
    if fresh:
        lines.append(
            f"coverage figures current after a committed change: a count of {fresh['count_seconds']} s "
            f"(the page hands it to the worker at once; with nobody looking the periodic job starts it within "
            f"60 s); a page's check {fresh['check_ms']} ms; a single-row write {fresh['write_ms_with_trigger']} "
            f"ms with the marking trigger, {fresh['write_ms_without_trigger']} ms without"
        )
    sweep = report.sweep
    if sweep:
        first, second = sweep["first"], sweep["second"]
        lines.append(
            f"{sweep['label']}: first run {first['ms']:.0f} ms, {first['sent']} sent "
            f"({first['ms_per_sent'] or 0:.1f} ms each), {first['queries']} queries; second run {second['ms']:.0f} ms, "
            f"{second['sent']} sent, {second['queries']} queries"
        )
    generation = report.generation
    if generation.get("reused"):
        lines.append("generation: reused the data already there (--reuse)")
    elif generation:
        parts = [f"{key} {value['seconds']} s" for key, value in generation.items() if isinstance(value, dict)
                 and "seconds" in value]  # fmt: skip
        lines.append(
            f"generation: {generation['seconds']} s ({', '.join(parts)}; VACUUM ANALYZE "
            f"{generation['vacuum_analyse_seconds']} s)"
        )
    if generation.get("rows"):
        lines.append("rows: " + ", ".join(f"{key} {value:,}" for key, value in generation["rows"].items()))
    return "\n".join(lines)
