"""The guided formation's panel on an organisation contact's home: their runs and where each stands."""

from __future__ import annotations

from django.utils import timezone

from federation import access

from .models import FormationRun, StepEntry, StepStatus
from .selectors import runs_for


def contact_runs_panel(request):
    """For a contact: each active run with its current step, due date and a button to continue."""
    if not access.has(request.user, "portal.use"):
        return None
    runs = list(
        runs_for(request.user)
        .filter(status=FormationRun.Status.ACTIVE)
        .select_related("organisation", "template")
        .order_by("started_at", "id")
    )
    if not runs:
        return None
    pending = (
        StepEntry.objects.filter(run__in=[run.pk for run in runs])
        .exclude(status=StepStatus.APPROVED)
        .select_related("step")
        .order_by("run_id", "order", "id")
    )
    current: dict[int, StepEntry] = {}
    for entry in pending:
        current.setdefault(entry.run_id, entry)
    today = timezone.localdate()
    items = []
    for run in runs:
        entry = current.get(run.pk)
        overdue = bool(entry and entry.due_on and entry.open and entry.due_on < today)
        items.append({"run": run, "entry": entry, "overdue": overdue})
    return {"runs": items}
