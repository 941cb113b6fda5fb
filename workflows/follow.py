"""Formation runs follow their organisation: a run has no place of its own (it lies where its organisation
lies), but its owner may no longer see it after a move; on a merge, runs go to the record kept."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.errors import LedgerError
from branches.models import Organisation
from branches.services.follow import chunks
from federation import access
from federation.models import User
from federation.services import operation_label_register, operation_record

from .models import FormationRun

operation_label_register("workflow.owner", gettext_lazy("handed a formation run to another owner"))


def runs_follow_moves(*, ids: list[int], by: User | None, reason: str) -> None:
    """Runs in progress whose owner cannot see their organisation's new place go to whoever moved it (step
    reminders go to the owner: they must be able to open the run)."""
    if not access.has(by, "workflow.own"):
        return
    for chunk in chunks(ids):
        runs = FormationRun.objects.filter(
            organisation_id__in=chunk, status=FormationRun.Status.ACTIVE
        ).select_related("organisation__region", "owner__unit__region")
        for run in runs:
            organisation = run.organisation
            if access.has(by, "workflow.own", organisation) and not access.has(
                run.owner, "workflow.own", organisation
            ):
                previous = run.owner
                FormationRun.objects.filter(pk=run.pk).update(owner=by)
                operation_record(
                    actor=by,
                    action="workflow.owner",
                    obj=run.organisation,
                    changes={"owner": [str(previous), str(by)]},
                    reason=reason,
                )


def runs_follow_merge(
    *, keep: Organisation, duplicate: Organisation, by: User, reason: str
) -> dict[str, Any]:
    """The duplicate's runs go to the record kept; two runs in progress are refused (an organisation has one
    at a time: cancel one first)."""
    runs = FormationRun.objects.filter(organisation=duplicate)
    active = FormationRun.Status.ACTIVE
    if runs.filter(status=active).exists() and keep.runs.filter(status=active).exists():
        raise LedgerError(
            _("Both records have a formation run in progress: cancel one of them first, then merge.")
        )
    moved = runs.update(organisation=keep)
    # A run whose liaison the merge left inactive goes to the liaison kept (invitations and reminders).
    kept = list(keep.liaisons.filter(active=True).values_list("pk", flat=True)[:2])
    if len(kept) == 1:
        FormationRun.objects.filter(organisation=keep, status=active, liaison__active=False).update(
            liaison_id=kept[0]
        )
    return {"runs": [0, moved]} if moved else {}


def runs_count(organisation: Organisation) -> int:
    return FormationRun.objects.filter(organisation=organisation).count()
