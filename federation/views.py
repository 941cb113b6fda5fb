"""Views of the core app: homes, logs, language, health."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from . import access
from .downloads import attachment, cell_neutralise
from .forms import DisclosureFilter, InboxFilter, JobFilter, LoginFilter, OperationFilter
from .home import home_panels
from .models import DisclosureLog
from .selectors import (
    disclosure_log_search,
    disclosure_people,
    job_names,
    job_run_search,
    login_event_search,
    notification_search,
    notifications_for,
    operation_log_search,
)
from .services import (
    OPERATION_LABELS,
    disclosure_record,
    notification_mark_read,
    notifications_mark_all_read,
    user_language_set,
)
from .templatetags.cells import as_text

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
    filters = LoginFilter(request.GET).filters()
    events = login_event_search(user=request.user, filters=filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "outcome": filters.get("outcome", ""), "q": filters.get("q", "")}
    return render(request, "federation/login_log.html", context)


@require_GET
def operation_log(request):
    access.require(request.user, "logs.operations")
    filters = OperationFilter(request.GET, actions=list(OPERATION_LABELS)).filters()
    logs = operation_log_search(user=request.user, filters=filters)
    page = Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        entry.label = OPERATION_LABELS.get(entry.action, entry.action)
    return render(
        request,
        "federation/operation_log.html",
        {"page": page, "action": filters.get("action", ""), "actions": sorted(OPERATION_LABELS.items())},
    )


@require_GET
def disclosure_log(request):
    """Who saw or exported personal data in full, when, and with which filters; filtered, downloadable."""
    access.require(request.user, "logs.disclosures")
    form = DisclosureFilter(request.GET, people=disclosure_people(request.user))
    entries = disclosure_log_search(user=request.user, filters=form.filters())
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "federation/disclosure_log.html", {"page": page, "form": form})


@require_GET
def disclosure_log_export(request):
    """The filtered log as CSV; downloading it is itself a disclosure, and recorded."""
    access.require(request.user, "logs.disclosures")
    form = DisclosureFilter(request.GET, people=disclosure_people(request.user))
    entries = disclosure_log_search(user=request.user, filters=form.filters())
    record = disclosure_record(
        user=request.user,
        kind=DisclosureLog.Kind.EXPORT,
        what=_("Personal-data log"),
        params=form.params(),
        row_count=entries.count(),
    )
    rows = disclosure_csv_rows(entries.exclude(pk=record.pk))
    file_name = f"{_('personal-data-log')}-{timezone.localdate():%Y%m%d}.csv"
    return attachment(StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8"), file_name)


def disclosure_csv_rows(entries):
    """The CSV text line by line: a BOM (so Excel reads the Chinese right), the header, then each entry."""
    line = _Line()
    writer = csv.writer(line)
    writer.writerow(
        [_("Time"), _("By"), _("Unit"), _("Kind"), _("What"), _("Rows"), _("Filters"), _("IP address")]
    )
    yield "\ufeff" + line.take()
    kinds = dict(DisclosureLog.Kind.choices)
    for entry in entries.iterator(chunk_size=2000):
        filters = " ".join(f"{key}={as_text(value)}" for key, value in entry.params.items() if value)
        cells = [
            timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
            f"{entry.user} ({entry.user.username})" if entry.user else "",
            entry.unit or "",
            kinds.get(entry.kind, entry.kind),
            entry.what,
            "" if entry.row_count is None else entry.row_count,
            filters,
            entry.ip or "",
        ]
        writer.writerow([cell_neutralise(str(cell)) for cell in cells])
        yield line.take()


class _Line:
    """A write-only file for csv.writer that hands back what was written."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def take(self) -> str:
        text, self.text = self.text, ""
        return text


@require_GET
def inbox(request):
    """The user's notifications, newest first; unread ones stand out."""
    filters = InboxFilter(request.GET).filters()
    notifications = notification_search(user=request.user, filters=filters)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "federation/inbox.html", {"page": page, "unread_only": filters.get("unread") == "1"}
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
    filters = JobFilter(request.GET).filters()
    runs = job_run_search(user=request.user, filters=filters)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    names = [(name, name) for name in job_names(request.user)]
    context = {"page": page, "job": filters.get("job", ""), "names": names}
    return render(request, "federation/job_log.html", context)


@login_not_required
@require_POST
def language_set(request):
    """Switch the interface language; a signed-in user keeps the choice on their account."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language."))
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
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
