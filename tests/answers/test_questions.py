"""The questions inbox and answers: scoped to the officer's area, answered once, told, logged, published."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from answers.models import FAQCategory, FAQEntry, Question
from branches.models import ContactLog, Liaison
from federation.models import Notification, OperationLog
from tests.answers.factories import at, question
from tests.branches.factories import OrganisationFactory
from workflows import services as workflow_services
from workflows.models import WorkflowTemplate

INBOX = reverse("answers:question_list")


def answer_url(q: Question) -> str:
    return reverse("answers:question_answer", args=[q.pk])


@pytest.fixture
def asked(world, contact):
    """A question the world's liaison asked on the request step."""
    return question(organisation=world["organisation"], asked_by=contact, entry=world["step"])


@pytest.fixture
def elsewhere(world, other_liaison):
    """A question of an organisation in 乌达区."""
    from federation.models import Region

    organisation = OrganisationFactory(name="乌海市乌达区某协会", region=Region.objects.get(code="150304002"))
    Liaison.objects.create(organisation=organisation, name="李娜", mobile="13904735678", user=other_liaison)
    return question(organisation=organisation, asked_by=other_liaison, text="乌达区的问题")


# --- the inbox ------------------------------------------------------------------------------------------------


def test_an_officer_sees_the_questions_of_their_district_only(
    client_as, officer, asked, elsewhere, city_officer
):
    content = client_as(officer).get(INBOX).content.decode()
    assert asked.text in content and "乌达区的问题" not in content
    assert client_as(officer).get(answer_url(elsewhere)).status_code == 404
    response = client_as(officer).post(answer_url(elsewhere), {"answer": "越权答复"})
    assert response.status_code == 404
    content = client_as(city_officer).get(INBOX).content.decode()
    assert asked.text in content and "乌达区的问题" in content


def test_open_questions_come_first_the_oldest_first(client_as, officer, world, contact):
    organisation = world["organisation"]
    newer = question(
        organisation=organisation, asked_by=contact, text="较新的问题", asked_at=at(dt.date(2025, 6, 10))
    )
    older = question(
        organisation=organisation, asked_by=contact, text="较早的问题", asked_at=at(dt.date(2025, 6, 3))
    )
    done = question(
        organisation=organisation,
        asked_by=contact,
        text="已答复的问题",
        asked_at=at(dt.date(2025, 6, 1)),
        answer="已答复",
        answered_by=officer,
        answered_at=at(dt.date(2025, 6, 2)),
    )
    content = client_as(officer).get(INBOX).content.decode()
    assert content.index(older.text) < content.index(newer.text)
    assert done.text not in content
    content = client_as(officer).get(INBOX, {"status": "all"}).content.decode()
    assert content.index(older.text) < content.index(newer.text) < content.index(done.text)
    content = client_as(officer).get(INBOX, {"status": "answered"}).content.decode()
    assert done.text in content and older.text not in content
    assert client_as(officer).get(INBOX, {"status": "nonsense", "page": "x"}).status_code == 200


@time_machine.travel(dt.datetime(2025, 10, 9, 10, tzinfo=dt.UTC), tick=False)
def test_waiting_is_counted_in_working_days_and_past_target_is_marked(client_as, officer, world, contact):
    # asked on the eve of the National Day holiday (1–8 October 2025): one working day by the 9th
    fresh = question(
        organisation=world["organisation"],
        asked_by=contact,
        text="节前的问题",
        asked_at=at(dt.date(2025, 9, 30)),
    )
    # asked on Wednesday 24 September: 25, 26, 28 (a make-up Sunday), 29, 30 September, 9 October
    late = question(
        organisation=world["organisation"],
        asked_by=contact,
        text="拖了很久的问题",
        asked_at=at(dt.date(2025, 9, 24)),
    )
    content = client_as(officer).get(INBOX).content.decode()
    row = content[content.index(fresh.text) - 600 : content.index(fresh.text)]
    assert "1 " in row and "table-danger" not in row
    row = content[content.index(late.text) - 600 : content.index(late.text)]
    assert "6 " in row and "table-danger" in row


def test_viewers_read_questions_but_cannot_answer(client_as, city_viewer, asked):
    client = client_as(city_viewer)
    response = client.get(answer_url(asked))
    assert response.status_code == 200 and "answer-form" not in response.content.decode()
    assert client.post(answer_url(asked), {"answer": "看看"}).status_code == 403
    asked.refresh_from_db()
    assert asked.answered_at is None


def test_contacts_have_no_inbox(client_as, contact, asked):
    assert client_as(contact).get(INBOX).status_code == 403
    assert client_as(contact).get(answer_url(asked)).status_code == 404


# --- answering ------------------------------------------------------------------------------------------------


