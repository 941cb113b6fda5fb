"""Computing coverage snapshots: every figure aggregated in SQL, grouped by street, field and category.

A snapshot is the figures "as of" one day (SnapshotBatch) in rows of CoverageSnapshot (per street, field, and
all categories or one) and FunnelSnapshot (per formation step). The dashboards read those few hundred rows
instead of counting every organisation per page.

Figures never pass for current when they are not. Every write to a table the figures read leaves a mark
(CoverageChange, by database trigger, in the writer's transaction); computing figures consumes the marks it
saw and flags every other day's figures as out of date. A page asks (figures_for_page) whether its figures are
current: no mark waiting and not flagged. When they are not, figures that took at most
COVERAGE_INLINE_MS to compute last time are recomputed in the request (a few hundred organisations take
milliseconds); larger ones are handed to the worker and the page says it shows the figures of an earlier
time, being refreshed, with a button to ask again. The periodic job looks for marks every minute.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import time
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, Count, DurationField, Exists, F, Max, Min, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from activities.selectors import organisations_served
from answers.models import Question
from branches.models import Branch, Organisation, Stage, StageChange
from branches.selectors import active_on, branch_standing_on, contact_kept_on, covered_on, day_end
from coverage.models import CoverageChange, CoverageSnapshot, FunnelSnapshot, SnapshotBatch
from workflows.models import FormationRun, StepEntry, StepStatus

log = logging.getLogger(__name__)
STAGE_COLUMNS = {stage.value: f"stage_{stage.value}" for stage in Stage}
COUNT_COLUMNS = [
    "denominator",
    "covered",
    "formed",
    "party",
    "party_covered",
    "contact_kept",
    "served",
    "open_questions",
    "overdue_steps",
    *STAGE_COLUMNS.values(),
]
OPEN_STEP = (StepStatus.TODO, StepStatus.DRAFT, StepStatus.RETURNED)


class Median(Aggregate):
    """The median: PostgreSQL's percentile_cont; on SQLite a MEDIAN aggregate the app registers."""

    function = "MEDIAN"
    name = "Median"

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, Sequence[Any]]:
        return self.as_sql(
            compiler,
            connection,
            function="PERCENTILE_CONT",
            template="%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)",
            **extra_context,
        )


class SqliteMedian:
    """MEDIAN(x) for SQLite (registered on each new connection by CoverageConfig.ready)."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        if not self.values:
            return None
        ordered, middle = sorted(self.values), len(self.values) // 2
        if len(ordered) % 2:
            return ordered[middle]
        return (ordered[middle - 1] + ordered[middle]) / 2


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def month_day(month: dt.date, *, today: dt.date | None = None) -> dt.date:
    """The day a month's figures are as of: its last day, or today for the month under way."""
    today = today or timezone.localdate()
    return min(month_end(month), today)


# --- the figures ---------------------------------------------------------------------------------------------

Key = tuple[int, int, str, int | None]  # region, district, field, category (None: all categories)


def _grouped(queryset: QuerySet, prefix: str, aggregates: dict[str, Any], into: dict[Key, dict]) -> None:
    """Add aggregates grouped by street, district and field, then again by category, into `into`."""
    names = [f"{prefix}region", f"{prefix}district", f"{prefix}field"]
    for by_category in (False, True):
        keys = [*names, f"{prefix}categories"] if by_category else names
        # One join to the categories: a filter on them here would add a second one and count an organisation
        # once for each of its categories; those without any come back with None and are passed over.
        rows = queryset.order_by().values(*keys).annotate(**aggregates)
        for row in rows:
            if by_category and row[keys[3]] is None:
                continue
            key = (row[keys[0]], row[keys[1]], row[keys[2]], row[keys[3]] if by_category else None)
            figures = into[key]
            for name in aggregates:
                figures[name] = figures.get(name, 0) + (row[name] or 0)


def coverage_figures(day: dt.date) -> dict[Key, dict[str, int]]:
    """Every coverage figure as of `day`, by (street, district, field, category or None)."""
    figures: dict[Key, dict[str, int]] = defaultdict(dict)
    target = Q(in_scope=True, women__gt=0)
    covered = covered_on(day)
    served = Q(pk__in=organisations_served(month_start(day), day))
    aggregates: dict[str, Any] = {
        "denominator": Count("pk", filter=target),
        "covered": Count("pk", filter=target & covered),
        "party": Count("pk", filter=target & Q(party_org=True)),
        "party_covered": Count("pk", filter=target & Q(party_org=True) & covered),
        "contact_kept": Count("pk", filter=target & contact_kept_on(day)),
        "served": Count("pk", filter=target & served),
    }
    organisations = Organisation.objects.filter(active_on(day))
    _grouped(organisations, "", aggregates, figures)
    _stage_counts(day, organisations.filter(target), figures)

    # Women's organisations formed: each counts once, in its host organisation's street and field.
    formed = Branch.objects.filter(
        branch_standing_on(day), organisation__in=Organisation.objects.filter(active_on(day))
    )
    _grouped(formed, "organisation__", {"formed": Count("pk")}, figures)

    end = day_end(day)
    questions = Question.objects.filter(asked_at__lt=end).filter(
        Q(answered_at__isnull=True) | Q(answered_at__gte=end)
    )
    _grouped(questions, "organisation__", {"open_questions": Count("pk")}, figures)
    _grouped(overdue_steps(day), "run__organisation__", {"overdue_steps": Count("pk")}, figures)
    return figures


