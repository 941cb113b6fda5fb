"""The organisation's portal through the test client: links, the run, filling and handing in steps, drafts,
questions, and the bounds on what a contact may see and do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from answers.models import FAQEntry, Question
from branches.models import Liaison
from federation.models import Notification
from tests.branches.factories import OrganisationFactory
from workflows import services
from workflows.models import InvitationUse, StepStatus, WorkflowTemplate

from .answers import POST
from .test_services import fill


@pytest.fixture
def officer(people):
    return people["district_officer"]


@pytest.fixture
def organisation(wuhai):
    return OrganisationFactory(name="乌海市海勃湾区巾帼商会")


@pytest.fixture
def liaison_record(organisation, people):
    """王芳, the organisation's liaison, with her login."""
    return Liaison.objects.create(
        organisation=organisation, name="王芳", mobile="13904731234", user=people["liaison"]
    )


@pytest.fixture
def contact(liaison_record):
    return liaison_record.user


@pytest.fixture
def run(organisation, liaison_record, officer):
    template = WorkflowTemplate.objects.get(key="federation", status="published")
    return services.run_start(
        by=officer, organisation=organisation, template=template, owner=officer, liaison=liaison_record
    )


@pytest.fixture
def signed_in(client, contact):
    client.force_login(contact)
    return client


def step(run, code):
    return run.entries.select_related("step", "run").get(step__code=code)


def step_url(entry, name="portal_step"):
    return reverse(name if ":" in name else f"workflows:{name}", args=[entry.pk])


def run_url(run):
    return reverse("workflows:portal_run", args=[run.pk])


def progress_to(run, code, officer):
    """Fill and approve every step before `code` as the officer would."""
    for entry in run.entries.order_by("order").select_related("step", "run"):
        if entry.step.code == code:
            return entry
        entry.refresh_from_db()
        if entry.status == StepStatus.APPROVED:
            continue
        entry = fill(entry, officer)
        if entry.status == StepStatus.SUBMITTED:
            services.step_approve(by=officer, entry=entry, version=entry.version)
    raise AssertionError(f"no step {code}")


# --- links ------------------------------------------------------------------------------------------------


def test_a_valid_link_signs_the_liaison_in_and_opens_the_run(client, run, officer, contact):
    invitation = services.invitation_create(by=officer, run=run)
    response = client.get(reverse("workflows:invitation_open", args=[services.invitation_token(invitation)]))
    assert response.status_code == 302
    assert response.url == run_url(run)
    assert int(client.session["_auth_user_id"]) == contact.pk
    assert InvitationUse.objects.get().outcome == InvitationUse.Outcome.OPENED
    page = client.get(response.url)
    assert page.status_code == 200
    assert "请示" in page.content.decode()


