"""When an organisation's contact will be reminded about a step, read off the step reminder rule itself."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from branches.services.reminders import send_day, unsent
from workflows.reminders import STEP_DUE, steps_planned

register = template.Library()


@register.inclusion_tag("workflows/portal/_step_reminder.html")
def step_reminder_line(entry, user) -> dict:
    """The reminders the step rule will still send this person about this step, each with the working day it
    goes out: before the due date, then once overdue (none for a step done, handed in, or without a date)."""
    if not entry.due_on or not getattr(user, "pk", None):
        return {"moments": []}
    today = timezone.localdate()
    planned = steps_planned(today=today, until=entry.due_on + dt.timedelta(days=1), entries=[entry.pk])
    moments = []
    for item in unsent(item for item in planned if item.user.pk == user.pk):
        day = send_day(item.on)
        if item.last is not None and day > item.last:
            continue  # no working day left before the due date: only the overdue reminder will come
        moments.append(
            {
                "due": item.kind == STEP_DUE,
                "day": day,
                "before": (entry.due_on - day).days,
                "today": day == today,
            }
        )
    return {"moments": moments, "due_on": entry.due_on}
