"""One measurement: reminders_send_due(force=True) run once on a due level and then again (the repeats must send
nothing; their median is the second run), timed with its queries counted; the selection queries it issued are
recognised in its SQL and explained (ANALYZE, BUFFERS), down to the lines of each plan worth reading, beside
the join-free selection the report proposes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext

from branches.models import ContactLog, Organisation
from branches.services.reminders import reminders_send_due
from federation import audit
from federation.models import JobRun

from .due import due_make, due_undo, sent_forget
from .world import MARKER, World

NO_OP_RUNS = 3  # the second run is repeated: its median is reported (the first run cannot be repeated)
QUERY_LOG_SIZE = 500_000

# The selection queries of the sweep, recognised in the SQL it issued, and the index each one should use.
SELECTIONS: list[tuple[str, str, str | None]] = [
    ("follow_ups", r'FROM "branches_contactlog".*"next_follow_up" <= ', "contact_open_follow_up"),
    ("cadence", r'FROM "branches_organisation".*"contact_due_on" <= ', "organisation_contact_due"),
    (
        "cadence_backfill",
        r'FROM "branches_organisation".*"contact_due_on" IS NULL',
        "organisation_contact_due",
    ),
    ("terms", r'FROM "branches_branch".*"term_ends_on" >= ', None),
    ("digest_due", r'FROM "branches_contactlog".*"next_follow_up" BETWEEN', "contact_open_follow_up"),
    ("digest_overdue", r'FROM "branches_contactlog".*"next_follow_up" < ', "contact_open_follow_up"),
    ("digest_cadence", r'FROM "branches_organisation".*"contact_due_on" < ', "organisation_contact_due"),
    # What was already sent, looked up among every reminder ever sent (the kinds with a history).
    ("sent_follow_ups", r'FROM "federation_reminder".*"kind" = \'follow_up\.due\'', "reminder_once"),
    ("sent_cadence", r'FROM "federation_reminder".*"kind" = \'contact\.cadence\'', "reminder_once"),
]
SELECTION_KEYS = [key for key, _pattern, _index in SELECTIONS]
# Plan nodes that read or combine rows, and the details that say how many rows and why.
KEY_NODE = re.compile(r"Scan|Join|Nested Loop|Aggregate|Hash\s+\(")
KEY_DETAIL = re.compile(r"^\s*(Index Cond|Filter|Rows Removed by Filter|Timing):|^JIT:|^Execution Time")
COST = re.compile(r"\(cost=[\d.]+\.\.[\d.]+ rows=(\d+) width=\d+\)")


@dataclass
class Run:
    """One call of reminders_send_due."""

    ms: float
    sent: int
    by_job: dict[str, int]
    queries: int
    db_ms: float  # the queries' own time as Django's debug cursor measures it (to the millisecond)
    ms_per_sent: float | None = None


@dataclass
class Measurement:
    """One due level at one size of the contact log."""

    stored_contacts: int
    stored_reminders: int
    organisations: int
    due: dict[str, int]
    first: Run
    second: Run
    explain: dict[str, dict[str, Any]] = field(default_factory=dict)
    proposed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "stored_contacts": self.stored_contacts,
            "stored_reminders": self.stored_reminders,
            "organisations": self.organisations,
            "due": self.due,
            "first": self.first.__dict__,
            "second": self.second.__dict__,
            "explain": self.explain,
            "proposed": self.proposed,
        }


class _Quiet:
    """The log channel and Celery's eager tasks log a line per message: thousands of lines, not figures."""

    NAMES = ("federation.channels", "celery", "kombu")

    def __enter__(self):
        self.levels = {name: logging.getLogger(name).level for name in self.NAMES}
        for name in self.NAMES:
            logging.getLogger(name).setLevel(logging.ERROR)
        return self

    def __exit__(self, *exc) -> None:
        for name, level in self.levels.items():
            logging.getLogger(name).setLevel(level)


def sweep_once(job_floor: int) -> tuple[Run, list[str]]:
    """reminders_send_due(force=True), timed, its queries counted; returns the SQL it issued too."""
    log = connection.queries_log
    # Django keeps the last 9,000 queries only; a run that sends thousands of reminders issues more.
    connection.queries_log = deque(maxlen=QUERY_LOG_SIZE)
    try:
        with _Quiet(), CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            results = reminders_send_due(force=True)
            ms = (time.perf_counter() - started) * 1000
        captured = queries.captured_queries  # read from the enlarged log, before it is put back
    finally:
        connection.queries_log = log
    # The job log's rows are marked so that a later --clean finds them.
    with audit.maintenance(), connection.cursor() as cursor:  # the job log is append-only but for this
        cursor.execute(
            f"UPDATE {JobRun._meta.db_table} SET details = details || %s::jsonb WHERE id > %s",
            [json.dumps({"benchmark": MARKER}), job_floor],
        )
    sent = sum(results.values())
    run = Run(
        ms=round(ms, 1),
        sent=sent,
        by_job=results,
        queries=len(captured),
        db_ms=round(sum(float(query["time"]) for query in captured) * 1000, 1),
        ms_per_sent=round(ms / sent, 2) if sent else None,
    )
    return run, [query["sql"] for query in captured]


