"""Notification channels. The in-app inbox always holds the message; channels carry a copy elsewhere.

Built in: e-mail and a log-only channel. SMS and WeCom are plug-in points: write a class with
`name` and `send(*, user, subject, body, url)` (raise ChannelError on a transient failure, so the delivery is
retried with backoff) and list its dotted path in the NOTIFICATION_CHANNELS setting.
"""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

log = logging.getLogger("federation.channels")


class ChannelError(Exception):
    """A delivery that failed for a reason that may pass (network, gateway); it is retried."""


class EmailChannel:
    name = "email"

    def send(self, *, user, subject: str, body: str, url: str) -> bool:
        if not user.email:
            return False
        text = f"{body}\n\n{settings.SITE_URL}{url}" if url else body
        try:
            send_mail(subject, text, None, [user.email], fail_silently=False)
        except OSError as error:  # SMTP refused, timed out or unreachable
            raise ChannelError(str(error)) from error
        return True


class LogChannel:
    """Stands in for SMS or WeCom until a gateway is configured: writes the message to the log."""

    name = "log"

    def send(self, *, user, subject: str, body: str, url: str) -> bool:
        log.info("notification for %s (%s): %s", user.get_username(), getattr(user, "mobile", ""), subject)
        return True


@cache
def channels() -> list:
    """The configured channels, instantiated once per process."""
    return [import_string(path)() for path in settings.NOTIFICATION_CHANNELS]
