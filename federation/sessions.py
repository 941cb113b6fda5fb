"""Sessions that end when nobody is there.

Beside the longest session (SESSION_HOURS), a session ends after SESSION_IDLE_MINUTES without a request. The
time of the last request travels in a small signed cookie beside the session cookie, so that an ordinary page
writes nothing to the database; the database learns a browser's last activity at most every few minutes, for
the user's list of their signed-in browsers. Pages warn two minutes before the end and offer to stay signed in
(static/js/session.js); what was typed stays on the page. A user may end their other sessions, and an
administrator all of a user's.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from . import access
from .context import client_ip
from .middleware import redirect_anywhere
from .models import User, UserSession
from .services import operation_label_register, operation_record

SEEN_COOKIE = "sx_active"  # "<epoch seconds>:<session tag>", signed; read by session.js for its countdown
STARTED_KEY = "_started"  # epoch seconds of the sign-in, kept in the session
SEEN_WRITE_SECONDS = 300  # the database's last-active time is at most this old
_SALT = "federation.sessions.seen"

operation_label_register("sessions.end", gettext_lazy("ended sessions"))


def _tag(session_key: str | None) -> str:
    return (session_key or "")[-8:]


def _seen_read(request: HttpRequest) -> float | None:
    """When this session's browser was last seen, from its signed cookie (None: no valid cookie for it)."""
    value = request.COOKIES.get(SEEN_COOKIE)
    if not value:
        return None
    try:
        stamp, tag = signing.Signer(salt=_SALT).unsign(value).split(":", 1)
        seen = float(stamp)
    except (signing.BadSignature, ValueError):
        return None
    return seen if tag == _tag(request.session.session_key) else None


def _seen_write(request: HttpRequest, response: HttpResponse, now: float) -> None:
    value = signing.Signer(salt=_SALT).sign(f"{int(now)}:{_tag(request.session.session_key)}")
    response.set_cookie(
        SEEN_COOKIE,
        value,
        max_age=settings.SESSION_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=False,  # session.js reads the time to count down; the signature keeps it honest
        samesite="Lax",
    )


def session_ending(request: HttpRequest, now: float, seen: float | None) -> str | None:
    """Why this signed-in request's session must end now (idle or too long), or None; `seen` is the last
    request's time from the cookie."""
    started = request.session.get(STARTED_KEY)
    if started is None:  # signed in before sessions were timed: from now on
        request.session[STARTED_KEY] = int(now)
        return None
    if now - started > settings.SESSION_COOKIE_AGE:
        return UserSession.Ending.EXPIRED
    if now - max(seen or 0, started) > settings.SESSION_IDLE_MINUTES * 60:  # signing in again is activity
        return UserSession.Ending.IDLE
    return None


class SessionActivityMiddleware:
    """End a session that was idle or open too long; note each signed-in request's time."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = time.time()
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        seen = _seen_read(request)
        ending = session_ending(request, now, seen)
        if ending:
            _end_here(request, ending)
            return _to_sign_in(request, ending)
        if seen is not None and now - seen > SEEN_WRITE_SECONDS:
            UserSession.objects.filter(session_key=request.session.session_key).update(
                seen_at=dt.datetime.fromtimestamp(now, tz=dt.UTC)
            )
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            _seen_write(request, response, now)
        return response


def _end_here(request: HttpRequest, ending: str) -> None:
    key = request.session.session_key
    request._session_ending = ending  # type: ignore[attr-defined]  # read by the logout signal below
    logout(request)
    if key:
        UserSession.objects.filter(session_key=key, ended_at=None).update(
            ended_at=timezone.now(), ending=ending
        )


def _to_sign_in(request: HttpRequest, ending: str) -> HttpResponse:
    target = reverse(settings.LOGIN_URL) + "?" + urlencode({"next": request.get_full_path(), "ended": ending})
    response = redirect_anywhere(request, target)
    response.delete_cookie(SEEN_COOKIE)
    return response


@receiver(user_logged_in, dispatch_uid="sessions_started")
def _session_started(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    now = timezone.now()
    request.session[STARTED_KEY] = int(now.timestamp())
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "started_at": now,
            "seen_at": now,
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
            "ended_at": None,
            "ending": "",
        },
    )


@receiver(user_logged_out, dispatch_uid="sessions_signed_out")
def _session_signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key and not getattr(request, "_session_ending", None):
        UserSession.objects.filter(session_key=key, ended_at=None).update(
            ended_at=timezone.now(), ending=UserSession.Ending.SIGNED_OUT
        )


def _store(session_key: str) -> SessionBase:
    return import_string(settings.SESSION_ENGINE + ".SessionStore")(session_key)


def sessions_open(user: User) -> list[UserSession]:
    """A user's signed-in browsers, the most recently active first (sessions past their limits left out)."""
    now = timezone.now()
    oldest_start = now - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    return list(
        UserSession.objects.filter(user=user, ended_at=None, started_at__gt=oldest_start).order_by(
            "-seen_at", "-pk"
        )
    )


def sessions_end(*, user: User, by: User, ending: str, keep: str | None = None) -> int:
    """End a user's sessions (all but `keep`, a session key); returns how many were open. A user ends their
    own; an administrator anyone's."""
    if by.pk != user.pk:
        access.require(by, "users.sessions_end")
    with transaction.atomic():
        open_sessions = list(
            UserSession.objects.select_for_update()
            .filter(user=user, ended_at=None)
            .exclude(session_key=keep or "")
        )
        for session in open_sessions:
            _store(session.session_key).delete()
        UserSession.objects.filter(pk__in=[session.pk for session in open_sessions]).update(
            ended_at=timezone.now(), ending=ending
        )
        operation_record(
            actor=by,
            action="sessions.end",
            obj=user,
            changes={"sessions": len(open_sessions), "ending": ending},
        )
    return len(open_sessions)


def session_list(request: HttpRequest) -> HttpResponse:
    """The signed-in user's browsers, with a button that signs out all the others."""
    return render(
        request,
        "federation/sessions.html",
        {"sessions": sessions_open(cast(User, request.user)), "current": request.session.session_key},
    )


@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    """Sign the user out everywhere but here."""
    user = cast(User, request.user)  # signed in: LoginRequiredMiddleware
    ended = sessions_end(
        user=user,
        by=user,
        ending=UserSession.Ending.ENDED_BY_USER,
        keep=request.session.session_key,
    )
    messages.success(
        request,
        ngettext("Signed out on %(count)d other browser.", "Signed out on %(count)d other browsers.", ended)
        % {"count": ended},
    )
    return redirect("session_list")


@require_POST
def session_keep_alive(request: HttpRequest) -> HttpResponse:
    """Nothing but a request: the middleware notes it, and the session stays open."""
    return HttpResponse(status=204)


def session_limits(request: HttpRequest) -> dict[str, int]:
    """The idle limit, for the warning on every page and the sign-in page's notice."""
    return {
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
        "session_idle_seconds": settings.SESSION_IDLE_MINUTES * 60,
    }
