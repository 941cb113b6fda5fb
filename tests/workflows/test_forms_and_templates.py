"""Answers are validated on the server from the field specs; published template versions are frozen."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils import translation

from workflows import services
from workflows.forms import StepForm
from workflows.models import FieldSpec, FrozenError, StepTemplate, WorkflowTemplate

from .answers import POST


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def _form(entry, data, files=None):
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query[key] = value
    return StepForm(query, files or {}, entry=entry)


@pytest.fixture
def request_step(fresh_run):
    return fresh_run.entries.get(step__code="request")


def test_the_request_answers_are_typed_json(request_step):
    form = _form(request_step, POST["request"])
    assert form.is_valid(), form.errors
    answers = form.answers()
    assert answers["seats"] == 5 and answers["congress_date"] == "2026-12-20" and answers["way"] == "单独建立"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("seats", "abc", "Enter a whole number"),
        ("seats", "2", "greater than or equal to 3"),
        ("way", "随便建", "Select a valid choice"),
        ("congress_date", "2026-13-40", "Enter a valid date"),
        ("proposed_name", "", "This field is required"),
        ("unit_name", "名" * 201, "at most 200 characters"),
    ],
)
def test_bad_answers_are_refused_by_the_server_whatever_the_browser_sent(request_step, field, value, message):
    form = _form(request_step, {**POST["request"], field: value})
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_people_tables_check_names_mobiles_and_numbers(fresh_run, world):
    officer = world["people"]["district_officer"]
    for code in ("request", "approval"):
        entry = fresh_run.entries.get(step__code=code)
        entry = services.step_submit(by=officer, entry=entry, answers={}, version=entry.version)
        if entry.status == "submitted":
            services.step_approve(by=officer, entry=entry, version=entry.version)
    entry = fresh_run.entries.get(step__code="preparation")
    data = {**POST["preparation"], "members-0-mobile": "1234", "members-1-name": "", "members-1-post": "成员"}
    form = _form(entry, data)
    assert not form.is_valid()
    errors = " ".join(form.errors["members"])
    assert "Row 1, 手机号码" in errors and "Row 2: the name is missing." in errors
    form = _form(entry, {**POST["preparation"], "members-0-mobile": "+86 139-0473-1234"})
    assert form.is_valid(), form.errors
    assert form.answers()["members"][0]["mobile"] == "13904731234"


def test_an_empty_required_table_is_refused(fresh_run):
    entry = fresh_run.entries.get(step__code="delegates")
    form = _form(entry, {})
    assert not form.is_valid()
    assert "Fill in at least one row." in form.errors["delegates"]


def test_attachments_are_limited_in_type_and_size(fresh_run, settings):
    entry = fresh_run.entries.get(step__code="unveiling")
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    form = _form(entry, {"established_on": "2026-11-27"}, {"photo": fake})
    assert not form.is_valid()
    assert "is not a PDF, JPEG, PNG" in " ".join(form.errors["photo"])
    settings.UPLOAD_MAX_MB = 1
    big = SimpleUploadedFile("photo.png", b"\x89PNG" + b"0" * (1024 * 1024), content_type="image/png")
    form = _form(entry, {"established_on": "2026-11-27"}, {"photo": big})
    assert not form.is_valid()
    assert "larger than 1 MB" in " ".join(form.errors["photo"])
    small = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    assert _form(entry, {"established_on": "2026-11-27"}, {"photo": small}).is_valid()


def test_the_fill_in_sentence_shows_its_blanks_inline(request_step):
    form = StepForm(entry=request_step)
    segments = form.sentence_segments()
    blanks = [part.name for kind, part in segments if kind == "field"]
    assert blanks[:3] == ["unit_name", "employees", "women"]
    assert "reasons" not in blanks  # long text stays below the sentence
    assert [item["bound"].name for item in form.other_fields()] == [
        "uscc",
        "reasons",
        "contact_name",
        "contact_mobile",
    ]


def test_a_published_version_is_frozen_and_a_new_version_is_an_editable_copy(world):
    admin = world["people"]["admin"]
    published = WorkflowTemplate.objects.get(key="federation", status="published")
    step = published.steps.get(code="request")
    step.title = "改了"
    with pytest.raises(FrozenError):
        step.save()
    with pytest.raises(FrozenError):
        FieldSpec.objects.filter(step=step).first().delete()
    draft = services.template_new_version(by=admin, template=published)
    assert (draft.version, draft.status) == (2, "draft")
    assert draft.steps.count() == published.steps.count()
    assert (
        FieldSpec.objects.filter(step__template=draft).count()
        == FieldSpec.objects.filter(step__template=published).count()
    )
    copy = draft.steps.get(code="request")
    copy.title = "请示（新）"
    copy.save()
    services.step_move(by=admin, step=copy, up=True)
    assert list(draft.steps.order_by("order").values_list("code", flat=True))[:2] == ["request", "survey"]
    services.template_publish(by=admin, template=draft)
    published.refresh_from_db()
    assert published.status == "retired"
    # the run started on version 1 keeps it
    assert world["run"].template_id == published.pk
    assert StepTemplate.objects.get(pk=step.pk).title == "请示"


def test_only_admins_edit_templates(world):
    published = WorkflowTemplate.objects.get(key="federation", status="published")
    with pytest.raises(PermissionDenied):
        services.template_new_version(by=world["people"]["city_officer"], template=published)
