"""An organisation that moves to another district takes everything that hangs on it along: its formation run
(steps, papers, attachments, links), women's organisation, liaisons, contacts, questions and the services,
recognitions and alliances that name it. The old district's officer no longer reaches any of it; the new
district's officer does. Moved through the edit form and through a register import."""

from __future__ import annotations

import pytest
from django.urls import reverse

from activities.models import Activity, Alliance, Recognition
from branches.models import Branch, Organisation, Way
from branches.services.imports import register_import_apply, register_import_upload
from branches.services.organisations import organisation_update
from federation.models import Region
from tests.activities.factories import work_world
from tests.answers.factories import route_kwargs
from tests.branches.factories import OrganisationFactory
from workflows.models import FormationRun

CODE = "91150302MA0000001H"  # made up; passes the check
WUDA_STREET = "150304002"  # 乌达区 三道坎街道


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def moving(world):
    """The world's 海勃湾区 organisation with a run in progress, a women's organisation, a liaison, a contact,
    a question, a service, a recognition and an alliance, and its credit code (a register finds it by it)."""
    work_world(world)
    world["question"] = route_kwargs(world, "open")["pk"]
    organisation = world["organisation"]
    organisation.uscc = CODE
    organisation.officer = world["people"]["district_officer"]
    organisation.save(update_fields=["uscc", "officer"])
    return world


def pages(world) -> dict[str, str]:
    """What an officer responsible for the organisation opens."""
    return {
        "organisation": reverse("branches:organisation_detail", args=[world["organisation"].pk]),
        "run": reverse("workflows:run_detail", args=[world["run"].pk]),
        "package": reverse("workflows:package_download", args=[world["run"].pk]),
        "step": reverse("workflows:step_detail", args=[world["step"].pk]),
        "attachment": reverse("workflows:attachment_download", args=[world["attachment"].pk]),
        "paper": reverse("workflows:document_download", args=[world["step"].pk, world["document"].pk]),
        "women's organisation": reverse("branches:branch_detail", args=[world["branch"].pk]),
        "women's organisation edit": reverse("branches:branch_edit", args=[world["branch"].pk]),
        "liaison": reverse("branches:liaison_edit", args=[world["liaison"].pk]),
        "question": reverse("answers:question_answer", args=[world["question"]]),
        "service": reverse("activities:activity_detail", args=[world["activity"].pk]),
        "recognition": reverse("activities:recognition_edit", args=[world["recognition"].pk]),
        "alliance": reverse("activities:alliance_detail", args=[world["alliance"].pk]),
    }


def statuses(client, user, urls: dict[str, str]) -> dict[str, int]:
    client.force_login(user)
    return {name: client.get(url).status_code for name, url in urls.items()}


