"""Two people edit the same record: the second save is refused, naming who saved first and when, and
nothing of it is written; opening the page again and saving then works. The same for every edit form."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.activities.factories import work_world
from tests.answers.factories import faq_entry
from tests.factories import StaffFactory


def posted(form) -> dict[str, Any]:
    """What the browser posts for a form as it was opened (each field's value on the page)."""
    data: dict[str, Any] = {}
    for field in form:
        value = field.value()
        if value is None or value is False:
            continue
        if value is True:
            value = "on"
        elif isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif isinstance(value, list | tuple):
            value = [str(item) for item in value]
        data[field.html_name] = value
    return data


def admin_posted(response) -> dict[str, Any]:
    """The admin's change page as posted: the record's form, then each inline's management form and rows."""
    data = posted(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        data.update(posted(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(posted(form))
    return data


@dataclass
class Case:
    url: str
    record: Any
    field: str  # a text field both people change
    admin: bool = False


def case(name: str, world: dict, first, second) -> Case:
    world = work_world(world)
    if name == "liaison":
        return Case(reverse("branches:liaison_edit", args=[world["liaison"].pk]), world["liaison"], "post")
    if name == "branch":
        branch = world["branch"]
        return Case(reverse("branches:branch_edit", args=[branch.pk]), branch, "approval_number")
    if name == "activity":
        activity = world["activity"]
        return Case(reverse("activities:activity_edit", args=[activity.pk]), activity, "title")
    if name == "recognition":
        recognition = world["recognition"]
        return Case(reverse("activities:recognition_edit", args=[recognition.pk]), recognition, "person_unit")
    if name == "alliance":
        alliance = world["alliance"]
        return Case(reverse("activities:alliance_edit", args=[alliance.pk]), alliance, "notes")
    if name == "faq":
        entry = faq_entry("妇联每届任期几年？", "一般为五年。")
        return Case(reverse("answers:faq_edit", args=[entry.pk]), entry, "answer")
    from workflows import services
    from workflows.models import WorkflowTemplate

    published = WorkflowTemplate.objects.get(key="federation", status="published")
    draft = services.template_new_version(by=first, template=published)
    if name == "template":
        return Case(
            reverse("admin:workflows_workflowtemplate_change", args=[draft.pk]), draft, "description", True
        )
    step = draft.steps.order_by("order").first()
    return Case(reverse("admin:workflows_steptemplate_change", args=[step.pk]), step, "guidance", True)


FORMS = ["liaison", "branch", "activity", "recognition", "alliance", "faq", "template", "step"]


@pytest.fixture
def editors(world, city_officer, district_officer, admin_user):
    """Two people who may both edit each kind of record."""

    def pair(name: str):
        if name in {"template", "step"}:
            other_admin = StaffFactory(
                username="second_admin",
                full_name="第二管理员",
                role="admin",
                unit=admin_user.unit,
                is_staff=True,
                is_superuser=True,
            )
            return admin_user, other_admin
        if name == "faq":
            return city_officer, StaffFactory(username="city_officer_2", full_name="市妇联干事乙")
        return district_officer, city_officer

    return pair


def open_page(client, user, item: Case) -> dict[str, Any]:
    client.force_login(user)
    response = client.get(item.url)
    assert response.status_code == 200
    page = response.content.decode()
    data = admin_posted(response) if item.admin else posted(response.context["form"])
    seen = re.search(r'name="seen" value="([^"]*)"', page)
    assert seen and seen.group(1), "the edit page carries the version it was opened at"
    assert data["seen"] == seen.group(1)
    if not item.admin and "mobile" in response.context["form"].fields:
        data.setdefault("mobile", "13904731234")  # the liaison's mobile is shown masked, typed again
    if item.admin:
        data["_save"] = "Save"
    return data


def save(client, user, item: Case, data: dict, value: str):
    client.force_login(user)
    return client.post(item.url, {**data, item.field: value})


@pytest.mark.parametrize("name", FORMS)
def test_a_save_over_someone_elses_newer_save_is_refused_naming_them(client, world, editors, name):
    first, second = editors(name)
    item = case(name, world, first, second)
    first_page = open_page(client, first, item)
    second_page = open_page(client, second, item)

    assert save(client, first, item, first_page, "第一人的修改").status_code == 302
    item.record.refresh_from_db()
    assert getattr(item.record, item.field) == "第一人的修改"
    saved_at = timezone.localtime(item.record.updated_at).strftime("%H:%M")

    refused = save(client, second, item, second_page, "第二人的修改")
    assert refused.status_code in (200, 400)  # the form again, with the refusal above it
    page = refused.content.decode()
    assert first.display_name in page and saved_at in page
    item.record.refresh_from_db()
    assert getattr(item.record, item.field) == "第一人的修改", "nothing of the second save is written"

    reopened = open_page(client, second, item)
    assert save(client, second, item, reopened, "第二人的修改").status_code == 302
    item.record.refresh_from_db()
    assert getattr(item.record, item.field) == "第二人的修改"


@pytest.mark.parametrize("name", ["liaison", "branch", "activity", "recognition", "alliance", "faq"])
def test_the_refusal_leaves_no_history_and_no_log_line(client, world, editors, name):
    from federation.models import OperationLog

    first, second = editors(name)
    item = case(name, world, first, second)
    first_page, second_page = open_page(client, first, item), open_page(client, second, item)
    save(client, first, item, first_page, "第一人的修改")
    history = item.record.history.count() if hasattr(type(item.record), "history") else 0
    lines = OperationLog.objects.count()
    save(client, second, item, second_page, "第二人的修改")
    assert OperationLog.objects.count() == lines
    if hasattr(type(item.record), "history"):
        assert item.record.history.count() == history


def test_the_organisation_form_names_who_saved_too(client, world, district_officer, city_officer):
    organisation = world["organisation"]
    url = reverse("branches:organisation_edit", args=[organisation.pk])
    pages = {}
    for user in (district_officer, city_officer):
        client.force_login(user)
        response = client.get(url)
        pages[user.pk] = posted(response.context["form"])
    client.force_login(district_officer)
    first = client.post(url, {**pages[district_officer.pk], "address": "新华街道1号"})
    assert first.status_code == 302, first.content.decode()[:2000]
    client.force_login(city_officer)
    refused = client.post(url, {**pages[city_officer.pk], "address": "新华街道2号"})
    assert district_officer.display_name in refused.content.decode()
    organisation.refresh_from_db()
    assert organisation.address == "新华街道1号"
