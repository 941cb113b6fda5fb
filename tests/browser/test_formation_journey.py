"""The whole 妇联 formation as its people live it: the liaison on a 390×844 phone from the invitation link
through every step, the officer reviewing on a desktop — one step returned and fixed, a vote that misses the
quorum refused — until the women's federation stands in the ledger.
"""

from __future__ import annotations

import io
import re
import zipfile

import docx
import pytest

from branches.models import Branch, Liaison, Stage
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import SCREENSHOTS, VIEWPORTS, assert_fits_width
from tests.workflows.answers import POST
from workflows import services
from workflows.models import FormationRun, StepEntry, StepStatus, WorkflowTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLE_INPUT = re.compile(r"^(\w+)-(\d+)-(\w+)$")


def fill(page, data: dict[str, str]) -> None:
    """Type the answers as a person would: blanks, lists, dates, and table rows added as needed."""
    for name, value in data.items():
        match = TABLE_INPUT.match(name)
        if match:
            while page.locator(f"[name='{name}']").count() == 0:
                page.click(f"[data-table='{match[1]}'] [data-row-add]")
        field = page.locator(f"[name='{name}']").first
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def journey(wuhai, district_officer):
    organisation = OrganisationFactory(name="乌海市海勃湾区巾帼物流有限公司", women=60, employees=120)
    liaison = Liaison.objects.create(organisation=organisation, name="王芳", mobile="13904731234")
    run = services.run_start(
        by=district_officer,
        organisation=organisation,
        template=WorkflowTemplate.objects.get(key="federation", status="published"),
        owner=district_officer,
        liaison=liaison,
    )
    return run


