"""A liaison follows the invitation link on a 390 px phone, fills in the request, reloads, and hands it in."""

import pytest
from playwright.sync_api import expect

from branches.models import Liaison
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import assert_fits_width
from tests.workflows.answers import POST
from workflows import services
from workflows.models import StepEntry, StepStatus, WorkflowTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def formation_templates():
    """The default 妇联 procedure (the `wuhai` fixture seeds it again after a test flushed the database)."""
    return WorkflowTemplate.objects.get(key="federation", status="published")


@pytest.fixture
def invitation(wuhai, district_officer):
    organisation = OrganisationFactory(name="乌海市海勃湾区巾帼商会")
    liaison = Liaison.objects.create(organisation=organisation, name="王芳", mobile="13904731234")
    run = services.run_start(
        by=district_officer,
        organisation=organisation,
        template=formation_templates(),
        owner=district_officer,
        liaison=liaison,
    )
    return services.invitation_create(by=district_officer, run=run)


def fits_phones(page):
    """Nothing scrolls sideways at 360 px (small Android phones) nor at 390 px (the screenshots' width)."""
    for width in (360, 390):
        page.set_viewport_size({"width": width, "height": 844})
        assert_fits_width(page)


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_liaison_opens_the_link_fills_in_reloads_and_hands_in(page, live_server, invitation, shoot, viewport):
    link = f"{live_server.url}{services.invitation_url(None, invitation)}"
    page.goto(link)
    page.wait_for_load_state("networkidle")
    assert "/portal/runs/" in page.url
    assert page.locator(".stepper-item").count() == 11
    assert page.locator(".stepper-item.is-current").count() == 1
    fits_phones(page)
    shoot("portal-run")

    page.click(".current-step a.btn")
    page.wait_for_load_state("networkidle")
    assert "/portal/steps/" in page.url
    entry = StepEntry.objects.get(run=invitation.run, step__code="request")
    # prefilled from the ledger; the liaison types the rest
    assert page.input_value("[name=unit_name]") == "乌海市海勃湾区巾帼商会"
    page.fill("[name=proposed_name]", "乌海市海勃湾区巾帼商会妇女联合会")
    page.fill("[name=seats]", "5")
    expect(page.locator(".save-status")).to_contain_text(":")  # no eval: the CSP refuses it
    entry.refresh_from_db()
    assert entry.draft["seats"] == "5" and entry.status == StepStatus.DRAFT

    # typed just before leaving: kept on the device (and sent as the page goes) and shown again
    page.fill("[name=chair_seats]", "1")
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.input_value("[name=proposed_name]") == "乌海市海勃湾区巾帼商会妇女联合会"
    assert page.input_value("[name=seats]") == "5"
    assert page.input_value("[name=chair_seats]") == "1"

    for name, value in POST["request"].items():
        if not value:
            continue
        if name == "way":
            page.select_option(f"[name={name}]", value)
        else:
            page.fill(f"[name={name}]", value)
    fits_phones(page)
    shoot("portal-step")

    page.click("form.step-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/portal/runs/" in page.url
    entry.refresh_from_db()
    assert entry.status == StepStatus.SUBMITTED
    assert entry.answers["seats"] == 5
    fits_phones(page)
    shoot("portal-run-after-submit")

    page.goto(f"{live_server.url}/portal/steps/{entry.pk}/")
    page.wait_for_load_state("networkidle")
    assert page.locator("[name=seats]").count() == 0  # read-only now
    fits_phones(page)
    shoot("portal-step-submitted")


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_a_returned_table_step_and_a_spoiled_link_fit_a_phone(
    page, live_server, invitation, district_officer, shoot, viewport
):
    from answers.models import FAQEntry
    from tests.workflows.test_services import fill

    run = invitation.run
    for entry in run.entries.order_by("order").select_related("step", "run"):
        entry.refresh_from_db()
        if entry.status == StepStatus.APPROVED:
            continue
        entry = fill(entry, district_officer)
        if entry.step.code == "preparation":
            services.step_return(
                by=district_officer, entry=entry, version=entry.version, comment="筹备组名单请补充手机号码。"
            )
            break
        if entry.status == StepStatus.SUBMITTED:
            services.step_approve(by=district_officer, entry=entry, version=entry.version)
    FAQEntry.objects.create(
        question="筹备组一般几个人？", answer="一般3至5人，由单位党组织推荐。", step_codes=["preparation"]
    )
    page.goto(f"{live_server.url}{services.invitation_url(None, invitation)}")
    page.wait_for_load_state("networkidle")
    page.click(".current-step a.btn")
    page.wait_for_load_state("networkidle")
    assert "筹备组名单请补充手机号码。" in page.locator(".review-comment").inner_text()
    rows = page.locator("[data-table=members] tbody tr")
    before = rows.count()
    page.click("[data-table=members] [data-row-add]")
    assert rows.count() == before + 1
    page.locator("[data-table=members] tbody tr").last.locator("input").first.fill("赵敏")
    page.click("details.faq summary")
    fits_phones(page)
    shoot("portal-step-returned-table")

    services.invitation_revoke(by=district_officer, invitation=invitation)
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{services.invitation_url(None, invitation)}")
    assert page.locator("h1").count() == 1
    fits_phones(page)
    shoot("portal-link-revoked")
