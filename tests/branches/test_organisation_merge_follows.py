"""A merge moves what hung on the duplicate record to the one kept: women's organisations and what they cover,
liaisons, contacts, runs, questions, services, recognitions and alliance memberships. Where both records have
a women's organisation or a liaison, the merge page asks which one is kept and the history says so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from activities import services as activity_services
from answers.models import Question
from branches.errors import LedgerError
from branches.models import Branch, ContactLog, Liaison, Organisation
from branches.selectors import coverage_filter, organisations_for
from branches.services.branches import branch_create
from branches.services.contacts import contact_add, liaison_add
from branches.services.organisations import organisation_merge
from coverage.services import coverage_figures
from federation.models import OperationLog, Region
from tests.activities.factories import make_activity, make_recognition
from tests.branches.factories import OrganisationFactory
from workflows import services as workflow_services
from workflows.models import FormationRun, WorkflowTemplate

HAIBOWAN = "150302"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def with_liaison_and_contact(organisation, officer, *, name: str, user=None) -> Liaison:
    liaison = liaison_add(
        by=officer,
        organisation=organisation,
        name=name,
        post="办公室主任",
        mobile="13904731234",
        consent=True,
    )
    if user is not None:
        Liaison.objects.filter(pk=liaison.pk).update(user=user)
    contact_add(
        by=officer,
        organisation=organisation,
        contacted_on=timezone.localdate(),
        channel="phone",
        summary=f"与{name}通话",
    )
    return liaison


def district_figures(day: dt.date) -> dict[str, int]:
    """The coverage figures of 海勃湾区, all categories (what the dashboard shows for the district)."""
    district = Region.objects.get(code=HAIBOWAN)
    totals: dict[str, int] = {}
    for (_region, district_id, _field, category), figures in coverage_figures(day).items():
        if district_id == district.pk and category is None:
            for name, value in figures.items():
                totals[name] = totals.get(name, 0) + value
    return totals


@pytest.fixture
def pair(people):
    """Two records of one organisation in 海勃湾区, each with a liaison and a contact; the duplicate also has
    the women's organisation."""
    officer = people["district_officer"]
    keep = OrganisationFactory(name="乌海市巾帼家政服务中心")
    duplicate = OrganisationFactory(name="乌海市巾帼家政服务中心（原）")
    kept_liaison = with_liaison_and_contact(keep, officer, name="王芳")
    other_liaison = with_liaison_and_contact(duplicate, officer, name="李娜", user=people["liaison"])
    branch = branch_create(
        by=officer,
        organisation=duplicate,
        data={"name": "巾帼家政服务中心妇联", "form": "federation", "established_on": dt.date(2025, 3, 8)},
    )
    return {
        "keep": keep,
        "duplicate": duplicate,
        "kept_liaison": kept_liaison,
        "other_liaison": other_liaison,
        "branch": branch,
        "officer": officer,
    }


def test_a_merge_moves_liaisons_contacts_and_the_womens_organisation_to_the_record_kept(pair, people):
    keep, duplicate, officer = pair["keep"], pair["duplicate"], pair["officer"]
    today = timezone.localdate()
    assert keep.pk in organisations_for(officer).filter(
        coverage_filter({"coverage": "uncovered"})
    ).values_list("pk", flat=True)

    organisation_merge(
        keep=keep, duplicate=duplicate, by=officer, keep_liaison=pair["other_liaison"].pk, reason="重复录入"
    )

    assert set(Liaison.objects.values_list("organisation_id", flat=True)) == {keep.pk}
    assert list(Liaison.objects.filter(active=True)) == [pair["other_liaison"]]
    assert ContactLog.objects.filter(organisation=keep).count() == 2
    assert not ContactLog.objects.filter(organisation=duplicate).exists()
    branch = Branch.objects.get(pk=pair["branch"].pk)
    assert branch.organisation == keep and set(branch.covers.all()) == {keep}
    keep.refresh_from_db()
    assert keep.stage == branch.stage and keep.last_contact_on == today
    # the kept record counts as covered, and the figures agree with the ledger's filters
    uncovered = organisations_for(officer).filter(coverage_filter({"coverage": "uncovered"}))
    covered = organisations_for(officer).filter(coverage_filter({"coverage": "covered"}))
    assert keep not in uncovered and list(covered) == [keep]
    figures = district_figures(today)
    assert figures["denominator"] == figures["covered"] == figures["formed"] == 1
    assert figures["denominator"] == covered.count() + uncovered.count()
    # the choice is in the history
    log = OperationLog.objects.get(action="organisation.merge")
    assert log.changes["liaison_kept"] == [None, "李娜"]
    dropped = Liaison.objects.get(pk=pair["kept_liaison"].pk)
    assert not dropped.active and "李娜" in dropped.history.first().history_change_reason


