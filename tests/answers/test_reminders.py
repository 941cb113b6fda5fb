"""Questions past the target answer time: the officer is reminded once, the managers past twice the target."""

from __future__ import annotations

import datetime as dt

import pytest

from answers.models import AnswerSettings
from answers.reminders import QUESTION_ESCALATED, QUESTION_PAST_TARGET, reminders_questions
from branches.models import Organisation
from branches.services.reminders import JOBS
from federation.models import Notification
from federation.workdays import working_days_after, working_days_between
from tests.answers.factories import at, question

ASKED = dt.date(2025, 6, 9)  # a Monday


@pytest.fixture
def open_question(world, officer, contact):
    Organisation.objects.filter(pk=world["organisation"].pk).update(officer=officer)
    return question(
        organisation=Organisation.objects.get(pk=world["organisation"].pk),
        asked_by=contact,
        text="妇女之家需要挂牌吗？",
        asked_at=at(ASKED),
    )


def kinds(user) -> list[str]:
    mine = Notification.objects.filter(recipient=user, kind__startswith="question.")
    return list(mine.values_list("kind", flat=True).order_by("id"))


# --- working days -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "today", "days"),
    [
        (dt.date(2025, 6, 9), dt.date(2025, 6, 9), 0),  # the same day
        (dt.date(2025, 6, 6), dt.date(2025, 6, 9), 1),  # Friday → Monday: the weekend does not count
        (dt.date(2025, 9, 30), dt.date(2025, 10, 8), 0),  # National Day holiday, 1–8 October
        (dt.date(2025, 9, 30), dt.date(2025, 10, 9), 1),
        (dt.date(2025, 9, 26), dt.date(2025, 9, 28), 1),  # Sunday 28 September is a make-up working day
        # 28, 29, 30 September, then 9, 10 and 11 October (a make-up Saturday)
        (dt.date(2025, 9, 26), dt.date(2025, 10, 11), 6),
    ],
)
def test_waiting_counts_working_days_across_weekends_and_holidays(asked, today, days):
    assert working_days_between(asked, today) == days


def test_the_deadline_is_the_target_th_working_day_after_asking():
    assert working_days_after(dt.date(2025, 6, 6), 2) == dt.date(2025, 6, 10)  # Friday → Tuesday
    assert working_days_after(dt.date(2025, 9, 30), 2) == dt.date(2025, 10, 10)


# --- the job --------------------------------------------------------------------------------------------------------


def test_the_job_is_registered_with_the_sweep():
    assert JOBS["reminders.questions"] is reminders_questions


def test_nothing_is_sent_within_the_target(open_question, officer):
    assert reminders_questions(today=dt.date(2025, 6, 11)) == 0  # two working days: within the target
    assert kinds(officer) == []


def test_past_the_target_the_officer_is_reminded_once(open_question, officer, district_manager):
    assert reminders_questions(today=dt.date(2025, 6, 12)) == 1  # three working days
    assert kinds(officer) == [QUESTION_PAST_TARGET]
    notification = Notification.objects.get(recipient=officer, kind=QUESTION_PAST_TARGET)
    assert "妇女之家需要挂牌吗？" in notification.body
    assert notification.url.endswith(f"/questions/{open_question.pk}/")
    assert reminders_questions(today=dt.date(2025, 6, 12)) == 0
    assert reminders_questions(today=dt.date(2025, 6, 13)) == 0  # once per question, not once a day
    assert kinds(district_manager) == []


def test_past_twice_the_target_the_managers_are_told_once(open_question, officer, district_manager):
    reminders_questions(today=dt.date(2025, 6, 12))
    assert reminders_questions(today=dt.date(2025, 6, 16)) == 1  # five working days > 2 × 2
    assert kinds(district_manager) == [QUESTION_ESCALATED]
    assert (
        "海勃湾区干事" in Notification.objects.get(recipient=district_manager, kind=QUESTION_ESCALATED).body
    )
    assert reminders_questions(today=dt.date(2025, 6, 17)) == 0
    assert kinds(officer) == [QUESTION_PAST_TARGET]


def test_the_target_is_an_admin_setting(open_question, officer):
    AnswerSettings.objects.update_or_create(pk=1, defaults={"target_working_days": 5})
    assert reminders_questions(today=dt.date(2025, 6, 13)) == 0
    assert reminders_questions(today=dt.date(2025, 6, 17)) == 1  # six working days


def test_an_answered_question_is_not_reminded(open_question, officer):
    from answers.services import question_answer

    question_answer(by=officer, question=open_question, answer="需要。")
    Notification.objects.all().delete()
    assert reminders_questions(today=dt.date(2025, 6, 20)) == 0


def test_without_an_officer_the_run_owner_is_reminded(world, contact, officer):
    asked = question(
        organisation=world["organisation"], asked_by=contact, entry=world["step"], asked_at=at(ASKED)
    )
    assert world["organisation"].officer_id is None and world["run"].owner == officer
    assert reminders_questions(today=dt.date(2025, 6, 12)) == 1
    assert Notification.objects.get(recipient=officer, kind=QUESTION_PAST_TARGET).url.endswith(
        f"/questions/{asked.pk}/"
    )
