"""Hostile step attachments and activity photos: refused with one clear message, nothing kept."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from activities.models import ActivityPhoto
from tests.activities.factories import make_activity
from tests.badfiles import corpus
from tests.badfiles.measure import peak_memory
from workflows.forms import upload_check


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def refusal(name: str, data: bytes) -> str:
    with translation.override("en"), pytest.raises(ValidationError) as error:
        upload_check(SimpleUploadedFile(name, data))
    (message,) = error.value.messages
    return message


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("会议纪要.docx", corpus.zip_bomb_docx(expanded_mb=1100), "would expand to more than 500 MB"),
        ("会议纪要.docx", corpus.zip_bomb_docx(expanded_mb=300), "would expand to more than 500 MB"),
        ("名单.xlsx", corpus.docx(), "is damaged or is not a real Word (.docx) or Excel (.xlsx) file"),
        ("照片.jpg", corpus.PNG, "is not a PDF, JPEG, PNG, Word (.docx) or Excel (.xlsx) file"),
        ("签名.svg", corpus.SVG, "is not a PDF, JPEG, PNG, Word (.docx) or Excel (.xlsx) file"),
        ("请示.pdf", corpus.EXE, "is not a PDF, JPEG, PNG, Word (.docx) or Excel (.xlsx) file"),
        ("请示.docx", corpus.docx()[:200], "is damaged or is not a real Word (.docx) or Excel (.xlsx) file"),
    ],
)
def test_a_hostile_step_attachment_is_refused_with_one_message_and_bounded_memory(name, data, says):
    with peak_memory() as peak:
        message = refusal(name, data)
    assert says in message and name in message
    assert peak["mb"] < 64


def test_a_real_word_file_is_still_accepted():
    upload_check(SimpleUploadedFile("请示.docx", corpus.docx()))
    upload_check(SimpleUploadedFile("请示.pdf", b"%PDF-1.4 a document"))


def test_the_step_form_refuses_a_zip_bomb_posted_as_an_attachment(world):
    from workflows.forms import StepForm

    entry = world["run"].entries.get(step__code="unveiling")
    bomb = SimpleUploadedFile("揭牌.docx", corpus.zip_bomb_docx(expanded_mb=600))
    form = StepForm({"established_on": "2026-11-27"}, {"photo": bomb}, entry=entry)
    with translation.override("en"):
        assert not form.is_valid()
    assert "would expand to more than" in " ".join(form.errors["photo"])


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.svg", corpus.SVG),
        ("photo.jpg", corpus.EXE),
        ("photo.png", corpus.zip_bomb_docx(expanded_mb=10)),
        ("photo.pdf", b"%PDF-1.4 not a photo"),
    ],
)
def test_a_hostile_activity_photo_is_refused_and_nothing_is_kept(client, district_officer, name, data):
    activity = make_activity(district_officer)
    client.force_login(district_officer)
    response = client.post(
        reverse("activities:activity_photo_add", args=[activity.pk]),
        {"photo": SimpleUploadedFile(name, data)},
        follow=True,
    )
    assert response.status_code == 200
    assert not ActivityPhoto.objects.exists()
    with translation.override("zh-hans"):  # the officer's language (the default)
        assert (
            escape(translation.gettext("%(name)s is not a JPEG or PNG photo.") % {"name": name})
            in response.text
        )


def test_a_png_named_jpg_is_kept_as_the_png_it_is(client, district_officer):
    activity = make_activity(district_officer)
    client.force_login(district_officer)
    client.post(
        reverse("activities:activity_photo_add", args=[activity.pk]),
        {"photo": SimpleUploadedFile("photo.jpg", corpus.PNG)},
    )
    photo = ActivityPhoto.objects.get()
    assert photo.content_type == "image/png" and photo.file.name.endswith(".png")
