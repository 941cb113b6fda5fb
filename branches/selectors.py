"""Reads of the ledger, always given the acting user."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    Expression,
    F,
    Field,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

from branches.models import (
    Branch,
    Category,
    ContactLog,
    DuplicateDecision,
    Liaison,
    Organisation,
    StageChange,
)
from branches.names import name_core, name_normalise, query_grams
from branches.registers import TemplateArea
from federation import access
from federation.fieldcrypt import digest_filter
from federation.identifiers import uscc_normalise
from federation.models import Region, User
from federation.pagination import KeysetPage, keyset_page

USCC_PREFIX = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{4,18}$")
USCC_SHAPE = re.compile(r"[0-9A-Z]{18}")
# A whole phone number as typed: digits with spaces, dashes, brackets or a +86 (a part of a number finds nothing).
PHONE_QUERY = re.compile(r"[+＋]?[0-9０-９][0-9０-９ \-－()（）]{6,18}[0-9０-９]")

# sort name → keys (field or annotation, descending) for ordering and keyset pagination; the last is unique
SORTS: dict[str, list[tuple[str, bool]]] = {
    "name": [("sort_key", False), ("id", False)],
    "-updated": [("updated_at", True), ("id", True)],
    "-women": [("women_sort", True), ("id", True)],
    "-employees": [("employees_sort", True), ("id", True)],
}


def organisations_for(user: User) -> QuerySet[Organisation]:
    """The organisations in the user's area (all of them, archived included)."""
    if not access.has(user, "ledger.view"):
        return Organisation.objects.none()
    return access.scope(user, Organisation.objects.all())


def regions_for(user: User, level: str | tuple[str, ...]) -> QuerySet[Region]:
    """Districts or streets (or both: a tuple of levels) inside the user's area, for choices and filters."""
    regions = (
        Region.objects.filter(level__in=level)
        if isinstance(level, tuple)
        else Region.objects.filter(level=level)
    )
    root = access.scope_region(user) if access.has(user, "ledger.view") else None
    if root is not None:
        regions = regions.filter(path__startswith=root.path)
    elif not access.has(user, "ledger.view"):
        return Region.objects.none()
    return regions.order_by("code")


class _HoldsGrams(Func):
    """PostgreSQL: `string_to_array(search_grams, ' ') @> ARRAY[<bigrams>]`, answered by the GIN index
    organisation_search_grams (branches migration 0005)."""

    output_field = BooleanField()

    def __init__(self, expression: F | Expression | str, grams: list[str]) -> None:
        super().__init__(expression)
        self.grams = grams

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"string_to_array({sql}, ' ') @> %s::text[]", (*params, self.grams)


def search_condition(query: str) -> Q:
    """Name (two characters are enough), former names, pinyin initials or credit code; or a phone number: the
    organisations whose contact or liaison has it (found by its keyed digest: the numbers are stored encrypted)."""
    query = query.strip()
    normalised = name_normalise(query)
    condition = Q()
    if normalised:
        condition = Q(search_text__contains=normalised)
        grams = query_grams(normalised)
        if grams and connection.vendor == "postgresql":
            # The index finds the rows holding every bigram of the query; `contains` then keeps those that
            # hold them in the query's order. Same rows as `contains` alone (see names.search_grams).
            condition = Q(_HoldsGrams(F("search_grams"), grams)) & condition
    code = uscc_normalise(query)
    if USCC_PREFIX.match(code):
        condition |= Q(uscc__startswith=code)
    if PHONE_QUERY.fullmatch(query):
        liaisons = Liaison.objects.filter(digest_filter(Liaison, "mobile_digest", query))
        condition |= digest_filter(Organisation, "contact_mobile_digest", query) | Q(
            pk__in=liaisons.values("organisation_id")
        )
    return condition


