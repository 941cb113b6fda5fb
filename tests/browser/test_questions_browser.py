"""A liaison asks on a step from a phone; an officer answers from the inbox at a desk and publishes the answer
as FAQ; the liaison reads the answer, and the FAQ shows on that step."""

import pytest

from answers.models import FAQCategory, FAQEntry, Question
from answers.seed import faq_seed
from branches.models import Liaison
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import SCREENSHOTS, VIEWPORTS
from tests.browser.test_portal_browser import fits_phones, formation_templates
from workflows import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def step(wuhai, district_officer, liaison):
    """The request step of a run whose liaison signs in as `liaison`."""
    faq_seed(FAQCategory, FAQEntry)  # seeded by a migration, flushed by earlier browser tests
    organisation = OrganisationFactory(name="乌海市海勃湾区巾帼快递服务站")
    named = Liaison.objects.create(organisation=organisation, name="王芳", mobile="13904731234", user=liaison)
    run = services.run_start(
        by=district_officer,
        organisation=organisation,
        template=formation_templates(),
        owner=district_officer,
        liaison=named,
    )
    return run.entries.get(step__code="request")


def at_desk(page, name: str) -> None:
    """A desk-width screenshot; the page's content fits (the shared navigation bar is checked elsewhere)."""
    page.set_viewport_size(VIEWPORTS["desktop"])
    overflow = page.evaluate("(m => m.scrollWidth - m.clientWidth)(document.querySelector('main'))")
    assert overflow <= 1, f"the content is {overflow}px wider than the page"
    page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_a_question_asked_on_a_phone_is_answered_and_becomes_faq(
    page, live_server, sign_in_as, liaison, district_officer, step, shoot, viewport
):
    sign_in_as(liaison)
    portal_step = f"{live_server.url}/portal/steps/{step.pk}/"
    page.goto(portal_step)
    page.fill("#id_question", "执委名额可以是6名吗？")
    page.click("#ask button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "执委名额可以是6名吗？" in page.locator("#ask").inner_text()
    fits_phones(page)
    page.set_viewport_size(VIEWPORTS["phone"])
    page.locator("#ask").scroll_into_view_if_needed()
    shoot("question-asked")
    question = Question.objects.get()

    page.context.clear_cookies()
    page.set_viewport_size(VIEWPORTS["desktop"])
    sign_in_as(district_officer)
    page.goto(f"{live_server.url}/questions/")
    assert page.locator(".question-table tbody tr").count() == 1
    at_desk(page, "questions-inbox")
    page.click(".question-table a.btn")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/questions/{question.pk}/")
    page.fill("#id_answer", "执委名额一般为单数：5、7或15名，主席1名，副主席1至4名。")
    at_desk(page, "question-answer")
    page.click(".answer-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "执委名额一般为单数" in page.locator(".answer-text").inner_text()
    page.click("a[href$='/publish/']")
    page.wait_for_load_state("networkidle")
    assert page.input_value("#id_question") == "执委名额可以是6名吗？"
    assert page.is_checked("input[name=step_codes][value=request]")
    page.fill("#id_question", "执委名额可以是双数吗？")
    at_desk(page, "question-publish")
    page.click(".faq-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert FAQEntry.objects.filter(question="执委名额可以是双数吗？", step_codes=["request"]).exists()
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    at_desk(page, "questions-staff-home")

    page.context.clear_cookies()
    page.set_viewport_size(VIEWPORTS["phone"])
    sign_in_as(liaison)
    page.goto(portal_step)
    assert "执委名额一般为单数" in page.locator("#ask").inner_text()
    faq = page.locator("details.faq summary", has_text="执委名额可以是双数吗？")
    assert faq.count() == 1
    faq.click()
    fits_phones(page)
    page.set_viewport_size(VIEWPORTS["phone"])
    shoot("question-answered-on-step")

    page.goto(f"{live_server.url}/my/")
    page.wait_for_load_state("networkidle")
    assert "执委名额一般为单数" in page.locator("#questions").inner_text()
    fits_phones(page)
    page.set_viewport_size(VIEWPORTS["phone"])
    shoot("question-contact-home")

    page.goto(f"{live_server.url}/questions/faq/?q=zwme")
    page.wait_for_load_state("networkidle")
    assert page.locator("details.faq").count() >= 2  # 执委名额… by its initials
    fits_phones(page)
    page.set_viewport_size(VIEWPORTS["phone"])
    shoot("faq-search")
