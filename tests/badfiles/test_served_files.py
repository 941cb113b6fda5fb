"""Stored files come back as what their bytes are, whatever the uploading browser claimed; Word files that
would run macros or fetch a template from elsewhere are refused at upload, in the user's language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from tests.activities.factories import make_activity
from tests.badfiles import corpus
from workflows import services
from workflows.forms import upload_check
from workflows.models import StepAttachment

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def download(client, user, attachment):
    client.force_login(user)
    response = client.get(reverse("workflows:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    return response


def uploaded(world, name: str, data: bytes, claimed: str) -> StepAttachment:
    """A file kept on a step through the service, the browser claiming `claimed` as its type."""
    officer = world["people"]["district_officer"]
    request = world["step"]
    request.refresh_from_db()
    if request.status == "submitted":  # the approval step opens once the request is approved
        services.step_approve(by=world["people"]["city_officer"], entry=request, version=request.version)
    entry = world["run"].entries.get(step__code="approval")
    upload = SimpleUploadedFile(name, data, content_type=claimed)
    (attachment,) = services.attachments_add(by=officer, entry=entry, uploads={"scan": upload})
    return attachment


def test_a_png_that_is_html_too_comes_back_as_a_png_that_the_browser_must_not_sniff(client, world):
    upload_check(SimpleUploadedFile("照片.png", corpus.PNG_HTML))  # passes: it starts as a PNG does
    attachment = uploaded(world, "照片.png", corpus.PNG_HTML, claimed="text/html")
    assert attachment.content_type == "image/png"
    response = download(client, world["people"]["district_officer"], attachment)
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")


def test_a_stored_file_whose_bytes_are_of_no_known_kind_is_downloaded_not_shown(client, world):
    # kept before types were read from the bytes: the browser's claim is in the database
    attachment = StepAttachment.objects.create(
        entry=world["step"],
        field="scan",
        file=ContentFile(corpus.HTML, name="page.html"),
        original_name="扫描件.pdf",
        size=len(corpus.HTML),
        content_type="text/html",
    )
    response = download(client, world["people"]["liaison"], attachment)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == corpus.HTML


def test_a_word_file_is_downloaded_as_word_and_a_pdf_is_shown(client, world):
    word = uploaded(world, "请示.docx", corpus.word_docx(), claimed="text/plain")
    response = download(client, world["people"]["city_officer"], word)
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].startswith("attachment")
    pdf = download(client, world["people"]["district_officer"], world["attachment"])
    assert pdf["Content-Type"] == "application/pdf" and pdf["Content-Disposition"].startswith("inline")
    assert pdf["X-Content-Type-Options"] == "nosniff"


def test_activity_photos_are_served_by_the_same_rule(client, district_officer):
    activity = make_activity(district_officer)
    client.force_login(district_officer)
    client.post(
        reverse("activities:activity_photo_add", args=[activity.pk]),
        {"photo": SimpleUploadedFile("photo.png", corpus.PNG_HTML, content_type="text/html")},
    )
    photo = activity.photos.get()
    response = client.get(reverse("activities:activity_photo", args=[photo.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")


@pytest.mark.parametrize(
    ("data", "says_en", "says_zh"),
    [
        (corpus.docx_with_macros(), "contains macros", "宏"),
        (corpus.docx_with_macros_declared_plain(), "contains macros", "宏"),
        (corpus.docx_with_remote_template(), "linked to a template on another computer", "模板"),
        (
            corpus.docx_with_remote_template("\\\\203.0.113.9\\share\\normal.dotm"),
            "linked to a template on another computer",
            "模板",
        ),
    ],
)
def test_a_word_file_with_macros_or_a_remote_template_is_refused_in_the_users_language(
    data, says_en, says_zh
):
    for language, says in (("en", says_en), ("zh-hans", says_zh)):
        with translation.override(language), pytest.raises(ValidationError) as error:
            upload_check(SimpleUploadedFile("请示.docx", data))
        (message,) = error.value.messages
        assert says in message and "请示.docx" in message


def test_a_word_file_with_an_ordinary_web_link_is_accepted():
    upload_check(SimpleUploadedFile("请示.docx", corpus.docx_with_web_link()))
    upload_check(SimpleUploadedFile("请示.docx", corpus.word_docx()))


def test_the_step_form_refuses_a_word_file_with_macros_and_keeps_nothing(world):
    from workflows.forms import StepForm

    entry = world["run"].entries.get(step__code="unveiling")
    upload = SimpleUploadedFile("揭牌.docx", corpus.docx_with_macros())
    form = StepForm({"established_on": "2026-11-27"}, {"photo": upload}, entry=entry)
    with translation.override("en"):
        assert not form.is_valid()
    assert "contains macros" in " ".join(form.errors["photo"])


def test_an_admin_cannot_upload_a_paper_template_that_fetches_a_remote_template(world):
    from workflows.admin import DocumentTemplateForm

    upload = SimpleUploadedFile("请示.docx", corpus.docx_with_remote_template())
    form = DocumentTemplateForm({"order": 1, "title": "请示"}, {"file": upload}, instance=None)
    with translation.override("en"):
        assert not form.is_valid()
    assert "linked to a template on another computer" in " ".join(form.errors["file"])
