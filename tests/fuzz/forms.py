"""Helpers of the form fuzzing: which endpoints, which fields (read from the pages' own forms), what to post."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.urls import reverse

from tests.routes import ROUTES

# Routes left out: signing in and out and passwords (the auth views), downloads of stored files and papers
# (no parameters), the invitation link (a signed token), the health check and backups (no parameters).
SKIPPED = {
    "federation:home",
    "healthz",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "workflows:invitation_open",
    "workflows:document_download",
    "workflows:package_download",
    "workflows:attachment_download",
    "activities:activity_photo",
    "branches:import_template",
    "branches:import_errors",
    "jobs:backup",  # no parameters; each POST would dump the whole database
    "jobs:download",
}
# Actions whose form is on no page the fuzzing opens (htmx, admin-only pages): the person who uses them.
POSTED_BY = {
    "workflows:portal_draft": "liaison",
    "workflows:template_publish": "admin",
    "workflows:template_new_version": "admin",
    "workflows:step_move": "admin",
}
# Field names posted to an action whose form is on no page the fuzzing opens.
FALLBACK_FIELDS = ["reason", "comment", "version", "status", "stage", "item", "done", "next", "q", "page"]

HOSTILE_TEXTS = [
    "x" * 10_050,
    "单位" * 5_100,
    "a\x00b",
    "\x00",
    "\x01\x02\x07\x1b[31m\x7f",
    "\r\n\r\nSet-Cookie: x=1",
    "\u202e\u200f\u200b\ufeff反向文字\u2066",
    "👩‍👩‍👧‍👦🏳️‍🌈" * 20,
    "１２３４５",
    "٣٤٥",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }}{% debug %}",
    "' OR 1=1 --",
    "1; DROP TABLE branches_organisation; --",
    "%(name)s %s %d",
    "../../etc/passwd",
    "",
    " ",
    "abc",
    "-1",
    "0",
    "-99999999999999999999",
    str(2**70),
    "1e309",
    "NaN",
    "2026-13-45",
    "0000-00-00",
    "9999-12-31T99:99",
    "true",
    "[]",
    '{"a": 1}',
]
# Markers of hostile texts that must never reach a page unescaped.
UNESCAPED = ("<script>alert(1)", "<img src=x onerror")


@dataclass
class Endpoint:
    name: str
    url: str
    method: str  # "get" (query parameters) or "post"
    actor: str  # the standard person who uses it
    fields: list[str] = field(default_factory=list)


class FormCollector(HTMLParser):
    """Every form of a page: (action, method, field names)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, str, list[str]]] = []
        self._current: tuple[str, str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._current = (attributes.get("action") or "", (attributes.get("method") or "get").lower(), [])
            self.forms.append(self._current)
        elif tag in ("input", "select", "textarea", "button") and self._current is not None:
            name = attributes.get("name")
            if name and name != "csrfmiddlewaretoken" and name not in self._current[2]:
                self._current[2].append(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def actor_of(name: str) -> str | None:
    """The person a route is fuzzed as: the district officer where they may use it, else the liaison,
    else the admin (logs, templates)."""
    expect = ROUTES[name].expect
    for person in ("district_officer", "liaison", "admin"):
        if expect[person] in (200, 405):
            return person
    return None


def endpoints(world: dict, client_for) -> list[Endpoint]:
    """Every route staff and contacts use, with the fields its pages' forms post (GET forms: the filters)."""
    pages: dict[str, tuple[str, str]] = {}  # route name → (url, actor)
    for name, route in ROUTES.items():
        actor = actor_of(name)
        if name in SKIPPED or actor is None or route.method != "get":
            continue
        pages[name] = (reverse(name, kwargs=route.kwargs(world)), actor)
    forms: dict[tuple[str, str], set[str]] = {}
    posted_by: dict[str, str] = {}  # a form's action → the person whose page shows the form
    for _name, (url, actor) in pages.items():
        if ROUTES[_name].expect[actor] != 200:
            continue
        response = client_for(actor).get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        collector = FormCollector()
        collector.feed(response.content.decode())
        for action, method, names in collector.forms:
            path = urlsplit(action).path or url
            forms.setdefault((path, method), set()).update(names)
            posted_by.setdefault(path, actor)
    found = []
    for name, (url, actor) in pages.items():
        if ROUTES[name].expect[actor] == 405:
            fields = sorted(forms.get((url, "post"), ())) or FALLBACK_FIELDS
            person = POSTED_BY.get(name) or posted_by.get(url, actor)
            found.append(Endpoint(name, url, "post", person, fields))
            continue
        if (url, "get") in forms or "list" in name or "log" in name or "export" in name:
            fields = sorted(forms.get((url, "get"), ())) or FALLBACK_FIELDS
            found.append(Endpoint(name, url, "get", actor, fields))
        if (url, "post") in forms:
            found.append(Endpoint(name, url, "post", actor, sorted(forms[(url, "post")])))
    return found