def test_answering_tells_the_asker_and_logs_the_contact_and_the_operation(client_as, officer, contact, asked):
    response = client_as(officer).post(answer_url(asked), {"answer": "可以，执委名额一般为单数。"})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert (asked.answer, asked.answered_by) == ("可以，执委名额一般为单数。", officer)
    assert asked.answered_at is not None
    notification = Notification.objects.get(recipient=contact, kind="answers.question_answered")
    assert "可以，执委名额一般为单数。" in notification.body
    assert notification.url == reverse("workflows:portal_step", args=[asked.step_entry_id])
    log = ContactLog.objects.get(organisation=asked.organisation, summary__contains="执委名额一般为单数")
    assert log.staff == officer and log.channel == ContactLog.Channel.WECHAT
    assert OperationLog.objects.filter(action="question.answer", actor=officer).count() == 1
    # the asker reads it on the step
    content = client_as(contact).get(reverse("workflows:portal_step", args=[asked.step_entry_id])).content
    assert "可以，执委名额一般为单数。" in content.decode()


def test_a_failure_while_answering_leaves_nothing_half_done(client_as, officer, asked, monkeypatch):
    import answers.services

    def broken(**kwargs):
        raise RuntimeError("the inbox is down")

    monkeypatch.setattr(answers.services, "notification_create", broken)
    with pytest.raises(RuntimeError):
        answers.services.question_answer(by=officer, question=asked, answer="答复")
    asked.refresh_from_db()
    assert asked.answered_at is None and asked.answer == ""
    assert not ContactLog.objects.filter(summary__contains="答复").exists()
    assert not OperationLog.objects.filter(action__in=["question.answer", "contact.add"]).exists()


@pytest.mark.parametrize("text", ["", "   ", "答" * 10_000])
def test_an_empty_or_overlong_answer_is_refused_with_a_message(client_as, officer, asked, text):
    response = client_as(officer).post(answer_url(asked), {"answer": text})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    asked.refresh_from_db()
    assert asked.answered_at is None
    assert not Notification.objects.filter(kind="answers.question_answered").exists()


def test_a_question_is_answered_once(client_as, officer, city_officer, asked):
    assert client_as(officer).post(answer_url(asked), {"answer": "第一次答复"}).status_code == 302
    response = client_as(city_officer).post(answer_url(asked), {"answer": "第二次答复"})
    assert response.status_code == 409  # refused with a message, the first answer shown
    assert "第一次答复" in response.content.decode() and "alert-danger" in response.content.decode()
    asked.refresh_from_db()
    assert asked.answer == "第一次答复"
    from answers.services import QuestionError, question_answer

    with pytest.raises(QuestionError):
        question_answer(by=city_officer, question=asked, answer="第三次答复")


def test_an_unknown_question_is_404(client_as, officer):
    assert client_as(officer).get(reverse("answers:question_answer", args=[999999])).status_code == 404


def test_the_answer_page_suggests_faq_entries_like_the_question(
    client_as, officer, world, contact, seeded_faq
):
    asked = question(
        organisation=world["organisation"], asked_by=contact, text="到会人数不够三分之二，选举有效吗？"
    )
    content = client_as(officer).get(answer_url(asked)).content.decode()
    assert "到会多少人选举才有效？" in content
    content = client_as(officer).get(answer_url(asked), {"q": "rqjn"}).content.decode()  # 任期几年
    assert "妇联每届任期几年？" in content


# --- publishing as FAQ -----------------------------------------------------------------------------------------


def test_an_answer_published_as_faq_shows_on_that_step_for_another_organisation(
    client_as, officer, contact, asked, world, other_liaison
):
    client = client_as(officer)
    client.post(answer_url(asked), {"answer": "执委名额一般为5、7或15名，须为单数。"})
    publish = reverse("answers:question_publish", args=[asked.pk])
    form = client.get(publish)
    content = form.content.decode()
    assert "执委名额一般为5、7或15名" in content
    procedure = FAQCategory.objects.get_or_create(code="procedure", defaults={"name": "组建程序"})[0]
    data = {
        "question": "执委名额可以是双数吗？",
        "answer": "执委名额一般为5、7或15名，须为单数。",
        "category": procedure.pk,
        "step_codes": ["request"],
        "order": 1,
        "published": "on",
    }
    assert client.post(publish, data).status_code == 302
    entry = FAQEntry.objects.get(question="执委名额可以是双数吗？")
    assert entry.source_question == asked and entry.step_codes == ["request"]
    # another organisation's run, its liaison on the request step
    other = OrganisationFactory(name="乌海市海勃湾区另一家商会")
    liaison = Liaison.objects.create(
        organisation=other, name="赵敏", mobile="13904739876", user=other_liaison
    )
    run = workflow_services.run_start(
        by=officer,
        organisation=other,
        template=WorkflowTemplate.objects.get(key="federation", status="published"),
        owner=officer,
        liaison=liaison,
    )
    step = run.entries.get(step__code="request")
    content = client_as(other_liaison).get(reverse("workflows:portal_step", args=[step.pk])).content.decode()
    assert "执委名额可以是双数吗？" in content


