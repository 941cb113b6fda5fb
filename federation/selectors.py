"""Reads of the core app, always given the acting user."""

from __future__ import annotations

from django.db.models import QuerySet

from . import access
from .models import DisclosureLog, FederationUnit, JobRun, LoginEvent, Notification, OperationLog, User


def units_for(user: User) -> QuerySet[FederationUnit]:
    """The federation units in the user's subtree."""
    return access.scope(user, FederationUnit.objects.select_related("region", "parent"))


def login_events_for(user: User) -> QuerySet[LoginEvent]:
    """Sign-in attempts; admins read all of them."""
    if not access.has(user, "logs.logins"):
        return LoginEvent.objects.none()
    return LoginEvent.objects.select_related("user")


def operation_logs_for(user: User) -> QuerySet[OperationLog]:
    """Operations done by staff of the user's subtree (admins: all)."""
    if not access.has(user, "logs.operations"):
        return OperationLog.objects.none()
    logs = OperationLog.objects.select_related("actor", "unit", "content_type")
    root = access.scope_region(user)
    if root is None:
        return logs
    return logs.filter(unit__region__path__startswith=root.path)


def disclosure_logs_for(user: User) -> QuerySet[DisclosureLog]:
    """Reveals and exports of personal data; admins read all of them."""
    if not access.has(user, "logs.disclosures"):
        return DisclosureLog.objects.none()
    return DisclosureLog.objects.select_related("user", "unit")


def notifications_for(user: User) -> QuerySet[Notification]:
    """A user's own inbox."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user: User) -> int:
    """How many notifications the user has not read (one indexed count)."""
    return notifications_for(user).filter(read_at__isnull=True).count()


def job_runs_for(user: User) -> QuerySet[JobRun]:
    """The job log; admins read it."""
    if not access.has(user, "logs.jobs"):
        return JobRun.objects.none()
    return JobRun.objects.all()
