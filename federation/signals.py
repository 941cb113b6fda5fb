"""The login log listens to Django's own authentication signals."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .services import login_event_record


@receiver(user_logged_in, dispatch_uid="login_log_success")
def _logged_in(sender, request, user, **kwargs) -> None:
    if request is not None:
        login_event_record(request=request, username=user.get_username(), user=user, success=True)


@receiver(user_login_failed, dispatch_uid="login_log_failure")
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = credentials.get("username", "") or ""
    user = get_user_model().objects.filter(username=username).first() if username else None
    login_event_record(request=request, username=username, user=user, success=False)
