"""The reminders to come: what the reminder sweep will send about the user's area in the next seven days."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from branches.selectors import reminders_upcoming_for
from branches.services.reminders import planned_describe
from federation import access

DAYS = 7
PER_DAY = 100  # rows shown per day; the rest are counted

ICONS = {"follow_up": "calendar-check", "contact": "telephone", "term": "arrow-repeat", "step": "list-check"}


@require_GET
def reminder_upcoming(request):
    """Day by day, each reminder the sweep will send (one row per subject, with everyone it goes to)."""
    access.require(request.user, "ledger.view")
    today = timezone.localdate()
    days = []
    for day, items in reminders_upcoming_for(request.user, today=today, days=DAYS).items():
        rows: dict[tuple[str, str], dict] = {}
        for item in items:
            row = rows.setdefault((item.kind, str(item.obj.pk)), {"item": item, "recipients": []})
            row["recipients"].append(item.user)
        ordered = sorted(rows.values(), key=lambda row: (row["item"].organisation.sort_key, row["item"].kind))
        shown = ordered[:PER_DAY]
        for row in shown:  # described only when shown: a busy district's week holds thousands
            item = row["item"]
            row.update(
                what=planned_describe(item),
                icon=ICONS.get(item.kind.split(".")[0], "chat-dots"),
                organisation=item.organisation,
            )
        days.append({"day": day, "rows": shown, "count": len(ordered), "more": len(ordered) - PER_DAY})
    context = {
        "days": days,
        "today": today,
        "tomorrow": today + dt.timedelta(days=1),
        "last": today + dt.timedelta(days=DAYS - 1),
        "hour": settings.REMINDER_HOUR,
    }
    return render(request, "branches/reminder_upcoming.html", context)
