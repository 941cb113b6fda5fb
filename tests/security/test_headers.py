"""Every kind of page carries the security headers: ordinary pages, the sign-in page, error pages, lockout."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:", "blob:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
    "base-uri": {"'self'"},
    "object-src": {"'none'"},
}


def policy_of(response) -> dict[str, set[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}


def assert_hardened(response) -> None:
    assert policy_of(response) == POLICY
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_an_ordinary_page_is_hardened(client_as, city_officer):
    response = client_as(city_officer).get(reverse("federation:staff_home"))
    assert response.status_code == 200
    assert_hardened(response)


def test_the_sign_in_page_is_hardened(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_hardened(response)


def test_a_not_found_page_is_hardened(client_as, city_officer):
    response = client_as(city_officer).get("/no-such-page/")
    assert response.status_code == 404
    assert_hardened(response)


def test_a_forbidden_page_is_hardened(client_as, liaison):
    response = client_as(liaison).get(reverse("federation:staff_home"))
    assert response.status_code == 403
    assert_hardened(response)


def test_the_lockout_page_is_hardened(client, city_officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(reverse("login"), {"username": "city_officer", "password": "wrong-password-1"})
    assert response.status_code == 429
    assert_hardened(response)


def test_no_template_carries_an_inline_script_handler_or_style():
    """The policy refuses them, so they would silently not work; scripts and styles live in static/."""
    import re
    from pathlib import Path

    from django.conf import settings

    inline = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")|<style|\son[a-z]+=|\sstyle="
    )
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if inline.search(line)
    ]
    assert offenders == []
