"""Figures for the daily reminder sweep at scale (PostgreSQL only): its time, and that its cost follows the rows
due, not the rows stored.

Run through `manage.py benchmark_reminders`. What it does, in order:

1. creates five staff users of 海勃湾区妇联, marked by their user name (`sweepbench-…`): four officers and the
   manager that overdue follow-ups are escalated to;
2. COPYs N organisations (names start with 基准催办, `notes = "benchmark_reminders"`), a women's organisation
   (Branch) in one of seven, and a tenth of the contact log, with the reminders such a log was sent (the
   Reminder table keeps every reminder ever sent: its size is stored rows too). The derived columns are cheap placeholders
   (name_normalised = search_text = the name, sort_key = a zero-padded number) instead of organisation_derive's
   pinyin: the sweep never reads them and pypinyin would cost more than the rest of the generation;
3. for each `--due` level: makes that many follow-ups due (today, tomorrow, overdue, overdue past the escalation
   delay), as many organisations past their contact cadence and a tenth as many terms ending; runs
   reminders_send_due(force=True) once, then three more times (each must send nothing: the median is the
   "second run"), counting queries, and EXPLAINs (ANALYZE, BUFFERS) the selection queries the sweep issued and
   the join-free selection the report recommends; then puts those rows back as they were;
4. COPYs the other nine tenths of the contact log (older contacts, all settled or without a follow-up: the
   stored rows grow, the rows due do not), ANALYZEs and measures every level again;
5. removes everything it generated unless `keep`.

The sweep sends to everyone it selects, so it runs only on a database that holds no other users or
organisations (a database of its own).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks.ledger import copy_rows, pad
from branches.models import Branch, BranchMember, ContactLog, LedgerSettings, Organisation, StageChange
from branches.services.reminders import CONTACT_CADENCE, FOLLOW_UP_DUE, reminders_send_due
from federation.models import FederationUnit, JobRun, Notification, Region, Reminder, User

NAME_PREFIX = "基准催办"
MARKER = "benchmark_reminders"
USER_PREFIX = "sweepbench-"
DISTRICT_CODE = "150302"  # 海勃湾区
SEED = 20261128
OFFICERS = 4
BRANCH_EVERY = 7  # one organisation in seven has its own women's organisation
ORPHAN_EVERY = 20  # one in twenty has no responsible officer: the district's manager is reminded instead
ARCHIVED_EVERY = 33
NO_FOLLOW_UP_SHARE = 0.3  # contact_add leaves a contact without a follow-up open (done=False) for good
CADENCE_DAYS = 30
TERM_YEARS_DAYS = 1826
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


@dataclass
class Report:
    meta: dict[str, Any] = field(default_factory=dict)
    generation: dict[str, Any] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    cleanup: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "generation": self.generation,
            "measurements": [m.as_json() for m in self.measurements],
            "cleanup": self.cleanup,
        }


# ------------------------------------------------------------------------------------------------------------
# Guards, markers and clean-up
# ------------------------------------------------------------------------------------------------------------


def benchmark_organisations():
    return Organisation.objects.filter(name__startswith=NAME_PREFIX, notes=MARKER)


def benchmark_users():
    return User.objects.filter(username__startswith=USER_PREFIX)


def leftovers() -> dict[str, int]:
    """What an earlier run kept (--keep) or left behind."""
    return {
        "organisations": benchmark_organisations().count(),
        "users": benchmark_users().count(),
        "job_runs": JobRun.objects.filter(details__benchmark=MARKER).count(),
    }


def strangers() -> dict[str, int]:
    """Users and organisations the benchmark did not make: the sweep would send them real reminders."""
    return {
        "users": User.objects.exclude(username__startswith=USER_PREFIX).count(),
        "organisations": Organisation.objects.exclude(name__startswith=NAME_PREFIX, notes=MARKER).count(),
    }


@transaction.atomic
def benchmark_cleanup() -> dict[str, int]:
    """Remove what the benchmark generated with raw deletes (ORM deletes would write a history row each)."""
    removed: dict[str, int] = {}
    ids = "benchmark_sweep_ids"
    ids_sql, ids_params = benchmark_organisations().values("id").query.sql_with_params()
    users = list(benchmark_users().values_list("id", flat=True))
    branch = Branch._meta.db_table
    in_branches = f"IN (SELECT id FROM {branch} WHERE organisation_id IN (SELECT id FROM {ids}))"
    statements = [
        (Reminder, "recipient_id = ANY(%(users)s)"),
        (Notification, "recipient_id = ANY(%(users)s)"),
        (JobRun, "details ->> 'benchmark' = %(marker)s"),
        (ContactLog, f"organisation_id IN (SELECT id FROM {ids}) OR staff_id = ANY(%(users)s)"),
        (Branch.covers.through, f"organisation_id IN (SELECT id FROM {ids}) OR branch_id {in_branches}"),
        (BranchMember, f"branch_id {in_branches}"),
        (Branch.history.model, f"organisation_id IN (SELECT id FROM {ids})"),
        (StageChange, f"organisation_id IN (SELECT id FROM {ids})"),
        (Branch, f"organisation_id IN (SELECT id FROM {ids})"),
        (Organisation.categories.through, f"organisation_id IN (SELECT id FROM {ids})"),
        (Organisation.history.model, f"id IN (SELECT id FROM {ids})"),
        (Organisation, f"id IN (SELECT id FROM {ids})"),
    ]
    with connection.cursor() as cursor:
        # The ids are materialised once: the statements below delete what the marker query would join.
        cursor.execute(f"CREATE TEMPORARY TABLE {ids} AS {ids_sql}", ids_params)
        for model, where in statements:
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE {where}", {"users": users, "marker": MARKER}
            )
            if cursor.rowcount:
                removed[model._meta.db_table] = cursor.rowcount
        cursor.execute(f"DROP TABLE {ids}")
    removed["users"] = benchmark_users().delete()[0]
    return removed


# ------------------------------------------------------------------------------------------------------------
# Generation
# ------------------------------------------------------------------------------------------------------------


def copy_model_rows(cursor, model, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY rows into a model's table (see benchmarks.ledger.copy_rows); columns such as "order" quoted."""
    return copy_rows(cursor, model._meta.db_table, [connection.ops.quote_name(c) for c in columns], rows)


