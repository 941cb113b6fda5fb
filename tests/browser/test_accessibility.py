"""axe-core finds no serious or critical accessibility problem on the pages people use most: the login page,
the staff pages on a 1280 px desktop and the liaison's step page on a 390 px phone."""

from pathlib import Path

import pytest

from tests.browser.conftest import SCREENSHOTS, VIEWPORTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent.parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe is injected as an inline script, which the app's Content-Security-Policy would refuse
    return {**browser_context_args, "bypass_csp": True}


def axe_violations(page, name: str) -> list[dict]:
    """Run axe on the page as it stands, save a screenshot, and return what it found."""
    assert AXE.exists(), "axe-core is missing: run `npm ci`"
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN_AXE, TAGS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"a11y-{name}.png"), full_page=True)
    return violations


def blocking(name: str, violations: list[dict]) -> list[str]:
    """One line per serious or critical violation: the page, the rule, its help and where it is."""
    return [
        f"{name}: [{v['impact']}] {v['id']} – {v['help']} – {', '.join(v['targets'][:3])}"
        + (f" (+{len(v['targets']) - 3} more)" if len(v["targets"]) > 3 else "")
        for v in violations
        if v["impact"] in BLOCKING
    ]


def test_login_and_staff_pages_have_no_serious_accessibility_problem(page, live_server, sign_in_as, world):
    page.set_viewport_size(VIEWPORTS["phone"])
    page.goto(f"{live_server.url}/accounts/login/")
    problems = blocking("login", axe_violations(page, "login-phone"))

    page.set_viewport_size(VIEWPORTS["desktop"])
    sign_in_as(world["people"]["district_officer"])
    assert page.url.endswith("/staff/")
    problems += blocking("staff home", axe_violations(page, "staff-home-desktop"))

    page.goto(f"{live_server.url}/ledger/organisations/")
    page.click("[data-bs-target='#more-filters']")  # the folded filters are part of the page people use
    page.locator("#more-filters.show").wait_for(state="visible")
    problems += blocking("ledger", axe_violations(page, "ledger-desktop"))

    assert world["organisation"].name in page.locator("main").inner_text()  # the page audited has rows
    pages = {
        "organisation": f"/ledger/organisations/{world['organisation'].pk}/",
        "register import": "/ledger/imports/new/",
        "coverage dashboard": "/coverage/",
        "review queue": "/formation/review/",
    }
    for name, path in pages.items():
        assert page.goto(f"{live_server.url}{path}").ok, name
        problems += blocking(name, axe_violations(page, f"{name.replace(' ', '-')}-desktop"))
    assert world["organisation"].name in page.locator("main").inner_text()  # the step waiting for review
    assert not problems, "\n".join(problems)


def test_liaisons_step_page_on_a_phone_has_no_serious_accessibility_problem(
    page, live_server, sign_in_as, world
):
    from workflows import services

    step = world["step"]
    # returned with a comment: the liaison sees the review note above the form she fills in again
    services.step_return(
        by=world["people"]["district_officer"], entry=step, version=step.version, comment="请补充席位数。"
    )
    page.set_viewport_size(VIEWPORTS["phone"])
    sign_in_as(world["people"]["liaison"])
    page.goto(f"{live_server.url}/portal/steps/{step.pk}/")
    assert page.locator("form.step-form").count() == 1
    problems = blocking("portal step", axe_violations(page, "portal-step-phone"))
    assert not problems, "\n".join(problems)