def test_the_publish_form_presets_the_step_and_its_category(client_as, officer, asked, seeded_faq):
    from answers.services import question_answer

    question_answer(by=officer, question=asked, answer="可以。")
    response = client_as(officer).get(reverse("answers:question_publish", args=[asked.pk]))
    form = response.context["form"]
    assert form.initial["step_codes"] == ["request"]
    assert form.initial["category"].code == "procedure"
    assert form.initial["question"] == asked.text and form.initial["answer"] == "可以。"


def test_an_open_question_cannot_be_published(client_as, officer, asked):
    response = client_as(officer).post(reverse("answers:question_publish", args=[asked.pk]), {})
    assert response.status_code == 302
    assert not FAQEntry.objects.filter(source_question=asked).exists()


# --- asking from the contact's home ---------------------------------------------------------------------------


def test_a_contact_asks_from_their_home(client_as, contact, world, officer):
    client = client_as(contact)
    home = client.get(reverse("federation:contact_home")).content.decode()
    assert reverse("answers:question_ask") in home and 'name="organisation"' in home
    response = client.post(
        reverse("answers:question_ask"),
        {"organisation": world["organisation"].pk, "text": "妇女之家怎么建？"},
    )
    assert response.status_code == 302
    asked = Question.objects.get(text="妇女之家怎么建？")
    assert asked.step_entry is None and asked.organisation == world["organisation"]
    # the organisation has no responsible officer yet: the owner of its run under way is told
    notification = Notification.objects.get(recipient=officer, kind="answers.question_asked")
    assert "妇女之家怎么建？" in notification.body
    assert notification.url == reverse("answers:question_answer", args=[asked.pk])
    assert "妇女之家怎么建？" in client.get(reverse("federation:contact_home")).content.decode()


def test_a_liaison_of_two_organisations_chooses_which_one_asks(client_as, contact, world):
    second = OrganisationFactory(name="乌海市海勃湾区第二家单位")
    Liaison.objects.create(organisation=second, name="王芳", mobile="13904731234", user=contact)
    client = client_as(contact)
    content = client.get(reverse("federation:contact_home")).content.decode()
    assert "乌海市海勃湾区第二家单位" in content and "<select" in content
    client.post(reverse("answers:question_ask"), {"organisation": second.pk, "text": "第二家单位的问题"})
    assert Question.objects.get(text="第二家单位的问题").organisation == second


@pytest.mark.parametrize("text", ["", "问" * 1001])
def test_a_bad_question_from_home_is_refused_with_a_message(client_as, contact, world, text):
    response = client_as(contact).post(
        reverse("answers:question_ask"), {"organisation": world["organisation"].pk, "text": text}
    )
    assert response.status_code == 400 and "invalid-feedback" in response.content.decode()
    assert not Question.objects.exists()


def test_a_contact_cannot_ask_for_an_organisation_that_is_not_theirs(client_as, contact, elsewhere):
    response = client_as(contact).post(
        reverse("answers:question_ask"), {"organisation": elsewhere.organisation.pk, "text": "冒名提问"}
    )
    assert response.status_code == 400
    assert not Question.objects.filter(text="冒名提问").exists()


def test_question_ask_still_takes_a_step_entry(world, contact):
    from answers.services import question_ask

    asked = question_ask(by=contact, entry=world["step"], text="还能在步骤里提问吗？")
    assert asked.step_entry == world["step"] and asked.organisation == world["organisation"]


# --- panels and navigation -------------------------------------------------------------------------------------


def test_the_staff_home_shows_open_questions_and_the_navigation_both_pages(
    client_as, officer, world, contact
):
    question(
        organisation=world["organisation"],
        asked_by=contact,
        text="很早以前的问题",
        asked_at=at(dt.date(2025, 1, 6)),
    )
    content = client_as(officer).get(reverse("federation:staff_home")).content.decode()
    assert "很早以前的问题" in content and "link-danger" in content
    assert INBOX in content and reverse("answers:faq_list") in content
    content = client_as(contact).get(reverse("federation:contact_home")).content.decode()
    assert reverse("answers:faq_list") in content and f'href="{INBOX}"' not in content


# --- query counts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 30])
def test_the_inbox_and_the_home_panel_ask_a_bounded_number_of_queries(
    client_as, officer, world, contact, rows, django_assert_max_num_queries
):
    for number in range(rows):
        entry = world["step"] if number % 2 else None
        question(organisation=world["organisation"], asked_by=contact, text=f"问题{number}", entry=entry)
    client = client_as(officer)
    client.get(INBOX)
    with django_assert_max_num_queries(10):
        content = client.get(INBOX).content.decode()
    assert content.count('class="text-break"><div>') == rows
    with django_assert_max_num_queries(10):
        client.get(INBOX, {"status": "all"})
    with django_assert_max_num_queries(12):
        client.get(answer_url(Question.objects.first()))


def test_a_question_typed_with_a_nul_character_is_kept_without_it(client_as, contact, world):
    client = client_as(contact)
    response = client.post(
        reverse("answers:step_question_ask", args=[world["step"].pk]), {"text": "选举\x00怎么办？"}
    )
    assert response.status_code == 302
    assert Question.objects.filter(text="选举怎么办？").exists()