class ModelRows:
    """Builds a model's COPY rows: the values given, every other column its default."""

    def __init__(self, model, *, skip: Iterable[str] = ()) -> None:
        self.fields = [f for f in model._meta.concrete_fields if f.attname not in set(skip)]
        self.columns = [f.column for f in self.fields]
        self.defaults = [self._default(f) for f in self.fields]

    @staticmethod
    def _default(model_field) -> Any:
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            return timezone.now()  # what a save would have stamped
        if model_field.has_default():
            value = model_field.get_default()
        elif model_field.null:
            return None
        else:
            value = ""
        if model_field.get_internal_type() == "JSONField":
            return json.dumps(value, ensure_ascii=False)
        return value

    def row(self, values: dict[str, Any]) -> tuple:
        return tuple(
            values.get(f.attname, default) for f, default in zip(self.fields, self.defaults, strict=True)
        )


def reserve_ids(cursor, model, count: int) -> list[int]:
    """Reserve `count` ids of a table's sequence (rows then reference each other before they exist)."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [model._meta.db_table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def sweep_users() -> tuple[list[User], User]:
    """Four officers and a manager of 海勃湾区妇联, marked by their user name; no e-mail address, so the e-mail
    channel sends nothing."""
    unit = FederationUnit.objects.get(level=FederationUnit.Level.DISTRICT, region__code=DISTRICT_CODE)
    officers = []
    for number in range(1, OFFICERS + 1):
        user = User(username=f"{USER_PREFIX}officer-{number}", full_name=f"基准催办干事{number}",
                    kind=User.Kind.STAFF, role=User.Role.OFFICER, unit=unit)  # fmt: skip
        user.set_unusable_password()
        officers.append(user)
    manager = User(username=f"{USER_PREFIX}manager", full_name="基准催办主任", kind=User.Kind.STAFF,
                   role=User.Role.MANAGER, unit=unit)  # fmt: skip
    manager.set_unusable_password()
    User.objects.bulk_create([*officers, manager])
    return officers, manager


@dataclass
class World:
    """What the generation made and what the due levels draw from."""

    today: dt.date
    organisations: list[int]
    last_contact: list[dt.date]
    officers: list[int]
    contacts_stored: int = 0
    reminders_stored: int = 0
    follow_up_pool: list[int] = field(default_factory=list)  # latest contacts of organisations not archived
    cadence_pool: list[int] = field(default_factory=list)  # organisations not archived
    term_pool: list[int] = field(default_factory=list)  # branches


def generate_ledger(*, organisations: int, officers: list[User], rng: random.Random):
    """COPY the organisations and their women's organisations; return the world and timings."""
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    district = Region.objects.get(code=DISTRICT_CODE)
    streets = list(Region.objects.filter(parent=district).values_list("id", flat=True)) or [district.pk]
    officer_ids = [user.pk for user in officers]
    fields = [("economic", "private_enterprise"), ("social", "association"), ("employment", "express")]
    organisation_rows = ModelRows(Organisation)
    branch_rows = ModelRows(Branch)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        ids = reserve_ids(cursor, Organisation, organisations)
        branch_count = len(range(0, organisations, BRANCH_EVERY))
        branch_ids = iter(reserve_ids(cursor, Branch, branch_count))
        last_contact: list[dt.date] = []
        branches: list[tuple] = []
        covers: list[tuple[int, int]] = []
        world = World(today, ids, last_contact, officer_ids)

        def rows() -> Iterator[tuple]:
            for number, pk in enumerate(ids):
                name = f"{NAME_PREFIX}{number:07d}号测试单位"
                field_value, unit_type = fields[number % 3]
                region = rng.choice(streets)
                last = today - dt.timedelta(days=rng.randint(0, CADENCE_DAYS - 5))
                last_contact.append(last)
                created = dt.datetime.combine(last - dt.timedelta(days=800), dt.time(9), tzinfo=tz)
                archived = (
                    created + dt.timedelta(days=700)
                    if number % ARCHIVED_EVERY == ARCHIVED_EVERY - 1
                    else None
                )
                has_branch = number % BRANCH_EVERY == 0
                if archived is None:
                    world.cadence_pool.append(pk)
                if has_branch:
                    established = today - dt.timedelta(days=rng.randint(30, TERM_YEARS_DAYS - 200))
                    branch_pk = next(branch_ids)
                    branches.append(branch_rows.row({
                        "id": branch_pk, "name": f"{name}妇联", "organisation_id": pk, "region_id": region,
                        "form": ("federation", "committee", "group")[number % 3], "established_on": established,
                        "term_ends_on": established + dt.timedelta(days=TERM_YEARS_DAYS),
                        "seats": 3 + number % 7, "created_at": created, "updated_at": created,
                    }))  # fmt: skip
                    covers.append((branch_pk, pk))
                    world.term_pool.append(branch_pk)
                yield organisation_rows.row({
                    "id": pk, "name": name, "name_normalised": name, "search_text": name,
                    "sort_key": f"{number:09d}", "field": field_value, "unit_type": unit_type,
                    "region_id": region, "district_id": district.pk, "employees": 20 + number % 300,
                    "women": 10 + number % 20, "notes": MARKER,
                    "stage": "established" if has_branch else "surveying",
                    "officer_id": None if number % ORPHAN_EVERY == ORPHAN_EVERY - 1
                    else officer_ids[number % len(officer_ids)],
                    "last_contact_on": last, "contact_due_on": last + dt.timedelta(days=CADENCE_DAYS),
                    "archived_at": archived, "created_at": created, "updated_at": created,
                })  # fmt: skip

        copied = copy_model_rows(cursor, Organisation, organisation_rows.columns, rows())
        copy_model_rows(cursor, Branch, branch_rows.columns, branches)
        copy_model_rows(cursor, Branch.covers.through, ["branch_id", "organisation_id"], covers)
    return world, {
        "organisations": copied,
        "branches": len(branches),
        "organisations_seconds": round(time.perf_counter() - started, 2),
    }