def test_a_link_creates_the_login_of_a_liaison_who_has_none(client, world):
    response = client.get(reverse("workflows:invitation_open", args=[world["invitation_token"]]))
    assert response.status_code == 302
    world["liaison"].refresh_from_db()
    assert world["liaison"].user_id == int(client.session["_auth_user_id"])
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize(
    ("spoil", "status", "outcome", "says"),
    [
        ("expire", 410, InvitationUse.Outcome.EXPIRED, "expired"),
        ("revoke", 410, InvitationUse.Outcome.REVOKED, "no longer valid"),
        ("tamper", 404, InvitationUse.Outcome.INVALID, "not valid"),
    ],
)
def test_a_spoiled_link_shows_a_clear_page_and_logs_the_outcome(
    client, run, officer, spoil, status, outcome, says
):
    invitation = services.invitation_create(by=officer, run=run)
    token = services.invitation_token(invitation)
    if spoil == "expire":
        type(invitation).objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
    elif spoil == "revoke":
        services.invitation_revoke(by=officer, invitation=invitation)
    else:
        token = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    response = client.get(reverse("workflows:invitation_open", args=[token]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    content = response.content.decode()
    assert says in content
    assert "new link" in content
    assert "_auth_user_id" not in client.session
    assert list(InvitationUse.objects.values_list("outcome", flat=True)) == [outcome]


# --- the run ----------------------------------------------------------------------------------------------


def test_the_run_page_shows_the_steps_the_current_one_and_the_papers(signed_in, run):
    response = signed_in.get(run_url(run))
    assert response.status_code == 200
    content = response.content.decode()
    request = step(run, "request")
    assert step_url(request) in content
    assert step_url(step(run, "congress")) not in content  # later steps are listed, not linked
    assert reverse("workflows:package_download", args=[run.pk]) in content
    assert reverse("workflows:portal_password") in content
    survey = step(run, "survey")
    document = survey.step.documents.first()
    if document is not None:
        assert reverse("workflows:document_download", args=[survey.pk, document.pk]) in content


def test_an_overdue_step_is_marked(signed_in, run):
    run.entries.filter(step__code="request").update(due_on=timezone.localdate() - dt.timedelta(days=2))
    content = signed_in.get(run_url(run), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "已逾期" in content or "Overdue" in content


def test_the_contact_home_lists_the_run_with_its_current_step(signed_in, run):
    response = signed_in.get(reverse("federation:contact_home"))
    content = response.content.decode()
    assert run_url(run) in content
    assert "请示" in content


# --- filling in -------------------------------------------------------------------------------------------


def test_the_liaison_fills_in_and_hands_in_the_request(signed_in, run, officer):
    entry = step(run, "request")
    page = signed_in.get(step_url(entry))
    assert page.status_code == 200
    assert 'name="seats"' in page.content.decode()
    response = signed_in.post(step_url(entry), {**POST["request"], "version": entry.version})
    assert response.status_code == 302
    assert response.url == run_url(run)
    entry.refresh_from_db()
    assert entry.status == StepStatus.SUBMITTED
    assert entry.answers["seats"] == 5
    assert Notification.objects.filter(recipient=officer, kind="workflow.step_submitted").exists()
    again = signed_in.get(step_url(entry)).content.decode()
    assert 'name="seats"' not in again  # read-only now
    assert "乌海市海勃湾区测试商会妇女联合会" in again


def test_invalid_input_comes_back_with_messages_and_changes_nothing(signed_in, run):
    entry = step(run, "request")
    data = {**POST["request"], "seats": "abc", "proposed_name": "", "version": entry.version}
    response = signed_in.post(step_url(entry), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    content = response.content.decode()
    assert "invalid-feedback" in content
    assert 'value="abc"' in content  # what was typed stays
    before = (entry.status, entry.answers, entry.draft, entry.version)
    entry.refresh_from_db()
    assert (entry.status, entry.answers, entry.draft, entry.version) == before


def test_a_stale_version_is_refused_with_a_message(signed_in, run):
    entry = step(run, "request")
    response = signed_in.post(step_url(entry), {**POST["request"], "version": entry.version + 5})
    assert response.status_code == 409
    entry.refresh_from_db()
    assert entry.status != StepStatus.SUBMITTED


def test_a_draft_keeps_raw_values_and_survives_a_reload(signed_in, run):
    entry = step(run, "request")
    data = {"seats": "abc", "proposed_name": "测试商会妇联", "votes-0-name": "x", "version": entry.version}
    response = signed_in.post(step_url(entry, "portal_draft"), data)
    assert response.status_code == 200
    assert "saved_at" in response.json()
    entry.refresh_from_db()
    assert entry.draft["seats"] == "abc"
    assert entry.draft["proposed_name"] == "测试商会妇联"
    assert entry.status == StepStatus.DRAFT
    page = signed_in.get(step_url(entry)).content.decode()
    assert 'value="abc"' in page
    assert 'value="测试商会妇联"' in page


def test_a_draft_for_a_changed_step_is_refused_as_json(signed_in, run):
    entry = step(run, "request")
    response = signed_in.post(step_url(entry, "portal_draft"), {"seats": "5", "version": entry.version + 1})
    assert response.status_code == 409
    assert response.json()["error"]
    assert signed_in.get(step_url(entry, "portal_draft")).status_code == 405


def test_the_congress_refuses_a_vote_without_quorum(signed_in, run, officer, contact):
    contact.language = "en"
    contact.save(update_fields=["language"])
    entry = progress_to(run, "congress", officer)
    entry.refresh_from_db()
    data = {**POST["congress"], "present": "20", "version": entry.version}
    response = signed_in.post(step_url(entry), data)
    assert response.status_code == 200
    assert "Quorum not reached" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status != StepStatus.SUBMITTED


def test_a_returned_step_shows_the_comment_above_the_form(signed_in, run, officer):
    entry = fill(step(run, "request"), officer)
    services.step_return(by=officer, entry=entry, version=entry.version, comment="请补充成立理由")
    content = signed_in.get(step_url(entry)).content.decode()
    assert "review-comment" in content and "请补充成立理由" in content
    assert 'name="seats"' in content


# --- bounds -----------------------------------------------------------------------------------------------


def test_another_organisations_liaison_gets_404(client, run, people):
    other = OrganisationFactory(name="乌海市乌达区另一商会")
    Liaison.objects.create(organisation=other, name="李梅", user=people["other_liaison"])
    client.force_login(people["other_liaison"])
    entry = step(run, "request")
    assert client.get(run_url(run)).status_code == 404
    assert client.get(step_url(entry)).status_code == 404
    assert client.post(step_url(entry), POST["request"]).status_code == 404
    assert client.post(step_url(entry, "portal_draft"), {"version": 1}).status_code == 404
    assert client.post(step_url(entry, "answers:step_question_ask"), {"text": "?"}).status_code == 404


def test_staff_are_refused_the_portal(client, run, officer):
    client.force_login(officer)
    assert client.get(run_url(run)).status_code == 403
    assert client.get(step_url(step(run, "request"))).status_code == 403


def test_a_contact_cannot_act_on_a_federation_step(signed_in, run, officer, contact):
    contact.language = "en"
    contact.save(update_fields=["language"])
    entry = progress_to(run, "approval", officer)
    entry.refresh_from_db()
    page = signed_in.get(step_url(entry))
    assert page.status_code == 200
    assert "Filled in by the federation" in page.content.decode()
    assert 'name="approval_number"' not in page.content.decode()
    data = {**POST["approval"], "version": entry.version}
    assert signed_in.post(step_url(entry), data).status_code == 403
    assert signed_in.post(step_url(entry, "portal_draft"), data).status_code == 403
    entry.refresh_from_db()
    assert entry.status == StepStatus.TODO and not entry.draft


# --- questions and the FAQ ----------------------------------------------------------------------------------


def test_asking_a_question_creates_it_and_notifies_the_owner(signed_in, run, officer, contact):
    entry = step(run, "request")
    response = signed_in.post(step_url(entry, "answers:step_question_ask"), {"text": "执委名额可以是6名吗？"})
    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.step_entry, question.asked_by, question.organisation) == (
        entry,
        contact,
        run.organisation,
    )
    notification = Notification.objects.get(recipient=officer, kind="answers.question_asked")
    assert "执委名额可以是6名吗？" in notification.body
    assert "执委名额可以是6名吗？" in signed_in.get(step_url(entry)).content.decode()


@pytest.mark.parametrize("text", ["   ", "问" * 1001])
def test_an_empty_or_overlong_question_is_refused(signed_in, run, text):
    response = signed_in.post(step_url(step(run, "request"), "answers:step_question_ask"), {"text": text})
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()
    assert not Question.objects.exists()


def test_the_step_shows_its_published_faq_only(signed_in, run):
    FAQEntry.objects.create(question="请示要盖章吗？", answer="要加盖单位公章。", step_codes=["request"])
    FAQEntry.objects.create(question="草稿问题", answer="未发布", step_codes=["request"], published=False)
    FAQEntry.objects.create(question="选举几轮？", answer="一轮。", step_codes=["congress"])
    content = signed_in.get(step_url(step(run, "request"))).content.decode()
    assert "请示要盖章吗？" in content
    assert "草稿问题" not in content and "选举几轮？" not in content


# --- the password -----------------------------------------------------------------------------------------


def test_the_contact_sets_a_password_and_stays_signed_in(signed_in, contact, run):
    assert signed_in.get(reverse("workflows:portal_password")).status_code == 200
    data = {"new_password1": "Wuhai-Women-2026", "new_password2": "Wuhai-Women-2026"}
    response = signed_in.post(reverse("workflows:portal_password"), data)
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.check_password("Wuhai-Women-2026")
    assert signed_in.get(run_url(run)).status_code == 200


# --- query counts -----------------------------------------------------------------------------------------


def test_the_portal_pages_ask_a_bounded_number_of_queries(
    signed_in, run, officer, django_assert_max_num_queries
):
    assert run.entries.count() == 11
    request = step(run, "request")
    # +2 for the line saying when the contact is reminded: the step's reminders, and those already sent;
    # +1 for the fill rule's check that the contact is still a liaison of the run's organisation
    step_queries = 14
    with django_assert_max_num_queries(8):
        signed_in.get(run_url(run))
    with django_assert_max_num_queries(step_queries):
        signed_in.get(step_url(request))
    congress = progress_to(run, "congress", officer)  # more answers, more papers to offer
    with django_assert_max_num_queries(8):
        signed_in.get(run_url(run))
    with django_assert_max_num_queries(step_queries):
        signed_in.get(step_url(congress))
    with django_assert_max_num_queries(step_queries):
        signed_in.get(step_url(request))


def test_only_people_who_see_the_run_may_ask_on_it(run, people):
    from answers.services import QuestionError, question_ask

    with pytest.raises(QuestionError):
        question_ask(by=people["other_liaison"], entry=step(run, "request"), text="能看到吗？")
    with pytest.raises(QuestionError):
        question_ask(by=people["other_district_officer"], entry=step(run, "request"), text="能看到吗？")
    assert not Question.objects.exists()


# --- attachments from the phone ----------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def run_with_file(organisation, liaison_record, officer, people, settings, tmp_path):
    """The federation template, in a new version whose request step asks for the stamped letter."""
    from workflows.models import FieldSpec, FieldType

    settings.MEDIA_ROOT = tmp_path
    admin = people["admin"]
    published = WorkflowTemplate.objects.get(key="federation", status="published")
    draft = services.template_new_version(by=admin, template=published)
    FieldSpec.objects.create(
        step=draft.steps.get(code="request"), order=99, name="letter", label="盖章的请示", type=FieldType.FILE
    )
    draft = services.template_publish(by=admin, template=draft)
    return services.run_start(
        by=officer, organisation=organisation, template=draft, owner=officer, liaison=liaison_record
    )


def test_the_liaison_attaches_the_stamped_letter_from_the_phone(signed_in, run_with_file, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    entry = step(run_with_file, "request")
    upload = SimpleUploadedFile("盖章请示.pdf", PDF, content_type="application/pdf")
    response = signed_in.post(
        step_url(entry), {**POST["request"], "letter": upload, "version": entry.version}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == StepStatus.SUBMITTED
    attachment = entry.attachments.get()
    assert attachment.original_name == "盖章请示.pdf"
    assert entry.answers["letter"] == [attachment.pk]
    page = signed_in.get(step_url(entry)).content.decode()
    assert "盖章请示.pdf" in page
    officer_client = signed_in.__class__()
    officer_client.force_login(officer)
    download = officer_client.get(reverse("workflows:attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content if download.streaming else [download.content]) == PDF


def test_a_program_renamed_pdf_is_refused_and_nothing_is_kept(signed_in, run_with_file):
    from django.core.files.uploadedfile import SimpleUploadedFile

    entry = step(run_with_file, "request")
    fake = SimpleUploadedFile("请示.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = signed_in.post(
        step_url(entry),
        {**POST["request"], "letter": fake, "version": entry.version},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert "请示.pdf" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status != StepStatus.SUBMITTED
    assert not entry.attachments.exists()


def test_a_refused_hand_in_keeps_no_file(signed_in, run_with_file, settings):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    entry = step(run_with_file, "request")
    upload = SimpleUploadedFile("盖章请示.pdf", PDF, content_type="application/pdf")
    stale = entry.version - 1
    response = signed_in.post(step_url(entry), {**POST["request"], "letter": upload, "version": stale})
    assert response.status_code == 409
    entry.refresh_from_db()
    assert entry.status != StepStatus.SUBMITTED
    assert not entry.attachments.exists()
    assert [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()] == []
