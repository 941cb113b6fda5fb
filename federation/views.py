"""Views of the core app: homes, logs, language, health."""

from __future__ import annotations

import csv
from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from . import access
from .home import home_panels
from .models import DisclosureLog, JobRun, User
from .selectors import (
    disclosure_logs_for,
    job_runs_for,
    login_events_for,
    notifications_for,
    operation_logs_for,
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
DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"})
SELECT = forms.Select(attrs={"class": "form-select"})


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


class DisclosureFilter(forms.Form):
    """The audit page's filters: who, what kind, between which days (both included)."""

    person = forms.TypedChoiceField(
        label=_l("By"), required=False, coerce=int, empty_value=None, widget=SELECT
    )
    kind = forms.ChoiceField(label=_l("Kind"), required=False, widget=SELECT)
    date_from = forms.DateField(label=_l("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_l("To"), required=False, widget=DATE_INPUT)

    def __init__(self, data, *, entries):
        super().__init__(data)
        people = User.objects.filter(pk__in=entries.values("user_id")).order_by("username")
        self.fields["person"].choices = [("", _("Everyone")), *((u.pk, str(u)) for u in people)]
        self.fields["kind"].choices = [("", _("All")), *DisclosureLog.Kind.choices]

    def filter(self, entries):
        """The entries the valid filters keep (an invalid one is shown with its error and not applied)."""
        self.is_valid()
        data = self.cleaned_data
        if data.get("person"):
            entries = entries.filter(user_id=data["person"])
        if data.get("kind"):
            entries = entries.filter(kind=data["kind"])
        zone = timezone.get_current_timezone()
        if data.get("date_from"):
            entries = entries.filter(at__gte=datetime.combine(data["date_from"], time.min, zone))
        if data.get("date_to"):
            entries = entries.filter(
                at__lt=datetime.combine(data["date_to"] + timedelta(days=1), time.min, zone)
            )
        return entries

    def params(self) -> dict[str, str]:
        """The filters applied, as strings for the record of an export."""
        person = dict(self.fields["person"].choices).get(self.cleaned_data.get("person"))
        values = {**self.cleaned_data, "person": person}
        return {name: str(value) for name, value in values.items() if value}


@require_GET
def disclosure_log(request):
    """Who saw or exported personal data in full, when, and with which filters; filtered, downloadable."""
    access.require(request.user, "logs.disclosures")
    entries = disclosure_logs_for(request.user)
    form = DisclosureFilter(request.GET, entries=entries)
    page = Paginator(form.filter(entries), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "federation/disclosure_log.html", {"page": page, "form": form})


@require_GET
def disclosure_log_export(request):
    """The filtered log as CSV; downloading it is itself a disclosure, and recorded."""
    access.require(request.user, "logs.disclosures")
    entries = disclosure_logs_for(request.user)
    form = DisclosureFilter(request.GET, entries=entries)
    entries = form.filter(entries)
    record = disclosure_record(
        user=request.user,
        kind=DisclosureLog.Kind.EXPORT,
        what=_("Personal-data log"),
        params=form.params(),
        row_count=entries.count(),
    )
    rows = disclosure_csv_rows(entries.exclude(pk=record.pk))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    file_name = f"{_('personal-data-log')}-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=file_name)
    return response


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
        writer.writerow([_neutralised(cell) for cell in cells])
        yield line.take()


def _neutralised(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    text = str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


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