def generate_contacts(world: World, *, start: int, stop: int, rng: random.Random) -> dict[str, Any]:
    """COPY contacts number start … stop-1: contact j is the (j // N)-th latest of organisation j % N, so the
    first N are each organisation's latest contact and the later ones are older, settled or without follow-up."""
    today, tz = world.today, timezone.get_current_timezone()
    count = len(world.organisations)
    rows = ModelRows(ContactLog, skip=["id"])
    channels = [choice for choice, _label in ContactLog.Channel.choices]
    settled_at = dt.time(17)
    floor = ContactLog.objects.aggregate(top=Max("id"))["top"] or 0
    started = time.perf_counter()

    def contacts() -> Iterator[tuple]:
        for j in range(start, stop):
            index, age = j % count, j // count
            contacted = world.last_contact[index] - dt.timedelta(days=age * (CADENCE_DAYS + index % 45))
            follow_up, done, done_at = None, False, None
            if rng.random() >= NO_FOLLOW_UP_SHARE:
                follow_up = contacted + dt.timedelta(days=rng.randint(3, 20))
                if follow_up < today:
                    done, done_at = True, dt.datetime.combine(follow_up, settled_at, tzinfo=tz)
                elif follow_up <= today + dt.timedelta(days=1):  # nothing is due until a level makes it so
                    follow_up = today + dt.timedelta(days=2)
            officer = world.officers[index % len(world.officers)]
            yield rows.row({
                "organisation_id": world.organisations[index], "staff_id": officer, "contacted_on": contacted,
                "channel": channels[j % len(channels)], "summary": f"{NAME_PREFIX}：例行联系",
                "next_follow_up": follow_up, "done": done, "done_at": done_at,
                "created_at": dt.datetime.combine(contacted, dt.time(10), tzinfo=tz),
            })  # fmt: skip

    with connection.cursor() as cursor:
        copied = copy_model_rows(cursor, ContactLog, rows.columns, contacts())
        copy_seconds = time.perf_counter() - started
        analyse = time.perf_counter()
        for model in (Organisation, ContactLog, Branch):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        analyse_seconds = time.perf_counter() - analyse
    world.contacts_stored += copied
    history = time.perf_counter()
    world.reminders_stored += reminders_history(after=floor)
    history_seconds = time.perf_counter() - history
    if start == 0:  # the latest contacts of organisations not archived: where due follow-ups are drawn from
        world.follow_up_pool = list(
            ContactLog.objects.filter(
                organisation__name__startswith=NAME_PREFIX,
                organisation__notes=MARKER,
                organisation__archived_at__isnull=True,
            )
            .order_by("id")
            .values_list("id", flat=True)
        )
    return {
        "contacts": copied,
        "seconds": round(copy_seconds, 2),
        "rows_per_second": round(copied / copy_seconds) if copy_seconds else None,
        "vacuum_analyse_seconds": round(analyse_seconds, 2),
        "reminders_history_seconds": round(history_seconds, 2),
    }


