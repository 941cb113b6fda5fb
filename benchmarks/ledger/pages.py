"""The ledger's pages measured in-process: each page of PAGES requested through django.test.Client with DEBUG
off, as the benchmark's city officer (or its admin), once to count its queries and then `repeat` times for the
median and the 95th percentile; every figure is also given as a multiple of the floor page (the staff home),
so that a slow machine does not read as a slow page.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from federation.models import FederationUnit, User

from .organisations import USER_PREFIX


@dataclass
class Figure:
    """One measured page."""

    key: str
    label: str
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    ratio: float | None = None
    requests: int = 0
    status: int | None = None
    rows: int | None = None
    error: str = ""


@dataclass
class Page:
    """How to request a page: as whom, where, how often."""

    key: str
    label: str
    as_admin: bool
    url: Callable[[dict], str]
    repeat: int | None = None  # None: the run's repeat
    user: str = ""  # a key of benchmark_pages' `users` (another signed-in user), instead of as_admin


PAGES = [
    Page("floor", "floor: staff home (trivial page)", False, lambda ctx: reverse("federation:staff_home")),
    Page("list_first", "ledger list, first page", False, lambda ctx: reverse("branches:organisation_list")),
    Page("list_last", "ledger list, last page (?last=1)", False,
         lambda ctx: reverse("branches:organisation_list") + "?last=1"),
    Page("list_filtered", "ledger list, district + field", False,
         lambda ctx: reverse("branches:organisation_list") + f"?district={ctx['district']}&field=economic"),
    Page("list_search", "ledger list, search ?q=商会", False,
         lambda ctx: reverse("branches:organisation_list") + "?q=商会"),
    Page("detail", "organisation detail", False,
         lambda ctx: reverse("branches:organisation_detail", kwargs={"pk": ctx["organisation"]})),
    Page("admin_list", "admin changelist, page 1 (baseline)", True,
         lambda ctx: reverse("admin:branches_organisation_changelist")),
    Page("admin_search", "admin changelist, ?q=商会 (baseline)", True,
         lambda ctx: reverse("admin:branches_organisation_changelist") + "?q=商会"),
    Page("export_csv", "export CSV, one district (streamed)", False,
         lambda ctx: reverse("branches:organisation_export") + f"?format=csv&district={ctx['district']}", 3),
    Page("export_xlsx", "export XLSX, one district", False,
         lambda ctx: reverse("branches:organisation_export") + f"?format=xlsx&district={ctx['district']}", 2),
]  # fmt: skip
FIGURE_KEYS = [page.key for page in PAGES]


def benchmark_users() -> tuple[User, User]:
    """A city officer and a superuser, both marked by their user name."""
    city = FederationUnit.objects.filter(level=FederationUnit.Level.CITY).order_by("id").first()
    officer, _ = User.objects.update_or_create(
        username=f"{USER_PREFIX}city",
        defaults={
            "full_name": "基准测试干事",
            "kind": User.Kind.STAFF,
            "role": User.Role.OFFICER,
            "unit": city,
        },
    )
    admin, _ = User.objects.update_or_create(
        username=f"{USER_PREFIX}admin",
        defaults={
            "full_name": "基准测试管理员",
            "kind": User.Kind.STAFF,
            "role": User.Role.ADMIN,
            "unit": city,
            "is_staff": True,
            "is_superuser": True,
        },
    )
    return officer, admin


def _percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _fetch(client: Client, url: str):
    """GET a page and read all of it (a streamed export is only done when its last byte is out)."""
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def measure_page(client: Client, page: Page, url: str, repeat: int) -> Figure:
    """Warm up once counting queries, then time `repeat` requests."""
    figure = Figure(key=page.key, label=page.label)
    try:
        with CaptureQueriesContext(connection) as queries:
            response, body = _fetch(client, url)
    except Exception as error:  # the page is not written yet, or fails: report it, measure the rest
        figure.status, figure.error = 500, f"{type(error).__name__}: {error}"[:300]
        return figure
    figure.status, figure.queries = response.status_code, len(queries)
    if response.status_code != 200:
        figure.error = f"HTTP {response.status_code}"
        return figure
    if page.key.startswith("export_csv"):
        figure.rows = body.count(b"\n") - 1
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        _fetch(client, url)
        samples.append((time.perf_counter() - started) * 1000)
    figure.requests = len(samples)
    figure.median_ms = round(statistics.median(samples), 2)
    figure.p95_ms = round(_percentile(samples, 0.95), 2)
    return figure


def benchmark_pages(
    *,
    officer: User,
    admin: User,
    repeat: int,
    context: dict[str, Any],
    pages: list[Page] | None = None,
    users: dict[str, User] | None = None,
) -> dict[str, Figure]:
    """Every page figure (PAGES unless `pages`), with DEBUG off, as the city officer (the admin for the admin's
    changelist, one of `users` for a page naming it)."""
    import logging

    from django.conf import settings

    figures: dict[str, Figure] = {}
    clients: dict[Any, Client] = {False: Client(), True: Client()}
    clients[False].force_login(officer)
    clients[True].force_login(admin)
    for name, user in (users or {}).items():
        clients[name] = Client()
        clients[name].force_login(user)
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.CRITICAL)  # a page that is not written yet answers 500: reported below
    try:
        with override_settings(
            DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], SECURE_SSL_REDIRECT=False
        ):
            for page in PAGES if pages is None else pages:
                figures[page.key] = measure_page(
                    clients[page.user or page.as_admin], page, page.url(context), page.repeat or repeat
                )
    finally:
        request_logger.setLevel(level)
        for client in clients.values():
            client.logout()
    floor = figures["floor"].median_ms
    for figure in figures.values():
        if floor and figure.median_ms is not None:
            figure.ratio = round(figure.median_ms / floor, 1)
    return figures
