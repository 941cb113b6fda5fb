"""The coverage dashboard at 1280 px and 390 px, and the printable monthly report as PDF and print preview."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from branches.models import Branch, Category
from coverage.demo import demo_load
from federation.models import Region
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import BOTH_VIEWPORTS, SCREENSHOTS, assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ledger(wuhai):
    cache.clear()  # rendered dashboards are cached by snapshot
    today = timezone.localdate()
    streets = list(Region.objects.filter(level="street", code__startswith="150302"))[:4]
    streets.append(Region.objects.get(code="150304"))
    categories = list(Category.objects.order_by("order")[:3])
    for n in range(30):
        field = ["economic", "social", "employment"][n % 3]
        organisation = OrganisationFactory(
            name=f"乌海市看板示例单位{n}有限公司", field=field, region=streets[n % len(streets)], women=5 + n,
            party_org=n % 2 == 0,
        )  # fmt: skip
        organisation.categories.add(categories[n % 3])
        if n % 5 < 3:
            branch = Branch.objects.create(
                name=f"示例单位{n}妇联", organisation=organisation, region=organisation.region, form="federation",
                established_on=today - dt.timedelta(days=25 * n),
            )  # fmt: skip
            branch.covers.add(organisation)

    class Out:
        def write(self, text):
            pass

    demo_load(stdout=Out())


@BOTH_VIEWPORTS
def test_the_dashboard_fits_a_desktop_and_a_phone(
    page, sign_in_as, city_officer, ledger, live_server, shoot, viewport
):
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/coverage/")
    page.wait_for_selector(".coverage-chart svg")
    assert page.locator("h1").inner_text() in ("覆盖情况看板", "Coverage dashboard")
    assert page.locator(".coverage-table").count() >= 5
    shoot("coverage-dashboard")
    assert_fits_width(page)


def test_the_report_prints(page, sign_in_as, city_officer, ledger, live_server):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/coverage/report/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(SCREENSHOTS / "coverage-report.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / "coverage-report-print.png"), full_page=True)
    assert not page.locator(".app-navbar").is_visible()


def test_out_of_date_figures_say_so_and_are_counted_on_request(
    page, sign_in_as, city_officer, ledger, live_server, shoot, viewport, settings
):
    settings.COVERAGE_INLINE_MS = 0  # a large installation without a worker: counting waits for a person
    organisation = OrganisationFactory(name="乌海市看板新增单位有限公司", women=9)
    Branch.objects.create(
        name="新增单位妇联", organisation=organisation, region=organisation.region, form="federation",
        established_on=timezone.localdate(),
    ).covers.add(organisation)  # fmt: skip
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/coverage/")
    notice = page.locator(".coverage-freshness")
    assert notice.get_attribute("data-state") == "stale"
    shoot("coverage-dashboard-out-of-date")
    assert_fits_width(page)
    page.get_by_role("button", name="立即重新统计").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".coverage-freshness").get_attribute("data-state") == "current"
    assert "乌海市看板新增单位有限公司" not in page.content()  # figures, not names
    headline = page.locator(".coverage-headline a").first.inner_text()
    page.locator(".coverage-headline a").first.click()
    page.wait_for_load_state("networkidle")
    assert headline.replace(",", "") in page.content()
    shoot("coverage-dashboard-counted")