def test_the_merge_page_asks_which_womens_organisation_and_liaison_to_keep(client, pair, people):
    keep, duplicate, officer = pair["keep"], pair["duplicate"], pair["officer"]
    own = branch_create(
        by=officer, organisation=keep, data={"name": "巾帼家政服务中心妇委会", "form": "committee"}
    )
    client.force_login(officer)
    url = reverse("branches:organisation_merge", args=[keep.pk])
    page = client.get(url, {"other": duplicate.pk}).content.decode()
    assert 'name="keep_branch"' in page and 'name="keep_liaison"' in page
    assert own.name in page and pair["branch"].name in page and "李娜" in page and "王芳" in page
    assert "13904731234" not in page  # a liaison is shown by name and post, never by full mobile

    refused = client.post(url, {"other": duplicate.pk, "keep": "this"}, follow=True)
    with translation.override(refused.wsgi_request.LANGUAGE_CODE):
        expected = _("Both records have a women's organisation: choose the one to keep.")
    assert escape(expected) in refused.content.decode()
    assert Organisation.objects.get(pk=duplicate.pk).merged_into is None

    response = client.post(
        url,
        {
            "other": duplicate.pk,
            "keep": "this",
            "keep_branch": pair["branch"].pk,
            "keep_liaison": pair["kept_liaison"].pk,
            "reason": "同一单位",
        },
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.dissolved_on == timezone.localdate() and own.organisation == keep
    assert "巾帼家政服务中心妇联" in own.history.first().history_change_reason
    kept = Branch.objects.get(pk=pair["branch"].pk)
    assert kept.organisation == keep and kept.dissolved_on is None
    log = OperationLog.objects.get(action="organisation.merge")
    assert log.changes["branch_kept"] == [None, "巾帼家政服务中心妇联"]
    assert log.changes["liaison_kept"] == [None, "王芳"]
    # looked at again: the kept record's page shows its women's organisation and liaison
    page = client.get(reverse("branches:organisation_detail", args=[keep.pk])).content.decode()
    assert "巾帼家政服务中心妇联" in page and "王芳" in page
    # the liaison no longer active cannot open the kept organisation's page in the portal
    client.force_login(people["liaison"])
    assert keep.name not in client.get(reverse("federation:home"), follow=True).content.decode()
    # another district's officer sees neither record
    client.force_login(people["other_district_officer"])
    assert client.get(reverse("branches:organisation_detail", args=[keep.pk])).status_code == 404


def test_a_merge_moves_runs_questions_services_recognitions_and_alliances(people):
    officer = people["district_officer"]
    keep = OrganisationFactory(name="乌海市某物流有限公司")
    duplicate = OrganisationFactory(
        name="乌海市某物流有限责任公司", region=Region.objects.get(code="150302003")
    )
    liaison = liaison_add(by=officer, organisation=duplicate, name="赵敏", mobile="13904739999", consent=True)
    Liaison.objects.filter(pk=liaison.pk).update(user=people["liaison"])
    template = WorkflowTemplate.objects.get(key="federation", status="published")
    run = workflow_services.run_start(
        by=officer, organisation=duplicate, template=template, owner=officer, liaison=liaison
    )
    question = Question.objects.create(
        organisation=duplicate, asked_by=people["liaison"], text="怎么成立妇联？"
    )
    activity = make_activity(officer, [duplicate, keep])
    recognition = make_recognition(officer, organisation=duplicate)
    alliance = activity_services.alliance_create(
        by=officer, data={"name": "某商圈妇建联盟", "lead": duplicate}, members=[duplicate]
    )

    organisation_merge(keep=keep, duplicate=duplicate, by=officer)

    assert FormationRun.objects.get(pk=run.pk).organisation == keep
    assert Question.objects.get(pk=question.pk).organisation == keep
    assert set(activity.organisations.all()) == {keep}
    recognition.refresh_from_db()
    assert recognition.organisation == keep and recognition.region == keep.region
    alliance.refresh_from_db()
    assert alliance.lead == keep and set(alliance.members.all()) == {keep} and alliance.region == keep.region
    # the liaison, now the kept record's, still opens the run
    assert FormationRun.objects.filter(organisation__liaisons__user=people["liaison"]).get() == run


def test_two_runs_in_progress_are_refused_and_nothing_moves(people):
    officer = people["district_officer"]
    template = WorkflowTemplate.objects.get(key="federation", status="published")
    keep, duplicate = OrganisationFactory(name="乌海市甲公司"), OrganisationFactory(name="乌海市甲有限公司")
    for organisation in (keep, duplicate):
        workflow_services.run_start(by=officer, organisation=organisation, template=template, owner=officer)
    contact_add(
        by=officer, organisation=duplicate, contacted_on=timezone.localdate(), channel="visit", summary="走访"
    )
    with translation.override("en"), pytest.raises(LedgerError, match="formation run in progress"):
        organisation_merge(keep=keep, duplicate=duplicate, by=officer)
    assert ContactLog.objects.get().organisation == duplicate
    assert Organisation.objects.get(pk=duplicate.pk).merged_into is None


def test_merging_a_record_of_another_district_hands_its_run_to_the_merging_officer(client, people):
    """The city merges a 乌达区 duplicate into the 海勃湾区 record: its run goes along, and so does the
    responsibility the 乌达区 officer can no longer exercise."""
    wuda_officer, city = people["other_district_officer"], people["city_officer"]
    keep = OrganisationFactory(name="乌海市跨区物流有限公司")
    duplicate = OrganisationFactory(
        name="乌海市跨区物流有限公司（乌达）", region=Region.objects.get(code="150304002")
    )
    template = WorkflowTemplate.objects.get(key="federation", status="published")
    run = workflow_services.run_start(
        by=wuda_officer, organisation=duplicate, template=template, owner=wuda_officer
    )
    contact_add(
        by=wuda_officer,
        organisation=duplicate,
        contacted_on=timezone.localdate(),
        channel="visit",
        summary="走访",
        next_follow_up=timezone.localdate(),
    )

    organisation_merge(keep=keep, duplicate=duplicate, by=city)

    run.refresh_from_db()
    assert run.organisation == keep and run.owner == city
    assert Organisation.objects.get(pk=keep.pk).officer == city
    url = reverse("workflows:run_detail", args=[run.pk])
    client.force_login(wuda_officer)
    assert client.get(url).status_code == 404
    client.force_login(people["district_officer"])
    assert client.get(url).status_code == 200
