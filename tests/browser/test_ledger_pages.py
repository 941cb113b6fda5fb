"""The ledger list and an organisation's page, on a desktop and a 390 px phone."""

import pytest
from playwright.sync_api import expect

from branches.models import Category
from federation.models import Region
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ledger(wuhai):
    women_social = Category.objects.get(name="女性社会组织")
    top = Category.objects.get(name="百强民营企业")
    streets = list(Region.objects.filter(level="street").order_by("code"))
    for n in range(60):
        organisation = OrganisationFactory(
            name=f"乌海市{'东西南北中'[n % 5]}方第{n}化工有限公司",
            region=streets[n % len(streets)],
            employees=100 + n,
        )
        organisation.categories.add(top)
    charity = OrganisationFactory(
        name="乌海市爱心协会",
        field="social",
        unit_type="women_social",
        uscc="52150302MA01231036",
        contact_name="王芳",
        contact_mobile="13904731234",
        party_org=True,
        trade_union=False,
    )
    charity.categories.add(women_social)
    return charity


def test_officer_searches_the_ledger_and_opens_an_organisation(
    page, sign_in_as, city_officer, ledger, live_server, shoot, viewport
):
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/ledger/organisations/")
    assert page.locator("table.ledger-table tbody tr").count() == 50
    assert_fits_width(page)
    shoot("ledger-list")
    page.fill("#id_q", "whsax")  # pinyin initials of 乌海市爱心协会; the table updates as one types
    expect(page.locator("table.ledger-table tbody tr")).to_have_count(1)  # no eval: the CSP refuses it
    shoot("ledger-search")
    page.click("text=乌海市爱心协会")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "乌海市爱心协会"
    assert "139****1234" in page.content()
    page.click("text=查看完整号码")
    page.wait_for_selector("a[href='tel:13904731234']")
    assert_fits_width(page)
    shoot("organisation-detail")


def test_district_officer_pages_to_the_end_of_their_district(
    page, sign_in_as, district_officer, ledger, live_server, shoot, viewport
):
    sign_in_as(district_officer)
    page.goto(f"{live_server.url}/ledger/organisations/?last=1")
    districts = set(page.locator("table.ledger-table tbody tr td:nth-child(4)").all_inner_texts())
    assert all(text.startswith("海勃湾区") for text in districts)
    shoot("ledger-last-page")


def test_adding_an_organisation_with_a_wrong_code_explains_the_mistake(
    page, sign_in_as, district_officer, live_server, shoot, viewport
):
    sign_in_as(district_officer)
    page.goto(f"{live_server.url}/ledger/organisations/new/")
    page.fill("#id_name", "乌海市巾帼家政服务中心")
    page.fill("#id_uscc", "52150302MA01231037")
    page.select_option("#id_field", "social")
    page.select_option("#id_region", label="海勃湾区")
    page.click("main form button[type=submit]")
    assert "校验不通过" in page.locator("#id_uscc_error, .invalid-feedback").first.inner_text()
    assert_fits_width(page)
    shoot("organisation-form-error")
