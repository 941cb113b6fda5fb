"""Staff pages of guided formation through the test client: starting a run, invitation links, review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation

from branches.models import Liaison
from branches.services.recommend import form_recommend
from tests.branches.factories import OrganisationFactory
from workflows import services
from workflows.forms import StepForm
from workflows.models import FormationRun, Invitation, StepEntry, StepStatus, WorkflowTemplate

from .answers import POST


@pytest.fixture
def english(settings):
    """Messages compared word for word are read in English."""
    settings.LANGUAGE_CODE = "en"


def _query(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query[key] = value
    return query


def start(organisation, officer, liaison=None) -> FormationRun:
    return services.run_start(
        by=officer,
        organisation=organisation,
        template=WorkflowTemplate.objects.get(key="federation", status="published"),
        owner=officer,
        liaison=liaison,
    )


def hand_in(run: FormationRun, by, code: str = "request") -> StepEntry:
    """Submit a step with valid answers, as the portal would."""
    entry = run.entries.select_related("step", "run__organisation").get(step__code=code)
    form = StepForm(_query(POST[code]), entry=entry)
    assert form.is_valid(), form.errors
    return services.step_submit(by=by, entry=entry, answers=form.answers(), version=entry.version)


@pytest.fixture
def twin_liaison(world):
    return Liaison.objects.create(organisation=world["twin"], name="李梅", mobile="13904730000")


@pytest.fixture
def run(world, twin_liaison):
    """A run of its own (the world's run, on the other organisation, has its request step handed in)."""
    return start(world["twin"], world["people"]["district_officer"], twin_liaison)


# --- starting a run ---------------------------------------------------------------------------------------


def test_officer_starts_a_run_from_the_organisation_page_with_the_recommendation_preset(client, world):
    officer = world["people"]["district_officer"]
    organisation = OrganisationFactory(name="乌海市巾帼商贸有限公司", party_org=True)
    liaison = Liaison.objects.create(organisation=organisation, name="赵静", mobile="13904735678")
    client.force_login(officer)
    page = client.get(reverse("branches:organisation_detail", args=[organisation.pk])).content.decode()
    start_url = reverse("workflows:run_start", args=[organisation.pk])
    assert start_url in page

    response = client.get(start_url)
    assert response.status_code == 200
    form = response.context["form"]
    federation = WorkflowTemplate.objects.get(key="federation", status="published")
    assert form["template"].value() == federation.pk
    assert form["way"].value() == "standalone"
    assert form["owner"].value() == officer.pk
    assert form["liaison"].value() == liaison.pk
    with translation.override("zh-hans"):
        reason = str(form_recommend(unit_type=organisation.unit_type, women=60, party_org=True).reason)
    assert response.context["recommendation"].rule == 6
    assert reason in response.content.decode()

    # staff may override the recommendation: another published template and way
    committee = WorkflowTemplate.objects.get(key="committee", status="published")
    response = client.post(
        start_url,
        {"template": committee.pk, "way": "joint", "owner": officer.pk, "liaison": liaison.pk},
    )
    run = FormationRun.objects.get(organisation=organisation)
    # with a liaison the run starts with its invitation link, whose page the officer sees next
    assert response.status_code == 302 and response["Location"] == reverse(
        "workflows:invitation_detail", args=[run.invitations.get().pk]
    )
    assert (run.template, run.way, run.owner, run.liaison) == (committee, "joint", officer, liaison)
    page = client.get(reverse("branches:organisation_detail", args=[organisation.pk])).content.decode()
    assert reverse("workflows:run_detail", args=[run.pk]) in page and start_url not in page


def test_a_second_run_is_refused_with_a_message_not_an_error(client, run, world, english):
    officer = world["people"]["district_officer"]
    client.force_login(officer)
    response = client.post(
        reverse("workflows:run_start", args=[run.organisation_id]),
        {"template": run.template_id, "way": "standalone", "owner": officer.pk},
    )
    assert response.status_code == 200
    assert "already has a formation run in progress" in response.content.decode()
    assert FormationRun.objects.filter(organisation=run.organisation).count() == 1


def test_an_owner_outside_the_organisations_area_is_not_offered(client, world):
    client.force_login(world["people"]["district_officer"])
    response = client.post(
        reverse("workflows:run_start", args=[world["twin"].pk]),
        {
            "template": WorkflowTemplate.objects.get(key="federation", status="published").pk,
            "way": "standalone",
            "owner": world["people"]["other_district_officer"].pk,
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["owner"]
    assert not FormationRun.objects.filter(organisation=world["twin"]).exists()


def test_a_viewer_cannot_start_a_run_and_another_district_does_not_see_the_organisation(
    client, world, city_viewer
):
    url = reverse("workflows:run_start", args=[world["organisation"].pk])
    client.force_login(city_viewer)
    assert client.get(url).status_code == 403
    client.force_login(world["people"]["other_district_officer"])
    assert client.get(url).status_code == 404


# --- the run's page: invitation links, cancelling -----------------------------------------------------------


def test_an_invitation_link_is_made_shown_on_its_page_listed_and_revoked(client, run, world):
    client.force_login(world["people"]["district_officer"])
    response = client.post(reverse("workflows:invitation_create", args=[run.pk]), {"liaison": run.liaison_id})
    invitation = Invitation.objects.get(run=run)
    assert response.status_code == 302
    assert response["Location"] == reverse("workflows:invitation_detail", args=[invitation.pk])
    assert invitation.expires_at.date() == (timezone.now() + dt.timedelta(days=14)).date()
    shown = client.get(response["Location"])
    url = shown.context["link"]
    assert url == f"http://testserver/i/{invitation.code}" and url in shown.content.decode()

    later = client.get(reverse("workflows:run_detail", args=[run.pk]))
    assert url not in later.content.decode()
    assert reverse("workflows:invitation_detail", args=[invitation.pk]) in later.content.decode()
    assert [i.pk for i in later.context["invitations"]] == [invitation.pk]
    assert later.context["invitations"][0].uses_count == 0
    revoke = reverse("workflows:invitation_revoke", args=[invitation.pk])
    assert revoke in later.content.decode()

    assert client.post(revoke).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and invitation.revoked_by == world["people"]["district_officer"]
    assert revoke not in client.get(reverse("workflows:run_detail", args=[run.pk])).content.decode()


def test_an_invitation_for_another_organisations_liaison_is_refused(client, run, world):
    stranger = world["liaison"]  # the other organisation's
    client.force_login(world["people"]["district_officer"])
    response = client.post(reverse("workflows:invitation_create", args=[run.pk]), {"liaison": stranger.pk})
    assert response.status_code == 302 and not Invitation.objects.filter(run=run).exists()


def test_invitation_links_are_refused_to_viewers_and_unseen_elsewhere(client, run, world, city_viewer):
    url = reverse("workflows:invitation_create", args=[run.pk])
    client.force_login(city_viewer)
    assert client.post(url).status_code == 403
    client.force_login(world["people"]["other_district_officer"])
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 405
    assert not Invitation.objects.filter(run=run).exists()


def test_cancelling_needs_a_reason_and_revokes_the_links(client, run, world, english):
    officer = world["people"]["district_officer"]
    invitation = services.invitation_create(by=officer, run=run)
    client.force_login(officer)
    url = reverse("workflows:run_cancel", args=[run.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Say why the run is cancelled." in response.content.decode()
    run.refresh_from_db()
    assert run.status == FormationRun.Status.ACTIVE
    client.post(url, {"reason": "单位已注销"})
    run.refresh_from_db()
    invitation.refresh_from_db()
    assert run.status == FormationRun.Status.CANCELLED and invitation.revoked_at is not None
    again = client.post(url, {"reason": "再次取消"}, follow=True)
    assert "no longer in progress" in again.content.decode()


def test_the_run_page_shows_the_timeline_papers_and_package(client, run, world):
    hand_in(run, world["people"]["district_officer"])
    client.force_login(world["people"]["city_officer"])
    response = client.get(reverse("workflows:run_detail", args=[run.pk]))
    page = response.content.decode()
    entries = response.context["entries"]
    assert [e.step.code for e in entries][:3] == ["survey", "request", "approval"]
    request = entries[1]
    assert (
        request.status == StepStatus.SUBMITTED and request.transitions.all()[0].by.full_name == "海勃湾区干事"
    )
    document = request.step.documents.first()
    assert reverse("workflows:document_download", args=[request.pk, document.pk]) in page
    assert reverse("workflows:package_download", args=[run.pk]) in page
    assert reverse("workflows:step_detail", args=[request.pk]) in page


# --- review ------------------------------------------------------------------------------------------------


def test_the_review_queue_is_scoped_and_oldest_first(client, world, run):
    officer = world["people"]["district_officer"]
    newer = hand_in(run, officer)
    older = world["step"]
    StepEntry.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - dt.timedelta(days=3))
    client.force_login(officer)
    response = client.get(reverse("workflows:review_queue"))
    assert [e.pk for e in response.context["page"].rows] == [older.pk, newer.pk]
    page = response.content.decode()
    assert "乌海市海勃湾区测试商会" in page and reverse("workflows:step_detail", args=[older.pk]) in page

    client.force_login(world["people"]["other_district_officer"])
    response = client.get(reverse("workflows:review_queue"))
    assert response.status_code == 200 and response.context["page"].rows == []
    assert client.get(reverse("workflows:step_detail", args=[older.pk])).status_code == 404


def test_approve_and_return_with_a_comment_through_the_pages(client, run, world, english):
    officer = world["people"]["district_officer"]
    entry = hand_in(run, officer)
    client.force_login(world["people"]["city_officer"])
    page = client.get(reverse("workflows:step_detail", args=[entry.pk]))
    assert page.context["can_review"]
    assert f'name="version" value="{entry.version}"' in page.content.decode()

    review = reverse("workflows:step_review", args=[entry.pk])
    refused = client.post(review, {"action": "return", "version": entry.version, "comment": " "}, follow=True)
    assert "Say what needs to change" in refused.content.decode()
    client.post(review, {"action": "return", "version": entry.version, "comment": "请补充成立理由"})
    entry.refresh_from_db()
    assert entry.status == StepStatus.RETURNED and entry.comment == "请补充成立理由"

    entry = hand_in(run, officer)
    response = client.post(
        review, {"action": "approve", "version": entry.version, "comment": ""}, follow=True
    )
    entry.refresh_from_db()
    assert entry.status == StepStatus.APPROVED and entry.reviewer == world["people"]["city_officer"]
    assert "is approved" in response.content.decode()
    history = list(entry.transitions.values_list("to_status", "reason"))
    assert history == [
        ("submitted", ""),
        ("returned", "请补充成立理由"),
        ("submitted", ""),
        ("approved", ""),
    ]


def test_two_reviewers_at_once_the_second_is_told_and_nothing_changes(client, run, world, english):
    entry = hand_in(run, world["people"]["district_officer"])
    read_by_both = entry.version
    review = reverse("workflows:step_review", args=[entry.pk])
    client.force_login(world["people"]["district_officer"])
    client.post(review, {"action": "approve", "version": read_by_both})
    client.force_login(world["people"]["city_officer"])
    response = client.post(
        review, {"action": "return", "version": read_by_both, "comment": "名额写错了"}, follow=True
    )
    assert response.status_code == 200
    assert "Someone else changed this step a moment ago" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == StepStatus.APPROVED and entry.comment == ""
    assert list(entry.transitions.values_list("to_status", flat=True)) == ["submitted", "approved"]


def test_a_bad_review_post_is_a_message_not_an_error(client, run, world):
    entry = hand_in(run, world["people"]["district_officer"])
    client.force_login(world["people"]["district_officer"])
    review = reverse("workflows:step_review", args=[entry.pk])
    for data in ({"action": "delete", "version": entry.version}, {"action": "approve", "version": "x"}, {}):
        assert client.post(review, data).status_code == 302
    entry.refresh_from_db()
    assert entry.status == StepStatus.SUBMITTED
    assert client.get(review).status_code == 405
    assert client.get(reverse("workflows:step_detail", args=[999999])).status_code == 404


def test_a_viewer_sees_the_step_but_cannot_review_it(client, run, world, city_viewer):
    entry = hand_in(run, world["people"]["district_officer"])
    client.force_login(city_viewer)
    page = client.get(reverse("workflows:step_detail", args=[entry.pk]))
    assert page.status_code == 200 and not page.context["can_review"] and page.context["form"] is None
    assert reverse("workflows:step_review", args=[entry.pk]) not in page.content.decode()
    response = client.post(
        reverse("workflows:step_review", args=[entry.pk]), {"action": "approve", "version": 2}
    )
    assert response.status_code == 403
    assert client.get(reverse("workflows:review_queue")).status_code == 403
    entry.refresh_from_db()
    assert entry.status == StepStatus.SUBMITTED


def test_the_answers_read_as_tables_and_the_federation_fills_its_own_step(client, run, world):
    officer = world["people"]["district_officer"]
    entry = hand_in(run, officer)
    services.step_approve(by=officer, entry=entry, version=entry.version)
    client.force_login(officer)
    request_page = client.get(reverse("workflows:step_detail", args=[entry.pk]))
    labels = {row["label"]: row["value"] for row in request_page.context["answers"]}
    assert labels["委员名额"] == 5 and request_page.context["form"] is None
    assert labels["联系电话"] == "139****1234" and "13904731234" not in request_page.content.decode()

    approval = run.entries.get(step__code="approval")
    url = reverse("workflows:step_detail", args=[approval.pk])
    page = client.get(url)
    assert page.context["form"] is not None and not page.context["on_behalf"]
    response = client.post(url, {**POST["approval"], "version": approval.version})
    assert response.status_code == 302
    approval.refresh_from_db()
    assert (
        approval.status == StepStatus.APPROVED and approval.answers["approval_number"] == "海妇字〔2026〕8号"
    )

    preparation = run.entries.get(step__code="preparation")
    hand_in(run, officer, "preparation")
    tables = client.get(reverse("workflows:step_detail", args=[preparation.pk])).context["answers"]
    members = next(row for row in tables if row["type"] == "people")
    assert members["columns"] == ["姓名", "职务", "手机号码"]
    assert members["rows"][0] == ["王芳", "组长", "139****1234"]  # mobiles are masked on the page


def test_a_stale_hand_in_is_refused_with_the_form_kept(client, run, world, english):
    officer = world["people"]["district_officer"]
    entry = run.entries.get(step__code="request")
    client.force_login(officer)
    url = reverse("workflows:step_detail", args=[entry.pk])
    response = client.post(url, {**POST["request"], "version": entry.version + 5})
    assert response.status_code == 200
    assert "Someone else changed this step" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == StepStatus.TODO


# --- lists cost the same at any size ---------------------------------------------------------------------


def _runs(world, count: int, start_at: int = 0) -> None:
    officer = world["people"]["district_officer"]
    for n in range(start_at, start_at + count):
        organisation = OrganisationFactory(name=f"乌海市第{n:03d}号测试企业")
        hand_in(start(organisation, officer), officer)


# the most queries each page may make, whatever the number of rows
LIMITS = {"run_list": 11, "run_list_filtered": 11, "review_queue": 9, "run_detail": 14, "organisation": 20}


def test_run_list_review_queue_and_run_page_cost_the_same_at_2_and_20_runs(
    client, world, django_assert_max_num_queries
):
    officer = world["people"]["district_officer"]
    run = world["run"]
    client.force_login(world["people"]["city_officer"])
    pages = {
        "run_list": (reverse("workflows:run_list"), {"status": "active"}),
        "run_list_filtered": (
            reverse("workflows:run_list"),
            {"overdue": "1", "district": run.organisation.district_id, "template": "federation"},
        ),
        "review_queue": (reverse("workflows:review_queue"), {}),
        "run_detail": (reverse("workflows:run_detail", args=[run.pk]), {}),
        "organisation": (reverse("branches:organisation_detail", args=[run.organisation_id]), {}),
    }
    for url, params in pages.values():  # once to fill the per-process caches (settings, content types)
        client.get(url, params)
    counts: dict[str, list[int]] = {name: [] for name in pages}
    for runs, invitations in ((2, 1), (20, 8)):
        _runs(world, runs - FormationRun.objects.count(), start_at=FormationRun.objects.count())
        for _n in range(invitations):
            services.invitation_create(by=officer, run=run)
        for name, (url, params) in pages.items():
            with django_assert_max_num_queries(LIMITS[name]) as captured:
                response = client.get(url, params)
            assert response.status_code == 200, name
            counts[name].append(len(captured.captured_queries))
        assert len(client.get(pages["run_list"][0]).context["page"].rows) == runs
        assert len(client.get(pages["review_queue"][0]).context["page"].rows) == runs
    assert all(small == large for small, large in counts.values()), counts


def test_the_run_list_filters_by_overdue_and_status(client, run, world):
    current = run.entries.get(step__code="request")
    StepEntry.objects.filter(pk=current.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(world["people"]["district_officer"])
    overdue = client.get(reverse("workflows:run_list"), {"overdue": "1"}).context["page"].rows
    assert [r.pk for r in overdue] == [run.pk] and overdue[0].overdue
    assert client.get(reverse("workflows:run_list"), {"status": "completed"}).context["page"].rows == []
    assert client.get(reverse("workflows:run_list"), {"district": "abc", "after": "x"}).status_code == 200
    client.force_login(world["people"]["other_district_officer"])
    assert client.get(reverse("workflows:run_list")).context["page"].rows == []
