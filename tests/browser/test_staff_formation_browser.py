"""An officer starts a formation run from the ledger, sends the link and reviews; an admin previews a step."""

import pytest

from branches.models import Liaison
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import assert_fits_width
from tests.workflows.answers import POST
from tests.workflows.test_staff import hand_in
from workflows.models import FormationRun, Invitation, StepStatus, WorkflowTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_officer_starts_a_run_sends_the_link_and_reviews(
    page, live_server, sign_in_as, district_officer, shoot, viewport
):
    organisation = OrganisationFactory(name="乌海市巾帼商贸有限公司", women=60, employees=120, party_org=True)
    Liaison.objects.create(organisation=organisation, name="王芳", post="工会主席", mobile="13904731234")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in_as(district_officer)

    page.goto(f"{live_server.url}/ledger/organisations/{organisation.pk}/")
    page.click(f"a[href='/formation/start/{organisation.pk}/']")
    page.wait_for_load_state("networkidle")
    federation = WorkflowTemplate.objects.get(key="federation", status="published")
    assert page.input_value("#id_template") == str(federation.pk)
    assert page.input_value("#id_way") == "standalone"
    assert page.locator(".recommendation").count() == 1
    assert_fits_width(page)
    shoot("formation-run-start")

    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    run = FormationRun.objects.get(organisation=organisation)
    invitation = Invitation.objects.get(run=run)  # made and sent as the run started, with its liaison
    assert page.url.endswith(f"/formation/invitations/{invitation.pk}/")

    link = page.input_value("#invitation-url")
    assert "/portal/i/" in link or "/i/" in link
    page.click(".js-copy")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert_fits_width(page)
    shoot("formation-invitation-link")

    hand_in(run, district_officer)
    page.goto(f"{live_server.url}/formation/review/")
    assert page.locator(".review-table tbody tr").count() == 1
    assert_fits_width(page)
    shoot("formation-review-queue")

    page.click(".review-table a.btn")
    page.wait_for_load_state("networkidle")
    assert page.locator(".review-card").count() == 1
    assert_fits_width(page)
    shoot("formation-step-review")

    page.fill("#review-comment", "请补充成立理由")
    page.click("button[name=action][value=return]")
    page.wait_for_load_state("networkidle")
    entry = run.entries.get(step__code="request")
    assert entry.status == StepStatus.RETURNED and entry.comment == "请补充成立理由"
    assert page.locator(".review-card").count() == 0

    hand_in(run, district_officer)
    page.reload()
    page.click("button[name=action][value=approve]")
    page.wait_for_load_state("networkidle")
    entry.refresh_from_db()
    assert entry.status == StepStatus.APPROVED
    page.goto(f"{live_server.url}/formation/runs/{run.pk}/")
    assert page.locator(".run-step-approved").count() == 2
    shoot("formation-run-detail")
    page.goto(f"{live_server.url}/ledger/organisations/{organisation.pk}/")
    card = page.locator("#formation-runs")
    assert card.locator(".mini-step").count() == 11 and card.locator(".mini-step.is-current").count() == 1
    assert_fits_width(page)
    shoot("formation-organisation-card")
    assert POST["request"]["proposed_name"] in str(entry.answers)


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_admin_reads_a_template_and_previews_a_step_as_a_phone_shows_it(
    page, live_server, sign_in_as, admin_user, shoot, viewport
):
    federation = WorkflowTemplate.objects.get(key="federation", status="published")
    sign_in_as(admin_user)
    page.goto(f"{live_server.url}/formation/templates/")
    assert page.locator(f"a[href='/formation/templates/{federation.pk}/']").count() == 1
    shoot("formation-template-list")
    page.click(f"a[href='/formation/templates/{federation.pk}/']")
    page.wait_for_load_state("networkidle")
    assert page.locator(".template-steps > li").count() == 11
    assert_fits_width(page)
    shoot("formation-template-detail")

    step = federation.steps.get(code="request")
    page.click(f"a[href='/formation/templates/steps/{step.pk}/preview/']")
    page.wait_for_load_state("networkidle")
    frame = page.locator(".phone-frame")
    assert frame.bounding_box()["width"] <= 412
    assert "请示须加盖单位公章" in frame.inner_text()
    assert frame.locator("[name=unit_name]").count() == 1
    shoot("formation-step-preview")
