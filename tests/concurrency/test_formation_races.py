"""Two people acting on the same formation step at the same instant: exactly one change lands, once."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.utils import translation

from branches.models import Branch, BranchKind
from federation.models import Notification, OperationLog
from workflows import services
from workflows.models import FormationRun, StepEntry, StepStatus, StepTransition, WorkflowTemplate

from .conftest import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_english(call):
    """The call as a thread makes it, with the refusal worded in the English source text."""

    def wrapped():
        with translation.override("en"):
            return call()

    return wrapped


def split(outcomes: list) -> tuple[list, list]:
    """(successes, refusals); anything else raised fails the test with the error itself."""
    refused = [o for o in outcomes if isinstance(o, services.StaleEntry)]
    others = [o for o in outcomes if isinstance(o, Exception) and o not in refused]
    assert not others, others
    return [o for o in outcomes if not isinstance(o, Exception)], refused


@pytest.mark.parametrize("second", ["approve", "return"])
def test_two_reviewers_at_the_same_instant_one_wins_the_other_is_told(world, second):
    reviewers = world["people"]["district_officer"], world["people"]["city_officer"]
    entry = StepEntry.objects.get(pk=world["step"].pk)
    assert entry.status == StepStatus.SUBMITTED
    read_by_both = entry.version
    notifications = Notification.objects.count()
    mail.outbox.clear()

    def approve(by):
        return lambda: services.step_approve(
            by=by, entry=StepEntry.objects.get(pk=entry.pk), version=read_by_both
        )

    def send_back(by):
        return lambda: services.step_return(
            by=by, entry=StepEntry.objects.get(pk=entry.pk), version=read_by_both, comment="名额写错了"
        )

    calls = [approve(reviewers[0]), (approve if second == "approve" else send_back)(reviewers[1])]
    done, refused = split(together(*map(in_english, calls)))

    assert len(done) == 1 and len(refused) == 1
    assert "Someone else changed this step a moment ago" in refused[0].message
    entry.refresh_from_db()
    assert entry.status == done[0].status and entry.version == read_by_both + 1
    assert StepTransition.objects.filter(entry=entry).count() == 2  # submitted, then the one decision
    assert OperationLog.objects.filter(action__in=["workflow.approve", "workflow.return"]).count() == 1
    # the liaison hears once; the next step opened once, only after an approval
    assert Notification.objects.count() == notifications + 1
    assert len(mail.outbox) == 1
    following = world["run"].entries.get(step__code="approval")
    assert (following.opened_on is not None) == (entry.status == StepStatus.APPROVED)


def test_two_submits_of_one_step_from_two_tabs_hand_it_in_once(world):
    officer, liaison = world["people"]["district_officer"], world["people"]["liaison"]
    entry = StepEntry.objects.get(pk=world["step"].pk)
    entry = services.step_return(by=officer, entry=entry, version=entry.version, comment="请补充成立理由")
    read_by_both = entry.version
    submitted_before = Notification.objects.filter(kind="workflow.step_submitted").count()
    mail.outbox.clear()

    def submit(seats):
        return lambda: services.step_submit(
            by=liaison,
            entry=StepEntry.objects.get(pk=entry.pk),
            answers={"proposed_name": "测试商会妇联", "seats": seats},
            version=read_by_both,
        )

    done, refused = split(together(*map(in_english, [submit(5), submit(7)])))

    assert len(done) == 1 and len(refused) == 1
    entry.refresh_from_db()
    assert entry.status == StepStatus.SUBMITTED and entry.answers == done[0].answers
    statuses = list(
        StepTransition.objects.filter(entry=entry).order_by("id").values_list("to_status", flat=True)
    )
    assert statuses == ["submitted", "returned", "submitted"]
    assert Notification.objects.filter(kind="workflow.step_submitted").count() == submitted_before + 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world["run"].owner.email]


def _group_run_at_its_last_step(world) -> FormationRun:
    """A 妇女小组 run on a version whose last step (挂牌) is reviewed, every step before it approved and the
    last one submitted."""
    admin, officer = world["people"]["admin"], world["people"]["district_officer"]
    draft = services.template_new_version(
        by=admin, template=WorkflowTemplate.objects.get(key="group", status="published")
    )
    draft.steps.filter(code="unveiling").update(needs_review=True)
    template = services.template_publish(by=admin, template=draft)
    services.run_cancel(by=officer, run=world["run"], reason="改建妇女小组")
    run = services.run_start(
        by=officer,
        organisation=world["organisation"],
        template=template,
        owner=officer,
        liaison=world["liaison"],
    )
    for entry in run.entries.order_by("order", "id"):
        entry.refresh_from_db()
        if entry.status == StepStatus.APPROVED:
            continue
        entry = services.step_submit(by=officer, entry=entry, answers={}, version=entry.version)
        if entry.step.code != "unveiling":
            services.step_approve(by=officer, entry=entry, version=entry.version)
    return run


def test_the_last_step_approved_twice_at_once_records_one_womens_organisation(world):
    run = _group_run_at_its_last_step(world)
    last = run.entries.get(step__code="unveiling")
    assert last.status == StepStatus.SUBMITTED
    mail.outbox.clear()
    seen = Notification.objects.order_by("pk").values_list("pk", flat=True).last() or 0
    reviewers = world["people"]["district_officer"], world["people"]["city_officer"]

    def approve(by):
        return lambda: services.step_approve(
            by=by, entry=StepEntry.objects.get(pk=last.pk), version=last.version
        )

    done, refused = split(together(*map(in_english, [approve(reviewers[0]), approve(reviewers[1])])))

    assert len(done) == 1 and len(refused) == 1
    run.refresh_from_db()
    assert run.status == FormationRun.Status.COMPLETED
    groups = Branch.objects.filter(organisation=world["organisation"], form=BranchKind.GROUP)
    assert groups.count() == 1 and run.branch_id == groups.get().pk
    assert OperationLog.objects.filter(action="workflow.complete").count() == 1
    new = list(Notification.objects.filter(pk__gt=seen).values_list("recipient", "kind"))
    assert len(new) == len(set(new)) == len(mail.outbox)  # whatever completing sends, it sends once


def test_the_last_step_approved_while_the_run_is_cancelled_ends_one_way_only(world, monkeypatch):
    run = _group_run_at_its_last_step(world)
    last = run.entries.get(step__code="unveiling")
    officer, reviewer = world["people"]["district_officer"], world["people"]["city_officer"]
    # The cancel commits between the reviewer's check of the run and the approval's write, the narrowest gap.
    cancel_committed = threading.Event()
    check = services._require_review

    def check_then_let_the_cancel_in(by, entry):
        check(by, entry)
        cancel_committed.wait(timeout=5)

    monkeypatch.setattr(services, "_require_review", check_then_let_the_cancel_in)

    def cancel():
        try:
            return services.run_cancel(by=officer, run=FormationRun.objects.get(pk=run.pk), reason="单位注销")
        finally:
            cancel_committed.set()

    approved, cancelled = together(
        in_english(
            lambda: services.step_approve(
                by=reviewer, entry=StepEntry.objects.get(pk=last.pk), version=last.version
            )
        ),
        cancel,
    )

    assert isinstance(cancelled, FormationRun), cancelled
    assert isinstance(approved, services.WorkflowError), approved
    assert approved.message == "The run is no longer in progress."
    run.refresh_from_db()
    last.refresh_from_db()
    assert run.status == FormationRun.Status.CANCELLED and run.branch_id is None
    assert last.status == StepStatus.SUBMITTED
    assert not Branch.objects.filter(organisation=world["organisation"], form=BranchKind.GROUP).exists()
    assert not OperationLog.objects.filter(action="workflow.complete").exists()