def reminders_history(*, after: int) -> int:
    """The reminders the years of contacts above `after` were sent, as the Reminder table holds them in
    production: a settled follow-up was reminded once, a contact without one answered a cadence reminder."""
    contact_type = ContentType.objects.get_for_model(ContactLog).pk
    organisation_type = ContentType.objects.get_for_model(Organisation).pk
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Reminder._meta.db_table}
                (kind, content_type_id, object_id, due_on, recipient_id, created_at)
            SELECT CASE WHEN c.next_follow_up IS NULL THEN %(cadence)s ELSE %(follow_up)s END,
                   CASE WHEN c.next_follow_up IS NULL THEN %(organisation)s ELSE %(contact)s END,
                   CASE WHEN c.next_follow_up IS NULL THEN c.organisation_id::text ELSE c.id::text END,
                   COALESCE(c.next_follow_up, c.contacted_on), COALESCE(o.officer_id, c.staff_id), c.created_at
            FROM {ContactLog._meta.db_table} c JOIN {Organisation._meta.db_table} o ON o.id = c.organisation_id
            WHERE c.id > %(after)s AND (c.done OR c.next_follow_up IS NULL)
            ON CONFLICT DO NOTHING
            """,
            {"cadence": CONTACT_CADENCE, "follow_up": FOLLOW_UP_DUE, "organisation": organisation_type,
             "contact": contact_type, "after": after},
        )  # fmt: skip
        inserted = cursor.rowcount
        cursor.execute(f"VACUUM ANALYZE {Reminder._meta.db_table}")
    return inserted


# ------------------------------------------------------------------------------------------------------------
# Due levels
# ------------------------------------------------------------------------------------------------------------


def _update(model, column: str, ids: list[int], values: list[Any], cast: str) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = v.value FROM unnest(%s::bigint[], %s::{cast}[]) AS v(id, value) "
            f"WHERE {table}.id = v.id",
            [ids, values],
        )


@dataclass
class _Due:
    """The rows a level made due and what they were before."""

    contacts: list[tuple[int, dt.date | None, bool, dt.datetime | None]]
    organisations: list[tuple[int, dt.date]]
    branches: list[tuple[int, dt.date]]


def due_make(world: World, level: int, rng: random.Random) -> tuple[_Due, dict[str, int]]:
    """Make `level` follow-ups due (a quarter each: today, tomorrow, overdue, overdue past the escalation
    delay), `level` organisations past their contact cadence and a tenth as many terms ending."""
    today, escalate = world.today, LedgerSettings.current().escalate_after_days
    horizon = LedgerSettings.current().term_warning_days
    contact_ids = rng.sample(world.follow_up_pool, level)
    organisation_ids = rng.sample(world.cadence_pool, level)
    branch_ids = rng.sample(world.term_pool, min(len(world.term_pool), max(1, level // 10)))
    before = _Due(
        contacts=list(
            ContactLog.objects.filter(pk__in=contact_ids).values_list(
                "pk", "next_follow_up", "done", "done_at"
            )
        ),
        organisations=list(
            Organisation.objects.filter(pk__in=organisation_ids).values_list("pk", "contact_due_on")
        ),
        branches=list(Branch.objects.filter(pk__in=branch_ids).values_list("pk", "term_ends_on")),
    )
    offsets = [
        lambda: 0,
        lambda: -1,
        lambda: rng.randint(1, escalate),
        lambda: rng.randint(escalate + 1, escalate + 30),
    ]
    follow_ups = [today - dt.timedelta(days=offsets[n % 4]()) for n in range(level)]
    ContactLog.objects.filter(pk__in=contact_ids).update(done=False, done_at=None)
    _update(ContactLog, "next_follow_up", contact_ids, follow_ups, "date")
    cadence = [today - dt.timedelta(days=rng.randint(0, 60)) for _ in organisation_ids]
    _update(Organisation, "contact_due_on", organisation_ids, cadence, "date")
    terms = [today + dt.timedelta(days=rng.randint(1, horizon)) for _ in branch_ids]
    _update(Branch, "term_ends_on", branch_ids, terms, "date")
    with connection.cursor() as cursor:
        for model in (Organisation, ContactLog, Branch):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    due = {"follow_ups": len(contact_ids), "cadence": len(organisation_ids), "terms": len(branch_ids)}
    return before, {**due, "total": sum(due.values())}


def due_undo(before: _Due) -> None:
    """Put the rows a level made due back as they were."""
    with connection.cursor() as cursor:
        table = ContactLog._meta.db_table
        ids, follow_ups, done, done_at = _columns(before.contacts, 4)
        cursor.execute(
            f"UPDATE {table} SET next_follow_up = v.f, done = v.d, done_at = v.a "
            "FROM unnest(%s::bigint[], %s::date[], %s::boolean[], %s::timestamptz[]) AS v(id, f, d, a) "
            f"WHERE {table}.id = v.id",
            [ids, follow_ups, done, done_at],
        )
    _update(Organisation, "contact_due_on", *_columns(before.organisations, 2), "date")
    _update(Branch, "term_ends_on", *_columns(before.branches, 2), "date")


def _columns(rows: list[tuple], width: int) -> list[list]:
    """Rows as columns (for unnest), an empty list each when there are no rows."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


