"""XLSX exports of the services and recognitions lists (the list's filters, a constant number of queries)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import Workbook

from activities.models import Activity, Recognition, RecognitionKind
from federation.downloads import cell_neutralise
from federation.models import DisclosureLog, User
from federation.selectors import area_of
from federation.services import disclosure_record

CHUNK_SIZE = 2000


def _names(items) -> str:
    return "、".join(item.name for item in items)


def _workbook(title: str, headers: list[str], rows) -> tuple[IO[bytes], int]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(headers)
    count = 0
    for row in rows:
        sheet.append([cell_neutralise(value) for value in row])
        count += 1
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle, count


def _chunks(queryset: QuerySet, prepare: Callable[[QuerySet], QuerySet]):
    """The rows in the queryset's order, CHUNK_SIZE at a time, each chunk's related rows prefetched at once."""
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK_SIZE):
        part = ids[start : start + CHUNK_SIZE]
        rows = {row.pk: row for row in prepare(queryset.model.objects.filter(pk__in=part))}
        for pk in part:
            yield rows[pk]


def activities_xlsx_build(activities: QuerySet[Activity]) -> tuple[IO[bytes], int]:
    """The services as a workbook: no personal data (counts only, organisations and partners by name)."""
    headers = [
        gettext("Date"),
        gettext("Type"),
        gettext("Title"),
        gettext("Organising unit"),
        gettext("Region"),
        gettext("Organisations served"),
        gettext("Partners"),
        gettext("Alliances"),
        gettext("Participants"),
        gettext("Women served"),
        gettext("Pairs"),
        gettext("Notes"),
    ]

    def prepare(queryset):
        return queryset.select_related("type", "unit", "region").prefetch_related(
            "organisations", "partners", "alliances"
        )

    rows = (
        [
            activity.date,
            activity.type.name,
            activity.title,
            activity.unit.name,
            activity.region.name,
            _names(activity.organisations.all()),
            _names(activity.partners.all()),
            _names(activity.alliances.all()),
            activity.participants,
            activity.women_served,
            activity.pairs,
            activity.notes,
        ]
        for activity in _chunks(activities, prepare)
    )
    return _workbook(gettext("Services"), headers, rows)


def recognitions_xlsx_build(recognitions: QuerySet[Recognition]) -> tuple[IO[bytes], int]:
    """The recognitions as a workbook; individuals' name, unit and post are personal data."""
    kinds = {value: str(label) for value, label in RecognitionKind.choices}
    headers = [
        gettext("Year"),
        gettext("Title"),
        gettext("Awarded to"),
        gettext("Name"),
        gettext("Unit"),
        gettext("Post"),
        gettext("Organisation"),
        gettext("Region"),
    ]

    def prepare(queryset):
        return queryset.select_related("title", "organisation", "region")

    rows = (
        [
            recognition.year,
            recognition.title.name,
            kinds.get(recognition.kind, recognition.kind),
            recognition.recipient,
            recognition.person_unit,
            recognition.person_post,
            recognition.organisation.name if recognition.organisation else "",
            recognition.region.name,
        ]
        for recognition in _chunks(recognitions, prepare)
    )
    return _workbook(gettext("Recognitions"), headers, rows)


def recognitions_export_record(
    *, user: User, filters: dict[str, Any], row_count: int
) -> DisclosureLog | None:
    """An export naming individuals is a disclosure of personal data: on record (who, filters, rows)."""
    if row_count == 0:
        return None
    params = {
        name: str(getattr(value, "pk", value)) for name, value in filters.items() if value not in (None, "")
    }
    return disclosure_record(
        user=user,
        kind=DisclosureLog.Kind.EXPORT,
        what=gettext("Recognitions (XLSX), names of individuals"),
        params=params,
        row_count=row_count,
    )


def export_file_name(*, user: User, what: str) -> str:
    """乌海市巾帼服务_2026-11-28.xlsx: the user's area, what, today's date."""
    root = area_of(user)
    area = root.name if root is not None else ""
    return f"{area}{what}_{timezone.localdate():%Y-%m-%d}.xlsx"
