"""Template pages for admins: versions, publishing, moving a draft's steps, the phone preview, and the admin."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from workflows.admin import DocumentTemplateForm
from workflows.models import StepTemplate, WorkflowTemplate


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def federation(db, wuhai):
    return WorkflowTemplate.objects.get(key="federation", status="published")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _codes(template) -> list[str]:
    return list(template.steps.order_by("order").values_list("code", flat=True))


def test_the_list_groups_versions_by_key_with_their_runs(admin_client, federation):
    response = admin_client.get(reverse("workflows:template_list"))
    assert response.status_code == 200
    groups = {group["key"]: group["versions"] for group in response.context["groups"]}
    assert set(groups) >= {"federation", "committee", "group", "liaison"}
    assert groups["federation"][0].runs_count == 0 and groups["federation"][0].steps_count == 11
    assert reverse("workflows:template_new_version", args=[federation.pk]) in response.content.decode()


def test_a_new_version_is_a_draft_whose_steps_move_and_which_publishes(admin_client, federation, english):
    response = admin_client.post(reverse("workflows:template_new_version", args=[federation.pk]))
    draft = WorkflowTemplate.objects.get(key="federation", status="draft")
    assert response["Location"] == reverse("workflows:template_detail", args=[draft.pk])
    assert draft.version == 2 and _codes(draft) == _codes(federation)
    # asking again opens the same draft instead of a third version
    again = admin_client.post(reverse("workflows:template_new_version", args=[federation.pk]))
    assert (
        again["Location"] == response["Location"]
        and WorkflowTemplate.objects.filter(key="federation").count() == 2
    )

    page = admin_client.get(response["Location"]).content.decode()
    request = draft.steps.get(code="request")
    assert reverse("workflows:step_move", args=[request.pk]) in page
    assert reverse("admin:workflows_steptemplate_change", args=[request.pk]) in page
    admin_client.post(reverse("workflows:step_move", args=[request.pk]), {"direction": "down"})
    assert _codes(draft)[1:3] == ["approval", "request"]
    admin_client.post(reverse("workflows:step_move", args=[request.pk]), {"direction": "up"})
    assert _codes(draft)[1:3] == ["request", "approval"]

    response = admin_client.post(reverse("workflows:template_publish", args=[draft.pk]), follow=True)
    assert "Version 2 is published" in response.content.decode()
    draft.refresh_from_db()
    federation.refresh_from_db()
    assert draft.status == "published" and federation.status == "retired"


def test_a_published_versions_steps_cannot_be_moved(admin_client, federation, english):
    request = federation.steps.get(code="request")
    before = _codes(federation)
    page = admin_client.get(reverse("workflows:template_detail", args=[federation.pk])).content.decode()
    assert reverse("workflows:step_move", args=[request.pk]) not in page
    assert "Published versions are frozen" in page
    response = admin_client.post(
        reverse("workflows:step_move", args=[request.pk]), {"direction": "down"}, follow=True
    )
    assert "Published versions are frozen" in response.content.decode()
    assert _codes(federation) == before


def test_publishing_twice_or_a_bad_direction_is_a_message(admin_client, federation, english):
    response = admin_client.post(reverse("workflows:template_publish", args=[federation.pk]), follow=True)
    assert "Only a draft can be published." in response.content.decode()
    step = federation.steps.first()
    response = admin_client.post(reverse("workflows:step_move", args=[step.pk]), {"direction": "sideways"})
    assert response.status_code == 302
    assert admin_client.get(reverse("workflows:template_publish", args=[federation.pk])).status_code == 405
    assert admin_client.get(reverse("workflows:template_detail", args=[999999])).status_code == 404
    assert admin_client.get(reverse("workflows:step_preview", args=[999999])).status_code == 404


def test_the_preview_shows_the_sentences_and_key_notes_and_writes_nothing(admin_client, federation):
    step = federation.steps.get(code="request")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("workflows:step_preview", args=[step.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "我单位" in page and "拟于" in page  # the fill-in sentence around its blanks
    assert 'name="unit_name"' in page and 'name="congress_date"' in page
    assert "请示须加盖单位公章" in page and "key-notes" in page
    assert "phone-frame" in page
    writes = [
        q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == [], writes


@pytest.mark.parametrize(
    ("name", "method", "args"),
    [
        ("template_list", "get", lambda t: []),
        ("template_detail", "get", lambda t: [t.pk]),
        ("template_publish", "post", lambda t: [t.pk]),
        ("template_new_version", "post", lambda t: [t.pk]),
        ("step_move", "post", lambda t: [t.steps.first().pk]),
        ("step_preview", "get", lambda t: [t.steps.first().pk]),
    ],
)
def test_officers_are_refused_the_template_pages(client, city_officer, federation, name, method, args):
    client.force_login(city_officer)
    response = getattr(client, method)(
        reverse(f"workflows:{name}", args=args(federation)), {"direction": "up"}
    )
    assert response.status_code == 403
    assert WorkflowTemplate.objects.filter(key="federation").count() == 1


# --- Django's admin ------------------------------------------------------------------------------------------


def test_the_admin_shows_a_published_version_read_only_with_a_note(admin_client, federation, english):
    step = federation.steps.get(code="request")
    page = admin_client.get(reverse("admin:workflows_workflowtemplate_change", args=[federation.pk]))
    assert page.status_code == 200
    assert "published versions are frozen" in page.content.decode().lower()
    assert 'name="_save"' not in page.content.decode()
    step_page = admin_client.get(reverse("admin:workflows_steptemplate_change", args=[step.pk]))
    assert step_page.status_code == 200 and 'name="_save"' not in step_page.content.decode()
    assert reverse("workflows:step_preview", args=[step.pk]) in step_page.content.decode()
    # a change posted anyway is refused
    refused = admin_client.post(
        reverse("admin:workflows_steptemplate_change", args=[step.pk]), {"title": "改名"}
    )
    assert refused.status_code == 403
    step.refresh_from_db()
    assert step.title == "请示"


def test_the_admin_edits_a_drafts_step(admin_client, federation):
    admin_client.post(reverse("workflows:template_new_version", args=[federation.pk]))
    step = StepTemplate.objects.get(template__status="draft", code="request")
    page = admin_client.get(reverse("admin:workflows_steptemplate_change", args=[step.pk]))
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()
    for name in ("workflowtemplate", "steptemplate", "formationrun", "steptransition", "invitationuse"):
        assert admin_client.get(reverse(f"admin:workflows_{name}_changelist")).status_code == 200


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("关于成立{{ proposed_name }}的请示")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_paper_template_must_be_a_word_document(federation, english):
    step = federation.steps.get(code="request")
    data = {"order": 1, "title": "请示"}

    def form_with(name: str, content: bytes):
        upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
        form = DocumentTemplateForm(data, {"file": upload}, instance=type(step.documents.first())(step=step))
        form.is_valid()
        return form

    assert "Upload a Word document (.docx)." in form_with("请示.pdf", b"%PDF-1.4").errors["file"]
    assert "cannot be opened" in form_with("请示.docx", b"PK\x03\x04 not really")["file"].errors[0]
    assert "file" not in form_with("请示.docx", _docx()).errors
