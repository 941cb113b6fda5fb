"""Reads of the coverage figures, always given the acting user: sums over a snapshot's rows in their area."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet, Sum
from django.urls import reverse

from branches.models import Category, SanxinField, Stage
from coverage.models import CoverageSnapshot, FunnelSnapshot, SnapshotBatch
from coverage.services import COUNT_COLUMNS, STAGE_COLUMNS, month_end, month_start
from federation import access
from federation.models import Region, User

SUMS = {name: Sum(name) for name in COUNT_COLUMNS}
TREND_MONTHS = 12


def rate(part: int | None, whole: int | None) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return round((part or 0) * 100 / whole, 1) if whole else None


def rows_for(user: User, batch: SnapshotBatch) -> QuerySet[CoverageSnapshot]:
    """The snapshot rows in the user's area."""
    if not access.has(user, "coverage.view"):
        return CoverageSnapshot.objects.none()
    return access.scope(user, CoverageSnapshot.objects.filter(batch=batch), "region")


def newest_batch_stamp() -> tuple[int, dt.datetime, int] | None:
    """The newest snapshot's id, time and version: a dashboard's trends change when they do."""
    return SnapshotBatch.objects.order_by("-computed_at").values_list("pk", "computed_at", "version").first()


def sees_all_districts(user: User) -> bool:
    """City staff and admins see (and compare) every district."""
    root = access.scope_region(user)
    return root is None or root.level in (Region.Level.CITY, Region.Level.PROVINCE)


@dataclass
class Figure:
    """One line of a breakdown: its label, its counts, its rates and the ledger filters that reproduce it.

    Each count is also an attribute (figure.covered): templates read them without a lookup that fails first.
    """

    label: str
    counts: dict[str, int]
    params: dict[str, Any] = field(default_factory=dict)  # ledger filters of the line (district=…, field=…)
    linked: bool = True
    links: dict[str, str] = field(init=False, default_factory=dict, repr=False, compare=False)  # figure_links

    def __post_init__(self) -> None:
        counts = {name: self.counts.get(name) or 0 for name in COUNT_COLUMNS}
        for name, value in counts.items():
            setattr(self, name, value)
        self.uncovered = counts["denominator"] - counts["covered"]
        self.rate = rate(counts["covered"], counts["denominator"])
        self.party_rate = rate(counts["party_covered"], counts["party"])
        self.contact_rate = rate(counts["contact_kept"], counts["denominator"])
        self.served_rate = rate(counts["served"], counts["denominator"])


LINKS = {
    "denominator": {"coverage": "target"},
    "covered": {"coverage": "covered"},
    "uncovered": {"coverage": "uncovered"},
    "party": {"coverage": "target", "party_org": "yes"},
    "party_covered": {"coverage": "covered", "party_org": "yes"},
    "contact_kept": {"coverage": "contact_kept"},
}


def ledger_link(as_of: dt.date, params: dict[str, Any], **extra: Any) -> str:
    """The ledger list narrowed to exactly the organisations a figure counts."""
    query = {"status": "all", "as_of": as_of.isoformat(), **params, **extra}
    return (
        reverse("branches:organisation_list") + "?" + urlencode({k: v for k, v in query.items() if v != ""})
    )


def figure_links(figures: list[Figure], as_of: dt.date) -> None:
    """Attach to every figure the ledger links that reproduce its counts (one URL built per figure)."""
    base = ledger_link(as_of, {})
    for figure in figures:
        if not figure.linked:
            figure.links = {}
            continue
        prefix = base + ("&" + urlencode(figure.params) if figure.params else "")
        figure.links = {name: prefix + "&" + urlencode(extra) for name, extra in LINKS.items()}


def counts_of(row: dict[str, Any]) -> dict[str, int]:
    return {name: row.get(name) or 0 for name in COUNT_COLUMNS}


def _summed(into: dict[Any, dict[str, int]], key: Any, row: dict[str, Any]) -> None:
    counts = into.get(key)
    if counts is None:
        into[key] = counts = dict.fromkeys(COUNT_COLUMNS, 0)
    for name in COUNT_COLUMNS:
        counts[name] += row[name]


