"""Women's organisations: set one up (or record one), its members, its stage and checklist, its term."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.errors import LedgerError
from branches.models import (
    FORMED_STAGES,
    Branch,
    BranchMember,
    Organisation,
    Stage,
    StageChange,
    StageChecklistItem,
    TermRule,
    Way,
)
from branches.services.history import history_note
from federation import access
from federation.editing import clash_refuse
from federation.models import User
from federation.services import operation_label_register, operation_record

operation_label_register("branch.create", gettext_lazy("recorded a women's organisation"))
operation_label_register("branch.update", gettext_lazy("edited a women's organisation"))
operation_label_register("branch.stage", gettext_lazy("moved a women's organisation to another stage"))
operation_label_register("branch.checklist", gettext_lazy("ticked a stage checklist item"))

BRANCH_FIELDS = [
    "name",
    "form",
    "way",
    "established_on",
    "approval_number",
    "approving_unit",
    "term_number",
    "term_ends_on",
    "seats",
    "dissolved_on",
]


# Ways of forming whose women's organisation covers organisations of several places: it keeps a place of its
# own (the one recorded when it was set up) instead of following its host organisation when that moves.
WIDE_WAYS = (Way.INDUSTRY, Way.AREA)


def term_years(*, form: str, unit_type: str = "") -> int:
    """A term's length: the admin's rule for this form and unit type, else for the form, else five years."""
    rules = {(r.form, r.unit_type): r.years for r in TermRule.objects.filter(form=form)}
    return rules.get((form, unit_type)) or rules.get((form, "")) or 5


def term_end(start: dt.date, years: int) -> dt.date:
    """The same day `years` later (28 February for a 29 February start)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def _covered(branch: Branch) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            pk__in={branch.organisation_id, *branch.covers.values_list("pk", flat=True)}
        )
    )


def _stage_sync(*, branch: Branch, by: User, reason: str) -> None:
    """Put every organisation the branch covers at the branch's stage, recording each move."""
    for organisation in _covered(branch):
        if organisation.stage != branch.stage:
            StageChange.objects.create(
                organisation=organisation,
                branch=branch,
                from_stage=organisation.stage,
                to_stage=branch.stage,
                by=by,
                reason=reason,
            )
            Organisation.objects.filter(pk=organisation.pk).update(stage=branch.stage)


@transaction.atomic
def branch_create(
    *,
    by: User,
    organisation: Organisation,
    data: dict,
    covers: Sequence[Organisation] = (),
    members: Sequence[dict[str, Any]] = (),
    reason: str = "",
) -> Branch:
    """Record a women's organisation set up in an organisation (and those it covers)."""
    access.require(by, "ledger.edit", organisation)
    for other in covers:
        access.require(by, "ledger.edit", other)
    branch = Branch(organisation=organisation, region=organisation.region, stage=Stage.ESTABLISHED)
    for name in BRANCH_FIELDS:
        if name in data:
            setattr(branch, name, data[name])
    if not branch.name.strip():
        raise LedgerError(_("Enter the women's organisation's name."))
    if branch.established_on and branch.established_on > timezone.localdate():
        raise LedgerError(_("The date of establishment cannot be in the future."))
    if branch.established_on and not branch.term_ends_on:
        branch.term_ends_on = term_end(
            branch.established_on, term_years(form=branch.form, unit_type=organisation.unit_type)
        )
    # A women's organisation that exists meets 先建立 by definition: its checklist starts ticked.
    now = timezone.now().isoformat()
    branch.checklist = {
        str(pk): {"by": by.pk, "at": now}
        for pk in StageChecklistItem.objects.filter(stage=Stage.ESTABLISHED, active=True).values_list(
            "pk", flat=True
        )
    }
    history_note(branch, by=by, reason=reason)
    branch.save()
    branch.covers.set({organisation, *covers})
    for order, member in enumerate(members):
        BranchMember.objects.create(branch=branch, order=order, **member)
    _stage_sync(
        branch=branch, by=by, reason=_("Women's organisation recorded: %(name)s") % {"name": branch.name}
    )
    operation_record(actor=by, action="branch.create", obj=branch, changes={"form": [None, branch.form]})
    return branch