def organisation_search(*, user: User, filters: dict[str, Any]) -> QuerySet[Organisation]:
    """The ledger narrowed by a filter form's cleaned data; the order is the chosen sort."""
    organisations = organisations_for(user)
    status = filters.get("status") or "active"
    if status == "active":
        organisations = organisations.filter(archived_at__isnull=True)
    elif status == "archived":
        organisations = organisations.filter(archived_at__isnull=False)
    if filters.get("q"):
        organisations = organisations.filter(search_condition(filters["q"]))
    for name in ("field", "unit_type"):
        if filters.get(name):
            organisations = organisations.filter(**{name: filters[name]})
    if filters.get("category"):
        organisations = organisations.filter(categories=filters["category"])
    if filters.get("district"):
        organisations = organisations.filter(district=filters["district"])
    if filters.get("street"):
        organisations = organisations.filter(region=filters["street"])
    for name in ("party_org", "trade_union"):
        value = filters.get(name)
        if value == "yes":
            organisations = organisations.filter(**{name: True})
        elif value == "no":
            organisations = organisations.filter(**{name: False})
        elif value == "unknown":
            organisations = organisations.filter(**{f"{name}__isnull": True})
    if filters.get("in_scope") == "yes":
        organisations = organisations.filter(in_scope=True)
    elif filters.get("in_scope") == "no":
        organisations = organisations.filter(in_scope=False)
    if filters.get("coverage"):
        organisations = organisations.filter(coverage_filter(filters))
    if filters.get("stage"):
        day = filters.get("as_of") or timezone.localdate()
        organisations = organisations.alias(stage_then=stage_on(day)).filter(stage_then=filters["stage"])
    if filters.get("not_in_latest"):
        organisations = organisations.filter(presences__in_latest=False).distinct()
    if filters.get("source"):
        organisations = organisations.filter(presences__source=filters["source"])
    keys = sort_keys(filters.get("sort"))
    if keys[0][0] in {"women_sort", "employees_sort"}:
        # Unknown counts sort after every known one, the same way on PostgreSQL and SQLite.
        column = keys[0][0].removesuffix("_sort")
        organisations = organisations.annotate(**{keys[0][0]: Coalesce(column, Value(-1))})
    return organisations.order_by(*[("-" if descending else "") + name for name, descending in keys])


def sort_keys(sort: str | None) -> list[tuple[str, bool]]:
    """The keys of a sort (the default is the name in pinyin order)."""
    return SORTS.get(sort or "name", SORTS["name"])


def duplicate_candidates_for(user: User, limit: int = 200) -> list[tuple[Organisation, Organisation, str]]:
    """Pairs of active records in the user's area that look like one organisation, minus pairs decided apart.

    Same normalised name (spelling variants, traditional characters, 有限责任公司/有限公司) or one's name
    among the other's former names.
    """
    from django.db.models import Count

    active = organisations_for(user).filter(archived_at__isnull=True)
    names = (
        active.values("name_normalised")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("name_normalised")
        .values_list("name_normalised", flat=True)[:limit]
    )
    groups: dict[str, list[Organisation]] = {}
    for organisation in active.filter(name_normalised__in=list(names)).select_related("district", "region"):
        groups.setdefault(organisation.name_normalised, []).append(organisation)
    decided = set(DuplicateDecision.objects.values_list("first_id", "second_id"))
    pairs = []
    for group in groups.values():
        group.sort(key=lambda o: o.pk)
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                if (first.pk, second.pk) in decided:
                    continue
                if first.uscc and second.uscc and first.uscc != second.uscc:
                    continue  # two credit codes: two organisations, however alike the names
                pairs.append((first, second, "name"))
    return pairs[:limit]


# A near name is found by its distinctive part (see names.name_core): shorter ones would match half the ledger.
NEAR_NAME_MIN_LENGTH = 3
LOOKALIKES_READ = 50
LOOKALIKES_SHOWN = 10


@dataclass
class Lookalikes:
    """Records that may be the organisation being saved: those the user may see, each with why it looks
    alike ("code", "name" or "near"), and how many more lie outside the user's area (not named)."""

    items: list[dict] = field(default_factory=list)
    outside: int = 0
    more: bool = False

    def __bool__(self) -> bool:
        return bool(self.items or self.outside)


