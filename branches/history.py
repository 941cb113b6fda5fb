"""An organisation's recorded changes as its page shows them (a read, like the selectors)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

from branches.models import Organisation
from branches.selectors import organisation_field
from branches.services.organisations import EDITABLE_FIELDS
from federation.identifiers import mobile_mask
from federation.models import Region


def organisation_history(organisation: Organisation, limit: int = 30) -> list[dict[str, Any]]:
    """The organisation's recorded changes, newest first, each with its field-by-field differences.

    At most three queries whatever the length: the versions, their categories, the other regions they name.
    A category change is recorded as a version of its own right after the save; the two are shown as one entry.
    """
    records = list(
        organisation.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    categories: dict[int, set[str]] = {record.history_id: set() for record in records}
    for history_id, name in (
        apps.get_model("branches", "HistoricalOrganisation_categories")
        ._default_manager.filter(history__in=records)
        .values_list("history_id", "category__name")
    ):
        categories[history_id].add(name)
    labels = {name: organisation_field(name).verbose_name for name in EDITABLE_FIELDS}
    labels.update(archived_at=_("archived"), former_names=_("former names"))
    # the organisation's own region is loaded already; most histories name no other
    regions: dict[int | None, str] = {organisation.region_id: organisation.region.name}
    others = {r.region_id for r in records} - set(regions)
    if others:
        regions.update(Region.objects.filter(pk__in=others).values_list("pk", "name"))
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            for name in [*EDITABLE_FIELDS, "former_names", "archived_at"]:
                column = "region_id" if name == "region" else name
                old, new = getattr(previous, column), getattr(record, column)
                if old == new:
                    continue
                if name == "region":
                    old, new = regions.get(old, old), regions.get(new, new)
                elif name == "contact_mobile":
                    old, new = mobile_mask(old or ""), mobile_mask(new or "")
                elif name == "former_names":
                    old, new = "、".join(old or []), "、".join(new or [])
                changes.append({"label": labels[name], "old": old, "new": new})
            if categories[record.history_id] != categories[previous.history_id]:
                changes.append(
                    {
                        "label": _("categories"),
                        "old": "、".join(sorted(categories[previous.history_id])),
                        "new": "、".join(sorted(categories[record.history_id])),
                    }
                )
        entries.append({"record": record, "changes": changes, "created": record.history_type == "+"})
    # Fold a categories-only version into the save it followed (same person, within seconds).
    folded: list[dict[str, Any]] = []
    for entry in reversed(entries):
        before = folded[-1] if folded else None
        if (
            before is not None
            and entry["record"].history_user_id == before["record"].history_user_id
            and (entry["record"].history_date - before["record"].history_date).total_seconds() < 5
            and all(change["label"] == _("categories") for change in entry["changes"])
        ):
            before["changes"] += entry["changes"]
            continue
        folded.append(entry)
    return list(reversed(folded))
