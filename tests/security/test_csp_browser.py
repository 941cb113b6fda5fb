"""The Content-Security-Policy holds in a real browser: the pages that use scripts work and nothing is refused."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import Liaison
from coverage.services import snapshot_compute
from tests.branches.factories import OrganisationFactory
from workflows import services
from workflows.models import WorkflowTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records every refusal the page reports; Playwright adds it before the page's own scripts, outside the policy.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__csp.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " at " +
    event.sourceFile + ":" + event.lineNumber);
});
"""

# Playwright's wait_for_function evaluates strings, which the policy refuses: the waits below use expect().
REFUSED_STYLE = """() => new Promise((resolve) => {
  document.addEventListener("securitypolicyviolation", (event) => resolve(event.violatedDirective), {once: true});
  document.body.insertAdjacentHTML("beforeend", '<div style="color: red"></div>');
})"""


@pytest.fixture
def watched(page, live_server):
    """The page, with a list that collects CSP refusals, console errors and uncaught exceptions."""
    problems: list[str] = []
    page.add_init_script(WATCH)
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and problems.append(f"console: {message.text} ({message.location['url']})")
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    return page, problems


def visit(page, url: str):
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    return response


def assert_clean(page, problems: list[str], where: str) -> None:
    problems.extend(page.evaluate("window.__csp"))
    assert not problems, f"{where}: {problems}"


@pytest.fixture
def formation(wuhai, district_officer):
    charity = OrganisationFactory(name="乌海市爱心协会", field="social", unit_type="women_social",
                                  contact_name="王芳", contact_mobile="13904731234")  # fmt: skip
    for n in range(3):
        OrganisationFactory(name=f"乌海市第{n}化工有限公司")
    liaison = Liaison.objects.create(organisation=charity, name="王芳", mobile="13904731234")
    run = services.run_start(
        by=district_officer,
        organisation=charity,
        template=WorkflowTemplate.objects.get(key="federation", status="published"),
        owner=district_officer,
        liaison=liaison,
    )
    snapshot_compute(as_of=timezone.localdate())
    return run


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_pages_work_under_the_policy_without_a_single_refusal(
    watched, live_server, sign_in_as, district_officer, formation, viewport
):
    page, problems = watched
    sign_in_as(district_officer)
    # the watch itself works: an inline style attribute is refused and reported
    assert page.evaluate(REFUSED_STYLE).startswith("style-src")
    assert len(page.evaluate("window.__csp")) == 1
    problems.clear()
    page.evaluate("window.__csp = []")

    visit(page, f"{live_server.url}/staff/")
    assert_clean(page, problems, "staff home")

    visit(page, f"{live_server.url}/ledger/organisations/")
    assert page.locator("table.ledger-table tbody tr").count() == 4
    page.fill("#id_q", "whsax")  # the table updates through htmx as one types
    expect(page.locator("table.ledger-table tbody tr")).to_have_count(1)
    assert_clean(page, problems, "ledger search")

    visit(page, f"{live_server.url}/ledger/organisations/{formation.organisation.pk}/")
    page.click("text=查看完整号码")
    page.wait_for_selector("a[href='tel:13904731234']")
    assert_clean(page, problems, "organisation page")

    visit(page, f"{live_server.url}/coverage/")
    page.wait_for_selector(".coverage-chart svg")
    chart = page.locator(".coverage-chart").first
    chart.hover()  # the tooltip renders too
    page.wait_for_timeout(300)
    assert page.locator(".coverage-chart svg path").count() > 0
    assert_clean(page, problems, "coverage dashboard")

    visit(page, f"{live_server.url}/formation/runs/{formation.pk}/")
    page.click("#invitations form button[type=submit]")
    page.wait_for_load_state("networkidle")
    link = page.input_value("#invitation-url")
    page.click(".js-copy")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert page.locator(".js-copy span").inner_text() == "已复制"
    assert_clean(page, problems, "invitation link")

    visit(page, link)  # staff are asked before the link signs them out
    assert_clean(page, problems, "link confirmation")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    # the liaison's portal: the run with its progress, then a step that saves drafts
    assert page.locator("progress.portal-progress").count() == 1
    assert_clean(page, problems, "portal run")
    page.click(".current-step a.btn")
    page.wait_for_load_state("networkidle")
    page.fill("[name=seats]", "5")
    expect(page.locator(".save-status")).to_contain_text(":")
    assert_clean(page, problems, "portal step")

    response = visit(page, f"{live_server.url}/no-such-page/")
    assert response.status == 404
    problems.remove(f"console: Failed to load resource: the server responded with a status of 404 (Not Found) "
                    f"({live_server.url}/no-such-page/)")  # fmt: skip
    assert_clean(page, problems, "not found")