def organisation_lookalikes(
    *, user: User, name: str, uscc: str = "", exclude: Organisation | None = None
) -> Lookalikes:
    """Records with the same credit code, the same normalised name (traditional characters, full width,
    有限责任公司/有限公司 …), or a near name (the distinctive part of one name inside the other's names,
    former names included). Merged records are left out, and so is a pair already decided to be different.
    Two queries (three when editing), whatever the ledger holds."""
    normalised = name_normalise(name or "")[:200]
    code = uscc_normalise(uscc or "")
    if not USCC_SHAPE.fullmatch(code):
        code = ""  # only a whole code can be the same code (and nothing else reaches the query)
    condition = Q()
    if normalised:
        condition |= Q(name_normalised=normalised)
    if code:
        condition |= Q(uscc=code)
    core = name_core(normalised, Region.objects.values_list("name", flat=True)) if normalised else ""
    if len(core) >= NEAR_NAME_MIN_LENGTH:
        near = Q(search_text__contains=core)
        grams = query_grams(core)
        if grams and connection.vendor == "postgresql":
            near = Q(_HoldsGrams(F("search_grams"), grams)) & near
        condition |= near
    if not condition:
        return Lookalikes()
    whens = [When(uscc=code, then=Value(0))] if code else []
    rank = Case(
        *whens, When(name_normalised=normalised, then=Value(1)), default=Value(2), output_field=IntegerField()
    )
    found = Organisation.objects.filter(condition, merged_into__isnull=True)
    if exclude is not None and exclude.pk:
        decided = DuplicateDecision.objects.filter(Q(first=exclude) | Q(second=exclude))
        apart = {pk for pair in decided.values_list("first_id", "second_id") for pk in pair}
        found = found.exclude(pk__in=apart | {exclude.pk})
    rows = list(
        found.annotate(rank=rank)
        .select_related("region", "district")
        .order_by("rank", "sort_key", "id")[: LOOKALIKES_READ + 1]
    )
    result = Lookalikes(more=len(rows) > LOOKALIKES_READ)
    reasons = {0: "code", 1: "name", 2: "near"}
    for organisation in rows[:LOOKALIKES_READ]:
        if not access.in_region_scope(user, organisation.region):
            result.outside += 1
        elif len(result.items) < LOOKALIKES_SHOWN:
            result.items.append({"organisation": organisation, "reason": reasons[organisation.rank]})
        else:
            result.more = True
    return result


def reminders_upcoming_for(user: User, *, today: dt.date, days: int = 7) -> dict:
    """What the reminder sweep will send about the user's area from today through the next ``days`` days, by
    the day it goes out (see services.reminders.reminders_upcoming). A fixed number of queries."""
    from branches.services.reminders import reminders_upcoming

    if not access.has(user, "ledger.view"):
        return {}
    regions = None
    if access.scope_region(user) is not None:
        regions = list(
            access.scope(user, Region.objects.all(), region_field="pk").values_list("pk", flat=True)
        )
    return reminders_upcoming(today=today, days=days, regions=regions)


def contacts_late_for(user: User, *, today: dt.date) -> QuerySet[Organisation]:
    """The organisations the user is responsible for whose contact cadence is broken (contact was due before
    today), the longest overdue first."""
    return (
        Organisation.objects.filter(
            officer=user, archived_at__isnull=True, in_scope=True, contact_due_on__lt=today
        )
        .select_related("district")
        .order_by("contact_due_on", "id")
    )


def follow_ups_for(user: User, *, today: dt.date) -> QuerySet[ContactLog]:
    """The user's open follow-ups due today or earlier, for the staff home."""
    return (
        ContactLog.objects.filter(
            done=False, next_follow_up__lte=today, organisation__archived_at__isnull=True
        )
        .filter(Q(organisation__officer=user) | Q(organisation__officer__isnull=True, staff=user))
        .select_related("organisation")
        .order_by("next_follow_up", "id")
    )


def contact_sees_organisation(user: User, organisation: Organisation) -> bool:
    """An organisation's contact sees their own organisation (through an active liaison with their login)."""
    return organisation.liaisons.filter(user=user, active=True).exists()


def branches_for(user: User) -> QuerySet[Branch]:
    """The women's organisations in the user's area."""
    if not access.has(user, "ledger.view"):
        return Branch.objects.none()
    return access.scope(user, Branch.objects.all())


# --- Coverage "as of" a day: the definitions the coverage dashboards count with and the ledger filters by ------


