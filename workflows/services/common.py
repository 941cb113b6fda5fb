"""What the formation services share: their errors, the open statuses, the step transition that leaves
history, and the messages to the run's owner and liaison."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy

from federation.errors import DomainError
from federation.models import User
from federation.notifications import notification_create
from federation.services import operation_label_register

from ..models import (
    OPEN_STATUSES,
    Actor,
    StepEntry,
    StepTransition,
)

operation_label_register("workflow.start", gettext_lazy("started a formation run"))
operation_label_register("workflow.cancel", gettext_lazy("cancelled a formation run"))
operation_label_register("workflow.invite", gettext_lazy("sent an invitation link"))
operation_label_register("workflow.revoke", gettext_lazy("revoked an invitation link"))
operation_label_register("workflow.approve", gettext_lazy("approved a formation step"))
operation_label_register("workflow.return", gettext_lazy("returned a formation step"))
operation_label_register("workflow.submit", gettext_lazy("submitted a formation step"))
operation_label_register("workflow.complete", gettext_lazy("completed a formation run"))
operation_label_register("workflow.publish", gettext_lazy("published a workflow template"))
operation_label_register("workflow.new_version", gettext_lazy("started a new template version"))


OPEN = OPEN_STATUSES


class WorkflowError(DomainError):
    """A formation change refused for a reason the user can act on (see DomainError)."""


class StaleEntry(WorkflowError):
    """The step changed since the user read it."""


def _open(entry: StepEntry, today: dt.date) -> None:
    entry.opened_on = today
    deadline = entry.step.deadline_days
    entry.due_on = today + dt.timedelta(days=deadline) if deadline else None


def _transition(
    entry: StepEntry, to: str, *, by: User | None, reason: str = "", answers: dict | None = None
) -> None:
    StepTransition.objects.create(
        entry=entry,
        from_status=entry.status,
        to_status=to,
        by=by if by is not None and by.pk else None,
        reason=reason,
        answers=answers if answers is not None else entry.answers,
    )


# --- notifications ----------------------------------------------------------------------------------------


def _notify(user: User | None, entry: StepEntry, template: str, *, url: str) -> None:
    if user is None or not user.is_active:
        return
    context = {"entry": entry, "run": entry.run, "organisation": entry.run.organisation, "user": user}
    notification_create(user=user, kind=f"workflow.{template}", template=template, context=context, url=url)


def _notify_liaison(entry: StepEntry, template: str) -> None:
    if entry.step.actor != Actor.ORGANISATION:
        return
    liaison = entry.run.liaison
    if liaison is not None and liaison.user_id and liaison.active:
        _notify(liaison.user, entry, template, url=reverse("workflows:portal_step", args=[entry.pk]))