def test_a_federation_is_formed_from_the_link_to_the_ledger(
    browser, live_server, journey, district_officer, settings
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    run = journey
    officer_context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN")
    phone_context = browser.new_context(
        viewport=VIEWPORTS["phone"], locale="zh-CN", is_mobile=True, has_touch=True, accept_downloads=True
    )
    officer, phone = officer_context.new_page(), phone_context.new_page()

    # the officer signs in and copies the invitation link from the run page
    officer.goto(f"{live_server.url}/accounts/login/")
    officer.fill("input[name=username]", district_officer.username)
    officer.fill("input[name=password]", settings.DEMO_PASSWORD)
    officer.click("main form button[type=submit]")
    officer.goto(f"{live_server.url}/formation/runs/{run.pk}/")
    officer.click("form[action$='/invite/'] button[type=submit]")
    officer.wait_for_load_state("networkidle")
    link = officer.input_value("#invitation-url")
    shot(officer, "journey-01-invitation-desktop")

    # the liaison opens it on the phone: no password, straight into the run
    phone.goto(link)
    phone.wait_for_load_state("networkidle")
    assert "/portal/runs/" in phone.url
    assert_fits_width(phone)
    shot(phone, "journey-02-run-phone")

    def liaison_hands_in(code: str, data: dict[str, str], *, expect_refusal: str | None = None) -> None:
        entry = StepEntry.objects.get(run=run, step__code=code)
        phone.goto(f"{live_server.url}/portal/steps/{entry.pk}/")
        phone.wait_for_load_state("networkidle")
        fill(phone, data)
        assert_fits_width(phone)
        phone.click("form.step-form button[type=submit]")
        phone.wait_for_load_state("networkidle")
        entry.refresh_from_db()
        if expect_refusal:
            assert entry.status != StepStatus.SUBMITTED
            assert expect_refusal in phone.locator(".alert-danger").inner_text()
            return
        assert entry.status == StepStatus.SUBMITTED, phone.locator("main").inner_text()[:800]

    def officer_reviews(code: str, action: str = "approve", comment: str = "") -> None:
        entry = StepEntry.objects.get(run=run, step__code=code)
        officer.goto(f"{live_server.url}/formation/steps/{entry.pk}/")
        if comment:
            officer.fill("#review-comment", comment)
        officer.click(f"button[name=action][value={action}]")
        officer.wait_for_load_state("networkidle")
        entry.refresh_from_db()
        assert entry.status == (StepStatus.APPROVED if action == "approve" else StepStatus.RETURNED)

    def officer_fills(code: str) -> None:
        entry = StepEntry.objects.get(run=run, step__code=code)
        officer.goto(f"{live_server.url}/formation/steps/{entry.pk}/")
        fill(officer, POST[code])
        officer.click("main form[enctype] button[type=submit]")
        officer.wait_for_load_state("networkidle")
        entry.refresh_from_db()
        assert entry.status == StepStatus.APPROVED

    # 请示: handed in, returned with a comment, fixed, approved; the request paper opens in a word processor
    typed = {k: v for k, v in POST["request"].items() if k not in {"unit_name", "employees", "women"}}
    liaison_hands_in("request", {**typed, "seats": "7"})  # the unit's name and counts come from the ledger
    officer.goto(f"{live_server.url}/formation/review/")
    assert "乌海市海勃湾区巾帼物流有限公司" in officer.locator("main").inner_text()
    shot(officer, "journey-03-review-queue-desktop")
    officer_reviews("request", "return", "委员名额请按批复意见改为5名。")
    request = StepEntry.objects.get(run=run, step__code="request")
    phone.goto(f"{live_server.url}/portal/steps/{request.pk}/")
    assert "委员名额请按批复意见改为5名" in phone.locator("main").inner_text()
    shot(phone, "journey-04-returned-phone")
    liaison_hands_in("request", {"seats": "5"})
    officer_reviews("request")
    with phone.expect_download() as paper:
        phone.goto(f"{live_server.url}/portal/runs/{run.pk}/")
        phone.click(f"a[href*='/formation/steps/{request.pk}/documents/']")
    text = "\n".join(p.text for p in docx.Document(paper.value.path()).paragraphs)
    assert "乌海市海勃湾区巾帼物流有限公司" in text and "设委员5名" in text

    officer_fills("approval")
    for code in ("preparation", "delegates", "candidates", "materials"):
        liaison_hands_in(code, POST[code])
        officer_reviews(code)

    # the congress: a vote that misses the quorum is refused with the reason, then the real figures pass
    short = {
        **POST["congress"],
        "present": "20",
        "ballots_issued": "20",
        "ballots_returned": "20",
        "ballots_valid": "20",
    }
    liaison_hands_in("congress", short, expect_refusal="22")
    assert_fits_width(phone)
    shot(phone, "journey-05-quorum-refused-phone")
    liaison_hands_in("congress", POST["congress"])
    officer_reviews("congress")
    for code in ("first_meeting", "report"):
        liaison_hands_in(code, POST[code])
        officer_reviews(code)
    officer_fills("unveiling")

    # one click: every paper of the run in a ZIP, with what is missing listed
    with phone.expect_download() as package:
        phone.goto(f"{live_server.url}/portal/runs/{run.pk}/")
        shot(phone, "journey-06-completed-phone")
        phone.click(f"a[href$='/formation/runs/{run.pk}/package/']")
    names = zipfile.ZipFile(package.value.path()).namelist()
    assert any(name.endswith("计票单.docx") for name in names), names
    tally = next(name for name in names if name.endswith("计票单.docx"))
    table_text = " ".join(
        cell.text
        for table in docx.Document(io.BytesIO(zipfile.ZipFile(package.value.path()).read(tally))).tables
        for row in table.rows
        for cell in row.cells
    )
    assert "张丽" in table_text

    run.refresh_from_db()
    assert run.status == FormationRun.Status.COMPLETED
    branch = Branch.objects.get(pk=run.branch_id)
    assert branch.name == "乌海市海勃湾区测试商会妇女联合会"  # the approved name
    assert branch.members.get(post="chair").name == "张丽"
    run.organisation.refresh_from_db()
    assert run.organisation.stage == Stage.ESTABLISHED
    officer.goto(f"{live_server.url}/ledger/organisations/{run.organisation_id}/")
    shot(officer, "journey-07-organisation-desktop")
    officer_context.close()
    phone_context.close()
