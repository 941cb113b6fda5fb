from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Background work")

    def ready(self) -> None:
        from federation.context_processors import nav_item_register

        from . import backups  # noqa: F401  (the backup's job)

        nav_item_register("jobs:list", _("Background work"), "hourglass-split", "jobs.view", group="ledger")
        nav_item_register("jobs:backup", _("Backups"), "database-down", "jobs.backup", admin=True)
