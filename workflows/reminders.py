"""Formation steps due within three days or overdue → the liaison (portal inbox and channels) and the owner.

Counted from the previous step's completion (StepEntry.due_on); a step submitted, approved, or in a run no
longer in progress is not selected any more, so its reminders stop. Each (step, due date, person, kind) is
sent once, whatever the number of sweeps (federation Reminder rows).
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from branches.services.reminders import already_sent, send_once

from .models import Actor, FormationRun, StepEntry, StepStatus

STEP_DUE = "step.due"
STEP_OVERDUE = "step.overdue"
DUE_WITHIN_DAYS = 3


def reminders_steps(*, today: dt.date) -> int:
    entries = list(
        StepEntry.objects.filter(
            status__in=[StepStatus.TODO, StepStatus.DRAFT, StepStatus.RETURNED],
            due_on__isnull=False,
            due_on__lte=today + dt.timedelta(days=DUE_WITHIN_DAYS),
            run__status=FormationRun.Status.ACTIVE,
        ).select_related("step", "run__organisation", "run__owner", "run__liaison__user")
    )
    sent_before = {
        kind: already_sent(kind, StepEntry, [e.pk for e in entries]) for kind in (STEP_DUE, STEP_OVERDUE)
    }
    sent = 0
    for entry in entries:
        kind = STEP_DUE if entry.due_on >= today else STEP_OVERDUE
        template = "step_due" if kind == STEP_DUE else "step_overdue"
        context = {
            "entry": entry,
            "run": entry.run,
            "organisation": entry.run.organisation,
            "today": today,
            "days": (entry.due_on - today).days,
            "late": (today - entry.due_on).days,
        }
        recipients = [(entry.run.owner, reverse("workflows:step_detail", args=[entry.pk]))]
        liaison = entry.run.liaison
        if entry.step.actor == Actor.ORGANISATION and liaison and liaison.active and liaison.user_id:
            recipients.append((liaison.user, reverse("workflows:portal_step", args=[entry.pk])))
        for user, url in recipients:
            if user.is_active:
                sent += send_once(kind, entry, entry.due_on, user, template, context, url, sent_before[kind])
    return sent
