"""Reads of services, recognitions and alliances, always given the acting user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from activities.models import Activity, Alliance, Partner, Recognition
from branches.models import Organisation
from federation import access
from federation.models import FederationUnit, User


def activities_for(user: User) -> QuerySet[Activity]:
    """The services recorded in the user's area."""
    if not access.has(user, "work.view"):
        return Activity.objects.none()
    return access.scope(user, Activity.objects.all())


def recognitions_for(user: User) -> QuerySet[Recognition]:
    """The recognitions in the user's area."""
    if not access.has(user, "work.view"):
        return Recognition.objects.none()
    return access.scope(user, Recognition.objects.all())


def alliances_for(user: User) -> QuerySet[Alliance]:
    """The alliances in the user's area."""
    if not access.has(user, "work.view"):
        return Alliance.objects.none()
    return access.scope(user, Alliance.objects.all())


def organisations_choosable(user: User) -> QuerySet[Organisation]:
    """The organisations the user may attach to a service, an alliance or a recognition (in their area,
    not archived)."""
    if not access.has(user, "work.edit"):
        return Organisation.objects.none()
    return access.scope(user, Organisation.objects.filter(archived_at__isnull=True)).order_by(
        "sort_key", "id"
    )


def units_choosable(user: User) -> QuerySet[FederationUnit]:
    """The federation units in the user's area (their own and those below it)."""
    if not access.has(user, "work.view"):
        return FederationUnit.objects.none()
    return access.scope(user, FederationUnit.objects.select_related("region"))


def partners_choosable() -> QuerySet[Partner]:
    """Partners shared by the whole city (a company or association serves several districts)."""
    return Partner.objects.filter(active=True).order_by("name")


def activity_search(*, user: User, filters: dict[str, Any]) -> QuerySet[Activity]:
    """The services narrowed by the list's filters (cleaned), newest first."""
    activities = activities_for(user)
    if filters.get("type"):
        activities = activities.filter(type=filters["type"])
    if filters.get("start"):
        activities = activities.filter(date__gte=filters["start"])
    if filters.get("end"):
        activities = activities.filter(date__lte=filters["end"])
    if filters.get("district"):
        activities = activities.filter(region__path__startswith=filters["district"].path)
    if filters.get("organisation"):
        activities = activities.filter(organisations=filters["organisation"])
    if filters.get("partner"):
        activities = activities.filter(partners=filters["partner"])
    return activities.order_by("-date", "-id")


def activity_list_rows(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Services with what a line of the list shows: type, unit, region, organisations by name, partners and
    the number of photos, each read once for the page."""
    return (
        activities.select_related("type", "unit", "region")
        .prefetch_related(
            Prefetch("organisations", queryset=Organisation.objects.only("pk", "name").order_by("sort_key")),
            "partners",
        )
        .annotate(photo_count=Count("photos"))
    )


def activity_versions(activity: Activity, limit: int = 20) -> QuerySet:
    """A service's last saved versions, newest first, each with who saved it."""
    return activity.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit]


def recognition_search(*, user: User, filters: dict[str, Any]) -> QuerySet[Recognition]:
    """The recognitions narrowed by the list's filters (cleaned), newest year first."""
    recognitions = recognitions_for(user)
    if filters.get("year"):
        recognitions = recognitions.filter(year=filters["year"])
    if filters.get("title"):
        recognitions = recognitions.filter(title=filters["title"])
    if filters.get("kind"):
        recognitions = recognitions.filter(kind=filters["kind"])
    if filters.get("district"):
        recognitions = recognitions.filter(region__path__startswith=filters["district"].path)
    return recognitions.order_by("-year", "-id")


def recognition_list_rows(recognitions: QuerySet[Recognition]) -> QuerySet[Recognition]:
    """Recognitions with what a line of the list shows: title, organisation, region."""
    return recognitions.select_related("title", "organisation", "region")


def alliance_list_rows(user: User) -> QuerySet[Alliance]:
    """The alliances in the user's area with their lead, women's organisation, region and number of members."""
    return (
        alliances_for(user)
        .select_related("lead", "branch", "region")
        .annotate(member_count=Count("members", distinct=True))
    )


def alliance_recent_activities(alliance: Alliance, limit: int = 20) -> QuerySet[Activity]:
    """The latest services an alliance took part in, with their type."""
    return alliance.activities.select_related("type").order_by("-date", "-id")[:limit]


def organisations_served(start: dt.date, end: dt.date, user: User | None = None) -> QuerySet:
    """Work coverage: the ids of the organisations a service reached between start and end (inclusive),
    directly or through an alliance it served; within the user's area when a user is given."""
    activities = Activity.objects.filter(date__gte=start, date__lte=end)
    organisations = Organisation.objects.all()
    if user is not None:
        activities = activities.filter(pk__in=activities_for(user).values("pk"))
        organisations = access.scope(user, organisations)
    direct = Activity.organisations.through.objects.filter(activity__in=activities).values("organisation_id")
    through_alliances = Alliance.members.through.objects.filter(alliance__activities__in=activities).values(
        "organisation_id"
    )
    return (
        organisations.filter(Q(pk__in=direct) | Q(pk__in=through_alliances))
        .order_by()
        .values_list("pk", flat=True)
    )
