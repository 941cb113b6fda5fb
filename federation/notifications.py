"""Notifying people: the inbox, channel delivery with retries, reminders sent at most once, the job log."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Greatest
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import ngettext

from .models import JobRun, Notification, Reminder, User

log = logging.getLogger(__name__)

# Deliveries the sweep hands to the channels again at most (each of them retried by the task with backoff); a
# notification a channel refused counts as having reached it.
DELIVERY_MAX_ATTEMPTS = 8


def text_render(name: str, context: dict) -> str:
    """A plain-text template rendered as text: nothing is escaped for HTML (a question's "<盖章>" stays as
    written). Pages that show the text escape it when they put it into HTML."""
    return get_template(name).template.render(Context(context, autoescape=False))


def render_for(user: User, template: str, context: dict) -> tuple[str, str]:
    """Subject and body of a message, rendered in the recipient's language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = text_render(f"emails/{template}_subject.txt", context).strip()
        body = text_render(f"emails/{template}_body.txt", context).strip()
    return " ".join(subject.split()), body


def notification_create(
    *, user: User, kind: str, template: str, context: dict, url: str = ""
) -> Notification:
    """Put a message in the user's inbox and, after commit, hand it to the channels."""
    subject, body = render_for(user, template, context)
    notification = Notification.objects.create(
        recipient=user, kind=kind, title=subject[:200], body=body, url=url
    )
    transaction.on_commit(lambda: _enqueue_delivery(notification.pk))
    return notification


def _enqueue_delivery(notification_id: int) -> None:
    from .tasks import notification_deliver

    try:
        notification_deliver.delay(notification_id)
    except Exception:  # the broker is down: the inbox has the message; the next sweep retries delivery
        log.warning("could not enqueue delivery of notification %s; it stays pending", notification_id)


def notification_deliver(*, notification_id: int) -> bool:
    """Send a notification through every channel. A transient failure raises ChannelError (the task retries
    it with backoff); a channel's refusal (ChannelRefused) is recorded in last_error and given up at once, while
    the other channels still carry their copies. Returns False when it was sent already or a channel refused it."""
    from .channels import ChannelError, ChannelRefused, channels

    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if notification.delivery in (Notification.Delivery.SENT, Notification.Delivery.HELD):
        return False  # a repeated task (acks_late, redelivery sweep) sends nothing twice
    user = notification.recipient
    if user.reminder_digest == "weekly" and Reminder.objects.filter(notification_id=notification.pk).exists():
        Notification.objects.filter(pk=notification.pk).update(delivery=Notification.Delivery.HELD)
        return False  # the week's reminders go out together (digests_send)
    refusals: list[str] = []
    try:
        for channel in channels():
            if not channel_wanted(user, notification.kind, channel.name):
                continue
            try:
                channel.send(
                    user=user, subject=notification.title, body=notification.body, url=notification.url
                )
            except ChannelRefused as refusal:
                refusals.append(str(refusal))
    except ChannelError as error:
        Notification.objects.filter(pk=notification.pk).update(
            delivery=Notification.Delivery.FAILED,
            attempts=models.F("attempts") + 1,
            last_error="\n".join([*refusals, str(error)])[:2000],
        )
        raise
    if refusals:  # given up: the sweep passes over a notification that reached its limit of attempts
        Notification.objects.filter(pk=notification.pk).update(
            delivery=Notification.Delivery.FAILED,
            attempts=Greatest(models.F("attempts") + 1, models.Value(DELIVERY_MAX_ATTEMPTS)),
            last_error="\n".join(refusals)[:2000],
        )
        log.warning("notification %s was refused by a channel and is not retried", notification.pk)
        return False
    Notification.objects.filter(pk=notification.pk).update(
        delivery=Notification.Delivery.SENT, attempts=models.F("attempts") + 1, last_error=""
    )
    return True


def notifications_redeliver(
    *, older_than: dt.timedelta = dt.timedelta(minutes=5), max_attempts: int = DELIVERY_MAX_ATTEMPTS
) -> int:
    """Hand undelivered notifications to the channels again (after the broker or a gateway was down); the
    job log shows how many were handed over and how many are failing, with the latest error."""
    cutoff = timezone.now() - older_than
    undelivered = Notification.objects.filter(
        delivery__in=[Notification.Delivery.PENDING, Notification.Delivery.FAILED], created_at__lt=cutoff
    )
    with job_run("notifications.redeliver") as run:
        ids = list(undelivered.filter(attempts__lt=max_attempts).values_list("pk", flat=True)[:1000])
        for notification_id in ids:
            _enqueue_delivery(notification_id)
        failing = undelivered.filter(delivery=Notification.Delivery.FAILED)
        run.sent, run.failed = len(ids), failing.count()
        latest = (
            failing.exclude(last_error="")
            .order_by("-created_at")
            .values_list("last_error", flat=True)
            .first()
        )
        if latest:
            run.details = {
                "latest_error": latest[:300],
                "given_up": failing.filter(attempts__gte=max_attempts).count(),
            }
    return len(ids)


