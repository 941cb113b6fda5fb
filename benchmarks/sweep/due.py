"""Due levels: a level makes that many follow-ups due (today, tomorrow, overdue, overdue past the escalation
delay), as many organisations past their contact cadence and a tenth as many terms ending, by updating rows
the generation made; after the measurement the rows are put back as they were, and what the sweeps sent is
forgotten, so that every level starts from the same ledger.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db import connection

from branches.models import Branch, ContactLog, LedgerSettings, Organisation
from federation.models import Notification, Reminder

from .world import World, benchmark_users


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
