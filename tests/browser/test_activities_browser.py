"""The services list and the form recording one, on a desktop and a 390 px phone."""

import datetime as dt

import pytest

from activities import services
from activities.models import Activity, Partner
from tests.activities.factories import activity_type, make_activity, seeded
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def work(wuhai, district_officer):
    seeded()
    partner = Partner.objects.create(name="乌海市女企业家协会", kind="association")
    organisations = [OrganisationFactory(name=f"乌海市海勃湾区巾帼示范企业{n}有限公司") for n in range(5)]
    for n in range(12):
        activity = make_activity(
            district_officer,
            organisations[: 1 + n % 5],
            code=["skills", "health", "policy", "parenting"][n % 4],
            title=f"女职工{['技能培训', '健康义诊', '政策宣讲', '家庭教育讲座'][n % 4]}第{n + 1}期",
            date=dt.date(2025, 1 + n % 12, 8),
        )
        if n % 3 == 0:
            services.activity_update(
                by=district_officer, activity=activity, data={}, organisations=organisations[: 1 + n % 5],
                partners=[partner],
            )  # fmt: skip
    make_activity(district_officer, organisations[:2], code="caring_mother", title="爱心妈妈结对", pairs=12)
    return organisations


def test_officer_reads_the_services_and_records_one(
    page, sign_in_as, district_officer, work, live_server, shoot, viewport
):
    sign_in_as(district_officer)
    page.goto(f"{live_server.url}/work/services/")
    assert page.locator("table.activity-table tbody tr").count() == 13
    assert_fits_width(page)
    shoot("activity-list")
    page.goto(f"{live_server.url}/work/services/new/")
    assert_fits_width(page)
    page.fill("#id_title", "巾帼家政技能培训班")
    page.select_option("#id_type", str(activity_type("skills").pk))
    # The organisations box searches the ledger: the form never lists every organisation of the area.
    for organisation in work[:2]:
        page.fill("#id_organisations", organisation.name[-8:])
        match = page.locator("#id_organisations_results button", has_text=organisation.name)
        match.wait_for()
        match.click()
    assert page.locator(".picker-chip").count() == 2
    assert page.locator("#id_organisations").input_value() == ""
    page.fill("#id_participants", "40")
    page.fill("#id_women_served", "38")
    shoot("activity-form")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "巾帼家政技能培训班"
    assert Activity.objects.get(title="巾帼家政技能培训班").organisations.count() == 2
    assert_fits_width(page)
    shoot("activity-detail")
