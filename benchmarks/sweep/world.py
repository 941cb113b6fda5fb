"""The world the sweep benchmark runs in, and its removal. Staff users of 海勃湾区妇联 (`sweepbench-…`),
organisations (names starting with 基准催办, `notes = "benchmark_reminders"`) with a women's organisation in
one of seven, a contact log and the reminders such a log was sent, all COPYed (ModelRows: the values given,
every other column its default), ids reserved first so that rows can name each other. The derived columns are
cheap placeholders: the sweep never reads them. Clean-up removes what carries the markers, with raw deletes.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from benchmarks.ledger.organisations import copy_rows
from branches.models import Branch, BranchMember, ContactLog, Organisation, StageChange
from branches.services.reminders import CONTACT_CADENCE, FOLLOW_UP_DUE
from federation import audit
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
    with audit.maintenance(), connection.cursor() as cursor:  # the job log is append-only but for this
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
        if getattr(model_field, "encrypted", False):
            return model_field.sealed(value)
        if model_field.get_internal_type() == "JSONField":
            return json.dumps(value, ensure_ascii=False)
        return value

    def row(self, values: dict[str, Any]) -> tuple:
        """The row as COPY takes it: personal fields sealed, as the ORM would store them."""
        return tuple(
            f.sealed(values[f.attname]) if f.attname in values and getattr(f, "encrypted", False)
            else values.get(f.attname, default)
            for f, default in zip(self.fields, self.defaults, strict=True)
        )  # fmt: skip


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
