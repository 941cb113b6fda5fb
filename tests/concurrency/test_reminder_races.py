"""The whole reminder sweep (every job: follow-ups, cadence, terms, digest, formation steps, questions) run
twice at the same instant, as a beat tick and a manual `send_reminders` can: every reminder goes out once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from branches.models import Branch, ContactLog, Organisation
from branches.services.contacts import contact_add
from branches.services.reminders import JOBS, reminders_send_due
from federation.models import JobRun, Notification, Reminder
from tests.answers.factories import question
from tests.branches.factories import OrganisationFactory
from workflows import services as workflow_services
from workflows.models import StepEntry

from .conftest import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
MONDAY_MORNING = dt.datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a working day
TODAY = MONDAY_MORNING.date()
# The reminder kinds each job sends
JOB_KINDS = {
    "reminders.follow_ups": ("follow_up.due", "follow_up.overdue", "follow_up.escalated"),
    "reminders.contact_cadence": ("contact.cadence",),
    "reminders.terms": ("term.ending",),
    "reminders.weekly_digest": ("digest.weekly",),
    "reminders.steps": ("step.due", "step.overdue"),
    "reminders.questions": ("question.past_target", "question.escalated"),
}


@pytest.fixture
def due_everywhere(world, district_officer, district_manager):
    """Something due for every job: follow-ups due, overdue and escalated, organisations past their contact
    cadence, a term ending, an overdue formation step, a question waiting past twice the target."""
    with time_machine.travel(MONDAY_MORNING, tick=False):
        officer = district_officer
        organisation = world["organisation"]
        Organisation.objects.filter(pk=organisation.pk).update(officer=officer)
        followed = [OrganisationFactory(officer=officer) for _ in range(3)]
        for other in followed:
            contact_add(
                by=officer, organisation=other, contacted_on=TODAY, channel="phone", summary="约定回访",
                next_follow_up=TODAY + dt.timedelta(days=1),
            )  # fmt: skip
        late = contact_add(
            by=officer, organisation=followed[0], contacted_on=TODAY, channel="visit", summary="待补材料",
            next_follow_up=TODAY + dt.timedelta(days=2),
        )  # fmt: skip
        ContactLog.objects.filter(pk=late.pk).update(next_follow_up=TODAY - dt.timedelta(days=20))
        lapsed = [OrganisationFactory(officer=officer) for _ in range(2)]
        Organisation.objects.filter(pk__in=[o.pk for o in lapsed]).update(
            contact_due_on=TODAY - dt.timedelta(days=5)
        )
        Branch.objects.filter(pk=world["branch"].pk).update(term_ends_on=TODAY + dt.timedelta(days=30))
        step = StepEntry.objects.get(pk=world["step"].pk)
        workflow_services.step_return(by=officer, entry=step, version=step.version, comment="请补充")
        StepEntry.objects.filter(pk=step.pk).update(due_on=TODAY - dt.timedelta(days=2))
        question(
            organisation=Organisation.objects.get(pk=organisation.pk),
            asked_by=world["people"]["liaison"],
            entry=step,
            asked_at=MONDAY_MORNING - dt.timedelta(days=14),
        )
    Notification.objects.all().delete()
    mail.outbox.clear()


def test_two_sweeps_at_the_same_instant_send_every_reminder_once(due_everywhere):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        outcomes = together(reminders_send_due, reminders_send_due)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes

    reminders = Counter(Reminder.objects.values_list("kind", flat=True))
    assert reminders == {
        "follow_up.due": 3,  # the three follow-ups due tomorrow
        "follow_up.overdue": 2,  # the world's (20 November) and the late one …
        "follow_up.escalated": 2,  # … each escalated to the district's manager
        "contact.cadence": 2,
        "term.ending": 2,  # the officer and the liaison
        "digest.weekly": 4,  # the four officers and managers
        "step.overdue": 2,  # the run's owner and the liaison
        "question.past_target": 1,
        "question.escalated": 1,
    }
    # one message per reminder, in the inbox and by e-mail, whichever sweep claimed it
    assert Counter(Notification.objects.values_list("kind", flat=True)) == reminders
    assert Reminder.objects.filter(notification__isnull=True).count() == 0
    assert len(mail.outbox) == sum(reminders.values())
    # each sweep wrote its own job-log line per job; together they account for every reminder
    assert set(JOBS) == set(JOB_KINDS)
    for name, kinds in JOB_KINDS.items():
        runs = JobRun.objects.filter(name=name)
        assert [run.status for run in runs] == [JobRun.Status.OK] * 2, name
        assert all(run.finished_at for run in runs)
        assert sum(run.sent for run in runs) == sum(reminders[kind] for kind in kinds), name
    assert sum(sum(o.values()) for o in outcomes) == sum(reminders.values())

    with time_machine.travel(MONDAY_MORNING + dt.timedelta(hours=1), tick=False):
        assert sum(reminders_send_due().values()) == 0  # the next hourly tick finds nothing left to send
