"""The password policy: at least three kinds of character, no reuse of the last five, a change every 90 days for
staff, and a change at first sign-in when someone else set the password. Each number is a setting.

Django's own validators (length, common, all-digit, like the user name) run beside these; the two here are
listed in AUTH_PASSWORD_VALIDATORS. `PasswordPolicyMiddleware` sends a user whose change is due to the
password-change page until they have changed it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .context import acting_user
from .middleware import GateMiddleware
from .models import PasswordRecord, User

CLASSES = ("lower", "upper", "digit", "symbol")


def _character_class(char: str) -> str:
    if char.isdigit():
        return "digit"
    if char.isalpha() and char.isascii():
        return "upper" if char.isupper() else "lower"
    if char.isalpha() or unicodedata.category(char).startswith("L"):
        return "lower"  # a Chinese character counts as a letter
    return "symbol"


class CharacterClassesValidator:
    """At least `min_classes` of lower-case letters, capitals, digits and symbols."""

    def __init__(self, min_classes: int | None = None) -> None:
        self.min_classes = min_classes or settings.PASSWORD_CHARACTER_CLASSES

    def validate(self, password: str, user: Any = None) -> None:
        found = {_character_class(char) for char in password}
        if len(found) < self.min_classes:
            raise ValidationError(
                _(
                    "This password uses %(found)d of the four kinds of character (lower-case letters, "
                    "capitals, digits, symbols); it needs at least %(needed)d."
                ),
                code="password_too_plain",
                params={"found": len(found), "needed": self.min_classes},
            )

    def get_help_text(self) -> str:
        return _(
            "Use at least %(needed)d of the four kinds of character: lower-case letters, capitals, digits "
            "and symbols."
        ) % {"needed": self.min_classes}


class PasswordHistoryValidator:
    """Not the current password nor one of the last `keep` a user had; remembers each new one."""

    def __init__(self, keep: int | None = None) -> None:
        self.keep = keep if keep is not None else settings.PASSWORD_HISTORY

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None) or not self.keep:
            return
        stored = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        earlier = [stored, *_records(user.pk)[: self.keep]]
        if any(encoded and check_password(password, encoded) for encoded in earlier):
            raise ValidationError(
                ngettext(
                    "This password was used recently; choose one you have not used for your last %(keep)d "
                    "password.",
                    "This password was used recently; choose one you have not used for your last %(keep)d "
                    "passwords.",
                    self.keep,
                ),
                code="password_reused",
                params={"keep": self.keep},
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        password_set(user)

    def get_help_text(self) -> str:
        return ngettext(
            "It cannot be your current password or your previous one.",
            "It cannot be your current password or one of your previous %(keep)d.",
            self.keep,
        ) % {"keep": self.keep}


def _records(user_id: int) -> list[str]:
    return list(
        PasswordRecord.objects.filter(user_id=user_id)
        .order_by("-created_at", "-pk")
        .values_list("password", flat=True)
    )


def password_set(user: User) -> None:
    """Remember a user's new password and when it was set; a password set by someone else (an administrator
    for a new account) must be changed by its owner at their next sign-in."""
    now = timezone.now()
    by = acting_user()
    by_someone_else = by is not None and getattr(by, "is_authenticated", False) and by.pk != user.pk
    PasswordRecord.objects.create(user_id=user.pk, password=user.password, created_at=now)
    keep = max(settings.PASSWORD_HISTORY, 1)
    older = (
        PasswordRecord.objects.filter(user_id=user.pk)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[keep:]
    )
    PasswordRecord.objects.filter(pk__in=list(older)).delete()
    User.objects.filter(pk=user.pk).update(password_changed_at=now, password_change_required=by_someone_else)
    user.password_changed_at = now
    user.password_change_required = by_someone_else
    from federation.services import operation_record  # the services import this module's policy

    own = by is not None and getattr(by, "is_authenticated", False) and by.pk == user.pk
    if by_someone_else or own:  # a person did it (a command's, such as createsuperuser, has no one to name)
        operation_record(actor=by, action="user.password_change" if own else "user.password_set", obj=user)


def password_change_due(user: Any) -> str | None:
    """Why a signed-in user must change their password before going on: "set_by_other", "expired", or None.

    Contacts, who sign in by their invitation link and keep their password on the portal, are left alone."""
    if not getattr(user, "is_authenticated", False) or user.kind == User.Kind.CONTACT:
        return None
    if not user.has_usable_password():
        return None
    if user.password_change_required:
        return "set_by_other"
    days = settings.PASSWORD_EXPIRY_DAYS
    if not days:
        return None
    changed = user.password_changed_at or user.date_joined
    return "expired" if changed + dt.timedelta(days=days) <= timezone.now() else None


def due_message(reason: str) -> str:
    if reason == "set_by_other":
        return _("Your password was set by someone else. Choose your own password before you go on.")
    return ngettext(
        "Your password is more than %(days)d day old. Choose a new one before you go on.",
        "Your password is more than %(days)d days old. Choose a new one before you go on.",
        settings.PASSWORD_EXPIRY_DAYS,
    ) % {"days": settings.PASSWORD_EXPIRY_DAYS}


class PasswordPolicyMiddleware(GateMiddleware):
    """Send a user whose password change is due to the password-change page (with the reason on it)."""

    open_views = GateMiddleware.open_views | {"password_change", "password_change_done"}

    def gate(self, request: HttpRequest) -> str | None:
        reason = password_change_due(request.user)
        request.password_change_due = reason  # type: ignore[attr-defined]  # read by the change page
        return reverse("password_change") if reason else None


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, saying why the user was sent to it when they were."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        reason = getattr(self.request, "password_change_due", None)
        if reason:
            context["intro"] = due_message(reason)
        return context