def reminder_send(
    *, kind: str, obj: models.Model, due_on: dt.date, user: User, template: str, context: dict, url: str = ""
) -> bool:
    """Send one reminder unless it was already sent: the unique row is claimed first, so two runs at once, or
    a run repeated, send it exactly once. Returns whether this call sent it."""
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(
                kind=kind,
                content_type=ContentType.objects.get_for_model(obj),
                object_id=str(obj.pk),
                due_on=due_on,
                recipient=user,
            )
            reminder.notification = notification_create(
                user=user, kind=kind, template=template, context=context, url=url
            )
            reminder.save(update_fields=["notification"])
    except IntegrityError:
        return False
    return True


@contextlib.contextmanager
def job_run(name: str) -> Iterator[JobRun]:
    """Record a periodic job's run in the job log: its end, what it sent, and its error if it failed."""
    run = JobRun.objects.create(name=name)
    try:
        yield run
    except Exception as error:
        run.status = JobRun.Status.FAILED
        run.error = f"{type(error).__name__}: {error}"[:2000]
        run.finished_at = timezone.now()
        run.save()
        raise
    if run.status == JobRun.Status.RUNNING:
        run.status = JobRun.Status.OK
    run.finished_at = timezone.now()
    run.save()


def channel_wanted(user: User, kind: str, channel: str) -> bool:
    """Whether the person wants messages of this kind by this channel (the inbox has every one)."""
    return kind not in ((user.reminder_channels_off or {}).get(channel) or [])


def digests_send(*, now: dt.datetime | None = None, force: bool = False) -> int:
    """Send each person the reminders held for their weekly digest, one message per channel listing them: on
    the week's first working day from REMINDER_HOUR (or at once with force). A reminder is taken from the held
    ones before it is sent, so two runs at once send it once; a channel that fails transiently gets it back
    for the next run. Returns how many people were sent a digest."""
    from .channels import ChannelError, ChannelRefused, channels
    from .workdays import is_working_day

    now = now or timezone.now()
    local = timezone.localtime(now)
    today = local.date()
    monday = today - dt.timedelta(days=today.weekday())
    first = next(
        (monday + dt.timedelta(days=n) for n in range(7) if is_working_day(monday + dt.timedelta(days=n))),
        monday,
    )
    if not force and (today != first or local.hour < settings.REMINDER_HOUR):
        return 0
    held = Notification.objects.filter(delivery=Notification.Delivery.HELD)
    sent = 0
    for user_id in held.values_list("recipient_id", flat=True).distinct().order_by("recipient_id"):
        with transaction.atomic():
            items = list(
                held.filter(recipient_id=user_id)
                .select_for_update(skip_locked=True)
                .order_by("created_at", "pk")
            )
            if not items:
                continue
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(
                delivery=Notification.Delivery.SENT, attempts=models.F("attempts") + 1
            )
        user = items[0].recipient
        try:
            for channel in channels():
                lines = [n for n in items if channel_wanted(user, n.kind, channel.name)]
                if not lines:
                    continue
                subject, body = _digest_text(user, lines)
                try:
                    channel.send(user=user, subject=subject, body=body, url="/inbox/")
                except ChannelRefused as refusal:
                    Notification.objects.filter(pk__in=[n.pk for n in lines]).update(
                        last_error=str(refusal)[:2000]
                    )
        except ChannelError as error:
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(
                delivery=Notification.Delivery.HELD, last_error=str(error)[:2000]
            )
            continue
        sent += 1
    return sent


def _digest_text(user: User, items: list[Notification]) -> tuple[str, str]:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = ngettext("This week's reminder", "This week's %(count)d reminders", len(items)) % {
            "count": len(items)
        }
        lines = [f"- {n.title} {settings.SITE_URL}{n.url}" if n.url else f"- {n.title}" for n in items]
        return subject, "\n".join(lines)
