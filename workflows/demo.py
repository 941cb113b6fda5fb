"""Demo formation runs on top of the demo ledger: one waiting for review (the demo liaison's organisation),
one half-way through, one just started; idempotent."""

from __future__ import annotations

from django.db import transaction

from branches.models import Liaison, Organisation, Stage
from federation.models import User

from . import services
from .forms import initial_answers
from .models import FormationRun, StepStatus, WorkflowTemplate

REQUEST = {
    "way": "单独建立",
    "seats": 5,
    "chair_seats": 1,
    "vice_chair_seats": 1,
    "congress_date": "2027-01-15",
    "reasons": "单位女职工人数较多，为更好地联系、服务女职工，经党支部研究，拟成立妇女组织。",
}
APPROVAL = {
    "approving_body": "乌海市妇联",
    "approval_number": "乌妇字〔2026〕21号",
    "approval_date": "2026-11-10",
}


def _answers(entry, extra: dict) -> dict:
    earlier = {e.step.code: e.answers for e in entry.run.entries.select_related("step") if e.answers}
    answers = {**initial_answers(entry, earlier=earlier), **extra}
    if entry.step.code == "request":
        answers.setdefault("proposed_name", f"{entry.run.organisation.name}妇女联合会")
    return {spec.name: answers.get(spec.name) for spec in entry.step.fields.all()}


def _advance(run: FormationRun, officer: User, *, through: str) -> None:
    """Submit and approve the steps up to and including `through` with plausible answers."""
    for entry in run.entries.select_related("step").order_by("order"):
        if entry.status == StepStatus.APPROVED:
            continue
        extra = {"request": REQUEST, "approval": APPROVAL}.get(entry.step.code, {})
        entry = services.step_submit(
            by=officer, entry=entry, answers=_answers(entry, extra), version=entry.version
        )
        if entry.step.code == through:
            return
        if entry.status == StepStatus.SUBMITTED:
            services.step_approve(by=officer, entry=entry, version=entry.version, comment="材料齐全，同意。")


@transaction.atomic
def demo_load(*, stdout) -> None:
    officer = User.objects.filter(username="city").first()
    if officer is None or FormationRun.objects.exists():
        stdout.write("Demo formation runs: already there (or no demo officer).")
        return
    template = WorkflowTemplate.objects.get(key="federation", status=WorkflowTemplate.Status.PUBLISHED)
    started = 0
    own = Liaison.objects.filter(user__username="liaison", active=True).select_related("organisation").first()
    if own is not None:
        run = services.run_start(
            by=officer, organisation=own.organisation, template=template, owner=officer, liaison=own
        )
        _advance(run, officer, through="request")  # the request waits in the review queue
        services.invitation_create(by=officer, run=run)
        started += 1
    candidates = (
        Organisation.objects.filter(
            archived_at__isnull=True, stage__in=[Stage.SURVEYING, Stage.LIAISON_NAMED], women__gte=50
        )
        .exclude(runs__isnull=False)
        .order_by("sort_key")
    )
    for organisation, through in zip(candidates[:2], ["delegates", None], strict=False):
        liaison = organisation.liaisons.filter(active=True).first()
        run = services.run_start(
            by=officer, organisation=organisation, template=template, owner=officer, liaison=liaison
        )
        if through:
            _advance(run, officer, through=through)
        started += 1
    stdout.write(f"Demo formation runs: {started} started.")
