from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "federation"
    verbose_name = _("Federation")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the login log to Django's auth signals)
        from .fieldcrypt import keys

        keys()  # a missing or malformed FIELD_KEYS stops every process at start-up, naming the variable
