from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sqlite_median(sender, connection, **kwargs) -> None:
    """SQLite has no median: register one (PostgreSQL uses percentile_cont)."""
    if connection.vendor == "sqlite":
        from coverage.services import SqliteMedian

        connection.connection.create_aggregate("MEDIAN", 1, SqliteMedian)


class CoverageConfig(AppConfig):
    name = "coverage"
    verbose_name = _("Coverage")

    def ready(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        from federation.context_processors import nav_item_register
        from federation.home import home_panel_register

        from .home import coverage_panel

        connection_created.connect(_sqlite_median, dispatch_uid="coverage_sqlite_median")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                _sqlite_median(None, connection)
        nav_item_register("coverage:dashboard", _("Coverage"), "pie-chart", "coverage.view")
        home_panel_register("coverage/_home_coverage.html", coverage_panel)
