"""Questions open past the target answer time (working days) → whoever answers them; past twice the target →
the managers of that person's unit (or of the organisation's district federation) too.

Each (question, kind, person) is reminded once, whatever the number of sweeps (federation Reminder rows keyed
on the day of asking). An answered question is no longer selected.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone

from branches.services.reminders import already_sent, send_once
from federation.models import FederationUnit, User
from federation.workdays import working_days_between

from .models import AnswerSettings, Question
from .services import question_recipients

QUESTION_PAST_TARGET = "question.past_target"
QUESTION_ESCALATED = "question.escalated"


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


def reminders_questions(*, today: dt.date) -> int:
    target = AnswerSettings.current().target_working_days
    # Waiting more than `target` working days takes more than `target` calendar days: the rest is not read.
    cutoff = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=target), dt.time.min))
    questions = [
        question
        for question in Question.objects.filter(answered_at__isnull=True, asked_at__lt=cutoff)
        .select_related("organisation__officer", "step_entry__run__owner")
        .order_by("asked_at", "id")
        if working_days_between(timezone.localdate(question.asked_at), today) > target
    ]
    if not questions:
        return 0
    kinds = (QUESTION_PAST_TARGET, QUESTION_ESCALATED)
    sent_before = {kind: already_sent(kind, Question, [q.pk for q in questions]) for kind in kinds}
    recipients = {question.pk: question_recipients(question) for question in questions}
    managers = _managers(questions, recipients)
    sent = 0
    for question in questions:
        asked_on = timezone.localdate(question.asked_at)
        waited = working_days_between(asked_on, today)
        context = {
            "question": question,
            "organisation": question.organisation,
            "waited": waited,
            "target": target,
            "today": today,
        }
        url = reverse("answers:question_answer", args=[question.pk])
        for user in recipients[question.pk]:
            sent += send_once(
                QUESTION_PAST_TARGET,
                question,
                asked_on,
                user,
                "question_past_target",
                context,
                url,
                sent_before[QUESTION_PAST_TARGET],
            )
        if waited > 2 * target:
            answerers = [u for u in recipients[question.pk] if u.role != User.Role.MANAGER]
            for manager in managers[question.pk]:
                sent += send_once(
                    QUESTION_ESCALATED,
                    question,
                    asked_on,
                    manager,
                    "question_escalated",
                    {**context, "officer": answerers[0] if answerers else None},
                    url,
                    sent_before[QUESTION_ESCALATED],
                )
    return sent
