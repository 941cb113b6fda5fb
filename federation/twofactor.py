"""A second factor at sign-in: a six-digit code from an authenticator app (TOTP), or a one-time recovery code.

Administrators always need it; all staff when TWO_FACTOR_FOR is "staff"; nobody when it is "none" (a laptop
trying the demo). A user who needs it and has none is walked through enrolment right after their password:
a QR code to scan (or the key to type), one code to confirm, and ten recovery codes shown once. A wrong code
counts as a failed sign-in: it is in the login log, and as many as the lockout allows sign the user out and
lock their name as wrong passwords do. django-otp keeps the devices and checks the codes.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import access
from .middleware import GateMiddleware
from .models import User
from .services import operation_label_register, operation_record

RECOVERY_CODES = 10
_FAILURES_KEY = "_two_factor_failures"

operation_label_register("two_factor.enrol", gettext_lazy("set up a second factor"))
operation_label_register("two_factor.reset", gettext_lazy("removed a second factor"))


def two_factor_required(user: Any) -> bool:
    """Whether this signed-in user must give a second factor (administrators always, staff by setting)."""
    setting = settings.TWO_FACTOR_FOR
    role = access.actor(user)
    if setting == "none" or role is None or role == access.CONTACT:
        return False
    return role == access.ADMIN or setting == "staff"


def _verified(request: HttpRequest) -> bool:
    """Whether this session gave its second factor (django-otp's middleware adds is_verified to the user)."""
    return bool(getattr(request.user, "is_verified", lambda: False)())


def _confirmed_devices(user: User) -> list[Any]:
    return [
        *TOTPDevice.objects.filter(user=user, confirmed=True),
        *StaticDevice.objects.filter(user=user, confirmed=True),
    ]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=gettext_lazy(
            "The six digits your authenticator app shows now, or one of your recovery codes."
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


class TwoFactorMiddleware(GateMiddleware):
    """Send a user who needs a second factor and has not given it to the code page (or to enrolment)."""

    open_views = GateMiddleware.open_views | {"two_factor_verify", "two_factor_setup"}

    def gate(self, request: HttpRequest) -> str | None:
        user = request.user
        if not user.is_authenticated or _verified(request) or not two_factor_required(user):
            return None
        return reverse("two_factor_verify") + "?" + _next_query(request.get_full_path())


def _next_query(path: str) -> str:
    return urlencode({"next": path})


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Ask for the code after the password; a user without a device is sent to set one up."""
    access.require(request.user, "account.two_factor")
    user = cast(User, request.user)
    if _verified(request):
        return redirect(_next(request))
    devices = _confirmed_devices(user)
    if not devices:
        return redirect(reverse("two_factor_setup") + "?" + _next_query(_next(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, wait = _device_matching(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            request.session.pop(_FAILURES_KEY, None)
            return redirect(_next(request))
        failures = request.session.get(_FAILURES_KEY, 0) + 1
        request.session[_FAILURES_KEY] = failures
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )  # the login log and the lockout count it as a failed sign-in
        if failures >= settings.AXES_FAILURE_LIMIT:
            logout(request)
            return redirect(reverse(settings.LOGIN_URL))
        left = settings.AXES_FAILURE_LIMIT - failures
        if wait:
            message = _("Too many tries in a row: wait %(seconds)d seconds, then type the newest code.")
            form.add_error("code", message % {"seconds": wait})
        else:
            form.add_error("code", _("That code is not right. %(left)d tries left.") % {"left": left})
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)})


def _device_matching(user: User, code: str) -> tuple[Any, int]:
    """The device that accepts the code (six digits: the app; otherwise a recovery code), and, when none does
    because of too many recent tries, how many seconds to wait."""
    model: Any = TOTPDevice if code.isascii() and code.isdigit() and len(code) == 6 else StaticDevice
    wait = 0
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            allowed, why = device.verify_is_allowed()
            if not allowed:
                locked_until = (why or {}).get("locked_until")
                wait = max(
                    wait, int((locked_until - timezone.now()).total_seconds()) + 1 if locked_until else 1
                )
                continue
            if device.verify_token(code):
                return device, 0
    return None, wait


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan, confirm one code, keep the recovery codes shown once."""
    access.require(request.user, "account.two_factor")
    user = cast(User, request.user)
    if _confirmed_devices(user) and not _verified(request):
        return redirect(reverse("two_factor_verify") + "?" + _next_query(_next(request)))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
        user=user, name=_("Authenticator app"), confirmed=False
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = two_factor_enrol(user=user, device=device)
            otp_login(request, device)
            return render(
                request, "registration/two_factor_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error(
            "code", _("That code is not right. Check the time on your phone and try the newest code.")
        )
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr": qr.svg_inline(scale=5, dark="#212529", title=_("QR code for your authenticator app")),
            "secret": _grouped(device.config_url.split("secret=")[1].split("&")[0]),
            "next": _next(request),
        },
    )


def _grouped(secret: str) -> str:
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def two_factor_enrol(*, user: User, device: TOTPDevice) -> list[str]:
    """Confirm an authenticator app and issue fresh recovery codes (earlier ones stop working); returns them."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=user).delete()
        recovery = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
        operation_record(actor=user, action="two_factor.enrol", obj=user)
    return codes


def two_factor_reset(*, user: User, by: User) -> None:
    """Remove a user's second factor (a lost phone): they enrol again at their next sign-in."""
    access.require(by, "users.two_factor_reset")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        operation_record(actor=by, action="two_factor.reset", obj=user)
