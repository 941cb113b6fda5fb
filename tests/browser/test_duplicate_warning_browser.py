"""Adding an organisation that is already in the ledger (written in traditional characters): the form warns as
the name is typed and again before saving, lists the record, and saves only with a reason, on a desktop and a
390 px phone."""

import pytest
from playwright.sync_api import expect

from branches.models import Organisation
from federation.models import Region
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_adding_a_record_already_in_the_ledger_warns_and_asks_why(
    page, sign_in_as, district_officer, live_server, shoot, viewport
):
    existing = OrganisationFactory(name="乌海市爱心协会", field="social", unit_type="association", uscc="")
    OrganisationFactory(name="海勃湾区爱心协会志愿服务队", field="social", uscc="")
    OrganisationFactory(name="乌海市爱心协会", uscc="", region=Region.objects.get(code="150304002"))
    sign_in_as(district_officer)
    page.goto(f"{live_server.url}/ledger/organisations/new/")
    page.fill("#id_name", "烏海市愛心協會")
    expect(page.locator("#lookalikes-live")).to_contain_text("名称相同")  # as it is typed
    page.select_option("#id_field", "social")
    page.select_option("#id_region", str(Region.objects.get(code="150302001").pk))
    page.click("form button[type=submit]:has-text('保存')")
    page.wait_for_load_state("networkidle")
    warning = page.locator("#lookalikes")
    expect(warning).to_contain_text("该组织可能已在台账中")
    expect(warning).to_contain_text("名称相同")
    expect(warning).to_contain_text("名称相近")
    expect(warning).to_contain_text("1 条相似记录在您的辖区之外")
    assert warning.locator(f"a[href='/ledger/organisations/{existing.pk}/']").count() == 1
    assert Organisation.objects.count() == 3
    assert_fits_width(page)
    warning.scroll_into_view_if_needed()
    shoot("organisation-duplicate-warning")

    page.fill("#id_duplicate_reason", "同名的另一家协会，登记在不同街道")
    page.click("button[name=save_anyway]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("烏海市愛心協會")
    expect(page.locator("#history-title").locator("xpath=ancestor::section")).to_contain_text(
        "并非重复：同名的另一家协会，登记在不同街道"
    )
    assert Organisation.objects.count() == 4
