"""The HTTP load test's two Django-side steps (benchmarks/load.sh runs them):

python -m benchmarks.load prepare --scale N --out var/load/targets.json
    generates the benchmark's data unless it is there (benchmarks/generate.py), signs in the city officer
    and some portal contacts (sessions written to the session store: no password, no sign-in throttling)
    and writes what locust requests: cookies, organisation ids, runs;
python -m benchmarks.load report var/load
    reads locust's CSV and gunicorn's access log (page, status, microseconds) and prints per page:
    requests/s, p95 and errors as locust saw them, and the time a worker spent on the page. A page's
    capacity is what the workers could serve of that page alone (workers / mean service time); the ratio
    to the trivial page's capacity is the figure the target (≥ 0.2×) is about. Under a mixed closed-loop
    load every page gets the share of requests its weight gives it, so requests/s alone compares nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
from collections import defaultdict
from pathlib import Path

PAGES = {
    "floor": "trivial page (the user's name)",
    "ledger_list": "ledger list, first page",
    "ledger_search": "ledger list, 2-character search",
    "organisation": "organisation page",
    "dashboard": "coverage dashboard",
    "review_queue": "review queue",
    "portal_home": "portal: contact's home",
    "portal_run": "portal: the run's steps",
    "portal_step": "portal: a step",
}
RATIO_PAGES = ("ledger_list", "dashboard")
TARGET_RATIO = 0.2
STAFF_SESSIONS = 40
CONTACT_SESSIONS = 20


def _session(user) -> str:
    """A signed-in session for the user, as django.contrib.auth.login makes it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
    from django.utils.module_loading import import_string

    # the first backend that loads users (django-axes' comes first and only guards sign-ins), as force_login
    backend = next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _urls() -> dict[str, str]:
    """Each page's path, "{}" where locust puts an id or a search."""
    from django.urls import reverse

    def url(name: str, **kwargs) -> str:
        return reverse(name, urlconf="benchmarks.urls", kwargs=kwargs).replace("/0/", "/{}/")

    ledger = url("branches:organisation_list")
    return {
        "floor": url("benchmark_floor"),
        "ledger_list": ledger,
        "ledger_search": ledger + "?q={}",
        "organisation": url("branches:organisation_detail", pk=0),
        "dashboard": url("coverage:dashboard"),
        "review_queue": url("workflows:review_queue"),
        "portal_home": url("federation:contact_home"),
        "portal_run": url("workflows:portal_run", pk=0),
        "portal_step": url("workflows:portal_step", pk=0),
    }


