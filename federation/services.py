"""Writes of the core app: the operation log, the login log, users' preferences."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from federation.context import client_ip, current_ip
from federation.identifiers import mobile_mask

from .models import DisclosureLog, LoginEvent, Notification, OperationLog, User

# action code → label shown in the operation log; apps add theirs with operation_label_register
OPERATION_LABELS: dict[str, str | Promise] = {
    "user.language": _("changed language"),
    "divisions.load": _("loaded divisions"),
    "division.rename": _("renamed a division"),
    "division.retire": _("retired a division"),
    "division.restore": _("put a division back in use"),
    "division.recode": _("gave a division its new code"),
    "division.code_change": _("found a division under a new code"),
}


def operation_label_register(code: str, label: str | Promise) -> None:
    """Give an action code its human label in the operation log."""
    OPERATION_LABELS[code] = label


def operation_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> OperationLog:
    """Append one line to the operation log: who did what to which object, when and why."""
    return OperationLog.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        unit_id=getattr(actor, "unit_id", None),
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=changes_masked(changes or {}),
        reason=reason,
        ip=current_ip(),
    )


def changes_masked(value: Any, *, mobile: bool = False) -> Any:
    """Changes as the operation log keeps them: each value under a key that names a mobile is masked
    (138****5678), however deep (a step's answers, a table's rows). The log is read by every manager."""
    if isinstance(value, dict):
        return {
            key: changes_masked(item, mobile=mobile or "mobile" in str(key)) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [changes_masked(item, mobile=mobile) for item in value]
    if mobile and isinstance(value, str) and value and "*" not in value:
        return mobile_mask(value)
    return value


def login_event_record(
    *, request: HttpRequest | None, username: str, user: User | None, success: bool
) -> LoginEvent:
    """Record a sign-in attempt with its time, address and browser."""
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return LoginEvent.objects.create(
        username=(username or "")[:150],
        user=user,
        success=success,
        ip=client_ip(request),
        user_agent=agent[:255],
    )


def user_language_set(*, user: User, language: str) -> None:
    """Keep a user's language preference (it follows them to every browser)."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(language)
    if user.language == language:
        return
    before = user.language
    user.language = language
    user.save(update_fields=["language"])
    operation_record(
        actor=user,
        action="user.language",
        obj=user,
        changes={"language": [before, language]},
    )


def reminder_choices_set(*, user: User, channels_off: dict[str, list[str]], digest: str) -> None:
    """Keep which reminders reach a person by which channel, and whether as they come or once a week."""
    if digest not in ("daily", "weekly"):
        raise ValueError(digest)
    channels_off = {channel: sorted(kinds) for channel, kinds in channels_off.items() if kinds}
    before = {"channels_off": user.reminder_channels_off, "digest": user.reminder_digest}
    after = {"channels_off": channels_off, "digest": digest}
    if before == after:
        return
    user.reminder_channels_off, user.reminder_digest = channels_off, digest
    user.save(update_fields=["reminder_channels_off", "reminder_digest"])
    operation_record(
        actor=user,
        action="user.reminder_choices",
        obj=user,
        changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
    )


def disclosure_record(
    *,
    user: User,
    kind: str,
    what: str,
    obj: models.Model | None = None,
    params: dict[str, Any] | None = None,
    row_count: int | None = None,
) -> DisclosureLog:
    """Record that personal data was shown in full or exported."""
    return DisclosureLog.objects.create(
        user=user,
        unit_id=user.unit_id,
        kind=kind,
        what=what[:200],
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        params=params or {},
        row_count=row_count,
        ip=current_ip(),
    )


def notification_mark_read(*, notification: Notification) -> None:
    """Mark one notification read (once; reading it again changes nothing)."""
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
