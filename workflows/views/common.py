"""Look-ups shared by the staff pages, the portal and the downloads, all of one shape,
`<noun>_or_404(request, pk, permission)`: out of the user's reach is 404, a wrong role 403."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from federation import access

from ..models import FormationRun, Invitation, StepAttachment, StepEntry
from ..selectors import entries_for, runs_for


def run_or_404(request: HttpRequest, pk: int, permission: str) -> FormationRun:
    """A run the user may see (staff of its area, or its organisation's liaison), checked for `permission`."""
    run = get_object_or_404(
        runs_for(request.user).select_related(
            "organisation__region", "template", "owner", "liaison", "branch"
        ),
        pk=pk,
    )
    access.require(request.user, permission, run)
    return run


def entry_or_404(request: HttpRequest, pk: int, permission: str) -> StepEntry:
    """A step of a run the user may see, checked for `permission` on its run."""
    entry = get_object_or_404(
        entries_for(request.user).select_related(
            "run__organisation__region", "run__template", "run__owner", "step", "reviewer", "submitted_by"
        ),
        pk=pk,
    )
    access.require(request.user, permission, entry.run)
    return entry


def invitation_or_404(request: HttpRequest, pk: int, permission: str) -> Invitation:
    """An invitation link of a run the user may see, checked for `permission` on its run."""
    invitation = get_object_or_404(
        Invitation.objects.filter(run__in=runs_for(request.user)).select_related(
            "run__organisation__region", "liaison"
        ),
        pk=pk,
    )
    access.require(request.user, permission, invitation.run)
    return invitation


def attachment_or_404(request: HttpRequest, pk: int, permission: str) -> StepAttachment:
    """A file kept on a step of a run the user may see (unless it was removed), checked for `permission`."""
    attachment = get_object_or_404(
        StepAttachment.objects.filter(
            entry__in=entries_for(request.user), removed_at__isnull=True
        ).select_related("entry__run__organisation__region"),
        pk=pk,
    )
    access.require(request.user, permission, attachment.entry.run)
    return attachment


def posted_version(data) -> int | None:
    """The step version a form was read at (its hidden `version` field); None when missing or not a number."""
    value = str(data.get("version", ""))
    return int(value) if value.isdecimal() and len(value) < 10 else None
