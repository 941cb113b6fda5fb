"""Mobiles stay masked outside the one logged "show in full": the organisation's edit form and the step forms
prefilled from it show 139****5678 and keep the number unless a new one is typed; showing it in full from the
form is logged as on the organisation's page; the operation log never holds a whole number."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse

from branches.models import Liaison
from federation import audit
from federation.models import DisclosureLog, OperationLog
from tests.branches.factories import OrganisationFactory
from workflows import services as workflow_services
from workflows.models import WorkflowTemplate

pytestmark = pytest.mark.django_db

masking_migration = importlib.import_module("federation.migrations.0008_operation_log_mobiles_masked")

MOBILE, MASKED = "13904735678", "139****5678"


@pytest.fixture
def officer(people):
    return people["district_officer"]


@pytest.fixture
def organisation(wuhai):
    return OrganisationFactory(name="乌海市掩码测试协会", contact_name="李娜", contact_mobile=MOBILE)


def edit_url(organisation) -> str:
    return reverse("branches:organisation_edit", args=[organisation.pk])


def form_post(client, organisation, **changes):
    """Post the edit form as the page holds it (the mobile as shown), with the changes typed."""
    page = client.get(edit_url(organisation)).content.decode()
    shown = re.search(r'name="contact_mobile" value="([^"]*)"', page).group(1)
    data = {
        "name": organisation.name,
        "field": organisation.field,
        "unit_type": organisation.unit_type,
        "region": organisation.region_id,
        "contact_name": organisation.contact_name,
        "contact_mobile": shown,
        "in_scope": "on",
        "seen": re.search(r'name="seen" value="([^"]+)"', page).group(1),
        **changes,
    }
    return client.post(edit_url(organisation), data)


# --- the organisation's edit form -----------------------------------------------------------------------------


def test_the_edit_form_shows_the_mobile_masked_and_writes_no_log(client, officer, organisation):
    client.force_login(officer)
    page = client.get(edit_url(organisation)).content.decode()
    assert f'name="contact_mobile" value="{MASKED}"' in page
    assert MOBILE not in page
    assert not DisclosureLog.objects.exists()


def test_a_mobile_left_as_shown_is_kept(client, officer, organisation):
    client.force_login(officer)
    response = form_post(client, organisation, address="滨河街道1号")
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.contact_mobile, organisation.address) == (MOBILE, "滨河街道1号")


def test_a_new_mobile_typed_replaces_it_and_an_empty_one_clears_it(client, officer, organisation):
    client.force_login(officer)
    assert form_post(client, organisation, contact_mobile="139-0473-1111").status_code == 302
    organisation.refresh_from_db()
    assert organisation.contact_mobile == "13904731111"
    assert form_post(client, organisation, contact_mobile="").status_code == 302
    organisation.refresh_from_db()
    assert organisation.contact_mobile == ""


def test_a_mangled_mask_is_refused_not_saved(client, officer, organisation):
    client.force_login(officer)
    response = form_post(client, organisation, contact_mobile="139****0000")
    assert response.status_code == 200
    organisation.refresh_from_db()
    assert organisation.contact_mobile == MOBILE


def test_showing_the_mobile_in_full_from_the_form_is_logged_like_on_the_page(client, officer, organisation):
    client.force_login(officer)
    page = client.get(edit_url(organisation)).content.decode()
    reveal = reverse("branches:organisation_reveal", args=[organisation.pk]) + "?into=form"
    assert f'hx-post="{reveal}"' in page

    fragment = client.post(reveal, HTTP_HX_REQUEST="true").content.decode()

    assert f'name="contact_mobile" value="{MOBILE}"' in fragment and 'id="id_contact_mobile"' in fragment
    log = DisclosureLog.objects.get()
    assert (log.user, log.kind, log.object_id) == (officer, "reveal", str(organisation.pk))
    # without JavaScript: back to the form, the number in the message
    response = client.post(reveal)
    assert response.status_code == 302 and response.url == edit_url(organisation)
    assert DisclosureLog.objects.count() == 2


def test_who_may_not_see_mobiles_in_full_gets_no_button_and_403(client, city_viewer, officer, organisation):
    client.force_login(officer)
    assert "?into=form" in client.get(edit_url(organisation)).content.decode()
    client.force_login(city_viewer)
    reveal = reverse("branches:organisation_reveal", args=[organisation.pk]) + "?into=form"
    assert client.post(reveal, HTTP_HX_REQUEST="true").status_code == 403
    assert not DisclosureLog.objects.exists()


# --- the operation log ----------------------------------------------------------------------------------------


def test_the_operation_log_keeps_mobiles_masked(client, officer, organisation):
    client.force_login(officer)
    form_post(client, organisation, contact_mobile="13904731111")
    entry = OperationLog.objects.filter(object_id=str(organisation.pk)).latest("pk")
    assert entry.changes["contact_mobile"] == [MASKED, "139****1111"]
    assert MOBILE not in str(entry.changes) and "13904731111" not in str(entry.changes)


def test_existing_log_entries_are_masked_by_the_migration(officer, organisation):
    entry = OperationLog.objects.create(
        actor=officer,
        action="organisation.update",
        changes={
            "contact_mobile": [MOBILE, "13904731111"],
            "answers": {"rows": [{"name": "王芳", "mobile": MOBILE}]},
            "name": ["13904731111号", "乙"],
        },
    )

    with audit.maintenance():  # the migration ran before the log became append-only
        masking_migration.operation_log_mask(apps, None)

    entry.refresh_from_db()
    assert entry.changes == {
        "contact_mobile": [MASKED, "139****1111"],
        "answers": {"rows": [{"name": "王芳", "mobile": MASKED}]},
        "name": ["13904731111号", "乙"],  # not a mobile's field: left as it is
    }


# --- step forms prefilled from the organisation -----------------------------------------------------------------


@pytest.fixture
def run(organisation, officer, people):
    liaison = Liaison.objects.create(
        organisation=organisation, name="王芳", mobile="13904731234", user=people["liaison"]
    )
    template = WorkflowTemplate.objects.get(key="federation", status="published")
    return workflow_services.run_start(
        by=officer, organisation=organisation, template=template, owner=officer, liaison=liaison
    )


def request_step(run):
    return run.entries.select_related("step", "run").get(step__code="request")


@pytest.mark.parametrize("who", ["liaison", "district_officer"])
def test_a_step_form_prefilled_from_the_organisation_shows_the_mobile_masked_and_keeps_it(
    client, run, people, who
):
    from tests.workflows.answers import POST

    entry = request_step(run)
    url = (
        reverse("workflows:portal_step", args=[entry.pk])
        if who == "liaison"
        else reverse("workflows:step_detail", args=[entry.pk])
    )
    client.force_login(people[who])
    page = client.get(url).content.decode()
    assert f'value="{MASKED}"' in page
    assert MOBILE not in page
    assert "号码已隐去中间四位" in page

    data = {**POST["request"], "contact_mobile": MASKED, "version": entry.version}
    response = client.post(url, data)

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.answers["contact_mobile"] == MOBILE


def test_a_step_form_takes_a_new_mobile_and_refuses_a_mangled_mask(client, run, people):
    from tests.workflows.answers import POST

    entry = request_step(run)
    url = reverse("workflows:portal_step", args=[entry.pk])
    client.force_login(people["liaison"])
    refused = client.post(url, {**POST["request"], "contact_mobile": "139****0000", "version": entry.version})
    assert refused.status_code == 200
    entry.refresh_from_db()
    assert not entry.answers
    taken = client.post(url, {**POST["request"], "contact_mobile": "13904730000", "version": entry.version})
    assert taken.status_code == 302
    entry.refresh_from_db()
    assert entry.answers["contact_mobile"] == "13904730000"


# --- the admin ------------------------------------------------------------------------------------------------


def test_the_admin_shows_no_whole_mobile_in_the_form_nor_in_the_history(
    client, admin_user, officer, organisation
):
    from branches.services.organisations import organisation_update

    organisation_update(organisation=organisation, by=officer, data={"contact_mobile": "13904731111"})
    liaison = Liaison.objects.create(organisation=organisation, name="王芳", mobile="13904731234")
    liaison.mobile = "13904733333"
    liaison.save()
    client.force_login(admin_user)

    change = client.get(reverse("admin:branches_organisation_change", args=[organisation.pk]))
    history = client.get(reverse("admin:branches_organisation_history", args=[organisation.pk]))
    liaison_history = client.get(reverse("admin:branches_liaison_history", args=[liaison.pk]))

    assert change.status_code == history.status_code == liaison_history.status_code == 200
    assert "13904731111" not in change.content.decode()
    page = history.content.decode()
    assert MASKED in page and "139****1111" in page
    assert MOBILE not in page and "13904731111" not in page
    page = liaison_history.content.decode()
    assert "139****3333" in page and "13904733333" not in page and "13904731234" not in page
