"""Reminders people can see: the staff page of the week's reminders (the sweep's own rules, by the day they go
out), the line on a portal step saying when its contact is reminded, overdue contacts on the staff home, and
the inbox count on a phone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from answers.models import Question
from branches.models import Branch, ContactLog, Organisation
from branches.services.reminders import reminders_send_due, reminders_upcoming
from federation.models import Notification, Region
from tests.answers.factories import at as asked_at
from tests.branches.factories import OrganisationFactory
from workflows import services
from workflows.models import WorkflowTemplate

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2026, 11, 30)  # a working week without holidays: Monday 30 November to Sunday 6 December


def travel(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI), tick=False)


def fresh_run(world):
    """The world's run cancelled and a new one started, its link sent: its request step, for the organisation,
    is open."""
    officer = world["people"]["district_officer"]
    services.run_cancel(by=officer, run=world["run"], reason="重新开始")
    run = services.run_start(
        by=officer,
        organisation=world["organisation"],
        template=WorkflowTemplate.objects.get(key="federation", status="published"),
        owner=officer,
        liaison=world["liaison"],
    )
    services.invitation_create(by=officer, run=run)  # the contact's link now (the old run's went with it)
    return run.entries.get(step__code="request")


@pytest.fixture
def week(world, district_manager):
    """One of each reminder rule, due at a known point of the week in 海勃湾区, and one in 乌达区."""
    officer = world["people"]["district_officer"]
    organisation = world["organisation"]
    Organisation.objects.filter(pk=organisation.pk).update(officer=officer)
    ContactLog.objects.filter(pk=world["contact"].pk).update(next_follow_up=dt.date(2026, 11, 20))
    ContactLog.objects.create(
        organisation=organisation, staff=officer, contacted_on=dt.date(2026, 11, 25), channel="visit",
        summary="约定再次走访", next_follow_up=dt.date(2026, 12, 2),
    )  # fmt: skip
    late = OrganisationFactory(name="乌海市海勃湾区联系到期企业有限公司", officer=officer)
    Organisation.objects.filter(pk=late.pk).update(contact_due_on=dt.date(2026, 12, 3))
    Organisation.objects.exclude(pk=late.pk).update(contact_due_on=dt.date(2027, 6, 1))
    Branch.objects.filter(pk=world["branch"].pk).update(
        term_ends_on=dt.date(2026, 12, 4) + dt.timedelta(days=90)
    )
    step = fresh_run(world)
    step.due_on = dt.date(2026, 12, 6)  # a Sunday: reminded from Thursday
    step.save(update_fields=["due_on"])
    question = Question.objects.create(
        organisation=organisation, asked_by=world["people"]["liaison"], text="执委几名？"
    )
    Question.objects.filter(pk=question.pk).update(asked_at=asked_at(dt.date(2026, 11, 26)))
    elsewhere = OrganisationFactory(name="乌达区远方商会", region=Region.objects.get(code="150304002"))
    ContactLog.objects.create(
        organisation=elsewhere, staff=world["people"]["other_district_officer"], contacted_on=dt.date(2026, 11, 25),
        channel="phone", summary="乌达回访", next_follow_up=dt.date(2026, 12, 1),
    )  # fmt: skip
    Notification.objects.all().delete()
    return {"step": step, "late": late, "elsewhere": elsewhere, "officer": officer}


def sent_on(day: dt.date) -> set[tuple[str, int]]:
    """What the hourly sweep sends on that day (the weekly digest aside)."""
    before = set(Notification.objects.values_list("pk", flat=True))
    with travel(day):
        reminders_send_due()
    return set(
        Notification.objects.exclude(pk__in=before)
        .exclude(kind="digest.weekly")
        .values_list("kind", "recipient_id")
    )


def test_the_week_ahead_is_exactly_what_the_sweep_then_sends_day_by_day(week, world, district_manager):
    with travel(MONDAY, hour=8):
        upcoming = reminders_upcoming(today=MONDAY)
    planned = {day: {(item.kind, item.user.pk) for item in items} for day, items in upcoming.items()}
    liaison = world["people"]["liaison"].pk
    officer = week["officer"].pk
    # one of each rule, on the day it goes out
    assert ("follow_up.overdue", officer) in planned[MONDAY]
    assert ("follow_up.escalated", district_manager.pk) in planned[MONDAY]
    assert ("follow_up.due", officer) in planned[dt.date(2026, 12, 1)]
    assert ("question.past_target", officer) in planned[dt.date(2026, 12, 1)]
    assert ("contact.cadence", officer) in planned[dt.date(2026, 12, 3)]
    assert ("question.escalated", district_manager.pk) in planned[dt.date(2026, 12, 3)]
    assert {("step.due", liaison), ("step.due", officer)} <= planned[dt.date(2026, 12, 3)]
    assert ("term.ending", liaison) in planned[dt.date(2026, 12, 4)]
    assert not set(planned) & {dt.date(2026, 12, 5), dt.date(2026, 12, 6)}  # nothing goes out at the weekend
    for offset in range(7):
        day = MONDAY + dt.timedelta(days=offset)
        assert sent_on(day) == planned.get(day, set()), day


def test_across_the_national_day_holiday_the_plan_is_still_what_the_sweep_sends(world, district_manager):
    """1–7 October 2026 are holidays (10 October a make-up working day): a step due on the 5th is never
    reminded as due (no working day in its three days before), only as overdue on the 8th."""
    officer = world["people"]["district_officer"]
    organisation = world["organisation"]
    Organisation.objects.filter(pk=organisation.pk).update(officer=officer)
    Organisation.objects.update(contact_due_on=dt.date(2027, 6, 1))
    Organisation.objects.filter(pk=organisation.pk).update(contact_due_on=dt.date(2026, 10, 2))
    ContactLog.objects.filter(pk=world["contact"].pk).update(next_follow_up=dt.date(2026, 10, 3))
    ContactLog.objects.create(
        organisation=organisation, staff=officer, contacted_on=dt.date(2026, 9, 28), channel="visit",
        summary="节后走访", next_follow_up=dt.date(2026, 10, 9),
    )  # fmt: skip
    step = fresh_run(world)
    step.due_on = dt.date(2026, 10, 5)
    step.save(update_fields=["due_on"])
    Notification.objects.all().delete()
    first = dt.date(2026, 9, 30)
    with travel(first, hour=8):
        upcoming = reminders_upcoming(today=first, days=12)
    planned = {day: {(item.kind, item.user.pk) for item in items} for day, items in upcoming.items()}
    liaison = world["people"]["liaison"].pk
    assert ("step.overdue", liaison) in planned[dt.date(2026, 10, 8)]
    assert all(("step.due", liaison) not in kinds for kinds in planned.values())
    assert ("follow_up.due", officer.pk) in planned[dt.date(2026, 10, 8)]
    assert not set(planned) & {first + dt.timedelta(days=n) for n in range(1, 8)}  # the holiday
    for offset in range(12):
        day = first + dt.timedelta(days=offset)
        assert sent_on(day) == planned.get(day, set()), day


def test_what_was_sent_already_is_not_listed_again(week):
    with travel(MONDAY):
        reminders_send_due()
        upcoming = reminders_upcoming(today=MONDAY)
    assert MONDAY not in upcoming
    assert dt.date(2026, 12, 1) in upcoming


def test_a_district_officer_sees_their_areas_week_by_day_with_whom_it_goes_to(
    client, week, world, other_district_officer
):
    client.force_login(week["officer"])
    with travel(MONDAY, hour=8):
        page = client.get(reverse("branches:reminder_upcoming")).content.decode()
    assert "本周提醒" in page
    assert "回访已逾期（应于 2026-11-20 回访）" in page
    assert "常态联系已到期（应于 2026-12-03 联系）" in page
    assert "步骤“" in page and "将于 2026-12-06 截止" in page
    assert "任期将于 2027-03-04 届满" in page
    assert "2026-11-26 提出的问题尚未答复" in page
    assert "王芳" not in page or "联系人" in page  # a liaison is named as such
    assert world["people"]["liaison"].display_name in page
    assert week["late"].name in page
    assert week["elsewhere"].name not in page and "乌达回访" not in page
    client.force_login(other_district_officer)
    with travel(MONDAY, hour=8):
        theirs = client.get(reverse("branches:reminder_upcoming")).content.decode()
    assert week["elsewhere"].name in theirs and week["late"].name not in theirs


def test_the_page_costs_the_same_queries_however_many_reminders(
    client, week, world, django_assert_max_num_queries
):
    client.force_login(week["officer"])
    with travel(MONDAY, hour=8):
        client.get(reverse("branches:reminder_upcoming"))
        with django_assert_max_num_queries(40) as few:
            client.get(reverse("branches:reminder_upcoming"))
        for n in range(30):
            organisation = OrganisationFactory(
                name=f"乌海市海勃湾区第{n}号企业有限公司", officer=week["officer"]
            )
            Organisation.objects.filter(pk=organisation.pk).update(contact_due_on=dt.date(2026, 12, 2))
            ContactLog.objects.create(
                organisation=organisation, staff=week["officer"], contacted_on=dt.date(2026, 11, 25),
                channel="phone", summary="回访", next_follow_up=dt.date(2026, 12, 1),
            )  # fmt: skip
        with django_assert_max_num_queries(len(few.captured_queries)):
            page = client.get(reverse("branches:reminder_upcoming")).content.decode()
    assert "乌海市海勃湾区第29号企业有限公司" in page


def test_the_portal_step_says_when_its_contact_will_be_reminded(client, week, world):
    step = week["step"]
    client.force_login(world["people"]["liaison"])
    url = reverse("workflows:portal_step", args=[step.pk])
    with travel(MONDAY):
        page = client.get(url).content.decode()
    # due Sunday 6 December; three days before is Thursday 3 December, a working day
    assert "截止日期前 3 天（12月3日）会提醒您。" in page
    assert "如到期仍未提交，12月7日会再次提醒您。" in page
    with travel(dt.date(2026, 12, 3)):
        reminders_send_due()
        client.force_login(world["people"]["liaison"])  # three days on: signed in again
        page = client.get(url).content.decode()
    assert "截止日期前" not in page and "如到期仍未提交，12月7日会再次提醒您。" in page


def test_the_staff_home_shows_overdue_contacts_beside_todays_follow_ups(client, week, world):
    client.force_login(week["officer"])
    with travel(dt.date(2026, 12, 4)):
        page = client.get(reverse("federation:staff_home")).content.decode()
    assert "今日回访" in page and "我的逾期联系" in page
    assert week["late"].name in page and "常态联系应于 2026-12-03 进行" in page and "逾期 1 天" in page
    assert "约定走访" in page  # the follow-up overdue since 20 November
    assert reverse("branches:reminder_upcoming") in page


def test_the_unread_count_shows_outside_the_collapsed_menu(client, week):
    with travel(MONDAY):
        reminders_send_due()
    client.force_login(week["officer"])
    page = client.get(reverse("federation:staff_home")).content.decode()
    unread = Notification.objects.filter(recipient=week["officer"], read_at__isnull=True).count()
    phone_bell = page.split('nav-inbox-phone"')[1].split("</a>")[0]
    assert unread and f">{unread}</span>" in phone_bell
    assert page.index("nav-inbox-phone") < page.index('id="main-nav"')
