"""Every figure the coverage pages link equals the number of organisations its link lists, after every kind of
change a person makes: two overlapping registers imported, an organisation moved to another district, one
archived, a women's organisation formed, one covering others. Walked as the city officer and as a district
officer, in both setups: tasks in-process (a laptop) and a real worker on PostgreSQL counting while the pages
say their figures are being refreshed."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branches.models import Category, Organisation
from branches.services.branches import branch_create
from branches.services.imports import register_import_apply, register_import_upload
from branches.services.organisations import organisation_archive, organisation_update
from branches.views.organisations import PAGE_SIZE
from federation.models import Region

REGISTERS = Path(__file__).resolve().parents[2] / "branches" / "demo" / "registers"
LEDGER = reverse("branches:organisation_list")
LINK = re.compile(r'<a href="(' + re.escape(LEDGER) + r'\?[^"]*)">([\d,]+)</a>')


def links_of(html: str) -> list[tuple[str, int]]:
    return [(unescape(href), int(shown.replace(",", ""))) for href, shown in LINK.findall(html)]


def walk(client) -> int:
    """Open the dashboard, then every ledger link on it: each lists as many organisations as it says."""
    html = client.get(reverse("coverage:dashboard")).content.decode()
    assert 'data-state="current"' in html
    links = links_of(html)
    assert links, "the dashboard links its figures"
    for href, shown in links:
        response = client.get(href)
        assert response.status_code == 200
        total = response.context["total"]
        assert total == shown, f"{href} says {shown}, lists {total}"
        assert len(response.context["page"].rows) == min(total, PAGE_SIZE)
    return len(links)


def headline(client) -> tuple[int, int]:
    html = client.get(reverse("coverage:dashboard")).content.decode()
    numbers = dict((href.split("coverage=")[1].split("&")[0], shown) for href, shown in links_of(html)[:2])
    return numbers["covered"], numbers["target"]


def workbook_agrees(client) -> None:
    """The monthly workbook's summary counts exactly the organisations of its own ledger sheet."""
    response = client.get(reverse("coverage:report_export"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    total = list(workbook.worksheets[0].iter_rows(values_only=True))[2]
    ledger = list(workbook.worksheets[-1].iter_rows(values_only=True))
    assert total[1] == len(ledger) - 1


def changes(city_officer):
    """The changes a person makes, one after another (each a callable)."""

    def import_register(name, source):
        def run():
            data = (REGISTERS / name).read_bytes()
            upload = register_import_upload(by=city_officer, data=data, file_name=name, source_name=source)
            register_import_apply(register_import=upload, by=city_officer)

        return run

    def move():
        organisation = (
            Organisation.objects.filter(district__code="150302", women__gt=0).order_by("pk").first()
        )
        street = Region.objects.get(code="150304003")  # 乌达区 五虎山街道
        organisation_update(
            organisation=organisation, by=city_officer, data={"region": street}, reason="迁址"
        )

    def archive():
        organisation = (
            Organisation.objects.filter(archived_at__isnull=True, women__gt=0).order_by("-pk").first()
        )
        organisation_archive(organisation=organisation, by=city_officer, reason="已注销")

    def form():
        host = Organisation.objects.filter(
            archived_at__isnull=True, women__gt=0, branches__isnull=True
        ).first()
        branch_create(
            by=city_officer, organisation=host,
            data={"name": f"{host.name}妇联", "form": "federation", "way": "standalone",
                  "established_on": timezone.localdate()},
        )  # fmt: skip

    def form_covering():
        hosts = list(
            Organisation.objects.filter(
                archived_at__isnull=True, women__gt=0, branches__isnull=True
            ).order_by("pk")[:4]
        )
        branch_create(
            by=city_officer, organisation=hosts[0], covers=hosts[1:],
            data={"name": "乌海市快递行业妇联", "form": "federation", "way": "industry",
                  "established_on": timezone.localdate() - dt.timedelta(days=3)},
        )  # fmt: skip

    def two_categories():
        # an organisation in two categories counts once in each (a second join had counted it twice)
        top, above = list(Category.objects.order_by("order")[:2])
        for organisation in Organisation.objects.filter(women__gt=0, archived_at__isnull=True).order_by("pk")[
            :3
        ]:
            organisation_update(organisation=organisation, by=city_officer, data={}, categories=[top, above])

    return [
        ("civil affairs register", import_register("民政局_社会组织名录.csv", "民政局")),
        ("two categories", two_categories),
        ("overlapping register", import_register("社工部_两新组织台账.xlsx", "社工部")),
        ("moved district", move),
        ("archived", archive),
        ("women's organisation formed", form),
        ("industry-wide one covering others", form_covering),
    ]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_every_linked_figure_equals_its_rows_after_each_change_in_process(
    client_as, city_officer, district_officer
):
    city, district = client_as(city_officer), None
    walked = []
    for _name, change in changes(city_officer):
        change()
        walked.append(walk(client_as(city_officer)))
        workbook_agrees(client_as(city_officer))
        district = client_as(district_officer)
        walked.append(walk(district))
    assert min(walked) > 10
    covered, counted = headline(client_as(city_officer))
    assert 0 < covered < counted
    assert city is not None and district is not None


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_every_linked_figure_equals_its_rows_with_a_worker_counting(
    celery_worker, settings, client_as, city_officer, district_officer
):
    settings.COVERAGE_INLINE_MS = 0  # counting is slow here: every refresh goes to the worker
    client_as(city_officer).get(reverse("coverage:dashboard"))  # the first figures, counted in the request
    for name, change in changes(city_officer):
        change()
        client = client_as(city_officer)
        html = client.get(reverse("coverage:dashboard")).content.decode()
        assert 'data-state="refreshing"' in html, f"after {name} the page says its figures are being counted"
        deadline = time.monotonic() + 60
        while 'data-state="current"' not in html:
            assert time.monotonic() < deadline, (
                f"the worker did not bring the figures up to date after {name}"
            )
            time.sleep(0.3)
            html = client.get(reverse("coverage:dashboard")).content.decode()
        walk(client)
        walk(client_as(district_officer))
        workbook_agrees(client_as(city_officer))
