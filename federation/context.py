"""What the logs need to know about the request being served, without passing the request around.

A service records who did something (its `by` argument) and where from; the address comes from here, set by
`RequestContextMiddleware` for the length of one request. Outside a request (a task, a command, a test calling
a service directly) there is no address and the logs keep none.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

_client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
_acting_user: ContextVar[Any] = ContextVar("acting_user", default=None)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For when TRUSTED_PROXY_COUNT proxies append to it."""
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def current_ip() -> str | None:
    """The address of the client whose request is being served, if any."""
    return _client_address.get()


def acting_user() -> Any:
    """The user (possibly anonymous) whose request is being served; None outside a request."""
    return _acting_user.get()


class RequestContextMiddleware:
    """Keep the client's address and user for the logs while one request is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        address = _client_address.set(client_ip(request))
        user = _acting_user.set(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            _acting_user.reset(user)
            _client_address.reset(address)
