"""Each person chooses which reminders reach them by which channel, and may take them once a week gathered in
one message; the inbox always has every reminder."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from federation.models import Notification, OperationLog, Reminder
from federation.notifications import digests_send, notification_deliver

pytestmark = pytest.mark.django_db

SENT: list[tuple[str, str, str, str]] = []  # (channel, username, subject, body)


class EmailRecorder:
    name = "email"

    def send(self, *, user, subject, body, url):
        SENT.append((self.name, user.username, subject, body))
        return True


class SmsRecorder(EmailRecorder):
    name = "sms"


@pytest.fixture(autouse=True)
def _recording_channels(settings):
    SENT.clear()
    settings.NOTIFICATION_CHANNELS = [f"{__name__}.EmailRecorder", f"{__name__}.SmsRecorder"]
    yield
    SENT.clear()


def reminder(user, kind: str, title: str, *, number: int) -> Notification:
    notification = Notification.objects.create(recipient=user, kind=kind, title=title, url=f"/r/{number}/")
    Reminder.objects.create(
        kind=kind, content_type=ContentType.objects.get_for_model(user), object_id=str(number),
        due_on=dt.date(2026, 12, 7), recipient=user, notification=notification,
    )  # fmt: skip
    return notification


def test_a_person_who_turned_sms_off_for_a_kind_gets_it_by_email_only(client, district_officer):
    client.force_login(district_officer)
    page = client.get(reverse("branches:reminder_settings"))
    assert page.status_code == 200 and 'name="sms:follow_up.due"' in page.text
    data = {
        f"{channel}:{kind}": "on"
        for channel in ("email", "sms")
        for kind in ("follow_up.due", "follow_up.overdue", "step.due", "contact.cadence")
    }
    del data["sms:follow_up.due"]
    response = client.post(reverse("branches:reminder_settings"), {**data, "digest": "daily"})
    assert response.status_code == 302
    district_officer.refresh_from_db()
    assert district_officer.reminder_channels_off["sms"][0] == "follow_up.due"
    assert OperationLog.objects.filter(
        action="user.reminder_choices", object_id=str(district_officer.pk)
    ).exists()

    notification_deliver(notification_id=reminder(district_officer, "follow_up.due", "回访到期", number=1).pk)
    notification_deliver(
        notification_id=reminder(district_officer, "follow_up.overdue", "回访逾期", number=2).pk
    )
    assert [(channel, subject) for channel, _user, subject, _body in SENT] == [
        ("email", "回访到期"),
        ("email", "回访逾期"),
        ("sms", "回访逾期"),
    ]
    assert Notification.objects.filter(recipient=district_officer).count() == 2  # the inbox has both


def test_a_weekly_digest_gathers_the_weeks_reminders_into_one_message_per_channel_once(
    district_officer, settings
):
    settings.REMINDER_HOUR = 9
    district_officer.reminder_digest = "weekly"
    district_officer.reminder_channels_off = {"sms": ["step.due"]}
    district_officer.save()
    held = [
        reminder(district_officer, "follow_up.due", "回访到期：甲公司", number=1),
        reminder(district_officer, "step.due", "步骤到期：乙商会", number=2),
    ]
    for notification in held:
        notification_deliver(notification_id=notification.pk)
    assert SENT == []
    assert set(Notification.objects.values_list("delivery", flat=True)) == {Notification.Delivery.HELD}

    shanghai = ZoneInfo("Asia/Shanghai")
    tuesday = dt.datetime(2026, 12, 8, 10, tzinfo=shanghai)
    assert digests_send(now=tuesday) == 0  # not the week's first working day
    monday_early = dt.datetime(2026, 12, 7, 8, tzinfo=shanghai)
    assert digests_send(now=monday_early) == 0
    monday = dt.datetime(2026, 12, 7, 10, tzinfo=shanghai)
    assert digests_send(now=monday) == 1
    by_channel = {channel: (subject, body) for channel, _user, subject, body in SENT}
    assert set(by_channel) == {"email", "sms"} and len(SENT) == 2
    assert "甲公司" in by_channel["email"][1] and "乙商会" in by_channel["email"][1]
    assert "甲公司" in by_channel["sms"][1] and "乙商会" not in by_channel["sms"][1]  # its SMS turned off
    assert "2" in by_channel["email"][0]
    assert set(Notification.objects.values_list("delivery", flat=True)) == {Notification.Delivery.SENT}
    assert digests_send(now=monday) == 0  # nothing is sent twice
