"""manage.py send_reminders: run the reminder sweep now (in-process, or through the worker with --queue)."""

from django.core.management.base import BaseCommand

from branches.services.reminders import reminders_send_due


class Command(BaseCommand):
    help = "Send the reminders that are due now (follow-ups, contact cadence, terms, weekly digest)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Send even outside working days and hours.")
        parser.add_argument(
            "--queue", action="store_true", help="Hand the sweep to the Celery worker instead."
        )

    def handle(self, *args, force=False, queue=False, **options):
        if queue:
            from branches.tasks import reminders_send_due as task

            result = task.delay()
            self.stdout.write(f"queued as task {result.id}")
            return
        results = reminders_send_due(force=force)
        self.stdout.write(" ".join(f"{name.split('.')[-1]}={count}" for name, count in results.items()))
