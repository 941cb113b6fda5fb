"""Staff who open a contact's link are asked before being signed out; the organisation's edit form shows the
contact's mobile masked and shows it in full only when asked (logged), on a desktop and a 390 px phone."""

import pytest
from playwright.sync_api import expect

from branches.models import Liaison, Organisation
from federation.models import DisclosureLog
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import assert_fits_width
from workflows import services
from workflows.models import WorkflowTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_opening_a_contacts_link_are_asked_first(
    page, sign_in_as, district_officer, live_server, shoot, viewport
):
    organisation = OrganisationFactory(name="乌海市海勃湾区巾帼商会")
    liaison = Liaison.objects.create(organisation=organisation, name="王芳", mobile="13904731234")
    run = services.run_start(
        by=district_officer,
        organisation=organisation,
        template=WorkflowTemplate.objects.get(key="federation", status="published"),
        owner=district_officer,
        liaison=liaison,
    )
    invitation = services.invitation_create(by=district_officer, run=run)
    sign_in_as(district_officer)

    page.goto(f"{live_server.url}{services.invitation_url(None, invitation)}")
    page.wait_for_load_state("networkidle")

    expect(page.locator("main")).to_contain_text(
        f"你当前以工作人员 {district_officer.display_name} 登录，继续将退出并以联系人身份打开"
    )
    expect(page.locator("main a:has-text('取消')")).to_be_visible()
    assert_fits_width(page)
    shoot("link-confirm")

    page.click("main button:has-text('继续')")
    page.wait_for_load_state("networkidle")
    assert f"/portal/runs/{run.pk}/" in page.url
    expect(page.locator("main")).to_contain_text("请示")


def test_the_edit_form_shows_the_mobile_masked_until_asked(
    page, sign_in_as, district_officer, live_server, shoot, viewport
):
    organisation = OrganisationFactory(
        name="乌海市掩码测试协会", contact_name="李娜", contact_mobile="13904735678"
    )
    sign_in_as(district_officer)
    page.goto(f"{live_server.url}/ledger/organisations/{organisation.pk}/edit/")
    page.wait_for_load_state("networkidle")

    mobile = page.locator("#id_contact_mobile")
    expect(mobile).to_have_value("139****5678")
    assert "13904735678" not in page.content()
    mobile.scroll_into_view_if_needed()
    assert_fits_width(page)
    shoot("organisation-form-masked-mobile")

    page.click("#contact-mobile-reveal button")
    expect(page.locator("#id_contact_mobile")).to_have_value("13904735678")
    expect(page.locator("#contact-mobile-reveal")).to_contain_text("已记录")
    assert DisclosureLog.objects.filter(user=district_officer, kind="reveal").count() == 1
    assert_fits_width(page)

    page.click("form button[type=submit]:has-text('保存')")
    page.wait_for_load_state("networkidle")
    assert Organisation.objects.get(pk=organisation.pk).contact_mobile == "13904735678"
