"""The inbox, channel delivery with retries, reminders sent at most once, and the job log."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from federation.channels import ChannelError
from federation.models import JobRun, Notification, Reminder
from federation.notifications import job_run, notification_create, notifications_redeliver, reminder_send
from federation.workdays import is_working_day, send_window_open, working_days_after

pytestmark = pytest.mark.django_db(transaction=True)

DUE = dt.date(2026, 11, 30)


def send(user, obj, due=DUE, kind="test.reminder"):
    return reminder_send(
        kind=kind,
        obj=obj,
        due_on=due,
        user=user,
        template="message",
        context={"title": "跟进提醒", "text": "请跟进", "user": user},
        url="/staff/",
    )


def message(user, title="T", url=""):
    return notification_create(
        user=user, kind="t", template="message", context={"title": title, "text": "x", "user": user}, url=url
    )


def test_a_reminder_is_sent_once_however_often_the_job_runs(city_officer):
    assert send(city_officer, city_officer) is True
    assert send(city_officer, city_officer) is False
    assert Reminder.objects.count() == 1 and Notification.objects.count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "跟进提醒"
    assert Notification.objects.get().delivery == Notification.Delivery.SENT
    assert send(city_officer, city_officer, due=DUE + dt.timedelta(days=1)) is True  # a new due date is new


def test_two_runs_at_once_send_a_reminder_exactly_once(city_officer):
    from tests.conftest import need

    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    results, barrier = [], threading.Barrier(4)

    def run():
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            results.append(send(city_officer, city_officer))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1


def test_messages_are_rendered_in_the_recipients_language(city_officer):
    city_officer.language = "en"
    city_officer.save()
    message(city_officer)
    assert mail.outbox[0].body.startswith("Hello ")


def test_a_failing_channel_marks_the_delivery_failed_and_the_sweep_retries(city_officer, monkeypatch):
    def broken(self, **kwargs):
        raise ChannelError("smtp down")

    monkeypatch.setattr("federation.channels.EmailChannel.send", broken)
    message(city_officer)
    notification = Notification.objects.get()
    assert notification.delivery == Notification.Delivery.FAILED and "smtp down" in notification.last_error
    Notification.objects.update(created_at=notification.created_at - dt.timedelta(minutes=10))
    assert notifications_redeliver() == 1  # still failing: the job log says so
    failed_run = JobRun.objects.filter(name="notifications.redeliver").latest("started_at")
    assert failed_run.failed == 1 and "smtp down" in failed_run.details["latest_error"]
    monkeypatch.undo()
    assert notifications_redeliver() == 1
    notification.refresh_from_db()
    assert notification.delivery == Notification.Delivery.SENT and len(mail.outbox) == 1
    assert notifications_redeliver() == 0


@pytest.fixture
def broker_down():
    """Point Celery at a port where nothing listens, as when Redis is down."""
    from federation.celery import app

    def pools_forget():  # connections and producers made for one broker must not serve the other
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:1/0", False
    pools_forget()
    yield
    app.conf.broker_url, app.conf.task_always_eager = saved
    pools_forget()


def test_with_redis_down_saves_succeed_at_once_and_the_message_waits_in_the_inbox(
    client, city_officer, broker_down
):
    import time

    started = time.monotonic()
    assert send(city_officer, city_officer) is True
    assert time.monotonic() - started < 3  # a refused connection, not a hanging page
    assert Notification.objects.get().delivery == Notification.Delivery.PENDING and not mail.outbox
    client.force_login(city_officer)
    assert client.get(reverse("federation:inbox")).status_code == 200


def test_after_redis_comes_back_the_sweep_delivers_what_waited(city_officer, broker_down):
    from federation.celery import app

    send(city_officer, city_officer)
    app.conf.task_always_eager = True  # the broker is back (in-process here)
    Notification.objects.update(created_at=Notification.objects.get().created_at - dt.timedelta(minutes=10))
    assert notifications_redeliver() == 1
    assert Notification.objects.get().delivery == Notification.Delivery.SENT and len(mail.outbox) == 1


def test_job_log_records_success_and_failure():
    with job_run("test.ok") as run:
        run.sent = 3
    with pytest.raises(RuntimeError), job_run("test.broken"):
        raise RuntimeError("boom")
    ok, broken = JobRun.objects.get(name="test.ok"), JobRun.objects.get(name="test.broken")
    assert ok.status == "ok" and ok.sent == 3 and ok.finished_at
    assert broken.status == "failed" and "boom" in broken.error


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-10-01", False),
        ("2026-10-10", True),
        ("2026-11-28", False),
        ("2026-11-30", True),
        ("2026-02-14", True),
    ],
)
def test_working_days_follow_chinas_calendar_with_make_up_days(day, working):
    assert is_working_day(dt.date.fromisoformat(day)) is working


def test_the_send_window_opens_at_the_configured_hour_on_working_days(settings):
    from zoneinfo import ZoneInfo

    settings.REMINDER_HOUR = 9
    shanghai = ZoneInfo("Asia/Shanghai")
    assert not send_window_open(dt.datetime(2026, 11, 30, 8, 59, tzinfo=shanghai))
    assert send_window_open(dt.datetime(2026, 11, 30, 9, 0, tzinfo=shanghai))
    assert not send_window_open(dt.datetime(2026, 11, 29, 10, 0, tzinfo=shanghai))  # a Sunday
    assert working_days_after(dt.date(2026, 9, 30), 1) == dt.date(
        2026, 10, 8
    )  # after the National Day holiday


def test_inbox_shows_unread_count_and_opening_marks_read(client, city_officer, district_officer):
    message(city_officer, "请跟进", url="/ledger/organisations/")
    theirs = message(district_officer, "别人的")
    client.force_login(city_officer)
    page = client.get(reverse("federation:staff_home")).content.decode()
    assert 'text-bg-warning">1' in page
    mine = Notification.objects.get(recipient=city_officer)
    response = client.post(reverse("federation:notification_open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/ledger/organisations/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.post(reverse("federation:notification_open", args=[theirs.pk])).status_code == 404
    assert "别人的" not in client.get(reverse("federation:inbox")).content.decode()


def test_a_notification_never_redirects_off_site(client, city_officer):
    evil = message(city_officer, url="https://evil.example/")
    client.force_login(city_officer)
    response = client.post(reverse("federation:notification_open", args=[evil.pk]))
    assert response["Location"] == reverse("federation:inbox")
