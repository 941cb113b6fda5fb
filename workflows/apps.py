from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Guided formation")

    def ready(self) -> None:
        from branches.services.reminders import reminder_job_register
        from federation import access

        from .models import FormationRun, StepEntry
        from .reminders import reminders_steps
        from .selectors import contact_sees_entry, contact_sees_run

        reminder_job_register("reminders.steps", reminders_steps)
        access.register_contact_scope(FormationRun, contact_sees_run)
        access.register_contact_scope(StepEntry, contact_sees_entry)