def prepare(scale: int, out: Path) -> None:
    from django.conf import settings
    from django.db import connection

    from benchmarks import generate
    from federation.models import User
    from workflows.models import FormationRun

    if connection.vendor != "postgresql":
        sys.exit("The load test runs on the benchmark's PostgreSQL database: set DATABASE_URL=postgres://…")
    others = generate.strangers()
    if any(others.values()):
        sys.exit(
            f"This database holds data the benchmark did not make ({others}): use a database of its own."
        )
    existing = generate.generated_scale()
    if existing and existing != scale:
        sys.exit(f"The generated data is at scale {existing}, not {scale}: set SCALE={existing} or clean it.")
    if not existing:
        print(f"Generating {scale} organisations (once; later runs reuse them) …", flush=True)
        timings = generate.benchmark_generate(scale=scale)
        print(f"  {timings['seconds']} s", flush=True)
    people = generate.benchmark_people()
    rng = random.Random(7)
    contacts = []
    for user in User.objects.filter(username__startswith=generate.CONTACT_PREFIX).order_by("id")[
        :CONTACT_SESSIONS
    ]:
        liaison = user.liaisons.first()
        run = FormationRun.objects.filter(organisation_id=liaison.organisation_id).order_by("-id").first()
        step = run.entries.exclude(status="approved").order_by("order").first() if run else None
        if run and step:
            contacts.append({"session": _session(user), "run": run.pk, "step": step.pk})
    ids = list(generate.benchmark_organisations().values_list("id", flat=True))
    targets = {
        "urls": _urls(),
        "cookie": settings.SESSION_COOKIE_NAME,
        "staff": [_session(people["officer"]) for _ in range(STAFF_SESSIONS)],
        "contacts": contacts,
        "organisations": rng.sample(ids, min(500, len(ids))),
        "searches": ["商会", "巾帼", "快递", "科技", "服务", "乌海", "协会", "外卖"],
        "pages": PAGES,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(targets, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"Targets written to {out}: {len(targets['staff'])} staff sessions, {len(contacts)} contacts.")


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def report(directory: Path, workers: int) -> dict:
    """The table, from locust's stats and gunicorn's access log; also written as load.json."""
    locust: dict[str, dict] = {}
    with open(directory / "locust_stats.csv", encoding="utf-8") as stats:
        for row in csv.DictReader(stats):
            locust[row["Name"]] = row
    served: dict[str, list[float]] = defaultdict(list)
    server_errors: dict[str, int] = defaultdict(int)
    for line in (directory / "access.log").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[0] not in PAGES:
            continue
        page, status, micros = parts
        served[page].append(int(micros) / 1000)
        if not status.startswith(("2", "3")):
            server_errors[page] += 1
    floor_ms = statistics.mean(served["floor"]) if served.get("floor") else None
    rows = {}
    for key, label in PAGES.items():
        stats, times = locust.get(label), served.get(key, [])
        if stats is None and not times:
            continue
        mean_ms = statistics.mean(times) if times else None
        rows[key] = {
            "label": label,
            "requests": int(stats["Request Count"]) if stats else 0,
            "requests_per_second": round(float(stats["Requests/s"]), 1) if stats else None,
            "median_ms": float(stats["50%"]) if stats else None,
            "p95_ms": float(stats["95%"]) if stats else None,
            "errors": int(stats["Failure Count"]) if stats else 0,
            "server_errors": server_errors.get(key, 0),
            "service_mean_ms": round(mean_ms, 1) if mean_ms else None,
            "service_p95_ms": round(_p95(times), 1) if times else None,
            "capacity_per_second": round(workers * 1000 / mean_ms, 1) if mean_ms else None,
            # three places: the verdict is on this figure, and two would round 0.195 up to a "met" 0.2
            "ratio_to_floor": round(floor_ms / mean_ms, 3) if mean_ms and floor_ms else None,
        }
    total = locust.get("Aggregated", {})
    result = {
        "workers": workers,
        "pages": rows,
        "total_requests_per_second": round(float(total.get("Requests/s", 0) or 0), 1),
        "total_errors": sum(row["errors"] + row["server_errors"] for row in rows.values()),
        "target_ratio": TARGET_RATIO,
    }
    (directory / "load.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return result


def table(result: dict) -> str:
    head = (f"{'page':34} {'req/s':>7} {'median ms':>10} {'p95 ms':>8} {'errors':>7} {'worker ms':>10} "
            f"{'capacity/s':>11} {'× floor':>8}")  # fmt: skip
    lines = [head, "-" * len(head)]
    for row in result["pages"].values():
        cells = [row["requests_per_second"], row["median_ms"], row["p95_ms"], row["errors"] + row["server_errors"],
                 row["service_mean_ms"], row["capacity_per_second"], row["ratio_to_floor"]]  # fmt: skip
        shown = ["—" if value is None else str(value) for value in cells]
        lines.append(f"{row['label']:34} {shown[0]:>7} {shown[1]:>10} {shown[2]:>8} {shown[3]:>7} {shown[4]:>10} "
                     f"{shown[5]:>11} {shown[6]:>8}")  # fmt: skip
    lines.append("")
    lines.append(
        f"all pages: {result['total_requests_per_second']} requests/s, {result['total_errors']} errors; worker ms = "
        f"mean time a gunicorn worker spent on the page; capacity = {result['workers']} workers / worker ms"
    )
    for key in RATIO_PAGES:
        row = result["pages"].get(key)
        if row and row["ratio_to_floor"] is not None:
            verdict = "meets" if row["ratio_to_floor"] >= result["target_ratio"] else "MISSES"
            lines.append(f"{row['label']}: {row['ratio_to_floor']}× the trivial page's capacity ({verdict} the "
                         f"{result['target_ratio']}× target)")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load")
    commands = parser.add_subparsers(dest="command", required=True)
    prepare_parser = commands.add_parser("prepare")
    prepare_parser.add_argument("--scale", type=int, default=100_000)
    prepare_parser.add_argument("--out", type=Path, required=True)
    report_parser = commands.add_parser("report")
    report_parser.add_argument("directory", type=Path)
    report_parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args(argv)
    if options.command == "report":
        print(table(report(options.directory, options.workers)))
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "federation.settings")
    import django

    django.setup()
    prepare(options.scale, options.out)


if __name__ == "__main__":
    main()