def _latest_change_sql(*, before: bool) -> str:
    """Per organisation, the stage read from its last change before the day's end (its to_stage), or from its
    first change after it (its from_stage): one window over the changes, not a subquery per organisation."""
    table, at = connection.ops.quote_name(StageChange._meta.db_table), connection.ops.quote_name("at")
    column, compare, direction = ("to_stage", "<", "DESC") if before else ("from_stage", ">=", "ASC")
    return (
        f"SELECT organisation_id, stage FROM (SELECT organisation_id, {column} AS stage, ROW_NUMBER() OVER "
        f"(PARTITION BY organisation_id ORDER BY {at} {direction}, id {direction}) AS n "
        f"FROM {table} WHERE {at} {compare} %s) ranked WHERE n = 1"
    )


def _stage_counts(day: dt.date, counted: QuerySet, into: dict[Key, dict]) -> None:
    """The counted organisations by their stage on the day (branches.selectors.stage_on, set-based): today
    their stage; earlier, the last change before the day's end, else the first change after it, else their
    stage. Grouped by street, district and field, then again by category."""
    organisations, params = (
        counted.order_by().values("id", "region_id", "district_id", "field", "stage").query.sql_with_params()
    )
    if day >= timezone.localdate():
        stage, joins, join_params = "o.stage", "", []
    else:
        end = connection.ops.adapt_datetimefield_value(day_end(day))
        stage = "COALESCE(b.stage, a.stage, o.stage)"
        joins = (
            f" LEFT JOIN ({_latest_change_sql(before=True)}) b ON b.organisation_id = o.id"
            f" LEFT JOIN ({_latest_change_sql(before=False)}) a ON a.organisation_id = o.id"
        )
        join_params = [end, end]
    links = connection.ops.quote_name(Organisation.categories.through._meta.db_table)
    for by_category in (False, True):
        category = ", c.category_id" if by_category else ""
        category_join = f" JOIN {links} c ON c.organisation_id = o.id" if by_category else ""
        sql = (
            f"SELECT o.region_id, o.district_id, o.field{category}, {stage} AS stage_then, COUNT(*) "
            f"FROM ({organisations}) o{joins}{category_join} "
            f"GROUP BY o.region_id, o.district_id, o.field{category}, {stage}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *join_params])
            rows = cursor.fetchall()
        for row in rows:
            region, district, field, *rest = row
            category_id = rest.pop(0) if by_category else None
            stage_then, count = rest
            column = STAGE_COLUMNS.get(stage_then)
            if column:
                figures = into[(region, district, field, category_id)]
                figures[column] = figures.get(column, 0) + count


def _run_active(day: dt.date) -> Q:
    """Runs under way on the day (a cancelled run has no date: it counts as never under way)."""
    end = day_end(day)
    return Q(run__started_at__lt=end) & (
        Q(run__status=FormationRun.Status.ACTIVE)
        | Q(run__status=FormationRun.Status.COMPLETED, run__completed_at__gte=end)
    )


def overdue_steps(day: dt.date) -> QuerySet[StepEntry]:
    """Steps of runs under way that were still open on the day and due before it (today: open now)."""
    end = day_end(day)
    still_open = Q(status__in=OPEN_STEP) | Q(
        status__in=(StepStatus.SUBMITTED, StepStatus.APPROVED), submitted_at__gte=end
    )
    return StepEntry.objects.filter(_run_active(day), still_open, due_on__lt=day)


def _approved_by(day: dt.date) -> Q:
    return Q(status=StepStatus.APPROVED, reviewed_at__lt=day_end(day))


def funnel_figures(day: dt.date) -> list[dict[str, Any]]:
    """Per formation step: the runs waiting at it (their first step not approved), by district and field,
    and the median days from opening to approval, overall, by district and by district and field."""
    earlier_open = StepEntry.objects.filter(run=OuterRef("run"), order__lt=OuterRef("order")).exclude(
        _approved_by(day)
    )
    waiting = (
        StepEntry.objects.filter(_run_active(day))
        .exclude(_approved_by(day))
        .exclude(Exists(earlier_open))
        .order_by()
        .values("step__code", "run__organisation__district", "run__organisation__field")
        .annotate(title=Max("step__title"), order=Min("step__order"), n=Count("pk"))
    )
    rows: dict[tuple, dict[str, Any]] = {}

    def row(code: str, title: str, order: int, district: int | None, field: str | None) -> dict[str, Any]:
        return rows.setdefault(
            (code, district, field),
            {"step_code": code, "step_title": title, "step_order": order, "district_id": district,
             "field": field or "", "waiting": 0, "approved": 0, "median_days": None},
        )  # fmt: skip

    for item in waiting:
        district, field = item["run__organisation__district"], item["run__organisation__field"]
        for d, f in ((district, field), (district, None), (None, None)):
            row(item["step__code"], item["title"], item["order"], d, f)["waiting"] += item["n"]

    days = TruncDate("reviewed_at") - F("opened_on")
    approved = StepEntry.objects.filter(_approved_by(day), opened_on__isnull=False).order_by()
    for keys in (
        [],
        ["run__organisation__district"],
        ["run__organisation__district", "run__organisation__field"],
    ):
        grouped = approved.values("step__code", *keys).annotate(
            title=Max("step__title"),
            order=Min("step__order"),
            n=Count("pk"),
            median=Median(days, output_field=DurationField()),
        )
        for item in grouped:
            district = item.get("run__organisation__district")
            field = item.get("run__organisation__field")
            target = row(item["step__code"], item["title"], item["order"], district, field)
            target["approved"] = item["n"]
            median = item["median"]
            if isinstance(median, dt.timedelta):
                target["median_days"] = round(median.total_seconds() / 86400, 1)
            elif median is not None:  # microseconds (SQLite's MEDIAN of a duration)
                target["median_days"] = round(float(median) / 86_400_000_000, 1)
    return list(rows.values())


# --- storing them --------------------------------------------------------------------------------------------

# The advisory lock that serialises computing figures on PostgreSQL (two at once would do the work twice).
LOCK_KEY = zlib.crc32(b"coverage.snapshot_compute")


def _compute_lock(*, wait: bool) -> bool:
    """Take the transaction's lock on computing figures (PostgreSQL); False when another holds it and we do not
    wait. SQLite serialises writing transactions itself."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        return bool(cursor.fetchone()[0])


class ComputeBusy(Exception):
    """Another process is computing figures right now."""


def snapshot_compute(*, as_of: dt.date, wait: bool = True) -> SnapshotBatch:
    """Compute (or recompute) the figures as of a day and store them, replacing the day's earlier batch.

    The change marks present when it starts are consumed with the new figures (in one transaction): the marks
    are read before the data, so every change they stand for is counted; a change committed meanwhile keeps
    its mark and makes the figures out of date again. Consuming marks flags every other day's figures.
    """
    with transaction.atomic():
        if not _compute_lock(wait=wait):
            raise ComputeBusy
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # JIT compiling these grouped counts costs more than it saves
                cursor.execute("SET LOCAL jit = off")
        marks = list(CoverageChange.objects.values_list("pk", flat=True))
        figures = coverage_figures(as_of)
        funnel = funnel_figures(as_of)
        batch, _created = SnapshotBatch.objects.select_for_update().get_or_create(
            as_of=as_of, defaults={"month": month_start(as_of), "computed_at": timezone.now()}
        )
        batch.rows.all().delete()
        batch.funnel.all().delete()
        month = month_start(as_of)
        CoverageSnapshot.objects.bulk_create(
            [
                CoverageSnapshot(
                    batch=batch,
                    month=month,
                    region_id=region,
                    district_id=district,
                    field=field,
                    category_id=category,
                    **{name: values.get(name, 0) for name in COUNT_COLUMNS},
                )
                for (region, district, field, category), values in figures.items()
                if any(values.values())
            ],
            batch_size=500,
        )
        FunnelSnapshot.objects.bulk_create(
            [FunnelSnapshot(batch=batch, **values) for values in funnel], batch_size=500
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # a later write in this same transaction marks again
                cursor.execute("SELECT set_config('coverage.marked', '', true)")
        if marks:
            CoverageChange.objects.filter(pk__in=marks).delete()
            SnapshotBatch.objects.exclude(pk=batch.pk).filter(stale=False).update(stale=True)
        batch.month = month
        batch.computed_at = timezone.now()
        batch.stale = False
        batch.version += 1
        first = Organisation.objects.aggregate(first=Min("created_at"))["first"]
        batch.complete_from = timezone.localdate(first) if first else None
        batch.seconds = round(time.perf_counter() - started, 3)
        batch.save()
        return batch


def newest_change() -> int | None:
    """The newest change mark waiting (None: the newest figures counted every change)."""
    return CoverageChange.objects.order_by("-pk").values_list("pk", flat=True).first()


def is_current(batch: SnapshotBatch | None, as_of: dt.date, *, mark: int | None | bool = False) -> bool:
    """Whether a batch holds the figures as of the day as the data stands now (`mark`: newest_change(), when
    the caller has it already)."""
    if batch is None or batch.as_of != as_of or batch.stale:
        return False
    return (newest_change() if mark is False else mark) is None


@dataclass
class PageFigures:
    """The figures a page shows: the batch (None while a day's first figures are being computed), whether it
    equals the data now, and whether a refresh is under way in the worker."""

    batch: SnapshotBatch | None
    as_of: dt.date
    current: bool
    refreshing: bool = False


def _computes_quickly() -> bool:
    """Whether the figures are cheap enough to compute inside a request (the last computation's time)."""
    seconds = SnapshotBatch.objects.order_by("-computed_at").values_list("seconds", flat=True).first()
    return seconds is None or seconds * 1000 <= settings.COVERAGE_INLINE_MS


def figures_for_page(as_of: dt.date, *, today: dt.date | None = None) -> PageFigures:
    """The figures a page shows as of a day, current whenever that is cheap.

    Current figures are shown as they are. Out-of-date ones are recomputed here when the last computation was
    quick (COVERAGE_INLINE_MS) or when there are none to show and no worker to ask; otherwise the
    refresh goes to the worker and the page shows the figures it has (today: the newest of any day), saying
    how old they are.
    """
    today = today or timezone.localdate()
    as_of = min(as_of, today)
    if as_of == today:
        batch = SnapshotBatch.objects.filter(as_of__lte=today).order_by("-as_of").first()
    else:
        batch = SnapshotBatch.objects.filter(as_of=as_of).first()
    mark = newest_change()
    if is_current(batch, as_of, mark=mark):
        return PageFigures(batch=batch, as_of=as_of, current=True)
    no_worker = tasks_in_process()
    if _computes_quickly() or (batch is None and no_worker):
        try:
            return PageFigures(batch=snapshot_compute(as_of=as_of, wait=False), as_of=as_of, current=True)
        except ComputeBusy:  # another request or the worker is at it: show what there is
            return PageFigures(batch=batch, as_of=as_of, current=False, refreshing=True)
    refreshing = snapshot_refresh_enqueue(as_of, mark=mark)
    return PageFigures(batch=batch, as_of=as_of, current=False, refreshing=refreshing)


def tasks_in_process() -> bool:
    """Whether tasks run inside the process that sends them (no broker: a laptop, the tests), as Celery is
    configured now."""
    from federation.celery import app

    return bool(app.conf.task_always_eager)


def snapshot_refresh_enqueue(as_of: dt.date, *, mark: int | None = None, force: bool = False) -> bool:
    """Ask the worker to bring a day's figures up to date; return whether a worker was asked. Pages ask once
    per day and newest change mark (a minute at most), however many show the same out-of-date figures. With
    no broker (tasks run in-process) nothing is enqueued: the task would run inside the request; the page
    offers the refresh button instead."""
    if tasks_in_process():
        return False
    if not cache.add(f"coverage:refresh-enqueued:{as_of.isoformat()}:{mark}", True, timeout=60) and not force:
        return True
    from coverage.tasks import snapshot_refresh

    def enqueue() -> None:
        try:
            snapshot_refresh.delay(as_of.isoformat())
        except Exception:  # the broker is down: the page shows the figures it has; the periodic job retries
            log.warning("could not enqueue the coverage refresh")

    transaction.on_commit(enqueue)
    return True


def snapshot_refresh(*, as_of: dt.date | None = None, today: dt.date | None = None) -> str:
    """Recompute a day's figures (default today) when they are missing or out of date; "kept" otherwise."""
    today = today or timezone.localdate()
    as_of = min(as_of or today, today)
    if is_current(SnapshotBatch.objects.filter(as_of=as_of).first(), as_of):
        return "kept"
    snapshot_compute(as_of=as_of)
    return "computed"


def snapshot_month(*, month: dt.date, today: dt.date | None = None) -> SnapshotBatch:
    """Recompute a month's figures (as of its last day, or today for the month under way)."""
    return snapshot_compute(as_of=month_day(month_start(month), today=today))


def snapshots_monthly(*, today: dt.date | None = None) -> dict[str, str]:
    """The periodic job: last month's final figures once (kept when already there), today's when out of date."""
    today = today or timezone.localdate()
    previous = month_start(month_start(today) - dt.timedelta(days=1))
    done: dict[str, str] = {}
    last_day = month_end(previous)
    if not SnapshotBatch.objects.filter(as_of=last_day).exists():
        snapshot_compute(as_of=last_day)
        done[last_day.isoformat()] = "computed"
    else:
        done[last_day.isoformat()] = "kept"
    done[today.isoformat()] = snapshot_refresh(today=today)
    return done
