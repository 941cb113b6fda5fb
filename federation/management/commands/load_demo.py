"""manage.py load_demo: demo accounts (and, from each app, its demo data) for a laptop; idempotent."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils.module_loading import import_string

from federation.demo import DEMO_AREA, DEMO_USERS, demo_users_load
from federation.divisions import divisions_load
from federation.models import Region


class Command(BaseCommand):
    help = "Load demo accounts and demo data (refused when DEBUG is off)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are never created when DEBUG is off.")
        if not Region.objects.filter(code=DEMO_AREA).exists():  # the demo's area, from the divisions dataset
            divisions_load(code=DEMO_AREA)
        demo_users_load()
        # Each of the project's own apps may provide demo.demo_load(), run in INSTALLED_APPS (dependency) order.
        project = Path(settings.BASE_DIR).resolve()
        for config in apps.get_app_configs():
            path = Path(config.path).resolve()
            if path.parent == project and config.name != "federation":
                try:
                    loader = import_string(f"{config.name}.demo.demo_load")
                except ImportError:
                    continue
                # the demo's own notifications stay in the inbox instead of filling the console
                with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                    loader(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in (make run serves http://127.0.0.1:8000/) with:")
        )
        for username, (full_name, *_rest) in DEMO_USERS.items():
            self.stdout.write(f"  {username:<10} {settings.DEMO_PASSWORD}   {full_name}")
