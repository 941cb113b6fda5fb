"""Background tasks of the ledger: thin wrappers around the reminder services."""

from celery import shared_task


@shared_task(name="branches.reminders_send_due", acks_late=True, soft_time_limit=600, time_limit=900)
def reminders_send_due(force: bool = False) -> dict:
    """Periodic (hourly): send the reminders that are due; repeated runs send nothing twice."""
    from branches.services.reminders import reminders_send_due as send

    return send(force=force)
