"""Background tasks of the core app: thin wrappers that take ids and call services."""

from celery import shared_task

from .channels import ChannelError


@shared_task(name="federation.ping", ignore_result=False)
def ping() -> str:
    """Answer "pong": proves a worker takes tasks from the broker (health checks, tests)."""
    return "pong"


@shared_task(
    name="federation.notification_deliver",
    bind=True,
    acks_late=True,
    autoretry_for=(ChannelError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=6,
)
def notification_deliver(self, notification_id: int) -> bool:
    """Carry one notification to the channels; transient failures retry with backoff."""
    from .notifications import notification_deliver as deliver

    return deliver(notification_id=notification_id)


@shared_task(name="federation.notifications_redeliver", acks_late=True)
def notifications_redeliver() -> int:
    """Periodic: hand notifications that never reached their channels to them again."""
    from .notifications import notifications_redeliver as redeliver

    return redeliver()


@shared_task(name="federation.audit_seal")
def audit_seal() -> dict[str, int]:
    """Take the logs' new entries into their hash chains."""
    from .audit import seal

    return seal()


@shared_task(name="federation.audit_purge")
def audit_purge() -> dict[str, int]:
    """Remove log entries past their keeping time, from the start of each chain."""
    from .audit import purge

    return purge()


@shared_task(name="federation.sessions_clear")
def sessions_clear() -> int:
    """Remove sessions past their expiry from the database (residual information: a session nobody signed out
    of would otherwise stay stored)."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    removed, _kinds = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return removed


@shared_task(name="federation.digests_send")
def digests_send() -> int:
    """Hourly: on the week's first working day, the weekly digests of held reminders."""
    from .notifications import digests_send as send
    from .notifications import job_run

    with job_run("notifications.digests") as run:
        run.sent = send()
    return run.sent
