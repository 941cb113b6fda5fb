"""Questions open past the target answer time (working days) → whoever answers them; past twice the target →
the managers of that person's unit (or of the organisation's district federation) too.

Each (question, kind, person) is reminded once, whatever the number of sweeps (federation Reminder rows keyed
on the day of asking). An answered question is no longer selected.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.services.reminders import Planned, reminder_kind_register, send_planned, url_maker
from federation.models import FederationUnit, User
from federation.workdays import working_days_after, working_days_between

from .models import AnswerSettings, Question
from .services import questions_recipients

QUESTION_PAST_TARGET = "question.past_target"
QUESTION_ESCALATED = "question.escalated"

reminder_kind_register(
    QUESTION_PAST_TARGET,
    lambda item: _("Question asked on %(date)s still unanswered") % {"date": item.due_on.isoformat()},
    label=gettext_lazy("Question unanswered past its target"),
)
reminder_kind_register(
    QUESTION_ESCALATED,
    lambda item: (
        _("Question asked on %(date)s still unanswered, escalated to the manager")
        % {"date": item.due_on.isoformat()}
    ),
    label=gettext_lazy("Unanswered question escalated to the manager"),
)


def _managers(questions, recipients: dict[int, list[User]]) -> dict[int, list[User]]:
    """Per question, the managers to escalate to: of its answerer's unit, else of its district's unit."""
    unit_of_district = dict(
        FederationUnit.objects.filter(
            region_id__in={q.organisation.district_id for q in questions}, level=FederationUnit.Level.DISTRICT
        ).values_list("region_id", "pk")
    )
    units = {}
    for question in questions:
        answerer = next((u for u in recipients[question.pk] if u.role != User.Role.MANAGER), None)
        units[question.pk] = answerer.unit_id if answerer and answerer.unit_id else None
        units[question.pk] = units[question.pk] or unit_of_district.get(question.organisation.district_id)
    by_unit: dict[int, list[User]] = defaultdict(list)
    for manager in User.objects.filter(
        unit_id__in={u for u in units.values() if u}, role=User.Role.MANAGER, is_active=True
    ):
        by_unit[manager.unit_id].append(manager)
    return {pk: by_unit.get(unit, []) for pk, unit in units.items()}


def _first_day_past(asked_on: dt.date, working_days: int, today: dt.date, until: dt.date) -> dt.date | None:
    """The first day from today to until on which a question asked on ``asked_on`` has waited more than
    ``working_days`` working days (None if none)."""
    day = max(working_days_after(asked_on, working_days + 1), today)
    return day if day <= until else None


def questions_planned(
    *, today: dt.date, until: dt.date | None = None, regions: Collection[int] | None = None
) -> list[Planned]:
    """Questions open more than the target working days → whoever answers them; more than twice the target
    → the managers of that person's unit (or of the district's federation) too. ``until``: plan the days up
    to it as well (each reminder on the first day it is selected); ``regions``: only these organisations'."""
    until = max(today, until or today)
    target = AnswerSettings.current().target_working_days
    # Waiting more than `target` working days takes more than `target` calendar days: the rest is not read.
    cutoff = timezone.make_aware(dt.datetime.combine(until - dt.timedelta(days=target), dt.time.min))
    selected = Question.objects.filter(answered_at__isnull=True, asked_at__lt=cutoff)
    if regions is not None:
        selected = selected.filter(organisation__region_id__in=regions)
    questions, past = [], {}
    for question in selected.select_related("organisation__officer", "step_entry__run__owner").order_by(
        "asked_at", "id"
    ):
        day = _first_day_past(timezone.localdate(question.asked_at), target, today, until)
        if day is not None:
            questions.append(question)
            past[question.pk] = day
    if not questions:
        return []
    recipients = questions_recipients(questions)
    escalate = {}
    for question in questions:
        day = _first_day_past(timezone.localdate(question.asked_at), 2 * target, today, until)
        if day is not None:
            escalate[question.pk] = day
    managers = _managers([q for q in questions if q.pk in escalate], recipients) if escalate else {}
    planned = []
    answer_url = url_maker("answers:question_answer")
    for question in questions:
        asked_on = timezone.localdate(question.asked_at)
        url = answer_url(question.pk)
        on = past[question.pk]
        context = {
            "question": question,
            "organisation": question.organisation,
            "waited": working_days_between(asked_on, on),
            "target": target,
            "today": on,
        }
        planned += [
            Planned(
                QUESTION_PAST_TARGET,
                question,
                asked_on,
                user,
                "question_past_target",
                context,
                url,
                on,
                question.organisation,
            )  # fmt: skip
            for user in recipients[question.pk]
        ]
        if question.pk in escalate:
            on = escalate[question.pk]
            answerers = [u for u in recipients[question.pk] if u.role != User.Role.MANAGER]
            escalated = {
                **context,
                "waited": working_days_between(asked_on, on),
                "today": on,
                "officer": answerers[0] if answerers else None,
            }
            planned += [
                Planned(
                    QUESTION_ESCALATED,
                    question,
                    asked_on,
                    manager,
                    "question_escalated",
                    escalated,
                    url,
                    on,
                    question.organisation,
                )  # fmt: skip
                for manager in managers[question.pk]
            ]
    return planned


def reminders_questions(*, today: dt.date) -> int:
    """Send today's question reminders (see questions_planned)."""
    return send_planned(questions_planned(today=today))


reminders_questions.planned = questions_planned  # type: ignore[attr-defined]