def day_end(day: dt.date) -> dt.datetime:
    """The first instant after a local day (timestamps before it happened on or before the day)."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def active_on(day: dt.date) -> Q:
    """Organisations that existed on that day as the ledger knows: founded or registered on or before it (when
    the date is known; else entered in the ledger by then) and not archived on or before it."""
    end = day_end(day)
    existed = Q(founded_on__lte=day) | Q(founded_on__isnull=True, created_at__lt=end)
    return existed & (Q(archived_at__isnull=True) | Q(archived_at__gte=end))


def coverage_target(day: dt.date) -> Q:
    """The coverage denominator on that day: active, in scope, with women (employees or members)."""
    return active_on(day) & Q(in_scope=True, women__gt=0)


def branch_standing_on(day: dt.date, prefix: str = "") -> Q:
    """Women's organisations established on or before the day (unknown date: recorded by then) and not
    dissolved by it."""
    p = prefix
    return (
        Q(**{f"{p}established_on__lte": day})
        | Q(**{f"{p}established_on__isnull": True, f"{p}created_at__lt": day_end(day)})
    ) & (Q(**{f"{p}dissolved_on__isnull": True}) | Q(**{f"{p}dissolved_on__gt": day}))


def covered_on(day: dt.date) -> Q:
    """Organisations covered on that day, by any way of forming: the organisation a standing women's
    organisation is set up in, or one it covers (an industry- or area-wide one covers many)."""
    hosts = Branch.objects.filter(branch_standing_on(day), organisation=OuterRef("pk"))
    covers = Branch.covers.through.objects.filter(
        branch_standing_on(day, "branch__"), organisation=OuterRef("pk")
    )
    return Q(Exists(hosts)) | Q(Exists(covers))


def stage_on(day: dt.date) -> F | Coalesce:
    """An organisation's stage on that day: today its stage; earlier, read back from its stage changes."""
    if day >= timezone.localdate():
        return F("stage")
    end = day_end(day)
    changes = StageChange.objects.filter(organisation=OuterRef("pk"))
    return Coalesce(
        Subquery(changes.filter(at__lt=end).order_by("-at", "-id").values("to_stage")[:1]),
        Subquery(changes.filter(at__gte=end).order_by("at", "id").values("from_stage")[:1]),
        F("stage"),
    )


def contact_kept_on(day: dt.date) -> Q:
    """Contact cadence kept on that day: no contact due, or due on or after the day."""
    return Q(contact_due_on__isnull=True) | Q(contact_due_on__gte=day)


COVERAGE_FILTERS = {
    "target": lambda day: coverage_target(day),
    "covered": lambda day: coverage_target(day) & covered_on(day),
    "uncovered": lambda day: coverage_target(day) & ~covered_on(day),
    "contact_kept": lambda day: coverage_target(day) & contact_kept_on(day),
    "contact_late": lambda day: coverage_target(day) & ~contact_kept_on(day),
}


def coverage_filter(filters: dict[str, Any]) -> Q:
    """The ledger filter a coverage figure links with (target, covered, uncovered …), as of a day."""
    day = filters.get("as_of") or timezone.localdate()
    return COVERAGE_FILTERS[filters["coverage"]](day) if filters.get("coverage") in COVERAGE_FILTERS else Q()


# The list's total stops counting here ("more than 10,000"): an exact count walks every matching row on every
# page, which at 100,000 organisations costs more than the page itself.
TOTAL_CAP = 10_000

# What the list shows and sorts by: not the search columns, provenance or notes (a fifth of the row's bytes).
LIST_COLUMNS = (
    "name", "uscc", "field", "unit_type", "employees", "women", "party_org", "trade_union", "in_scope",
    "archived_at", "sort_key", "updated_at", "region_id", "district_id",
)  # fmt: skip


class _CappedCount(Subquery):
    """The number of rows of a query sliced to at most TOTAL_CAP + 1 rows, as a scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()


@dataclass
class LedgerPage:
    """A page of the ledger list, with the number of matching organisations counted up to `cap`."""

    page: KeysetPage
    total: int
    capped: bool
    cap: int


def organisation_list_page(
    *,
    user: User,
    filters: dict[str, Any],
    places: dict[int, Region],
    after: int | None,
    before: int | None,
    last: bool,
    size: int,
) -> LedgerPage:
    """A page of the ledger as the list shows it: each row with its region, district and labels, and the
    total. ``places``: the regions loaded for the filters already (the area's districts and streets)."""
    matching = organisation_search(user=user, filters=filters)
    capped = matching.order_by().values("pk")[: TOTAL_CAP + 1]
    # The total rides along with the page's rows: the database computes the uncorrelated subquery once.
    organisations = (
        matching.only(*LIST_COLUMNS)
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.order_by("order"), to_attr="category_list")
        )
        .annotate(ledger_total=_CappedCount(capped))
    )
    page = keyset_page(
        organisations, sort_keys(filters.get("sort")), after=after, before=before, last=last, size=size
    )
    # get_<field>_display hashes every translated choice at each call, a quarter of the table's rendering:
    # the labels are looked up once per page instead.
    labels = {
        name: {value: str(label) for value, label in organisation_field(name).flatchoices}
        for name in ("field", "unit_type")
    }
    # The regions are joined to the page's rows here, not in SQL: a search matching thousands of rows would
    # join every one of them before sorting out the fifty shown.
    missing = {pk for o in page.rows for pk in (o.region_id, o.district_id)} - places.keys()
    regions = {**places, **Region.objects.in_bulk(missing)} if missing else places  # a row of another level
    for organisation in page.rows:
        organisation.region = regions[organisation.region_id]
        organisation.district = regions[organisation.district_id]
        organisation.field_label = labels["field"].get(organisation.field, organisation.field)
        organisation.unit_type_label = labels["unit_type"].get(organisation.unit_type, organisation.unit_type)
    if page.rows:
        total = page.rows[0].ledger_total
    elif page.is_first and page.is_last:
        total = 0
    else:  # an empty page past either end of a non-empty list
        total = capped.count()
    return LedgerPage(page=page, total=min(total, TOTAL_CAP), capped=total > TOTAL_CAP, cap=TOTAL_CAP)


