"""Services, recognitions and alliances follow the organisations they name, when these move or are merged.

Each keeps a region that scoping reads (the smallest division holding the organisations it names): when an
organisation moves, that region is worked out again; when a record is merged, the duplicate's place in them
goes to the record kept.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Q

from branches.models import HISTORY_REASON_LENGTH, Organisation
from branches.services.follow import chunks, common_path, region_ids_by_path, regions_set
from federation.models import User

from .models import Activity, Alliance, Recognition


def _paths(organisation_ids: set[int]) -> dict[int, str]:
    paths: dict[int, str] = {}
    for chunk in chunks(organisation_ids):
        paths.update(Organisation.objects.filter(pk__in=chunk).values_list("pk", "region__path"))
    return paths


def _common_places(named: dict[int, set[int]]) -> dict[int, int]:
    """row pk → the region id of the smallest division holding every organisation it names (rows whose
    organisations share none keep theirs)."""
    paths = _paths({pk for ids in named.values() for pk in ids})
    common = {row: common_path(paths[pk] for pk in ids if pk in paths) for row, ids in named.items()}
    regions = region_ids_by_path(common.values())
    return {row: regions[path] for row, path in common.items() if path in regions}


def activities_follow_moves(*, ids: list[int], by: User | None, reason: str) -> None:
    """Work out again the region of the services, recognitions and alliances naming moved organisations."""
    served: dict[int, set[int]] = defaultdict(set)
    through = Activity.organisations.through
    for chunk in chunks(ids):
        activities = through.objects.filter(organisation_id__in=chunk).values_list("activity_id", flat=True)
        for activity, organisation in through.objects.filter(activity_id__in=activities).values_list(
            "activity_id", "organisation_id"
        ):
            served[activity].add(organisation)
    regions_set(Activity, _common_places(served), by=by, reason=reason)

    recognitions: dict[int, int] = {}
    for chunk in chunks(ids):
        recognitions.update(
            Recognition.objects.filter(organisation_id__in=chunk).values_list("pk", "organisation__region_id")
        )
    regions_set(Recognition, recognitions, by=by, reason=reason)

    members: dict[int, set[int]] = defaultdict(set)
    links = Alliance.members.through
    for chunk in chunks(ids):
        alliances = set(links.objects.filter(organisation_id__in=chunk).values_list("alliance_id", flat=True))
        alliances |= set(Alliance.objects.filter(lead_id__in=chunk).values_list("pk", flat=True))
        for alliance, lead in Alliance.objects.filter(pk__in=alliances).values_list("pk", "lead_id"):
            members[alliance].add(lead)
        for alliance, organisation in links.objects.filter(alliance_id__in=alliances).values_list(
            "alliance_id", "organisation_id"
        ):
            members[alliance].add(organisation)
    regions_set(Alliance, _common_places(members), by=by, reason=reason)


def _links_move(through, owner: str, *, keep: Organisation, duplicate: Organisation) -> set[int]:
    """Replace the duplicate by the record kept in a many-to-many table; returns the owners touched."""
    owners = set(through.objects.filter(organisation=duplicate).values_list(owner, flat=True))
    has_keep = set(
        through.objects.filter(organisation=keep, **{f"{owner}__in": owners}).values_list(owner, flat=True)
    )
    through.objects.filter(organisation=duplicate).delete()
    through.objects.bulk_create(
        [through(organisation=keep, **{owner: pk}) for pk in sorted(owners - has_keep)]
    )
    return owners


def activities_follow_merge(
    *, keep: Organisation, duplicate: Organisation, by: User, reason: str
) -> dict[str, Any]:
    """Services, recognitions and alliance memberships of the duplicate go to the record kept."""
    activities = _links_move(Activity.organisations.through, "activity_id", keep=keep, duplicate=duplicate)
    members = _links_move(Alliance.members.through, "alliance_id", keep=keep, duplicate=duplicate)
    led = set(Alliance.objects.filter(lead=duplicate).values_list("pk", flat=True))
    for alliance in Alliance.objects.filter(pk__in=led):
        alliance.lead = keep
        alliance._history_user = by
        alliance._change_reason = reason[:HISTORY_REASON_LENGTH]
        alliance.save(update_fields=["lead", "updated_at"])
    recognitions = list(Recognition.objects.filter(organisation=duplicate))
    for recognition in recognitions:
        recognition.organisation = keep
        recognition._history_user = by
        recognition._change_reason = reason[:HISTORY_REASON_LENGTH]
        recognition.save(update_fields=["organisation"])
    # Their regions follow the kept record's place: organisations_moved, once every app has moved its rows.
    changes = {}
    for name, count in (
        ("services", len(activities)),
        ("alliances", len(members | led)),
        ("recognitions", len(recognitions)),
    ):
        if count:
            changes[name] = [0, count]
    return changes


def activities_count(organisation: Organisation) -> int:
    return Activity.objects.filter(organisations=organisation).count()


def recognitions_count(organisation: Organisation) -> int:
    return Recognition.objects.filter(organisation=organisation).count()


def alliances_count(organisation: Organisation) -> int:
    return Alliance.objects.filter(Q(lead=organisation) | Q(members=organisation)).distinct().count()
