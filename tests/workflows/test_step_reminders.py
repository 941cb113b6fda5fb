"""Steps due within three days or overdue remind the liaison and the owner, once, until submitted."""

from __future__ import annotations

import datetime as dt

import pytest

from federation.models import Notification
from workflows import services
from workflows.models import StepEntry
from workflows.reminders import reminders_steps


@pytest.fixture
def request_step(fresh_run):
    return fresh_run.entries.get(step__code="request")


def _kinds(user):
    return sorted(
        Notification.objects.filter(recipient=user, kind__startswith="step.").values_list("kind", flat=True)
    )


def test_a_step_due_in_three_days_reminds_liaison_and_owner_once(request_step, world):
    today = request_step.due_on - dt.timedelta(days=3)
    assert reminders_steps(today=today - dt.timedelta(days=1)) == 0  # four days ahead: not yet
    assert reminders_steps(today=today) == 2
    assert reminders_steps(today=today) == 0  # a repeated sweep sends nothing twice
    assert _kinds(world["people"]["liaison"]) == ["step.due"]
    assert _kinds(world["people"]["district_officer"]) == ["step.due"]


def test_an_overdue_step_reminds_again_as_overdue_and_stops_once_submitted(request_step, world):
    officer = world["people"]["district_officer"]
    assert reminders_steps(today=request_step.due_on + dt.timedelta(days=1)) == 2
    assert _kinds(world["people"]["liaison"]) == ["step.overdue"]
    entry = StepEntry.objects.get(pk=request_step.pk)
    services.step_submit(by=officer, entry=entry, answers={"seats": 5}, version=entry.version)
    assert reminders_steps(today=request_step.due_on + dt.timedelta(days=5)) == 0


def test_a_federation_step_reminds_only_its_owner(request_step, world):
    officer = world["people"]["district_officer"]
    entry = StepEntry.objects.get(pk=request_step.pk)
    entry = services.step_submit(by=officer, entry=entry, answers={"seats": 5}, version=entry.version)
    services.step_approve(by=officer, entry=entry, version=entry.version)
    approval = entry.run.entries.get(step__code="approval")
    Notification.objects.all().delete()
    assert reminders_steps(today=approval.due_on) == 1
    assert _kinds(officer) == ["step.due"] and _kinds(world["people"]["liaison"]) == []


def test_the_hourly_sweep_includes_the_step_reminders(request_step):
    from branches.services.reminders import reminders_send_due

    results = reminders_send_due(force=True)
    assert "reminders.steps" in results
