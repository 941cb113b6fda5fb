"""Who keeps which FAQ entry: city-wide entries by the city's staff, a district's entries by its officers (and
the city); district officers propose changes to city-wide entries, which the city accepts or declines."""

from __future__ import annotations

import pytest
from django.urls import reverse

from answers.models import FAQEntry, FAQProposal
from federation import access
from federation.models import OperationLog, Region
from tests.answers.factories import faq_entry

FAQ = reverse("answers:faq_list")
PROPOSALS = reverse("answers:faq_proposal_list")
EDIT = {"question": "妇联每届任期几年？", "answer": "五年。", "order": 0, "published": "on"}


@pytest.fixture
def city_entry(wuhai):
    return faq_entry("妇联每届任期几年？", "一般为五年。", step_codes=["request"])


def propose(client, user, entry, answer="一般为五年，可以提前或延期换届，但要报批。"):
    client.force_login(user)
    return client.post(
        reverse("answers:faq_propose", args=[entry.pk]),
        {"question": entry.question, "answer": answer, "reason": "本区有提前换届的情况"},
    )


def test_entries_so_far_and_new_ones_without_a_keeper_are_city_wide(city_entry, seeded_faq):
    city = Region.objects.get(level=Region.Level.CITY)
    assert city_entry.region == city and city_entry.city_wide
    # the entries an installation starts with belong to no division yet: installation-wide, like the city's
    assert all(entry.city_wide for entry in seeded_faq)