def dashboard_figures(user: User, batch: SnapshotBatch) -> dict[str, Any]:
    """The headline, each breakdown, the stages, the funnel: what the dashboard and the report show.

    The batch's rows in the user's area are read once (a few hundred) and summed here per breakdown.
    """
    rows = list(
        rows_for(user, batch).values("region_id", "district_id", "field", "category_id", *COUNT_COLUMNS)
    )
    headline: dict[str, int] = dict.fromkeys(COUNT_COLUMNS, 0)
    fields: dict[str, dict] = {}
    districts: dict[int, dict] = {}
    streets: dict[int, dict] = {}
    categories: dict[int, dict] = {}
    for row in rows:
        if row["category_id"] is not None:
            _summed(categories, row["category_id"], row)
            continue
        for name in COUNT_COLUMNS:
            headline[name] += row[name]
        _summed(fields, row["field"], row)
        _summed(districts, row["district_id"], row)
        _summed(streets, row["region_id"], row)
    regions = {
        region["pk"]: region
        for region in Region.objects.filter(pk__in={*districts, *streets}).values(
            "pk", "name", "level", "code"
        )
    }
    labels = dict(SanxinField.choices)
    by_field = [
        Figure(str(labels[value]), fields[value], {"field": value})
        for value in SanxinField.values
        if value in fields
    ]
    by_category = [
        Figure(category["name"], categories[category["pk"]], {"category": category["pk"]}, category["active"])
        for category in Category.objects.filter(pk__in=categories)
        .order_by("order", "name")
        .values("pk", "name", "active")
    ]
    by_district = [
        Figure(regions[pk]["name"], counts, {"district": pk})
        for pk, counts in sorted(districts.items(), key=lambda item: regions[item[0]]["code"])
    ]
    by_street = []
    for pk, counts in sorted(streets.items(), key=lambda item: regions[item[0]]["code"]):
        street = regions[pk]["level"] == Region.Level.STREET
        # a district's own organisations (no street) are a line named after the district, not linked
        by_street.append(Figure(regions[pk]["name"], counts, {"street": pk}, linked=street))
    stage_labels = dict(Stage.choices)
    stages = [
        {"stage": stage, "label": stage_labels[stage], "count": headline[column]}
        for stage, column in STAGE_COLUMNS.items()
    ]
    return {
        "headline": Figure(label="", counts=headline),
        "by_field": by_field,
        "by_category": by_category,
        "by_district": by_district,
        "by_street": by_street,
        "stages": stages,
        "funnel": funnel_for(user, batch),
        "all_districts": sees_all_districts(user),
    }


def funnel_for(user: User, batch: SnapshotBatch) -> dict[str, Any]:
    """The formation funnel in the user's area: runs waiting per step, median days, the slowest places."""
    if not access.has(user, "coverage.view"):
        return {"steps": [], "slowest": []}
    funnel = FunnelSnapshot.objects.filter(batch=batch)
    everything = sees_all_districts(user)
    # one read: the totals (no district) and the rows of the districts in the user's area
    rows = list(
        (funnel.filter(district__isnull=True) | access.scope(user, funnel, "district")).values(
            "step_code", "step_title", "step_order", "district_id", "district__name", "field", "waiting",
            "approved", "median_days",
        )
    )  # fmt: skip
    if everything:
        step_rows = [row for row in rows if row["district_id"] is None and row["field"] == ""]
    else:  # a district's own figures
        step_rows = [row for row in rows if row["district_id"] is not None and row["field"] == ""]
    slowest = sorted(
        (
            row
            for row in rows
            if row["district_id"] is not None and row["field"] and row["median_days"] is not None
        ),
        key=lambda row: (-(row["median_days"] or 0), row["step_order"]),
    )[:8]
    labels = dict(SanxinField.choices)
    return {
        "steps": [
            {
                "code": row["step_code"],
                "title": row["step_title"],
                "waiting": row["waiting"],
                "approved": row["approved"],
                "median_days": row["median_days"],
            }
            for row in sorted(step_rows, key=lambda r: (r["step_order"], r["step_code"]))
        ],
        "slowest": [
            {
                "title": row["step_title"],
                "district": row["district__name"],
                "field": labels.get(row["field"], row["field"]),
                "median_days": row["median_days"],
                "approved": row["approved"],
            }
            for row in slowest
        ],
    }


def trend_days(today: dt.date, months: int = TREND_MONTHS) -> list[dt.date]:
    """The as-of days of the trend: each past month's last day, then today."""
    days, month = [], month_start(today)
    for _ in range(months - 1):
        month = month_start(month - dt.timedelta(days=1))
        days.append(month_end(month))
    return [*reversed(days), today]


def trends_for(user: User, today: dt.date) -> dict[str, Any]:
    """Coverage rates month by month, per field and per district, from the snapshots that exist."""
    if not access.has(user, "coverage.view"):
        return {"months": [], "fields": [], "districts": []}
    days = trend_days(today)
    rows = access.scope(
        user,
        CoverageSnapshot.objects.filter(batch__as_of__in=days, category__isnull=True),
        "region",
    )
    grouped = list(
        rows.values("batch__as_of", "field", "district__name", "district__code")
        .annotate(d=Sum("denominator"), c=Sum("covered"))
        .order_by()
    )
    # one read grouped by day, field and district; summed here both ways
    sums: dict[tuple, list[int]] = {}
    for row in grouped:
        for group in (("field", row["field"]), ("district", row["district__code"], row["district__name"])):
            pair = sums.setdefault((*group, row["batch__as_of"]), [0, 0])
            pair[0] += row["c"] or 0
            pair[1] += row["d"] or 0
    present = sorted({row["batch__as_of"] for row in grouped})
    labels = dict(SanxinField.choices)
    fields: dict[str, dict[dt.date, float | None]] = {}
    districts: dict[tuple[str, str], dict[dt.date, float | None]] = {}
    for (kind, *key, day), (covered, counted) in sums.items():
        if kind == "field":
            fields.setdefault(key[0], {})[day] = rate(covered, counted)
        else:
            districts.setdefault(tuple(key), {})[day] = rate(covered, counted)
    return {
        "months": [day.strftime("%Y-%m") for day in present],
        "fields": [
            {"name": str(labels.get(value, value)), "rates": [fields[value].get(day) for day in present]}
            for value in SanxinField.values
            if value in fields
        ],
        "districts": [
            {"name": name, "rates": [values.get(day) for day in present]}
            for (_code, name), values in sorted(districts.items())
        ],
    }
