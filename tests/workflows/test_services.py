"""The formation run from start to the women's organisation in the ledger, through the services."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.utils import translation

from branches.models import Branch, BranchMember, Stage
from workflows import services
from workflows.forms import StepForm
from workflows.models import FormationRun, StepEntry, StepStatus, StepTransition, WorkflowTemplate

from .answers import POST


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are asserted in the English source text."""
    with translation.override("en"):
        yield


def _post(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query[key] = value
    return query


def fill(entry, by, data=None):
    """Validate the step's answers as the form does and submit them."""
    form = StepForm(_post(data if data is not None else POST[entry.step.code]), entry=entry)
    assert form.is_valid(), form.errors
    return services.step_submit(by=by, entry=entry, answers=form.answers(), version=entry.version)


@pytest.fixture
def run(fresh_run):
    return fresh_run


def test_the_first_step_comes_from_the_ledger_and_the_request_opens_with_a_deadline(run):
    entries = list(run.entries.order_by("order"))
    assert entries[0].status == StepStatus.APPROVED
    assert entries[0].answers["women"] == 60
    assert entries[1].opened_on is not None
    assert (entries[1].due_on - entries[1].opened_on).days == 15
    assert entries[2].opened_on is None
    run.organisation.refresh_from_db()
    assert run.organisation.stage == Stage.PREPARING


def test_a_whole_run_ends_with_the_womens_organisation_in_the_ledger(run, world):
    officer = world["people"]["district_officer"]
    for entry in run.entries.order_by("order").select_related("step"):
        entry.refresh_from_db()
        if entry.status == StepStatus.APPROVED:
            continue
        entry = fill(entry, officer)
        if entry.status == StepStatus.SUBMITTED:
            services.step_approve(by=officer, entry=entry, version=entry.version)
    run.refresh_from_db()
    assert run.status == FormationRun.Status.COMPLETED
    branch = Branch.objects.get(pk=run.branch_id)
    assert branch.name == "乌海市海勃湾区测试商会妇女联合会"
    assert branch.approval_number == "海妇字〔2026〕8号"
    assert branch.seats == 5
    assert branch.term_ends_on is not None
    posts = dict(BranchMember.objects.filter(branch=branch).values_list("name", "post"))
    assert posts["张丽"] == BranchMember.Post.CHAIR and posts["李娜"] == BranchMember.Post.VICE_CHAIR
    world["organisation"].refresh_from_db()
    assert world["organisation"].stage == Stage.ESTABLISHED


def test_a_run_whose_steps_cannot_be_made_is_not_started_at_all(world, monkeypatch):
    officer, organisation = world["people"]["district_officer"], world["organisation"]
    services.run_cancel(by=officer, run=world["run"], reason="重新开始")
    before = FormationRun.objects.filter(organisation=organisation).count()

    def steps_fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(StepEntry.objects, "bulk_create", steps_fail)  # after the run's row is written
    with pytest.raises(RuntimeError):
        services.run_start(
            by=officer,
            organisation=organisation,
            template=WorkflowTemplate.objects.get(key="federation", status="published"),
            owner=officer,
        )
    assert FormationRun.objects.filter(organisation=organisation).count() == before
    assert not FormationRun.objects.filter(organisation=organisation, status="active").exists()


def test_two_reviewers_at_once_exactly_one_succeeds(run, world):
    entry = fill(run.entries.get(step__code="request"), world["people"]["district_officer"])
    read_by_both = entry.version
    services.step_approve(by=world["people"]["district_officer"], entry=entry, version=read_by_both)
    with pytest.raises(services.StaleEntry, match="Someone else changed this step"):
        services.step_return(
            by=world["people"]["city_officer"], entry=entry, version=read_by_both, comment="名额写错了"
        )
    entry.refresh_from_db()
    assert entry.status == StepStatus.APPROVED
    assert list(entry.transitions.values_list("to_status", flat=True)) == ["submitted", "approved"]


def test_a_returned_step_keeps_the_comment_and_can_be_submitted_again(run, world):
    officer = world["people"]["district_officer"]
    entry = fill(run.entries.get(step__code="request"), officer)
    entry = services.step_return(by=officer, entry=entry, version=entry.version, comment="请补充成立理由")
    assert entry.status == StepStatus.RETURNED and entry.comment == "请补充成立理由"
    entry = fill(entry, officer)
    assert entry.status == StepStatus.SUBMITTED
    reasons = list(StepTransition.objects.filter(entry=entry).values_list("to_status", "reason"))
    assert reasons == [("submitted", ""), ("returned", "请补充成立理由"), ("submitted", "")]


def test_a_later_step_cannot_be_filled_before_the_earlier_ones(run, world):
    entry = run.entries.get(step__code="congress")
    with pytest.raises(services.WorkflowError, match="not finished"):
        services.draft_save(by=world["people"]["district_officer"], entry=entry, raw={})


def test_history_cannot_be_rewritten(run):
    transition = StepTransition.objects.filter(entry__run=run).first()
    transition.reason = "改写"
    with pytest.raises(Exception, match="cannot be changed"):
        transition.save()