def test_a_district_officer_cannot_edit_or_unpublish_a_city_wide_entry(client, district_officer, city_entry):
    client.force_login(district_officer)
    url = reverse("answers:faq_edit", args=[city_entry.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {**EDIT, "answer": "区里改的"}).status_code == 403
    assert client.post(reverse("answers:faq_unpublish", args=[city_entry.pk])).status_code == 403
    city_entry.refresh_from_db()
    assert (city_entry.answer, city_entry.published) == ("一般为五年。", True)
    assert not OperationLog.objects.filter(action__startswith="faq.").exists()


def test_the_city_edits_a_city_wide_entry(client, city_officer, city_entry):
    client.force_login(city_officer)
    response = client.post(reverse("answers:faq_edit", args=[city_entry.pk]), {**EDIT, "answer": "五年。"})
    assert response.status_code == 302
    city_entry.refresh_from_db()
    assert city_entry.answer == "五年。"


def test_a_district_keeps_its_own_entries_and_the_city_may_edit_them_too(
    client, district_officer, other_district_officer, city_officer, wuhai
):
    client.force_login(district_officer)
    data = {"question": "海勃湾区妇联的办公地点？", "answer": "新华街道。", "order": 0, "published": "on"}
    assert client.post(reverse("answers:faq_create"), data).status_code == 302
    entry = FAQEntry.objects.get(question="海勃湾区妇联的办公地点？")
    assert entry.region == district_officer.unit.region and not entry.city_wide
    url = reverse("answers:faq_edit", args=[entry.pk])
    assert client.post(url, {**data, "answer": "新华街道1号。"}).status_code == 302
    client.force_login(other_district_officer)
    assert client.post(url, {**data, "answer": "乌达区改的"}).status_code == 403
    assert client.get(reverse("answers:faq_propose", args=[entry.pk])).status_code == 403  # not theirs
    client.force_login(city_officer)
    assert client.post(url, {**data, "answer": "新华街道2号。"}).status_code == 302
    entry.refresh_from_db()
    assert entry.answer == "新华街道2号。"


def test_the_permission_to_propose_is_for_entries_of_a_wider_area(
    district_officer, city_officer, admin_user, city_entry
):
    district_entry = faq_entry("区里的问题", "区里的答案", region=district_officer.unit.region)
    assert access.has(district_officer, "faq.propose", city_entry)
    assert not access.has(district_officer, "faq.edit", city_entry)
    assert not access.has(district_officer, "faq.propose", district_entry)
    assert access.has(district_officer, "faq.edit", district_entry)
    for keeper in (city_officer, admin_user):
        assert access.has(keeper, "faq.edit", city_entry)
        assert not access.has(keeper, "faq.propose", city_entry)


def test_the_faq_offers_each_officer_what_they_may_do(client, district_officer, city_officer, city_entry):
    client.force_login(district_officer)
    page = client.get(FAQ).content.decode()
    assert reverse("answers:faq_propose", args=[city_entry.pk]) in page
    assert reverse("answers:faq_edit", args=[city_entry.pk]) not in page
    client.force_login(city_officer)
    page = client.get(FAQ).content.decode()
    assert reverse("answers:faq_edit", args=[city_entry.pk]) in page
    assert reverse("answers:faq_propose", args=[city_entry.pk]) not in page


def test_a_proposal_waits_for_the_city_which_accepts_it_with_history(
    client, district_officer, other_district_officer, city_officer, city_entry
):
    response = propose(client, district_officer, city_entry)
    assert response.status_code == 302
    proposal = FAQProposal.objects.get()
    city_entry.refresh_from_db()
    assert city_entry.answer == "一般为五年。", "a proposal changes nothing by itself"
    assert proposal.status == FAQProposal.Status.PENDING
    assert OperationLog.objects.filter(action="faq.propose", actor=district_officer).exists()

    client.force_login(other_district_officer)
    assert "可以提前或延期换届" not in client.get(PROPOSALS).content.decode()  # not theirs to see

    client.force_login(city_officer)
    page = client.get(PROPOSALS).content.decode()
    assert "一般为五年。" in page and "可以提前或延期换届" in page and "本区有提前换届的情况" in page
    decide = reverse("answers:faq_proposal_decide", args=[proposal.pk])
    assert client.post(decide, {"decision": "accept", "note": "已补充"}).status_code == 302
    city_entry.refresh_from_db()
    proposal.refresh_from_db()
    assert city_entry.answer == "一般为五年，可以提前或延期换届，但要报批。"
    assert (proposal.status, proposal.decided_by, proposal.note) == ("accepted", city_officer, "已补充")
    assert OperationLog.objects.filter(action="faq.update", actor=city_officer).exists()
    assert OperationLog.objects.filter(action="faq.accept", actor=city_officer).exists()

    client.force_login(district_officer)
    page = client.get(PROPOSALS).content.decode()
    assert city_officer.display_name in page and "已补充" in page


def test_a_declined_proposal_changes_nothing_and_is_decided_once(
    client, district_officer, city_officer, city_entry
):
    propose(client, district_officer, city_entry)
    proposal = FAQProposal.objects.get()
    decide = reverse("answers:faq_proposal_decide", args=[proposal.pk])
    client.force_login(city_officer)
    assert client.post(decide, {"decision": "decline", "note": "全市统一按五年"}).status_code == 302
    assert client.post(decide, {"decision": "accept"}).status_code == 302  # a message, not a 500
    city_entry.refresh_from_db()
    proposal.refresh_from_db()
    assert city_entry.answer == "一般为五年。"
    assert proposal.status == FAQProposal.Status.DECLINED and proposal.note == "全市统一按五年"
    assert OperationLog.objects.filter(action="faq.decline").count() == 1


def test_district_officers_cannot_decide_proposals(
    client, district_officer, other_district_officer, city_entry
):
    propose(client, district_officer, city_entry)
    proposal = FAQProposal.objects.get()
    decide = reverse("answers:faq_proposal_decide", args=[proposal.pk])
    client.force_login(district_officer)
    assert client.post(decide, {"decision": "accept"}).status_code == 403  # their own: seen, not decided
    client.force_login(other_district_officer)
    assert client.post(decide, {"decision": "accept"}).status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == FAQProposal.Status.PENDING


def test_a_proposal_that_changes_nothing_is_refused_with_a_message(client, district_officer, city_entry):
    response = propose(client, district_officer, city_entry, answer=city_entry.answer)
    assert response.status_code == 400
    assert not FAQProposal.objects.exists()