def explain(sql: str) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) one query; its key lines, execution time and shared buffers."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    buffers = next((line.strip() for line in plan if line.strip().startswith("Buffers:")), "")
    execution = next((line for line in plan if line.startswith("Execution Time")), "")
    return {
        "key_lines": key_lines(plan),
        "execution_ms": float(re.findall(r"[\d.]+", execution)[0]) if execution else None,
        "buffers": buffers,
        "plan": plan,
    }


def key_lines(plan: list[str]) -> list[str]:
    """The lines of a plan worth reading: scans, joins and aggregates (estimated rows against actual), their
    index conditions and filters, JIT, the total buffers and the execution time."""
    lines, buffers = [], False
    for number, line in enumerate(plan):
        node = number == 0 or "->" in line
        if (node and KEY_NODE.search(line)) or (not node and KEY_DETAIL.search(line)):
            line = COST.sub(r"(estimated rows=\1)", line.rstrip())
            lines.append(line if len(line) <= 180 else line[:177] + "…")  # an IN list of 2,000 ids
        elif line.strip().startswith("Buffers:") and not buffers:  # the first one: the whole query's
            lines.append(line.rstrip())
            buffers = True
    return lines


def explain_selections(statements: list[str]) -> dict[str, dict[str, Any]]:
    """The sweep's selection queries, found in the SQL it issued (the longest of each kind), explained."""
    found: dict[str, str] = {}
    for sql in statements:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        flat = " ".join(sql.split())
        for key, pattern, _index in SELECTIONS:
            if re.search(pattern, flat) and len(sql) > len(found.get(key, "")):
                found[key] = sql
                break
    results = {}
    for key, _pattern, index in SELECTIONS:
        if key not in found:
            continue
        result = explain(found[key])
        result["index"] = index
        result["uses_index"] = None if index is None else index in "\n".join(result["plan"])
        result["sql"] = found[key] if len(found[key]) < 4000 else found[key][:4000] + " …"
        results[key] = result
    return results


def measure_level(world: World, level: int, rng: random.Random) -> Measurement:
    """One due level: make it due, sweep (then sweep again: nothing must go out), explain, undo."""
    sent_forget()
    before, due = due_make(world, level, rng)
    try:
        job_floor = JobRun.objects.aggregate(top=Max("id"))["top"] or 0
        first, _statements = sweep_once(job_floor)
        no_ops = [sweep_once(job_floor) for _ in range(NO_OP_RUNS)]
        second, statements = sorted(no_ops, key=lambda run: run[0].ms)[len(no_ops) // 2]
        second.sent = max(run.sent for run, _statements in no_ops)  # every repeat must send nothing
        plans = explain_selections(statements)
        proposed = explain_proposals(world.today)
    finally:
        due_undo(before)
    return Measurement(
        world.contacts_stored,
        world.reminders_stored,
        len(world.organisations),
        due,
        first,
        second,
        plans,
        proposed,
    )


def explain_proposals(today: dt.date) -> dict[str, dict[str, Any]]:
    """The selection without the joins that let a misestimate scan every organisation (see the report): open
    follow-ups from the partial index alone, then their organisations by id; the digest's counts likewise."""

    def open_up_to(day: dt.date):
        return ContactLog.objects.filter(done=False, next_follow_up__isnull=False, next_follow_up__lte=day)

    follow_ups = open_up_to(today + dt.timedelta(days=1))
    organisation_ids = set(follow_ups.values_list("organisation_id", flat=True))
    week_end = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=6)
    queries = {
        "follow_ups": (follow_ups, "contact_open_follow_up"),
        "their_organisations": (
            Organisation.objects.filter(pk__in=organisation_ids or [0]),
            "branches_organisation_pkey",
        ),
        "digest_follow_ups": (
            open_up_to(week_end).values_list("organisation_id", "next_follow_up"),
            "contact_open_follow_up",
        ),
    }
    results = {}
    for key, (queryset, index) in queries.items():
        sql = connection.ops.compose_sql(*queryset.query.sql_with_params())  # with its values, as the sweep's
        result = explain(sql)
        result.update(index=index, uses_index=index in "\n".join(result["plan"]), sql=sql[:4000])
        results[key] = result
    return results