@transaction.atomic
def branch_update(
    *,
    by: User,
    branch: Branch,
    data: dict,
    covers: list[Organisation] | None = None,
    reason: str = "",
    seen: dt.datetime | None = None,
) -> Branch:
    """Edit a women's organisation; a re-election (换届) is a new term number and term end.

    ``seen``: when the editor opened it (see clash_refuse)."""
    access.require(by, "ledger.edit", branch)
    branch = Branch.objects.select_for_update().get(pk=branch.pk)
    clash_refuse(branch, seen=seen, error=LedgerError)
    changes: dict[str, list[Any]] = {}
    for name in BRANCH_FIELDS:
        if name in data and getattr(branch, name) != data[name]:
            changes[name] = [str(getattr(branch, name) or ""), str(data[name] or "")]
            setattr(branch, name, data[name])
    if covers is not None:
        for other in covers:
            access.require(by, "ledger.edit", other)
        before = set(branch.covers.values_list("pk", flat=True))
        after = {branch.organisation_id, *(o.pk for o in covers)}
        if before != after:
            changes["covers"] = [len(before), len(after)]
    if not changes:
        return branch
    if (
        "term_ends_on" in changes
        and branch.stage == Stage.TERM_DUE
        and branch.term_ends_on
        and branch.term_ends_on > timezone.localdate()
    ):
        branch.stage = Stage.ESTABLISHED  # re-elected: the term-due stage ends
    if "way" in changes and branch.way not in WIDE_WAYS:
        branch.region_id = branch.organisation.region_id  # no place of its own any more: its host's
    history_note(branch, by=by, reason=reason)
    branch.save()
    if covers is not None:
        branch.covers.set({branch.organisation, *covers})
    _stage_sync(branch=branch, by=by, reason=reason or _("Women's organisation edited"))
    operation_record(actor=by, action="branch.update", obj=branch, changes=changes, reason=reason)
    return branch


def checklist_missing(branch: Branch, stage: str) -> list[StageChecklistItem]:
    """The active checklist items of a stage that the branch has not ticked."""
    ticked = {int(key) for key in branch.checklist}
    return [
        item for item in StageChecklistItem.objects.filter(stage=stage, active=True) if item.pk not in ticked
    ]


@transaction.atomic
def branch_stage_set(*, by: User, branch: Branch, stage: str, reason: str) -> Branch:
    """Move a women's organisation to a stage; moving up needs that stage's checklist ticked."""
    access.require(by, "ledger.edit", branch)
    if stage not in FORMED_STAGES:
        raise LedgerError(
            _("A women's organisation that exists is at 先建立, 再完善, 后提高 or due for re-election.")
        )
    branch = Branch.objects.select_for_update().get(pk=branch.pk)
    if branch.stage == stage:
        raise LedgerError(_("It is already at that stage."))
    if not reason.strip():
        raise LedgerError(_("Say why the stage changes."))
    order: list[str] = list(FORMED_STAGES)
    if stage != Stage.TERM_DUE and order.index(stage) > order.index(
        branch.stage if branch.stage in order else Stage.ESTABLISHED
    ):
        missing = checklist_missing(branch, stage)
        if missing:
            raise LedgerError(
                _("Tick these first: %(items)s") % {"items": "；".join(item.label for item in missing)}
            )
    before = branch.stage
    branch.stage = stage
    history_note(branch, by=by, reason=reason)
    branch.save()
    _stage_sync(branch=branch, by=by, reason=reason)
    operation_record(
        actor=by,
        action="branch.stage",
        obj=branch,
        changes={"stage": [before, stage]},
        reason=reason,
    )
    return branch


@transaction.atomic
def branch_checklist_tick(*, by: User, branch: Branch, item: StageChecklistItem, ticked: bool) -> Branch:
    """Tick or untick one checklist item, remembering who and when."""
    access.require(by, "ledger.edit", branch)
    branch = Branch.objects.select_for_update().get(pk=branch.pk)
    key = str(item.pk)
    if ticked and key not in branch.checklist:
        branch.checklist[key] = {"by": by.pk, "at": timezone.now().isoformat()}
    elif not ticked and key in branch.checklist:
        del branch.checklist[key]
    else:
        return branch
    history_note(branch, by=by)
    branch.save(update_fields=["checklist", "updated_at"])
    operation_record(
        actor=by,
        action="branch.checklist",
        obj=branch,
        changes={item.label: [not ticked, ticked]},
    )
    return branch


@transaction.atomic
def branch_members_set(*, by: User, branch: Branch, members: list[dict]) -> Branch:
    """Replace the list of chair, vice-chairs and executive members."""
    access.require(by, "ledger.edit", branch)
    branch.members.all().delete()
    for order, member in enumerate(members):
        BranchMember.objects.create(branch=branch, order=order, **member)
    operation_record(
        actor=by,
        action="branch.update",
        obj=branch,
        changes={"members": [None, len(members)]},
    )
    return branch
