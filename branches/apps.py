from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = _("Organisations ledger")

    def ready(self) -> None:
        from federation import access
        from federation.context_processors import nav_item_register
        from federation.home import home_panel_register

        from . import jobs  # noqa: F401  (the register import's jobs)
        from .home import follow_ups_panel, my_organisations_panel
        from .models import Organisation
        from .selectors import contact_sees_organisation

        nav_item_register(
            "branches:organisation_list", _("Ledger"), "building", "ledger.view", group="ledger"
        )
        nav_item_register(
            "branches:branch_list", _("Women's organisations"), "people", "ledger.view", group="ledger"
        )
        nav_item_register(
            "branches:contact_overdue", _("Overdue contacts"), "alarm", "ledger.view", group="ledger"
        )
        nav_item_register(
            "branches:reminder_upcoming", _("Reminders this week"), "bell", "ledger.view", group="ledger"
        )
        nav_item_register(
            "branches:import_list", _("Register imports"), "upload", "ledger.import", group="ledger"
        )
        home_panel_register("branches/_home_follow_ups.html", follow_ups_panel)
        home_panel_register("branches/_home_my_organisations.html", my_organisations_panel, home="contact")
        access.register_contact_scope(Organisation, contact_sees_organisation)