def move_with_the_edit_form(client, world) -> None:
    organisation = world["organisation"]
    client.force_login(world["people"]["city_officer"])
    url = reverse("branches:organisation_edit", args=[organisation.pk])
    page = client.get(url).content.decode()
    seen = page.split('name="seen" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        url,
        {
            "name": organisation.name,
            "uscc": organisation.uscc,
            "field": organisation.field,
            "unit_type": organisation.unit_type,
            "region": Region.objects.get(code=WUDA_STREET).pk,
            "employees": organisation.employees,
            "women": organisation.women,
            "in_scope": "on",
            "seen": seen,
            "reason": "单位迁址",
            "duplicate_reason": "另一条是分支机构",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]


def move_with_a_register_import(client, world) -> None:
    city_officer = world["people"]["city_officer"]
    rows = f"单位名称,统一社会信用代码,所属区,街道\n{world['organisation'].name},{CODE},乌达区,三道坎街道\n"
    register_import = register_import_upload(
        by=city_officer, data=rows.encode(), file_name="register.csv", source_name="迁址名录"
    )
    assert register_import.summary["rows"][0]["s"] == "update"
    register_import_apply(register_import=register_import, by=city_officer)


@pytest.mark.parametrize("move", [move_with_the_edit_form, move_with_a_register_import])
def test_what_hangs_on_a_moved_organisation_follows_it_to_the_new_district(client, moving, move):
    world, people = moving, moving["people"]
    urls = pages(world)
    assert set(statuses(client, people["district_officer"], urls).values()) == {200}
    assert set(statuses(client, people["other_district_officer"], urls).values()) == {404}

    move(client, world)

    world["organisation"].refresh_from_db()
    assert world["organisation"].region.code == WUDA_STREET
    old = statuses(client, people["district_officer"], urls)
    assert old == dict.fromkeys(urls, 404)
    new = statuses(client, people["other_district_officer"], urls)
    assert new == dict.fromkeys(urls, 200)
    # the package (its candidate list carries full mobiles) comes whole to the new district's officer
    client.force_login(people["other_district_officer"])
    assert client.get(urls["package"])["Content-Type"] == "application/zip"
    # the regions kept for scoping say the new place, each with its history
    wuda = Region.objects.get(code=WUDA_STREET)
    branch = Branch.objects.get(pk=world["branch"].pk)
    assert branch.region == wuda and branch.history.first().history_user == people["city_officer"]
    for model, name in ((Activity, "activity"), (Recognition, "recognition"), (Alliance, "alliance")):
        assert model.objects.get(pk=world[name].pk).region == wuda, name
    # the old district's officer was responsible and owned the run: the city officer who moved it is now, so
    # that reminders and follow-ups go to someone who can open them
    organisation = Organisation.objects.get(pk=world["organisation"].pk)
    assert organisation.officer == people["city_officer"]
    assert FormationRun.objects.get(pk=world["run"].pk).owner == people["city_officer"]
    client.force_login(people["district_officer"])
    assert organisation.name not in client.get(reverse("federation:staff_home")).content.decode()


def test_the_old_districts_officer_cannot_act_on_the_moved_run(client, moving):
    world, people = moving, moving["people"]
    move_with_the_edit_form(client, world)
    client.force_login(people["district_officer"])
    assert client.post(reverse("workflows:invitation_create", args=[world["run"].pk])).status_code == 404
    assert (
        client.post(reverse("workflows:invitation_revoke", args=[world["invitation"].pk])).status_code == 404
    )
    assert client.post(reverse("branches:contact_done", args=[world["contact"].pk])).status_code == 404
    queue = client.get(reverse("workflows:review_queue")).content.decode()
    assert world["organisation"].name not in queue
    client.force_login(people["other_district_officer"])
    assert world["organisation"].name in client.get(reverse("workflows:review_queue")).content.decode()


def test_an_industry_wide_womens_organisation_keeps_its_own_place_when_its_host_moves(city_officer):
    host = OrganisationFactory(name="乌海市快递行业协会")
    other = OrganisationFactory(name="乌海市某快递网点", region=Region.objects.get(code="150304003"))
    from branches.services.branches import branch_create, branch_update

    wide = branch_create(
        by=city_officer,
        organisation=host,
        data={"name": "乌海市快递行业妇联", "form": "federation", "way": Way.INDUSTRY},
        covers=[other],
    )
    own = branch_create(
        by=city_officer, organisation=host, data={"name": "快递行业协会妇委会", "form": "committee"}
    )
    place = wide.region
    organisation_update(
        organisation=host, by=city_officer, data={"region": Region.objects.get(code=WUDA_STREET)}
    )
    wide.refresh_from_db()
    own.refresh_from_db()
    assert wide.region == place  # its own place: not its host's
    assert own.region.code == WUDA_STREET
    # once it is no longer industry-wide, it lies where its host lies
    branch_update(by=city_officer, branch=wide, data={"way": Way.STANDALONE})
    wide.refresh_from_db()
    assert wide.region.code == WUDA_STREET


def test_a_move_in_the_admin_takes_the_womens_organisation_and_the_services_along(client, moving):
    world, people = moving, moving["people"]
    organisation = world["organisation"]
    url = reverse("admin:branches_organisation_change", args=[organisation.pk])
    client.force_login(people["admin"])
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name)
        if name == "region":
            value = Region.objects.get(code=WUDA_STREET).pk
        elif name == "categories":
            value = [category.pk for category in value or []]
        elif name == "former_names":
            value = field.prepare_value(value)
        elif hasattr(value, "pk"):
            value = value.pk
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    organisation.refresh_from_db()
    wuda = Region.objects.get(code=WUDA_STREET)
    assert organisation.region == wuda and organisation.district.code == "150304"
    assert Branch.objects.get(pk=world["branch"].pk).region == wuda
    assert Activity.objects.get(pk=world["activity"].pk).region == wuda
    client.force_login(people["other_district_officer"])
    assert client.get(reverse("branches:branch_detail", args=[world["branch"].pk])).status_code == 200
