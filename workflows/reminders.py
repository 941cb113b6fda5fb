"""Formation steps due within three days or overdue → the liaison (portal inbox and channels) and the owner.

Counted from the previous step's completion (StepEntry.due_on); a step submitted, approved, or in a run no
longer in progress is not selected any more, so its reminders stop. Each (step, due date, person, kind) is
sent once, whatever the number of sweeps (federation Reminder rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.services.reminders import Planned, reminder_kind_register, send_planned, url_maker

from .models import Actor, FormationRun, StepEntry, StepStatus

STEP_DUE = "step.due"
STEP_OVERDUE = "step.overdue"
DUE_WITHIN_DAYS = 3


def _step(item: Planned) -> dict[str, str]:
    return {"step": item.obj.step.title, "date": item.due_on.isoformat()}


reminder_kind_register(
    STEP_DUE, lambda item: _("Step “%(step)s” due on %(date)s") % _step(item), label=gettext_lazy("Step due")
)
reminder_kind_register(
    STEP_OVERDUE,
    lambda item: _("Step “%(step)s” overdue since %(date)s") % _step(item),
    label=gettext_lazy("Step overdue"),
)


def steps_planned(
    *,
    today: dt.date,
    until: dt.date | None = None,
    regions: Collection[int] | None = None,
    entries: Collection[int] | None = None,
) -> list[Planned]:
    """Open steps due within three days → the run's owner and, on a step the organisation fills in, its active
    liaison; past the due date → both again, as overdue. ``until``: plan the days up to it as well (each
    reminder on the first day it is selected); ``regions``, ``entries``: only these organisations' or steps."""
    until = max(today, until or today)
    selected = StepEntry.objects.filter(
        status__in=[StepStatus.TODO, StepStatus.DRAFT, StepStatus.RETURNED],
        due_on__isnull=False,
        due_on__lte=until + dt.timedelta(days=DUE_WITHIN_DAYS),
        run__status=FormationRun.Status.ACTIVE,
    )
    if regions is not None:
        selected = selected.filter(run__organisation__region_id__in=regions)
    if entries is not None:
        selected = selected.filter(pk__in=entries)
    planned = []
    staff_url, portal_url = url_maker("workflows:step_detail"), url_maker("workflows:portal_step")
    for entry in selected.select_related("step", "run__organisation", "run__owner", "run__liaison__user"):
        recipients = [(entry.run.owner, staff_url(entry.pk))]
        liaison = entry.run.liaison
        if entry.step.actor == Actor.ORGANISATION and liaison and liaison.active and liaison.user_id:
            recipients.append((liaison.user, portal_url(entry.pk)))
        recipients = [(user, url) for user, url in recipients if user.is_active]
        moments = []
        if entry.due_on >= today:  # from three days before
            first = max(entry.due_on - dt.timedelta(days=DUE_WITHIN_DAYS), today)
            moments.append((STEP_DUE, "step_due", first, entry.due_on))  # until the due date
        if entry.due_on + dt.timedelta(days=1) <= until:
            moments.append(
                (STEP_OVERDUE, "step_overdue", max(entry.due_on + dt.timedelta(days=1), today), None)
            )
        for kind, template, on, last in moments:
            context = {
                "entry": entry,
                "run": entry.run,
                "organisation": entry.run.organisation,
                "today": on,
                "days": (entry.due_on - on).days,
                "late": (on - entry.due_on).days,
            }
            planned += [
                Planned(
                    kind, entry, entry.due_on, user, template, context, url, on, entry.run.organisation, last
                )
                for user, url in recipients
            ]
    return planned


def reminders_steps(*, today: dt.date) -> int:
    """Send today's step reminders (see steps_planned)."""
    return send_planned(steps_planned(today=today))


reminders_steps.planned = steps_planned  # type: ignore[attr-defined]
