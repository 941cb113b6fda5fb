"""Formation runs follow a merged organisation to the record kept (a run has no place of its own to follow
when an organisation moves: it lies where its organisation lies)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from branches.errors import LedgerError
from branches.models import Organisation
from federation.models import User

from .models import FormationRun


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
