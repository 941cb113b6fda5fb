"""The whole app's data at scale for `manage.py benchmark` (PostgreSQL only), written through COPY.

Organisations come from benchmarks.ledger (names start with 基准, notes = "benchmark_ledger", derived columns
computed by organisation_derive) and their women's organisations from benchmarks.women; this module adds what
the other pages read: liaisons (some with a portal login), a contact log with the organisations' cadence kept as
the contact services keep it, formation runs with their step entries, services (activities) and questions. A
day's work is due (follow-ups, cadence, steps, questions past their target), as on any working day, so that the
reminder sweep has something to send. History tables (django-simple-history, step transitions) are not filled.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from activities.models import Activity, ActivityType
from answers.models import Question
from benchmarks import ledger, women
from benchmarks.sweep.world import ModelRows, copy_model_rows, reserve_ids
from branches.models import Branch, ContactLog, Liaison, Organisation
from coverage.services import snapshot_compute
from federation import audit
from federation.models import FederationUnit, JobRun, Notification, Reminder, User
from workflows.models import FormationRun, StepEntry, StepTemplate, StepTransition, WorkflowTemplate

BRANCH_SHARE = 0.3  # organisations with a women's organisation of their own
LIAISON_EVERY = 2  # one organisation in two has named a liaison
RUN_EVERY = 10  # one in ten has a formation run (all of them among those with a liaison)
PORTAL_EVERY = 5  # one run in five has a liaison who signs in to the portal
CONTACTS_PER_ORGANISATION = 3
ACTIVITY_EVERY = 20  # one service a year for twenty organisations
QUESTION_EVERY = 25
DUE_EVERY = 200  # a day's work: one organisation in 200 has a follow-up due, one in 200 is past its cadence
CADENCE_DAYS = 30
OFFICER_EVERY = 20  # one organisation in twenty has no responsible officer
CONTACT_PREFIX = f"{ledger.USER_PREFIX}contact-"
MANAGER = f"{ledger.USER_PREFIX}manager"
TEXT = f"{ledger.NAME_PREFIX}：例行联系"


def benchmark_organisations():
    """The generated organisations (not the rows an import of the benchmark's register created)."""
    return Organisation.objects.filter(name__startswith=ledger.NAME_PREFIX, notes=ledger.MARKER)


def generated_scale() -> int:
    return benchmark_organisations().count()


def strangers() -> dict[str, int]:
    """Users and organisations the benchmark did not make: the reminder sweep would send them real messages."""
    return {
        "users": User.objects.exclude(username__startswith=ledger.USER_PREFIX).count(),
        "organisations": Organisation.objects.exclude(name__startswith=ledger.NAME_PREFIX).count(),
    }


def benchmark_people() -> dict[str, Any]:
    """The city officer and the admin of benchmarks.ledger, a city manager (escalations go to managers)."""
    officer, admin = ledger.benchmark_users()
    manager, _ = User.objects.update_or_create(
        username=MANAGER,
        defaults={"full_name": "基准测试主任", "kind": User.Kind.STAFF, "role": User.Role.MANAGER,
                  "unit": officer.unit},
    )  # fmt: skip
    return {"officer": officer, "admin": admin, "manager": manager}


def vacuum_analyse(models) -> float:
    """VACUUM ANALYZE (autovacuum may be off; inside a transaction, as in the tests, ANALYZE only)."""
    started = time.perf_counter()
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {model._meta.db_table}")
    return round(time.perf_counter() - started, 2)


def _timed(timings: dict[str, Any], key: str, log, function, *args, **kwargs):
    log(f"  {key} …")
    started = time.perf_counter()
    result = function(*args, **kwargs)
    entry = result if isinstance(result, dict) else {"rows": result}
    timings[key] = {**entry, "seconds": round(time.perf_counter() - started, 2)}
    return result


def benchmark_generate(*, scale: int, log=print) -> dict[str, Any]:
    """Generate everything at `scale` organisations; the timings of each part."""
    rng = random.Random(ledger.SEED + 11)
    timings: dict[str, Any] = {}
    started = time.perf_counter()
    people = benchmark_people()
    _timed(timings, "organisations", log, ledger.benchmark_generate, scale)
    _timed(timings, "branches", log, women.benchmark_branches, round(scale * BRANCH_SHARE))
    organisations = list(benchmark_organisations().order_by("id").values_list("id", "region_id", "district_id",
                                                                              "archived_at"))  # fmt: skip
    with transaction.atomic():
        liaisons = _timed(timings, "liaisons", log, _liaisons, organisations, rng)
        _timed(timings, "contacts", log, _contacts, organisations, people, rng)
        runs = _timed(timings, "formation_runs", log, _runs, organisations, liaisons, people, rng)
        portal = _timed(timings, "portal_users", log, _portal_users, runs, liaisons)
        _timed(timings, "activities", log, _activities, organisations, people, rng)
        _timed(timings, "questions", log, _questions, portal, people, rng)
    timings["vacuum_analyse_seconds"] = vacuum_analyse(
        [Organisation, Branch, Branch.covers.through, Liaison, ContactLog, FormationRun, StepEntry, Activity,
         Activity.organisations.through, Question, User]
    )  # fmt: skip
    _timed(
        timings, "coverage_snapshot", log, lambda: snapshot_compute(as_of=timezone.localdate()).rows.count()
    )
    timings["seconds"] = round(time.perf_counter() - started, 2)
    return timings


def _liaisons(organisations: list[tuple], rng: random.Random) -> dict[int, int]:
    """A liaison for one organisation in LIAISON_EVERY; organisation id → liaison id."""
    chosen = [row[0] for number, row in enumerate(organisations) if number % LIAISON_EVERY == 0]
    rows, now = ModelRows(Liaison), timezone.now()
    with connection.cursor() as cursor:
        ids = reserve_ids(cursor, Liaison, len(chosen))
        values = (
            rows.row({"id": pk, "organisation_id": organisation, "name": f"{rng.choice('王李张刘陈杨赵黄')}女士",
                      "post": "办公室主任", "mobile": f"139{number:08d}", "created_at": now})
            for number, (pk, organisation) in enumerate(zip(ids, chosen, strict=True))
        )  # fmt: skip
        copy_model_rows(cursor, Liaison, rows.columns, values)
    return dict(zip(chosen, ids, strict=True))


def _contacts(organisations: list[tuple], people: dict[str, Any], rng: random.Random) -> int:
    """CONTACTS_PER_ORGANISATION contacts each, the latest within the cadence but for a day's work; the
    organisations' last contact, next due contact and responsible officer written as the services write them."""
    today, tz = timezone.localdate(), timezone.get_current_timezone()
    rows = ModelRows(ContactLog, skip=["id"])
    staff = people["officer"].pk
    channels = [choice for choice, _label in ContactLog.Channel.choices]
    ids, last, due, officers = [], [], [], []

    def contacts() -> Iterator[tuple]:
        for number, (pk, _region, _district, _archived) in enumerate(organisations):
            late = number % DUE_EVERY == 1  # past its cadence today
            latest = today - dt.timedelta(days=rng.randint(CADENCE_DAYS + 1, CADENCE_DAYS + 20) if late
                                          else rng.randint(0, CADENCE_DAYS - 5))  # fmt: skip
            ids.append(pk)
            last.append(latest)
            due.append(latest + dt.timedelta(days=CADENCE_DAYS))
            officers.append(None if number % OFFICER_EVERY == OFFICER_EVERY - 1 else staff)
            for age in range(CONTACTS_PER_ORGANISATION):
                contacted = latest - dt.timedelta(days=age * CADENCE_DAYS)
                follow_up, done, done_at = None, False, None
                if age == 0 and number % DUE_EVERY == 0:  # a follow-up due today, tomorrow or overdue
                    follow_up = today + dt.timedelta(days=rng.randint(-10, 1))
                elif rng.random() < 0.7:
                    follow_up = contacted + dt.timedelta(days=rng.randint(3, 20))
                    if follow_up <= today + dt.timedelta(days=1):
                        done, done_at = True, dt.datetime.combine(follow_up, dt.time(17), tzinfo=tz)
                yield rows.row({
                    "organisation_id": pk, "staff_id": staff, "contacted_on": contacted,
                    "channel": channels[(number + age) % len(channels)], "summary": TEXT,
                    "next_follow_up": follow_up, "done": done, "done_at": done_at,
                    "created_at": dt.datetime.combine(contacted, dt.time(10), tzinfo=tz),
                })  # fmt: skip

    table = Organisation._meta.db_table
    with connection.cursor() as cursor:
        copied = copy_model_rows(cursor, ContactLog, rows.columns, contacts())
        cursor.execute(
            f"UPDATE {table} SET last_contact_on = v.last, contact_due_on = v.due, officer_id = v.officer "
            "FROM unnest(%s::bigint[], %s::date[], %s::date[], %s::bigint[]) AS v(id, last, due, officer) "
            f"WHERE {table}.id = v.id",
            [ids, last, due, officers],
        )
    return copied


def _runs(organisations, liaisons: dict[int, int], people, rng: random.Random) -> list[dict[str, Any]]:
    """A formation run for one organisation in RUN_EVERY (not archived): a fifth completed, the others part of
    the way, their current step submitted for review, being drafted, returned or not started."""
    template = (
        WorkflowTemplate.objects.filter(key="federation", status="published").order_by("-version").first()
    )
    if template is None:
        return []
    steps = list(
        StepTemplate.objects.filter(template=template).order_by("order", "id").values_list("id", "order")
    )
    today, now, officer = timezone.localdate(), timezone.now(), people["officer"].pk
    chosen = [row for number, row in enumerate(organisations)
              if number % RUN_EVERY == 0 and row[3] is None and row[0] in liaisons]  # fmt: skip
    run_rows, entry_rows = ModelRows(FormationRun), ModelRows(StepEntry, skip=["id"])
    runs: list[dict[str, Any]] = []
    entries: list[tuple] = []
    with connection.cursor() as cursor:
        ids = reserve_ids(cursor, FormationRun, len(chosen))
        values = []
        for number, (pk, (organisation, _region, _district, _archived)) in enumerate(
            zip(ids, chosen, strict=True)
        ):
            completed = number % 5 == 4
            started = now - dt.timedelta(days=rng.randint(20, 400), minutes=rng.randint(0, 600))
            current = len(steps) if completed else rng.randint(1, len(steps) - 1)
            values.append(run_rows.row({
                "id": pk, "organisation_id": organisation, "template_id": template.pk,
                "form": template.form, "way": "standalone", "owner_id": officer, "liaison_id": liaisons[organisation],
                "status": "completed" if completed else "active", "started_by_id": officer, "started_at": started,
                "completed_at": now - dt.timedelta(days=rng.randint(1, 19)) if completed else None,
            }))  # fmt: skip
            status = rng.choices(["submitted", "draft", "returned", "todo"], weights=[35, 25, 5, 35])[0]
            runs.append({"run": pk, "organisation": organisation, "current": None, "status": status})
            for index, (step, order) in enumerate(steps):
                entry: dict[str, Any] = {"run_id": pk, "step_id": step, "order": order, "answers": "{}",
                                         "draft": "{}", "comment": ""}  # fmt: skip
                if index < current:
                    done = started + dt.timedelta(days=index + 1)
                    entry.update(status="approved", opened_on=done.date(), due_on=done.date(), submitted_at=done,
                                 submitted_by_id=officer, reviewed_at=done, reviewer_id=officer)  # fmt: skip
                elif index == current:
                    opened = today - dt.timedelta(days=rng.randint(0, 10))
                    # a day's work: some steps are about due or overdue, the rest later
                    late = number % (DUE_EVERY // RUN_EVERY) == 0
                    entry.update(
                        status=status,
                        opened_on=opened,
                        due_on=today + dt.timedelta(days=rng.randint(-5, 3) if late else rng.randint(4, 30)),
                    )
                    if status == "submitted":
                        entry.update(submitted_at=now - dt.timedelta(minutes=rng.randint(5, 20 * 24 * 60)),
                                     submitted_by_id=officer)  # fmt: skip
                    if status == "draft":
                        entry["draft_saved_at"] = now - dt.timedelta(hours=rng.randint(1, 240))
                entries.append(entry_rows.row(entry))
        copy_model_rows(cursor, FormationRun, run_rows.columns, iter(values))
        copy_model_rows(cursor, StepEntry, entry_rows.columns, iter(entries))
    by_run = dict(StepEntry.objects.filter(run_id__in=ids).exclude(status="approved").order_by("run_id", "order")
                  .values_list("run_id", "id"))  # fmt: skip
    for run in runs:
        run["current"] = by_run.get(run["run"])
    return runs


def _portal_users(runs: list[dict[str, Any]], liaisons: dict[int, int]) -> list[dict[str, Any]]:
    """A portal login for the liaison of one run in PORTAL_EVERY; what each of them can open."""
    chosen = [run for number, run in enumerate(runs) if number % PORTAL_EVERY == 0]
    users = [
        User(
            username=f"{CONTACT_PREFIX}{number}",
            full_name=f"基准联系人{number}",
            kind=User.Kind.CONTACT,
            role="",
            password="!",
        )  # fmt: skip
        for number in range(len(chosen))
    ]
    User.objects.bulk_create(users, batch_size=2000)
    ids = dict(User.objects.filter(username__startswith=CONTACT_PREFIX).values_list("username", "id"))
    table = Liaison._meta.db_table
    pairs = [
        (liaisons[run["organisation"]], ids[user.username]) for run, user in zip(chosen, users, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET user_id = v.u FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, u) "
            f"WHERE {table}.id = v.id",
            [[liaison for liaison, _user in pairs], [user for _liaison, user in pairs]],
        )
    return [{**run, "user": ids[user.username]} for run, user in zip(chosen, users, strict=True)]


def _activities(organisations, people, rng: random.Random) -> int:
    """One service for ACTIVITY_EVERY organisations, each serving one to four organisations of a district."""
    if not ActivityType.objects.exists():  # a flushed test database: the seed migration's rows are gone
        from activities.seed import activity_types_seed

        activity_types_seed(ActivityType)
    types = list(ActivityType.objects.values_list("id", flat=True))
    units = dict(
        FederationUnit.objects.filter(level=FederationUnit.Level.DISTRICT).values_list("region_id", "id")
    )
    city = people["officer"].unit_id
    today, now, officer = timezone.localdate(), timezone.now(), people["officer"].pk
    count = max(1, len(organisations) // ACTIVITY_EVERY)
    rows = ModelRows(Activity)
    links: list[tuple[int, int]] = []
    with connection.cursor() as cursor:
        ids = reserve_ids(cursor, Activity, count)
        values = []
        for pk in ids:
            served = rng.sample(organisations, min(len(organisations), rng.randint(1, 4)))
            district = served[0][2]
            links.extend(dict.fromkeys((pk, row[0]) for row in served))
            regions = {row[2] for row in served}
            participants = rng.randint(10, 200)
            values.append(rows.row({
                "id": pk, "type_id": rng.choice(types), "date": today - dt.timedelta(days=rng.randint(0, 730)),
                "title": f"{ledger.NAME_PREFIX}服务活动{pk}", "unit_id": units.get(district, city),
                "region_id": district if len(regions) == 1 else people["officer"].unit.region_id,
                "participants": participants, "women_served": participants * 2 // 3, "notes": ledger.MARKER,
                "created_by_id": officer, "created_at": now, "updated_at": now,
            }))  # fmt: skip
        copy_model_rows(cursor, Activity, rows.columns, iter(values))
        through = Activity.organisations.through
        copy_model_rows(cursor, through, ["activity_id", "organisation_id"], iter(links))
    return count


def _questions(portal: list[dict[str, Any]], people, rng: random.Random) -> int:
    """QUESTION_EVERY organisations' worth of questions, asked by the portal users; nearly all answered."""
    if not portal:
        return 0
    count = len(portal) * PORTAL_EVERY * RUN_EVERY // QUESTION_EVERY
    rows, now, officer = ModelRows(Question, skip=["id"]), timezone.now(), people["officer"].pk

    def questions() -> Iterator[tuple]:
        for number in range(count):
            asker = portal[number % len(portal)]
            open_ = number % 20 == 0
            asked = now - dt.timedelta(
                hours=rng.randint(1, 30) if open_ and number % 100 else rng.randint(1, 9000)
            )
            yield rows.row({
                "organisation_id": asker["organisation"], "asked_by_id": asker["user"],
                "step_entry_id": asker["current"] if number % 3 == 0 else None,
                "text": f"{ledger.NAME_PREFIX}：请问换届材料需要哪些？（{number}）", "asked_at": asked,
                "answer": "" if open_ else "请参照办事指南准备。", "answered_by_id": None if open_ else officer,
                "answered_at": None if open_ else asked + dt.timedelta(hours=rng.randint(1, 72)),
            })  # fmt: skip

    with connection.cursor() as cursor:
        return copy_model_rows(cursor, Question, rows.columns, questions())


@transaction.atomic
def benchmark_cleanup() -> dict[str, Any]:
    """Remove everything `manage.py benchmark` generated: what the organisations protect first, then the
    women's organisations, the organisations and the users through benchmarks.women and benchmarks.ledger."""
    removed: dict[str, Any] = {}
    organisations = benchmark_organisations()
    users = list(User.objects.filter(username__startswith=ledger.USER_PREFIX).values_list("id", flat=True))
    runs = FormationRun.objects.filter(organisation__in=organisations)
    with connection.cursor() as cursor:
        for label, queryset in (
            ("questions", Question.objects.filter(asked_by_id__in=users)),
            ("step_transitions", StepTransition.objects.filter(entry__run__in=runs)),
            ("step_entries", StepEntry.objects.filter(run__in=runs)),
            ("formation_runs", runs),
            (
                "activity_links",
                Activity.organisations.through.objects.filter(activity__created_by_id__in=users),
            ),
            ("activities", Activity.objects.filter(created_by_id__in=users)),
            ("liaisons", Liaison.objects.filter(organisation__in=organisations)),
            ("reminders", Reminder.objects.filter(recipient_id__in=users)),
            ("notifications", Notification.objects.filter(recipient_id__in=users)),
        ):
            sql, params = queryset.values("pk").query.sql_with_params()
            table = queryset.model._meta.db_table
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({sql})", params)  # no history rows, no cascade
            removed[label] = cursor.rowcount
    # the coverage figures computed since the benchmark's users were made are the generated data's
    first = User.objects.filter(username__startswith=ledger.USER_PREFIX).order_by("date_joined").first()
    removed.update(women.benchmark_cleanup(since=first.date_joined if first else None))
    return removed


def import_cleanup() -> dict[str, int]:
    """Undo what the measured import added (the organisations it created, its register), so that a later run
    on the same data imports into the same ledger; the generated organisations it updated stay updated. Then
    VACUUM ANALYZE what it wrote: with autovacuum off, dead rows would slow every later run a little more."""
    created = ledger.benchmark_organisations().exclude(notes=ledger.MARKER)
    removed = ledger.organisations_delete(created)
    removed["imports"] = ledger.register_delete()
    vacuum_analyse([Organisation, Organisation.categories.through, Organisation.history.model])
    return removed


def sweep_forget(floors: dict[str, int]) -> dict[str, int]:
    """Forget what a measured sweep sent (rows above the floors), so that the next run finds the same work."""
    removed = {}
    with audit.maintenance(), connection.cursor() as cursor:  # the job log is append-only but for this
        for model in (Reminder, Notification, JobRun):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id > %s", [floors[model.__name__]])
            removed[model._meta.db_table] = cursor.rowcount
    return removed
