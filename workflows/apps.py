from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Guided formation")

    def ready(self) -> None:
        from branches.services.follow import (
            hanging_count_register,
            merge_follower_register,
            move_follower_register,
        )
        from branches.services.reminders import reminder_job_register
        from branches.views.organisations import organisation_panel_register
        from federation import access
        from federation.context_processors import nav_item_register
        from federation.home import home_panel_register

        from . import jobs  # noqa: F401  (the papers package's job)
        from .follow import runs_count, runs_follow_merge, runs_follow_moves
        from .home import contact_runs_panel
        from .models import FormationRun
        from .reminders import reminders_steps
        from .selectors import contact_may_sign_in, contact_sees_run
        from .views.staff import organisation_runs_panel, review_waiting_panel

        reminder_job_register("reminders.steps", reminders_steps)
        merge_follower_register(runs_follow_merge)
        move_follower_register(runs_follow_moves)
        hanging_count_register(FormationRun, runs_count)
        access.register_contact_scope(FormationRun, contact_sees_run)
        access.register_sign_in_check(contact_may_sign_in)
        # staff pages: navigation, the runs card on an organisation's page, the review count on the home
        nav_item_register(
            "workflows:run_list", _("Formation runs"), "diagram-3", "workflow.view", group="formation"
        )
        nav_item_register(
            "workflows:review_queue", _("Review"), "check2-square", "workflow.review", group="formation"
        )
        nav_item_register(
            "workflows:template_list", _("Formation templates"), "list-ol", "workflow.templates", admin=True
        )
        organisation_panel_register("workflows/staff/_organisation_runs.html", organisation_runs_panel)
        home_panel_register("workflows/staff/_home_review.html", review_waiting_panel)
        # the organisation's portal: its runs on the contact's home
        home_panel_register("workflows/_home_runs.html", contact_runs_panel, home="contact")
