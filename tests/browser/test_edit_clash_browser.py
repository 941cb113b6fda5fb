"""In a browser, at a desk and on a phone: a save over someone else's newer one is refused with their name
and time above the form; the city's staff read the changes district officers propose to the FAQ and decide."""

import pytest
from django.utils import timezone

from activities import services as activity_services
from answers import services as answer_services
from tests.activities.factories import make_recognition
from tests.answers.factories import faq_entry
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_save_over_a_newer_one_is_refused_naming_who_saved(
    page, live_server, sign_in_as, district_officer, city_officer, shoot, viewport
):
    organisation = OrganisationFactory(name="乌海市海勃湾区巾帼家政服务中心")
    recognition = make_recognition(district_officer, organisation=organisation, person_name="王丽")
    sign_in_as(district_officer)
    page.goto(f"{live_server.url}/work/recognitions/{recognition.pk}/edit/")
    # meanwhile a city officer corrects the same recognition
    activity_services.recognition_update(
        by=city_officer, recognition=recognition, data={"person_post": "主任"}
    )
    recognition.refresh_from_db()
    saved_at = timezone.localtime(recognition.updated_at).strftime("%H:%M")
    page.fill("#id_person_unit", "乌海市海勃湾区巾帼家政服务中心")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    alert = page.locator("main .alert-danger")
    assert city_officer.display_name in alert.inner_text() and saved_at in alert.inner_text()
    if viewport == "phone":
        assert_fits_width(page)
    alert.scroll_into_view_if_needed()
    shoot("edit-refused")
    recognition.refresh_from_db()
    assert recognition.person_post == "主任" and recognition.person_unit == ""


def test_the_city_reads_and_decides_a_proposed_faq_change(
    page, live_server, sign_in_as, district_officer, city_officer, shoot, viewport
):
    entry = faq_entry("妇联每届任期几年？", "一般为五年。", step_codes=["request"])
    answer_services.faq_proposal_create(
        by=district_officer,
        entry=entry,
        data={
            "question": entry.question,
            "answer": "一般为五年。确需提前或延期换届的，报上级妇联批准，延期一般不超过一年。",
            "reason": "本区有几家企业因改制需要提前换届，现在的回答没有说怎么办。",
        },
    )
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/questions/faq/proposals/")
    proposal = page.locator("main .faq-proposal")
    assert "延期一般不超过一年" in proposal.inner_text() and "一般为五年。" in proposal.inner_text()
    if viewport == "phone":
        assert_fits_width(page)
    shoot("faq-proposals")
    page.fill("main .faq-proposal input[name=note]", "已采纳，谢谢")
    page.click("main .faq-proposal button[value=accept]")
    page.wait_for_load_state("networkidle")
    entry.refresh_from_db()
    assert "延期一般不超过一年" in entry.answer
    assert "已采纳，谢谢" in page.locator("main").inner_text()
