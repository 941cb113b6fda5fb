"""The reminders to come: what the reminder sweep will send about the user's area in the next seven days; and
each person's choice of which reminders reach them by which channel."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from branches.selectors import reminders_upcoming_for
from branches.services.reminders import KIND_LABELS, planned_describe
from federation import access
from federation.channels import channels
from federation.notifications import channel_wanted
from federation.services import reminder_choices_set

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


@require_http_methods(["GET", "POST"])
def reminder_settings(request):
    """Which reminders reach the person by which channel (the inbox has them all), daily or once a week."""
    access.require(request.user, "staff.home")
    kinds = sorted(KIND_LABELS.items(), key=lambda item: str(item[1]))
    names = [channel.name for channel in channels() if channel.name != "log"]
    user = request.user
    if request.method == "POST":
        off = {
            name: [kind for kind, _label in kinds if f"{name}:{kind}" not in request.POST] for name in names
        }
        digest = request.POST.get("digest") if request.POST.get("digest") in ("daily", "weekly") else "daily"
        reminder_choices_set(user=user, channels_off=off, digest=digest)
        messages.success(request, _("Your reminder choices are saved."))
        return redirect("branches:reminder_settings")
    rows = [
        {
            "kind": kind,
            "label": label,
            "cells": [(name, f"{name}:{kind}", channel_wanted(user, kind, name)) for name in names],
        }
        for kind, label in kinds
    ]
    context = {"rows": rows, "channels": [(name, CHANNEL_LABELS.get(name, name)) for name in names]}
    return render(request, "branches/reminder_settings.html", context)


CHANNEL_LABELS = {"email": _lazy("E-mail"), "sms": _lazy("SMS"), "wecom": _lazy("WeCom group")}
