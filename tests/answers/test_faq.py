"""The FAQ: seeded from the formation rules, searched by words or pinyin initials, kept by officers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from answers.models import FAQCategory, FAQEntry
from answers.seed import CATEGORIES, ENTRIES
from federation.models import OperationLog
from tests.answers.factories import faq_entry
from workflows.models import StepTemplate

FAQ = reverse("answers:faq_list")


def listed(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- the seed -----------------------------------------------------------------------------------------------


def test_the_seeded_faq_has_at_least_fifteen_entries_linked_to_real_steps(seeded_faq, wuhai):
    entries = list(seeded_faq.filter(published=True).select_related("category"))
    assert len(entries) >= 15
    codes = set(StepTemplate.objects.values_list("code", flat=True))
    assert all(entry.step_codes and set(entry.step_codes) <= codes for entry in entries)
    assert {code for entry in entries for code in entry.step_codes} == codes  # every step has its FAQ
    assert {entry.category.code for entry in entries} == {code for code, _name in CATEGORIES}
    assert all(entry.search_text for entry in entries)


def test_the_seed_runs_twice_without_duplicates(seeded_faq):
    from answers.seed import COMMITTEE_ENTRIES, faq_seed

    faq_seed(FAQCategory, FAQEntry)
    assert FAQEntry.objects.count() == len(ENTRIES) + len(COMMITTEE_ENTRIES)  # and a 妇委会's own
    assert FAQCategory.objects.count() == len(CATEGORIES)


# --- search -------------------------------------------------------------------------------------------------


def test_the_faq_is_searched_by_a_substring_of_question_or_answer(client_as, liaison, seeded_faq):
    content = listed(client_as(liaison).get(FAQ, {"q": "差额"}))
    assert "候选人要比执委名额多吗？" in content
    assert "妇联每届任期几年？" not in content
    content = listed(client_as(liaison).get(FAQ, {"q": "三分之二"}))  # in an answer only
    assert "到会多少人选举才有效？" in content


@pytest.mark.parametrize("query", ["hxr", "HXR", "ｈｘｒ", " h x r "])
def test_the_faq_is_searched_by_the_pinyin_initials_of_the_question(client_as, liaison, seeded_faq, query):
    content = listed(client_as(liaison).get(FAQ, {"q": query}))
    assert "候选人要比执委名额多吗？" in content  # 候选人 → hxr
    assert "妇联工作联系人要做什么？" not in content


def test_the_faq_is_filtered_by_category(client_as, district_officer, seeded_faq):
    terms = FAQCategory.objects.get(code="terms")
    content = listed(client_as(district_officer).get(FAQ, {"category": terms.pk}))
    assert "妇联每届任期几年？" in content
    assert "到会多少人选举才有效？" not in content


@pytest.mark.parametrize(
    "params", [{"q": "问" * 10_000}, {"category": "abc"}, {"category": "999999"}, {"page": "x"}]
)
def test_bad_faq_filters_are_left_out_not_a_500(client_as, liaison, seeded_faq, params):
    assert client_as(liaison).get(FAQ, params).status_code == 200


def test_contacts_see_published_entries_only_and_editors_see_all(client_as, liaison, district_officer):
    faq_entry("草稿问题", "还没有发布", published=False)
    faq_entry("已发布问题", "已经发布")
    content = listed(client_as(liaison).get(FAQ))
    assert "已发布问题" in content and "草稿问题" not in content
    assert reverse("answers:faq_create") not in content
    content = listed(client_as(district_officer).get(FAQ))
    assert "草稿问题" in content and reverse("answers:faq_create") in content


# --- keeping the FAQ ------------------------------------------------------------------------------------------


def test_an_officer_adds_an_entry_with_steps_category_and_fields(client_as, district_officer, seeded_faq):
    category = FAQCategory.objects.get(code="procedure")
    data = {
        "question": "挂牌需要什么材料？",
        "answer": "批复文件和成立大会照片。",
        "category": category.pk,
        "step_codes": ["unveiling"],
        "related_fields": "photo, established_on",
        "order": 5,
        "published": "on",
    }
    response = client_as(district_officer).post(reverse("answers:faq_create"), data)
    assert response.status_code == 302
    entry = FAQEntry.objects.get(question="挂牌需要什么材料？")
    assert (entry.category, entry.step_codes, entry.fields) == (
        category,
        ["unveiling"],
        ["photo", "established_on"],
    )
    assert "gpxysmcl" in entry.search_text
    assert OperationLog.objects.filter(action="faq.create", actor=district_officer).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"question": "", "answer": "答"},
        {"question": "问", "answer": "答" * 10_000},
        {"question": "问" * 300, "answer": "答"},
        {"question": "问", "answer": "答", "related_fields": "Seats!"},
        {"question": "问", "answer": "答", "step_codes": ["nope"]},
    ],
)
def test_a_bad_entry_is_refused_with_a_message(client_as, district_officer, data):
    response = client_as(district_officer).post(reverse("answers:faq_create"), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "invalid-feedback" in content or "alert-danger" in content
    assert not FAQEntry.objects.filter(answer__startswith="答").exists()


def test_editing_an_entry_recomputes_its_search_and_logs_what_changed(client_as, city_officer):
    entry = faq_entry("旧问题", "旧答案", step_codes=["request"])
    data = {"question": "新的问题", "answer": "新的答案", "step_codes": ["request", "approval"], "order": 0}
    response = client_as(city_officer).post(reverse("answers:faq_edit", args=[entry.pk]), data)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.step_codes == ["request", "approval"] and not entry.published  # unticked
    assert "新的问题" in entry.search_text and "xdwt" in entry.search_text
    log = OperationLog.objects.get(action="faq.update")
    assert log.changes["question"] == ["旧问题", "新的问题"]


def test_unpublishing_takes_the_entry_off_the_faq(client_as, city_officer, liaison):
    entry = faq_entry("要下线的问题", "答案")
    url = reverse("answers:faq_unpublish", args=[entry.pk])
    assert client_as(city_officer).get(url).status_code == 405
    assert client_as(city_officer).post(url).status_code == 302
    entry.refresh_from_db()
    assert not entry.published
    assert "要下线的问题" not in listed(client_as(liaison).get(FAQ))
    assert client_as(city_officer).post(url).status_code == 302  # again: a message, not a 500


def test_viewers_and_contacts_cannot_keep_the_faq(client_as, city_viewer, liaison):
    entry = faq_entry("问题", "答案")
    for user in (city_viewer, liaison):
        client = client_as(user)
        assert client.get(reverse("answers:faq_create")).status_code == 403
        assert client.post(reverse("answers:faq_edit", args=[entry.pk]), {}).status_code == 403
        assert client.post(reverse("answers:faq_unpublish", args=[entry.pk])).status_code == 403
    assert client_as(city_viewer).get(FAQ).status_code == 200


# --- query counts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_the_faq_list_asks_a_bounded_number_of_queries(
    client_as, district_officer, liaison, rows, django_assert_max_num_queries, wuhai
):
    FAQEntry.objects.all().delete()
    category = FAQCategory.objects.get_or_create(code="forms", defaults={"name": "组织形式"})[0]
    for number in range(rows):
        faq_entry(f"问题{number}", f"答案{number}", category=category, step_codes=["request", "congress"])
    for user in (district_officer, liaison):
        client = client_as(user)
        client.get(FAQ)
        with django_assert_max_num_queries(9):
            content = listed(client.get(FAQ, {"q": "问题", "category": category.pk}))
        assert content.count("<details") == rows
