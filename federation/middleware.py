"""Request middleware of the core app."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user's language preference wins over the browser's and the cookie's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


def redirect_anywhere(request: HttpRequest, target: str) -> HttpResponse:
    """A redirect that also works for an htmx request (which would otherwise swap the target into a part of
    the page)."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(target)


class GateMiddleware:
    """Keeps a signed-in user on one page until something is done (a password changed, a second factor given):
    every other page sends them there, but for `open_views` (the gate's own pages, signing out, the language)."""

    open_views: frozenset[str] = frozenset({"logout", "federation:language_set", "healthz"})

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        target = self.gate(request)
        match = request.resolver_match
        if target is None or (match is not None and match.view_name in self.open_views):
            return None
        return redirect_anywhere(request, target)

    def gate(self, request: HttpRequest) -> str | None:
        """Where this request's user must go first, or None."""
        raise NotImplementedError