def organisation_field(name: str) -> Field:
    field = Organisation._meta.get_field(name)
    assert isinstance(field, Field)  # a column of the organisation, not a relation's other side
    return field


def branch_list_for(user: User, *, filters: dict[str, Any], today: dt.date) -> QuerySet[Branch]:
    """The women's organisations of the user's area not dissolved, narrowed by a BranchFilterForm's filters."""
    branches = branches_for(user).select_related("organisation", "region").filter(dissolved_on__isnull=True)
    if filters.get("form"):
        branches = branches.filter(form=filters["form"])
    if filters.get("stage"):
        branches = branches.filter(stage=filters["stage"])
    if filters.get("district") is not None:
        branches = branches.filter(organisation__district_id=filters["district"])
    if filters.get("term") == "90":
        branches = branches.filter(term_ends_on__gte=today, term_ends_on__lte=today + dt.timedelta(days=90))
    return branches


def contacts_overdue_for(user: User, *, today: dt.date, filters: dict[str, Any]) -> QuerySet[Organisation]:
    """Organisations of the user's area past their contact cadence, narrowed by a district and an officer
    (an id, or "none": those without one)."""
    organisations = organisations_for(user).filter(
        archived_at__isnull=True, in_scope=True, contact_due_on__lt=today
    )
    if filters.get("district") is not None:
        organisations = organisations.filter(district_id=filters["district"])
    if filters.get("officer") == "none":
        organisations = organisations.filter(officer__isnull=True)
    elif filters.get("officer"):
        organisations = organisations.filter(officer_id=int(filters["officer"]))
    return organisations


def follow_ups_overdue_for(user: User, *, today: dt.date) -> QuerySet[ContactLog]:
    """The open follow-ups of the user's area past their date, oldest first."""
    return (
        ContactLog.objects.filter(
            organisation__in=organisations_for(user), done=False, next_follow_up__lt=today,
            organisation__archived_at__isnull=True,
        )
        .select_related("organisation", "staff")
        .order_by("next_follow_up", "id")
    )  # fmt: skip


def template_area_for(user: User) -> TemplateArea:
    """The places the import template's example and notes name: the user's own area (an admin's: the
    installation's first city or county), down to a district and a street; placeholders before any is loaded."""
    root = access.scope_region(user)
    if root is None:
        root = (
            Region.objects.filter(
                level__in=[Region.Level.CITY, Region.Level.DISTRICT], retired_on__isnull=True
            )
            .order_by("level", "path")  # a city before a district
            .first()
        )
    if root is None:
        return TemplateArea()
    live = Region.objects.filter(retired_on__isnull=True).order_by("code")
    while root.level == Region.Level.PROVINCE:  # a province's installation: its first city
        child = live.filter(parent=root).first()
        if child is None:
            return TemplateArea()
        root = child
    city, district, street = None, None, None
    if root.level == Region.Level.CITY:
        city = root
    elif root.level == Region.Level.DISTRICT:
        district = root
    elif root.level == Region.Level.STREET:
        street, district = root, root.parent
    if (
        district is not None
        and city is None
        and district.parent
        and district.parent.level == Region.Level.CITY
    ):
        city = district.parent
    districts = list(live.filter(parent=city, level=Region.Level.DISTRICT)[:3]) if city else []
    district = district or (districts[0] if districts else None)
    streets = list(live.filter(parent=district, level=Region.Level.STREET)[:3]) if district else []
    street = street or (streets[0] if streets else None)
    return TemplateArea(
        city=city.name if city else "",
        district=district.name if district else "××区",
        street=street.name if street else "××街道",
        districts=[region.name for region in districts] or ([district.name] if district else []),
        streets=[region.name for region in streets] or ([street.name] if street else []),
    )
