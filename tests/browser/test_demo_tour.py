"""A tour of the demo as its users see it, on a desktop and a 390 px phone (screenshots under var/screenshots)."""

import io

import pytest
from django.core.management import call_command

from branches.models import Branch, Way
from tests.browser.conftest import BOTH_VIEWPORTS, assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(wuhai, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    call_command("send_reminders", "--force", stdout=io.StringIO())


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_district_officer_starts_the_day(demo, page, live_server, shoot, viewport, settings):
    sign_in(page, live_server, "haibowan", settings.DEMO_PASSWORD)
    assert "今日回访" in page.content()
    assert_fits_width(page)
    shoot("tour-staff-home")
    page.goto(f"{live_server.url}/inbox/")
    assert page.locator(".list-group-item").count() > 0
    assert_fits_width(page)
    shoot("tour-inbox")
    page.goto(f"{live_server.url}/ledger/contacts/overdue/")
    assert_fits_width(page)
    shoot("tour-overdue-contacts")


def test_the_city_officer_reads_women_organisations(demo, page, live_server, shoot, viewport, settings):
    sign_in(page, live_server, "city", settings.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/ledger/branches/")
    assert page.locator("table tbody tr").count() > 10
    assert_fits_width(page)
    shoot("tour-branch-list")
    industry = Branch.objects.get(way=Way.INDUSTRY)
    page.goto(f"{live_server.url}/ledger/branches/{industry.pk}/")
    assert "乌海市快递行业妇女联合会" in page.locator("h1").inner_text()
    assert_fits_width(page)
    shoot("tour-branch-detail")
    page.goto(
        f"{live_server.url}/ledger/form-helper/?place=unit&unit_type=private_enterprise&women=80&party_org=yes"
    )
    assert "规则 6" in page.content()
    assert_fits_width(page)
    shoot("tour-form-helper")


@BOTH_VIEWPORTS
def test_an_organisation_contact_sees_their_organisation(demo, page, live_server, shoot, viewport, settings):
    sign_in(page, live_server, "liaison", settings.DEMO_PASSWORD)
    assert page.url.endswith("/my/")
    assert page.locator("main section.card").count() >= 2
    assert_fits_width(page)
    shoot("tour-contact-home")
