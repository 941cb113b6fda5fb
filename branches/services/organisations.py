"""Writes to the ledger's organisations: create, edit, archive, restore, merge, duplicate decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.errors import LedgerError
from branches.models import Category, DuplicateDecision, Organisation, RegisterPresence
from branches.names import name_normalise, pinyin_keys, search_grams, search_text
from branches.services.follow import hanging_move, organisations_moved
from branches.services.history import history_note
from federation import access
from federation.editing import clash_refuse
from federation.models import Region, User
from federation.services import operation_label_register, operation_record

operation_label_register("organisation.create", gettext_lazy("added an organisation"))
operation_label_register("organisation.update", gettext_lazy("edited an organisation"))
operation_label_register("organisation.archive", gettext_lazy("archived an organisation"))
operation_label_register("organisation.restore", gettext_lazy("restored an organisation"))
operation_label_register("organisation.merge", gettext_lazy("merged two organisations"))
operation_label_register("organisation.different", gettext_lazy("marked two organisations as different"))

# Fields a person edits (and that history and "where it came from" speak of).
EDITABLE_FIELDS = [
    "name",
    "uscc",
    "uscc_override",
    "field",
    "unit_type",
    "industry",
    "region",
    "address",
    "founded_on",
    "employees",
    "women",
    "party_org",
    "trade_union",
    "contact_name",
    "contact_mobile",
    "in_scope",
    "notes",
]


def district_of(region: Region) -> Region:
    """The district a region lies in (itself when it is one)."""
    while region.level not in {Region.Level.DISTRICT, Region.Level.CITY, Region.Level.PROVINCE}:
        parent = region.parent
        assert parent is not None  # a province or city holds every division
        region = parent
    return region


def organisation_derive(organisation: Organisation, *, normalised: str | None = None) -> None:
    """Recompute the derived columns: normalised name, search text and its bigrams, sort key, district.

    ``normalised``: name_normalise(name), when the caller has worked it out already (the register import).
    """
    name = organisation.name = organisation.name.strip()
    if normalised is None:
        normalised = name_normalise(name)
    organisation.name_normalised = normalised[:200]
    initials, organisation.sort_key = pinyin_keys(name)
    organisation.search_text = search_text(name, organisation.former_names, first=(normalised, initials))
    organisation.search_grams = search_grams(organisation.search_text)
    if organisation.region_id:
        organisation.district = district_of(organisation.region)


def _require_region_in_scope(user: User, region: Region) -> None:
    if not access.in_region_scope(user, region):
        raise LedgerError(_("%(region)s is outside your area.") % {"region": region.name})


def _display(value: Any) -> Any:
    if isinstance(value, Region):
        return value.name
    if isinstance(value, dt.date):  # the operation log keeps its changes as JSON
        return value.isoformat()
    return value


def _changes(before: dict[str, Any], organisation: Organisation) -> dict[str, list[Any]]:
    return {
        name: [_display(before[name]), _display(getattr(organisation, name))]
        for name in before
        if before[name] != getattr(organisation, name)
    }


def lookalike_reason(reason: str) -> str:
    """The history's words for a record saved although it looked like others, with the user's reason."""
    return _("Not a duplicate: %(reason)s") % {"reason": reason.strip()}


def _lookalike_changes(lookalikes: list[Organisation] | None) -> dict[str, list[Any]]:
    """The records the user was warned about, for the operation log (ids and names as they were shown)."""
    if not lookalikes:
        return {}
    return {"lookalikes": [[], [[o.pk, o.name] for o in lookalikes]]}


@transaction.atomic
def organisation_create(
    *,
    by: User,
    data: dict[str, Any],
    categories: list[Category] | None = None,
    reason: str = "",
    lookalikes: list[Organisation] | None = None,
) -> Organisation:
    """Add an organisation to the ledger (inside the creator's area).

    ``lookalikes``: records the user was warned look like this one and saved it anyway; ``reason`` (why it
    is a different organisation) then goes into its history.
    """
    access.require(by, "ledger.edit")
    _require_region_in_scope(by, data["region"])
    if lookalikes and not reason.strip():
        raise LedgerError(_("Say why this is a different organisation."))
    organisation = Organisation(**{name: value for name, value in data.items() if name in EDITABLE_FIELDS})
    organisation_derive(organisation)
    history_note(organisation, by=by, reason=reason.strip() or None)
    organisation.save()
    if categories:
        organisation.categories.set(categories)
    operation_record(
        actor=by,
        action="organisation.create",
        obj=organisation,
        changes=_lookalike_changes(lookalikes),
        reason=reason.strip(),
    )
    return organisation


def _locked(organisation: Organisation) -> Organisation:
    return Organisation.objects.select_for_update().select_related("region").get(pk=organisation.pk)


@transaction.atomic
def organisation_update(
    *,
    organisation: Organisation,
    by: User,
    data: dict[str, Any],
    categories: list[Category] | None = None,
    reason: str = "",
    seen: dt.datetime | None = None,
    lookalikes: list[Organisation] | None = None,
) -> Organisation:
    """Edit an organisation; a new name keeps the old one among its former names.

    ``seen``: when the record was last saved as the editor opened it. If it was saved again since, nothing
    is written: the edit page posts every field, and saving would silently put back the other's values.
    ``lookalikes``: records the user was warned look like the edited one (see organisation_create).
    """
    access.require(by, "ledger.edit", organisation)
    organisation = _locked(organisation)
    if organisation.merged_into_id:
        raise LedgerError(_("This record was merged into another one and can no longer be edited."))
    clash_refuse(organisation, seen=seen, error=LedgerError)
    if "region" in data:
        _require_region_in_scope(by, data["region"])
    before = {name: getattr(organisation, name) for name in data if name in EDITABLE_FIELDS}
    old_name = organisation.name
    for name, value in data.items():
        if name in EDITABLE_FIELDS:
            setattr(organisation, name, value)
    if organisation.name.strip() != old_name and old_name not in organisation.former_names:
        organisation.former_names = [*organisation.former_names, old_name]
    organisation_derive(organisation)
    changes = _changes(before, organisation)
    if changes:
        changes.update(_lookalike_changes(lookalikes))
    if categories is not None:
        old = set(organisation.categories.values_list("name", flat=True))
        new = {category.name for category in categories}
        if old != new:
            changes["categories"] = [sorted(old), sorted(new)]
    if not changes:
        return organisation
    for name in changes:
        organisation.value_sources.pop(name, None)  # a person's edit replaces what a register said
    history_note(organisation, by=by, reason=reason)
    organisation.save()
    if categories is not None:
        organisation.categories.set(categories)
    if "region" in changes:
        # What keeps a copy of its place comes along (runs, questions … read it through the organisation).
        organisations_moved(
            ids=[organisation.pk],
            by=by,
            reason=_("%(name)s moved to %(region)s")
            % {"name": organisation.name, "region": organisation.region.name},
        )
    operation_record(
        actor=by,
        action="organisation.update",
        obj=organisation,
        changes=changes,
        reason=reason,
    )
    return organisation


@transaction.atomic
def organisation_archive(*, organisation: Organisation, by: User, reason: str) -> Organisation:
    """Take an organisation out of the ledger's working set; nothing with history is ever deleted."""
    access.require(by, "ledger.archive", organisation)
    if not reason.strip():
        raise LedgerError(_("Say why the organisation is archived."))
    organisation = _locked(organisation)
    if organisation.archived_at:
        raise LedgerError(_("This organisation is already archived."))
    organisation.archived_at = timezone.now()
    organisation.archive_reason = reason.strip()
    history_note(organisation, by=by, reason=reason)
    organisation.save(update_fields=["archived_at", "archive_reason", "updated_at"])
    operation_record(actor=by, action="organisation.archive", obj=organisation, reason=reason)
    return organisation


@transaction.atomic
def organisation_restore(*, organisation: Organisation, by: User, reason: str = "") -> Organisation:
    """Bring an archived organisation back into the ledger."""
    access.require(by, "ledger.archive", organisation)
    organisation = _locked(organisation)
    if not organisation.archived_at:
        raise LedgerError(_("This organisation is not archived."))
    if organisation.merged_into_id:
        raise LedgerError(_("A merged record cannot be restored; edit the record it was merged into."))
    organisation.archived_at = None
    organisation.archive_reason = ""
    history_note(organisation, by=by, reason=reason)
    organisation.save(update_fields=["archived_at", "archive_reason", "updated_at"])
    operation_record(actor=by, action="organisation.restore", obj=organisation, reason=reason)
    return organisation


MERGE_FILL_FIELDS = [
    "uscc",
    "unit_type",
    "industry",
    "address",
    "founded_on",
    "employees",
    "women",
    "party_org",
    "trade_union",
    "contact_name",
    "contact_mobile",
    "notes",
]


@transaction.atomic
def organisation_merge(
    *,
    keep: Organisation,
    duplicate: Organisation,
    by: User,
    reason: str = "",
    keep_branch: int | None = None,
    keep_liaison: int | None = None,
) -> Organisation:
    """Merge a duplicate record into the one kept: blanks filled, names and registers carried over, and what
    hung on the duplicate (women's organisations, what they cover, liaisons, contacts, runs, questions,
    services, recognitions, alliances) moved to the one kept.

    Where both have a women's organisation of their own or an active liaison, ``keep_branch`` /
    ``keep_liaison`` (ids) name the one kept (see follow.hanging_move). The duplicate stays, archived and
    pointing at the record kept, so both histories remain readable.
    """
    access.require(by, "ledger.merge", keep)
    access.require(by, "ledger.merge", duplicate)
    if keep.pk == duplicate.pk:
        raise LedgerError(_("Choose two different records to merge."))
    # Lock both rows in a fixed order so that two merges of the same pair cannot deadlock.
    locked = {
        o.pk: o for o in Organisation.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk])
    }
    keep, duplicate = locked[keep.pk], locked[duplicate.pk]
    if keep.archived_at or duplicate.archived_at:
        raise LedgerError(_("Archived records cannot be merged; restore them first."))
    changes: dict[str, list[Any]] = {}
    duplicate_uscc = duplicate.uscc
    if keep.uscc and duplicate.uscc and keep.uscc != duplicate.uscc:
        raise LedgerError(
            _("The two records have different credit codes (%(a)s, %(b)s): they are different organisations.")
            % {"a": keep.uscc, "b": duplicate.uscc}
        )
    if duplicate_uscc and not keep.uscc:
        # The code moves to the record kept; clear it first to respect the unique constraint.
        duplicate.uscc = ""
        duplicate.save(update_fields=["uscc"])
    for name in MERGE_FILL_FIELDS:
        mine = getattr(keep, name)
        theirs = duplicate_uscc if name == "uscc" else getattr(duplicate, name)
        if mine in ("", None) and theirs not in ("", None):
            setattr(keep, name, theirs)
            changes[name] = [mine, theirs]
            if name in duplicate.value_sources:
                keep.value_sources[name] = duplicate.value_sources[name]
    names = [
        n for n in [duplicate.name, *duplicate.former_names] if n != keep.name and n not in keep.former_names
    ]
    if names:
        keep.former_names = [*keep.former_names, *names]
        changes["former_names"] = [[], names]
    organisation_derive(keep)
    history_note(keep, by=by, reason=reason or _("merged %(name)s") % {"name": duplicate.name})
    keep.save()
    keep.categories.add(*duplicate.categories.all())
    for presence in RegisterPresence.objects.filter(organisation=duplicate):
        existing = RegisterPresence.objects.filter(organisation=keep, source_id=presence.source_id).first()
        if existing:
            existing.in_latest = existing.in_latest or presence.in_latest
            existing.save(update_fields=["in_latest"])
            presence.delete()
        else:
            presence.organisation = keep
            presence.save(update_fields=["organisation"])
    changes.update(
        hanging_move(
            keep=keep,
            duplicate=duplicate,
            by=by,
            reason=reason,
            keep_branch=keep_branch,
            keep_liaison=keep_liaison,
        )
    )
    duplicate.merged_into = keep
    duplicate.archived_at = timezone.now()
    duplicate.archive_reason = _("Merged into %(name)s") % {"name": keep.name}
    history_note(duplicate, by=by, reason=duplicate.archive_reason)
    duplicate.save()
    operation_record(
        actor=by,
        action="organisation.merge",
        obj=keep,
        changes={"merged": [duplicate.pk, duplicate.name], **changes},
        reason=reason,
    )
    return keep


@transaction.atomic
def duplicate_mark_different(
    *, first: Organisation, second: Organisation, by: User, reason: str = ""
) -> DuplicateDecision:
    """Remember that two similar records are different organisations, so they are not proposed again."""
    access.require(by, "ledger.merge", first)
    access.require(by, "ledger.merge", second)
    if first.pk == second.pk:
        raise LedgerError(_("Choose two different records."))
    low, high = sorted([first, second], key=lambda o: o.pk)
    decision, created = DuplicateDecision.objects.get_or_create(
        first=low, second=high, defaults={"decided_by": by, "reason": reason}
    )
    if created:
        operation_record(
            actor=by,
            action="organisation.different",
            obj=low,
            changes={"different_from": [high.pk, high.name]},
            reason=reason,
        )
    return decision
