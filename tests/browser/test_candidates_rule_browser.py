"""A liaison hands in too few candidates for the seats at 酝酿候选人: refused, or warned where the template says
so, on a desktop and a 390 px phone."""

import pytest
from playwright.sync_api import expect

from branches.models import Liaison
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import assert_fits_width
from tests.browser.test_accessibility import axe_violations, blocking
from tests.workflows.test_portal import progress_to
from workflows import services
from workflows.election import WARN
from workflows.models import StepStatus, WorkflowTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHORT_LIST = ["张丽", "李娜", "王静"]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe is injected as an inline script, which the app's Content-Security-Policy would refuse
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def candidate_step(wuhai, district_officer):
    """A 妇联 run whose request (5 seats) and approval are done, at the candidate step, and its link."""
    organisation = OrganisationFactory(name="乌海市海勃湾区巾帼商会")
    liaison = Liaison.objects.create(organisation=organisation, name="王芳", mobile="13904731234")
    run = services.run_start(
        by=district_officer,
        organisation=organisation,
        template=WorkflowTemplate.objects.get(key="federation", status="published"),
        owner=district_officer,
        liaison=liaison,
    )
    entry = progress_to(run, "candidates", district_officer)
    return entry, services.invitation_create(by=district_officer, run=run)


def _open_and_hand_in_three(page, live_server, entry, invitation):
    page.goto(f"{live_server.url}{services.invitation_url(None, invitation)}")
    page.goto(f"{live_server.url}/portal/steps/{entry.pk}/")
    page.wait_for_load_state("networkidle")
    for index, name in enumerate(SHORT_LIST):
        page.fill(f"[name=candidates-{index}-name]", name)
    page.click("form.step-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_three_candidates_for_five_seats_are_refused(page, live_server, candidate_step, shoot, viewport):
    entry, invitation = candidate_step
    _open_and_hand_in_three(page, live_server, entry, invitation)

    alert = page.locator(".alert-danger")
    expect(alert).to_contain_text("候选人3名，应选5名：差额选举至少需要6名候选人。")
    assert page.input_value("[name=candidates-2-name]") == "王静"  # what was typed stays
    assert_fits_width(page)
    alert.scroll_into_view_if_needed()
    shoot("candidates-refused")
    assert blocking("candidates refused", axe_violations(page, f"candidates-refused-{viewport}")) == []
    entry.refresh_from_db()
    assert entry.status != StepStatus.SUBMITTED


def test_a_template_that_warns_takes_the_list_after_the_tick(
    page, live_server, candidate_step, shoot, viewport
):
    entry, invitation = candidate_step
    WorkflowTemplate.objects.filter(pk=entry.step.template_id).update(competitive_rule=WARN)
    _open_and_hand_in_three(page, live_server, entry, invitation)

    warning = page.locator(".alert-warning").filter(has_text="差额选举至少需要6名候选人")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("如确需提交，请先勾选确认。")
    assert_fits_width(page)
    shoot("candidates-warned")
    assert blocking("candidates warned", axe_violations(page, f"candidates-warned-{viewport}")) == []

    page.check("[name=accept_warnings]")
    page.click("form.step-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/portal/runs/" in page.url
    entry.refresh_from_db()
    assert entry.status == StepStatus.SUBMITTED and len(entry.answers["candidates"]) == 3
