"""Views of the core app: homes, logs, language, health."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from . import access
from .home import home_panels
from .models import DisclosureLog, JobRun
from .selectors import (
    disclosure_logs_for,
    job_runs_for,
    login_events_for,
    notifications_for,
    operation_logs_for,
)
from .services import (
    OPERATION_LABELS,
    notification_mark_read,
    notifications_mark_all_read,
    user_language_set,
)

PAGE_SIZE = 50


@require_GET
def home(request):
    """Send each user to the home of their kind."""
    if access.has(request.user, "contact.home"):
        return redirect("federation:contact_home")
    return redirect("federation:staff_home")


@require_GET
def staff_home(request):
    access.require(request.user, "staff.home")
    context = {"unit": request.user.unit, "panels": home_panels(request)}
    return render(request, "federation/staff_home.html", context)


@require_GET
def contact_home(request):
    access.require(request.user, "contact.home")
    return render(request, "federation/contact_home.html", {"panels": home_panels(request, "contact")})


@require_GET
def login_log(request):
    access.require(request.user, "logs.logins")
    events = login_events_for(request.user)
    outcome = request.GET.get("outcome", "")
    if outcome == "failed":
        events = events.filter(success=False)
    elif outcome == "ok":
        events = events.filter(success=True)
    query = request.GET.get("q", "").strip()[:150]
    if query:
        events = events.filter(username__contains=query)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "federation/login_log.html", {"page": page, "outcome": outcome, "q": query})


@require_GET
def operation_log(request):
    access.require(request.user, "logs.operations")
    logs = operation_logs_for(request.user)
    action = request.GET.get("action", "")
    if action in OPERATION_LABELS:
        logs = logs.filter(action=action)
    page = Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        entry.label = OPERATION_LABELS.get(entry.action, entry.action)
    return render(
        request,
        "federation/operation_log.html",
        {"page": page, "action": action, "actions": sorted(OPERATION_LABELS.items())},
    )


@require_GET
def disclosure_log(request):
    """Who saw or exported personal data in full, when, and with which filters."""
    access.require(request.user, "logs.disclosures")
    entries = disclosure_logs_for(request.user)
    kind = request.GET.get("kind", "")
    if kind in DisclosureLog.Kind.values:
        entries = entries.filter(kind=kind)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "federation/disclosure_log.html",
        {"page": page, "kind": kind, "kinds": DisclosureLog.Kind.choices},
    )


@require_GET
def inbox(request):
    """The user's notifications, newest first; unread ones stand out."""
    notifications = notifications_for(request.user)
    if request.GET.get("unread") == "1":
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "federation/inbox.html", {"page": page, "unread_only": request.GET.get("unread") == "1"}
    )


@require_POST
def notification_open(request, pk):
    """Mark a notification read and go to what it is about."""
    notification = get_object_or_404(notifications_for(request.user), pk=pk)
    notification_mark_read(notification=notification)
    return redirect(
        url_has_allowed_host_and_scheme(notification.url, None) and notification.url or "federation:inbox"
    )


@require_POST
def inbox_read_all(request):
    notifications_mark_all_read(user=request.user)
    return redirect("federation:inbox")


@require_GET
def job_log(request):
    """Every run of the periodic jobs: when, how it ended, how much it sent, failures."""
    access.require(request.user, "logs.jobs")
    runs = job_runs_for(request.user)
    name = request.GET.get("job", "")
    if name:
        runs = runs.filter(name=name[:60])
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    names = [(n, n) for n in JobRun.objects.order_by("name").values_list("name", flat=True).distinct()]
    return render(request, "federation/job_log.html", {"page": page, "job": name, "names": names})


@login_not_required
@require_POST
def language_set(request):
    """Switch the interface language; a signed-in user keeps the choice on their account."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language."))
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language, request=request)
    return set_language(request)


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Database and broker status as JSON, for load balancers and docker-compose health checks."""
    status = {"database": "ok", "broker": "in-process" if settings.CELERY_TASK_ALWAYS_EAGER else "ok"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure to reach the database makes the instance unhealthy
        status["database"] = "error"
        code = 503
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        except redis.RedisError:
            # Pages keep working without the broker; reminders catch up when it is back.
            status["broker"] = "error"
    status["status"] = "ok" if code == 200 and status["broker"] != "error" else "degraded"
    return JsonResponse(status, status=code)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
