from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sqlite_median(sender, connection, **kwargs) -> None:
    """SQLite has no median: register one (PostgreSQL uses percentile_cont)."""
    if connection.vendor == "sqlite":
        from coverage.services import SqliteMedian

        connection.connection.create_aggregate("MEDIAN", 1, SqliteMedian)


def _triggers_ensure(sender, using, apps=None, **kwargs) -> None:
    """After every migrate, the marking triggers are on every table the figures read: SQLite drops a table's
    triggers when a later migration rebuilds the table (an altered or removed column)."""
    from django.db import connections

    from coverage.triggers import counted_tables, triggers_create

    if apps is None or "coverage" not in {config.label for config in apps.get_app_configs()}:
        return
    try:
        tables = counted_tables(apps)
    except LookupError:  # migrating backwards to before an app the figures read
        return
    with connections[using].schema_editor() as editor:
        triggers_create(editor, tables)


class CoverageConfig(AppConfig):
    name = "coverage"
    verbose_name = _("Coverage")

    def ready(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from federation.context_processors import nav_item_register
        from federation.home import home_panel_register

        from . import jobs  # noqa: F401  (the monthly report's job)
        from .home import coverage_panel

        connection_created.connect(_sqlite_median, dispatch_uid="coverage_sqlite_median")
        post_migrate.connect(_triggers_ensure, sender=self, dispatch_uid="coverage_triggers_ensure")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                _sqlite_median(None, connection)
        nav_item_register("coverage:dashboard", _("Coverage"), "pie-chart", "coverage.view")
        home_panel_register("coverage/_home_coverage.html", coverage_panel)
