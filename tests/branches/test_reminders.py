"""The reminder jobs: what is due goes out once, to the right people, on working days; nothing settled is sent."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from branches.models import Branch
from branches.services.branches import branch_create
from branches.services.contacts import contact_add, contact_follow_up_done, liaison_add
from branches.services.reminders import reminders_send_due
from federation.models import JobRun, Notification, Reminder
from tests.branches.factories import OrganisationFactory
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)  # a working day


def at(day: dt.datetime):
    return time_machine.travel(day, tick=False)


def inbox(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_a_follow_up_for_tomorrow_reaches_the_officer_once_and_stops_when_done(district_officer):
    organisation = OrganisationFactory()
    with at(MONDAY_MORNING):
        contact = contact_add(
            by=district_officer, organisation=organisation, contacted_on=dt.date(2026, 11, 30), channel="phone",
            summary="约定下周走访", next_follow_up=dt.date(2026, 12, 1),
        )  # fmt: skip
        first = reminders_send_due()
        again = reminders_send_due()
    assert first["reminders.follow_ups"] == 1 and again["reminders.follow_ups"] == 0
    assert inbox(district_officer).count("follow_up.due") == 1
    assert any("2026-12-01" in message.subject for message in mail.outbox)
    with at(MONDAY_MORNING + dt.timedelta(days=1)):
        contact_follow_up_done(by=district_officer, contact=contact)
        reminders_send_due()
    with at(MONDAY_MORNING + dt.timedelta(days=2)):
        reminders_send_due()
    assert inbox(district_officer).count("follow_up.due") == 1
    assert "follow_up.overdue" not in inbox(district_officer)


def test_an_overdue_follow_up_is_escalated_to_the_units_manager_after_the_delay(
    district_officer, district_manager
):
    organisation = OrganisationFactory()
    with at(dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)):
        contact_add(
            by=district_officer, organisation=organisation, contacted_on=dt.date(2026, 11, 2), channel="visit",
            summary="需要复访", next_follow_up=dt.date(2026, 11, 10),
        )  # fmt: skip
    with at(dt.datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)):  # 6 days overdue: not yet escalated
        reminders_send_due()
    assert "follow_up.overdue" in inbox(district_officer) and "follow_up.escalated" not in inbox(
        district_manager
    )
    with at(MONDAY_MORNING):  # 20 days overdue
        reminders_send_due()
        reminders_send_due()
    assert inbox(district_manager).count("follow_up.escalated") == 1
    assert inbox(district_officer).count("follow_up.overdue") == 1


def test_nothing_goes_out_on_a_holiday_and_the_next_working_day_catches_up(district_officer):
    organisation = OrganisationFactory()
    with at(dt.datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI)):
        contact_add(
            by=district_officer, organisation=organisation, contacted_on=dt.date(2026, 9, 29), channel="phone",
            summary="节后联系", next_follow_up=dt.date(2026, 10, 2),
        )  # fmt: skip
    with at(dt.datetime(2026, 10, 2, 10, 0, tzinfo=SHANGHAI)):  # National Day holiday
        results = reminders_send_due()
    assert results["reminders.follow_ups"] == 0 and not inbox(district_officer)
    assert JobRun.objects.filter(status="skipped").exists()
    with at(dt.datetime(2026, 10, 8, 10, 0, tzinfo=SHANGHAI)):  # the first working day after it
        reminders_send_due()
    assert "follow_up.overdue" in inbox(district_officer)


def test_organisations_past_their_cadence_reach_their_officer(district_officer, district_manager):
    mine = OrganisationFactory(officer=district_officer)
    orphan = OrganisationFactory()
    with at(dt.datetime(2026, 10, 1, 10, 0, tzinfo=SHANGHAI)):
        contact_add(
            by=district_officer,
            organisation=mine,
            contacted_on=dt.date(2026, 10, 1),
            channel="phone",
            summary="x",
        )
    mine.refresh_from_db()
    with at(MONDAY_MORNING):
        type(orphan).objects.filter(pk=orphan.pk).update(created_at=dt.datetime(2026, 9, 1, tzinfo=SHANGHAI))
        reminders_send_due()
        reminders_send_due()
    assert inbox(district_officer) == ["contact.cadence", "digest.weekly"] or sorted(
        inbox(district_officer)
    ) == [
        "contact.cadence",
        "digest.weekly",
    ]
    assert "contact.cadence" in inbox(district_manager)  # no officer: the district's manager hears of it


def test_a_term_ending_within_90_days_reaches_officer_and_liaison_and_a_renewal_stops_it(city_officer):
    organisation = OrganisationFactory(officer=city_officer)
    contact_user = ContactFactory(username="liaison_x")
    with at(dt.datetime(2021, 12, 20, 10, 0, tzinfo=SHANGHAI)):
        branch = branch_create(
            by=city_officer, organisation=organisation,
            data={"name": "某公司妇联", "form": "federation", "established_on": dt.date(2021, 12, 20)},
        )  # fmt: skip
    liaison = liaison_add(
        by=city_officer, organisation=organisation, name="王芳", mobile="13904731234", consent=True
    )
    liaison.user = contact_user
    liaison.save()
    with at(MONDAY_MORNING):  # 20 days before 2026-12-20
        reminders_send_due()
    assert "term.ending" in inbox(city_officer) and inbox(contact_user) == ["term.ending"]
    Branch.objects.filter(pk=branch.pk).update(term_ends_on=dt.date(2031, 12, 20))
    with at(MONDAY_MORNING + dt.timedelta(days=1)):
        reminders_send_due()
    assert inbox(contact_user) == ["term.ending"]


def test_the_weekly_digest_goes_once_a_week(district_officer):
    with at(MONDAY_MORNING):
        reminders_send_due()
    with at(MONDAY_MORNING + dt.timedelta(days=2)):
        reminders_send_due()
    with at(MONDAY_MORNING + dt.timedelta(days=7)):
        reminders_send_due()
    assert inbox(district_officer).count("digest.weekly") == 2


def test_messages_are_in_the_recipients_language(district_officer):
    district_officer.language = "en"
    district_officer.save()
    organisation = OrganisationFactory(name="乌海市爱心协会")
    with at(MONDAY_MORNING):
        contact_add(
            by=district_officer, organisation=organisation, contacted_on=dt.date(2026, 11, 30), channel="phone",
            summary="x", next_follow_up=dt.date(2026, 11, 30),
        )  # fmt: skip
        reminders_send_due()
    subjects = [m.subject for m in mail.outbox]
    assert "Follow up with 乌海市爱心协会 by 2026-11-30" in subjects


def test_the_command_runs_the_sweep_and_prints_counts(district_officer):
    with at(MONDAY_MORNING):
        out = io.StringIO()
        call_command("send_reminders", stdout=out)
    assert "follow_ups=0" in out.getvalue() and "weekly_digest=1" in out.getvalue()
    assert Reminder.objects.count() == 1


def test_two_sweeps_at_once_send_each_reminder_once(district_officer):
    import threading

    from django.db import connection

    from tests.conftest import need

    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    organisations = [OrganisationFactory(officer=district_officer) for _ in range(5)]
    with at(MONDAY_MORNING):
        for organisation in organisations:
            contact_add(
                by=district_officer, organisation=organisation, contacted_on=dt.date(2026, 11, 30), channel="phone",
                summary="x", next_follow_up=dt.date(2026, 12, 1),
            )  # fmt: skip
    barrier = threading.Barrier(3)

    def sweep():
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            with at(MONDAY_MORNING):
                reminders_send_due()
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert inbox(district_officer).count("follow_up.due") == 5
    assert len([m for m in mail.outbox if "2026-12-01" in m.subject]) == 5
