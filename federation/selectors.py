"""Reads of the core app, always given the acting user."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from . import access
from .models import (
    DisclosureLog,
    FederationUnit,
    JobRun,
    LoginEvent,
    Notification,
    OperationLog,
    Region,
    User,
)


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


def login_event_search(*, user: User, filters: dict[str, Any]) -> QuerySet[LoginEvent]:
    """Sign-in attempts narrowed by the log's filters (cleaned), newest first."""
    events = login_events_for(user)
    if filters.get("outcome") in ("ok", "failed"):
        events = events.filter(success=filters["outcome"] == "ok")
    if filters.get("q"):
        events = events.filter(username__contains=filters["q"])
    return events


def operation_log_search(*, user: User, filters: dict[str, Any]) -> QuerySet[OperationLog]:
    """Operations narrowed by the log's filters (cleaned), newest first."""
    logs = operation_logs_for(user)
    if filters.get("action"):
        logs = logs.filter(action=filters["action"])
    return logs


def disclosure_people(user: User) -> QuerySet[User]:
    """The people who appear in the personal-data log the user reads, for its filter's choices."""
    return User.objects.filter(pk__in=disclosure_logs_for(user).values("user_id")).order_by("username")


def disclosure_log_search(*, user: User, filters: dict[str, Any]) -> QuerySet[DisclosureLog]:
    """Reveals and exports narrowed by the log's filters (cleaned); the days are whole local days, both
    included."""
    entries = disclosure_logs_for(user)
    if filters.get("person"):
        entries = entries.filter(user_id=filters["person"])
    if filters.get("kind"):
        entries = entries.filter(kind=filters["kind"])
    zone = timezone.get_current_timezone()
    if filters.get("date_from"):
        entries = entries.filter(at__gte=datetime.combine(filters["date_from"], time.min, zone))
    if filters.get("date_to"):
        entries = entries.filter(
            at__lt=datetime.combine(filters["date_to"] + timedelta(days=1), time.min, zone)
        )
    return entries


def notification_search(*, user: User, filters: dict[str, Any]) -> QuerySet[Notification]:
    """A user's inbox narrowed by its filter (unread only)."""
    notifications = notifications_for(user)
    if filters.get("unread") == "1":
        notifications = notifications.filter(read_at__isnull=True)
    return notifications


def job_run_search(*, user: User, filters: dict[str, Any]) -> QuerySet[JobRun]:
    """The job log narrowed to one job by name."""
    runs = job_runs_for(user)
    if filters.get("job"):
        runs = runs.filter(name=filters["job"])
    return runs


def job_names(user: User) -> list[str]:
    """The names of the jobs that have run, for the job log's filter."""
    return list(job_runs_for(user).order_by("name").values_list("name", flat=True).distinct())


def area_of(user: User) -> Region | None:
    """The division a user's pages and downloads are named after: their area, the city for an admin."""
    root = access.scope_region(user)
    if root is None:
        root = Region.objects.filter(level=Region.Level.CITY).order_by("path").first()
    return root
