"""Look-ups shared by the staff pages, the portal and the downloads: out of reach is 404, a wrong role 403."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from federation import access

from ..models import FormationRun, StepEntry
from ..selectors import entries_for, runs_for


def run_or_404(request, pk: int, permission: str | None = None) -> FormationRun:
    """A run the user may see (staff of its area, or its organisation's liaison), checked for `permission`."""
    run = get_object_or_404(
        runs_for(request.user).select_related("organisation", "template", "owner", "liaison", "branch"), pk=pk
    )
    if permission:
        access.require(request.user, permission)
    return run


def entry_or_404(request, pk: int, permission: str | None = None) -> StepEntry:
    entry = get_object_or_404(
        entries_for(request.user).select_related(
            "run__organisation", "run__template", "run__owner", "step", "reviewer", "submitted_by"
        ),
        pk=pk,
    )
    if permission:
        access.require(request.user, permission)
    return entry


def posted_version(data) -> int | None:
    """The step version a form was read at (its hidden `version` field); None when missing or not a number."""
    value = str(data.get("version", ""))
    return int(value) if value.isdigit() and len(value) < 10 else None
