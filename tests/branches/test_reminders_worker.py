"""A reminder travels through Redis to a running Celery worker and lands in the inbox and the e-mail outbox."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from branches.services.contacts import contact_add
from branches.tasks import reminders_send_due
from federation.models import Notification
from tests.branches.factories import OrganisationFactory
from tests.conftest import WORKER_MAIL_DIR

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_a_follow_up_reminder_goes_through_the_worker_to_inbox_and_mail(
    celery_worker, district_officer, monkeypatch
):
    organisation = OrganisationFactory(name="乌海市某某物流有限公司")
    today = timezone.localdate()
    contact_add(
        by=district_officer, organisation=organisation, contacted_on=today, channel="phone",
        summary="约好明天回访", next_follow_up=today + dt.timedelta(days=1),
    )  # fmt: skip
    # The worker judges working days and hours by its own clock; the test sends regardless of the hour.
    reminders_send_due.delay(force=True)
    assert wait_for(
        lambda: Notification.objects.filter(recipient=district_officer, kind="follow_up.due").exists()
    )
    assert wait_for(lambda: any(WORKER_MAIL_DIR.glob("*.log")))
    mail = "\n".join(
        path.read_text(encoding="utf-8", errors="replace") for path in WORKER_MAIL_DIR.glob("*.log")
    )
    assert district_officer.email in mail
    assert wait_for(
        lambda: Notification.objects.get(recipient=district_officer, kind="follow_up.due").delivery == "sent"
    )