def sent_forget() -> None:
    """Forget what the sweeps sent (the reminders' history stays), so that every level starts afresh."""
    users = list(benchmark_users().values_list("id", flat=True))
    with connection.cursor() as cursor:
        # The history has no notification: what a sweep sent has one.
        cursor.execute(
            f"DELETE FROM {Reminder._meta.db_table} WHERE notification_id IS NOT NULL AND recipient_id = ANY(%s)",
            [users],
        )
        cursor.execute(f"DELETE FROM {Notification._meta.db_table} WHERE recipient_id = ANY(%s)", [users])
        cursor.execute(f"VACUUM ANALYZE {Reminder._meta.db_table}")
        cursor.execute(f"VACUUM ANALYZE {Notification._meta.db_table}")


# ------------------------------------------------------------------------------------------------------------
# Measuring
# ------------------------------------------------------------------------------------------------------------


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
    with connection.cursor() as cursor:
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


# ------------------------------------------------------------------------------------------------------------
# The run
# ------------------------------------------------------------------------------------------------------------


def benchmark_run(*, organisations: int, contacts: int, due: list[int], keep: bool, log=print) -> Report:
    """Generate, measure at a tenth of the contact log and at all of it, clean up (unless keep)."""
    report = Report()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    from django.conf import settings

    report.meta = {
        "organisations": organisations,
        "contacts": contacts,
        "due": due,
        "database": connection.settings_dict["NAME"],
        "postgresql": version,
        "jit": jit,
        "delivery": "in-process (Celery eager)"
        if settings.CELERY_TASK_ALWAYS_EAGER
        else "enqueued to the broker",
        "started": timezone.now().isoformat(timespec="seconds"),
        "marker": f"organisation names start with {NAME_PREFIX}, notes = {MARKER!r}; users {USER_PREFIX}*; "
        f"job runs details.benchmark = {MARKER!r}",
        "derived_columns": "placeholders (name_normalised = search_text = name, sort_key = number, other derived "
        "columns such as search_grams left at their defaults), "
        "not organisation_derive",
        "kept": keep,
        "cpus": os.cpu_count(),
        "load_start": _load(),
    }
    rng = random.Random(SEED)
    try:
        officers, manager = sweep_users()
        log(f"Generating {organisations} organisations and their women's organisations …")
        world, report.generation = generate_ledger(organisations=organisations, officers=officers, rng=rng)
        first_part = max(1, contacts // 10)
        log(f"  {report.generation['organisations_seconds']} s; contact log: {first_part} rows …")
        report.generation["contacts_first"] = generate_contacts(world, start=0, stop=first_part, rng=rng)
        log(f"  {report.generation['contacts_first']['seconds']} s")
        largest = max(due)
        if largest > len(world.follow_up_pool) or largest > len(world.cadence_pool):
            raise ValueError(
                f"--due {largest} is more than the {len(world.follow_up_pool)} latest contacts of organisations "
                "not archived: generate more organisations or contacts"
            )
        for stage, (start, stop) in enumerate([(0, first_part), (first_part, contacts)]):
            if stage == 1 and stop > start:
                log(f"Contact log: {stop - start} more rows …")
                report.generation["contacts_rest"] = generate_contacts(world, start=start, stop=stop, rng=rng)
                log(f"  {report.generation['contacts_rest']['seconds']} s")
            for level in due:
                log(f"Sweep with {world.contacts_stored} contacts stored, {level} due …")
                measurement = measure_level(world, level, random.Random(SEED + level))
                report.measurements.append(measurement)
                log(
                    f"  first {measurement.first.ms} ms ({measurement.first.sent} sent), "
                    f"second {measurement.second.ms} ms ({measurement.second.sent} sent)"
                )
    finally:
        if not keep:
            log("Cleaning up …")
            report.cleanup = benchmark_cleanup()
    report.meta["finished"] = timezone.now().isoformat(timespec="seconds")
    report.meta["load_end"] = _load()
    return report


def _load() -> str:
    """The machine's load average (1, 5, 15 minutes): other work on it makes every time longer."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


# ------------------------------------------------------------------------------------------------------------
# The tables
# ------------------------------------------------------------------------------------------------------------


def _line(cells: list[str], head: list[tuple[str, int, bool]]) -> str:
    return " ".join(pad(c, w, right=r) for c, (_t, w, r) in zip(cells, head, strict=True)).rstrip()


def _buffers(text: str) -> str:
    """ "Buffers: shared hit=12 read=3" → "12+3"."""
    hit = re.search(r"shared hit=(\d+)", text)
    read = re.search(r"read=(\d+)", text)
    return f"{hit.group(1) if hit else 0}+{read.group(1) if read else 0}"


def _selection_table(title: str, measurements: list[Measurement], attribute: str, keys) -> list[str]:
    """Execution ms and shared buffers (hit+read) of each query, one column per measurement."""
    columns = [f"{m.stored_contacts // 1000}k/{m.due['total']}" for m in measurements]
    head = [("query", 22, False), ("index expected", 26, False), ("used", 5, False)]
    head += [(c, 19, True) for c in columns]
    lines = ["", title, _line([t for t, _w, _r in head], head), "-" * (56 + 20 * len(columns))]
    for key in keys:
        entries = [getattr(m, attribute).get(key) for m in measurements]
        if not any(entries):
            continue
        index = next(e["index"] for e in entries if e)
        used = sum(bool(e and e["uses_index"]) for e in entries)
        flag = "—" if index is None else f"{used}/{sum(bool(e) for e in entries)}"
        cells = [key, index or "—", flag]
        cells += [
            f"{e['execution_ms']:.2f} ({_buffers(e['buffers'])}){'' if e['uses_index'] is not False else ' ✗'}"
            if e
            else "—"
            for e in entries
        ]
        lines.append(_line(cells, head))
    return lines


def report_table(report: Report) -> str:
    """The figures as plain-text tables: the sweep, the selection queries, the plans of the largest run."""
    head = [("stored contacts", 16, True), ("reminders", 10, True), ("organisations", 14, True),
            ("due rows", 9, True), ("(follow-ups/cadence/terms)", 27, False), ("sent", 6, True),
            ("first-run ms", 13, True), ("ms/sent", 8, True), ("db ms", 8, True), ("second-run ms", 14, True),
            ("db ms", 7, True), ("queries 1st/2nd", 16, True), ("2nd sent", 9, True)]  # fmt: skip
    lines = [_line([t for t, _w, _r in head], head), "-" * 170]
    for m in report.measurements:
        split = f"({m.due['follow_ups']}/{m.due['cadence']}/{m.due['terms']})"
        lines.append(_line([f"{m.stored_contacts:,}", f"{m.stored_reminders:,}", f"{m.organisations:,}",
                            str(m.due["total"]), split, str(m.first.sent), f"{m.first.ms:.1f}",
                            f"{m.first.ms_per_sent or 0:.2f}", f"{m.first.db_ms:.0f}", f"{m.second.ms:.1f}",
                            f"{m.second.db_ms:.0f}", f"{m.first.queries}/{m.second.queries}", str(m.second.sent)],
                           head))  # fmt: skip
    if report.measurements:
        measurements = report.measurements
        lines += _selection_table(
            "selection queries the sweep issued (no-op run): execution ms (shared buffers hit+read); ✗ = the "
            "expected index not in the plan; used = runs that used it",
            measurements,
            "explain",
            SELECTION_KEYS,
        )
        lines += _selection_table(
            "proposed: the same selections without the joins (not what the sweep runs today)",
            measurements,
            "proposed",
            list(measurements[-1].proposed),
        )
        last = measurements[-1]
        lines += [
            "",
            f"plans' key lines at {last.stored_contacts:,} contacts stored, {last.due['total']} due:",
        ]
        for title, plans in (("", last.explain), ("proposed ", last.proposed)):
            for key, entry in plans.items():
                lines.append(f"[{title}{key}]")
                lines += [f"    {line}" for line in entry["key_lines"]]
    generation = report.generation
    if generation:
        lines.append("")
        parts = [f"{generation.get('organisations', 0):,} organisations + {generation.get('branches', 0):,} "
                 f"women's organisations in {generation.get('organisations_seconds')} s"]  # fmt: skip
        for key in ("contacts_first", "contacts_rest"):
            if key in generation:
                g = generation[key]
                parts.append(
                    f"{g['contacts']:,} contacts in {g['seconds']} s ({g['rows_per_second']} rows/s COPY; reminders' "
                    f"history {g['reminders_history_seconds']} s; VACUUM ANALYZE {g['vacuum_analyse_seconds']} s)"
                )
        lines.append("generation: " + "; ".join(parts))
        meta = report.meta
        lines.append(f"derived columns: {meta.get('derived_columns')}; delivery: {meta.get('delivery')}")
        lines.append(
            f"PostgreSQL {meta.get('postgresql')}, jit={meta.get('jit')}; load average at start "
            f"{meta.get('load_start')}, at end {meta.get('load_end')} ({meta.get('cpus')} CPUs)"
        )
    return "\n".join(lines)
