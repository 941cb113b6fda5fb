"""A step's FAQ speaks of the form the run sets up: a 妇委会's run is never shown an entry written for a 妇联."""

import re

import pytest
from django.urls import reverse

from answers.models import FAQCategory, FAQEntry
from answers.seed import COMMITTEE_ENTRIES, FEDERATION_ONLY, faq_forms_seed, faq_seed
from branches.models import Liaison
from tests.branches.factories import OrganisationFactory
from workflows import services
from workflows.models import WorkflowTemplate

FEDERATION_WORDS = ("执委", "主席")  # a 妇联's bodies and posts (comparing the forms may name both)


@pytest.fixture
def seeded(db):
    FAQEntry.objects.all().delete()
    faq_seed(FAQCategory, FAQEntry)


def faq_questions(html: str) -> list[str]:
    return re.findall(r'<summary class="fw-semibold">(.*?)</summary>', html)


def run_of(form: str, people):
    organisation = OrganisationFactory(name=f"乌海市海勃湾区{form}示例有限公司")
    liaison = Liaison.objects.create(organisation=organisation, name="王芳", mobile="13904731234",
                                     user=people["liaison"])  # fmt: skip
    officer = people["district_officer"]
    template = WorkflowTemplate.objects.get(key=form, status="published")
    return services.run_start(by=officer, organisation=organisation, template=template, owner=officer,
                              liaison=liaison)  # fmt: skip


@pytest.mark.parametrize("form", ["committee", "federation"])
def test_a_runs_steps_show_the_faq_of_its_own_form(seeded, form, people, client_as):
    run = run_of(form, people)
    client = client_as(people["liaison"])
    shown = []
    for entry in run.entries.select_related("step"):
        response = client.get(reverse("workflows:portal_step", args=[entry.pk]))
        assert response.status_code == 200
        shown += faq_questions(response.content.decode())
    assert shown, "the steps show FAQ entries"
    if form == "committee":
        assert "候选人要比委员名额多吗？多多少？" in shown and "妇委会首次全体会议做什么？" in shown
        assert "候选人要比执委名额多吗？多多少？" not in shown and "执委会首次会议做什么？" not in shown
        for question in set(shown):
            for entry in FAQEntry.objects.filter(question=question).exclude(forms=["federation"]):
                assert not any(word in entry.answer for word in FEDERATION_WORDS), entry.answer
    else:
        assert "候选人要比执委名额多吗？多多少？" in shown
        assert "候选人要比委员名额多吗？多多少？" not in shown and "妇委会首次全体会议做什么？" not in shown


def test_the_tags_are_given_once_and_an_edited_entry_keeps_its_words(seeded):
    tagged = FAQEntry.objects.filter(forms=["federation"]).count()
    committee = FAQEntry.objects.filter(forms=["committee"]).count()
    assert tagged == len(FEDERATION_ONLY) and committee == len(COMMITTEE_ENTRIES)
    faq_forms_seed(FAQCategory, FAQEntry)
    assert FAQEntry.objects.filter(forms=["committee"]).count() == committee
    assert not FAQEntry.objects.filter(answer__contains="联系人和执委的姓名").exists()


def test_an_officer_chooses_the_forms_an_entry_is_for(seeded, client_as, city_officer):
    entry = FAQEntry.objects.get(question="代表怎么产生？要多少名？")
    client = client_as(city_officer)
    page = client.get(reverse("answers:faq_edit", args=[entry.pk]))
    assert 'name="applies_to"' in page.content.decode()
    data = {
        "question": entry.question, "answer": entry.answer, "order": entry.order, "published": "on",
        "step_codes": entry.step_codes, "applies_to": ["federation"],
        "seen": page.context["form"]["seen"].value(),
    }  # fmt: skip
    response = client.post(reverse("answers:faq_edit", args=[entry.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()
    assert entry.forms == ["federation"]
