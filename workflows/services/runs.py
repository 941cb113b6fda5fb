"""Runs: started from an organisation's page, cancelled, and completed when the last step is approved (the
women's organisation recorded in the ledger with its leaders)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Branch, BranchKind, BranchMember, Liaison, Organisation, Stage, Way
from branches.services import branches as branch_services
from branches.services import contacts as contact_services
from federation import access
from federation.models import User
from federation.services import operation_record

from ..models import (
    Actor,
    FormationRun,
    Invitation,
    StepEntry,
    StepStatus,
    WorkflowTemplate,
)
from .common import WorkflowError, _open, _transition
from .invitations import _invitation_sessions_end

# --- runs ---


def templates_for_form(form: str) -> QuerySet[WorkflowTemplate]:
    """The published templates for a form of women's organisation."""
    return WorkflowTemplate.objects.filter(status=WorkflowTemplate.Status.PUBLISHED, form=form)


@transaction.atomic
def run_start(
    *,
    by: User,
    organisation: Organisation,
    template: WorkflowTemplate,
    owner: User,
    way: str = Way.STANDALONE,
    liaison: Liaison | None = None,
) -> FormationRun:
    """Start a run on a published template; the first step, taken from the ledger, completes itself."""
    access.require(by, "workflow.run", organisation)
    access.require(by, "ledger.edit", organisation)
    if template.status != WorkflowTemplate.Status.PUBLISHED:
        raise WorkflowError(_("Only a published template can be used."))
    if organisation.archived:
        raise WorkflowError(_("An archived organisation cannot start a formation run."))
    if not access.has(owner, "workflow.own", organisation):
        raise WorkflowError(_("The owner must be an officer who can see this organisation."))
    if liaison is not None and (liaison.organisation_id != organisation.pk or not liaison.active):
        raise WorkflowError(_("Choose an active liaison of this organisation."))
    if FormationRun.objects.filter(organisation=organisation, status=FormationRun.Status.ACTIVE).exists():
        raise WorkflowError(_("This organisation already has a formation run in progress."))
    try:
        with transaction.atomic():
            run = FormationRun.objects.create(
                organisation=organisation,
                template=template,
                form=template.form,
                way=way,
                owner=owner,
                liaison=liaison,
                started_by=by,
            )
    except IntegrityError as error:
        raise WorkflowError(_("This organisation already has a formation run in progress.")) from error
    steps = list(template.steps.prefetch_related("fields").order_by("order", "id"))
    entries = StepEntry.objects.bulk_create(
        [StepEntry(run=run, step=step, order=step.order) for step in steps]
    )
    today = timezone.localdate()
    if entries:
        first = entries[0]
        _open(first, today)
        first.save(update_fields=["opened_on", "due_on"])
        _complete_from_ledger(first, run=run, by=by)
    if organisation.stage in (Stage.SURVEYING, Stage.LIAISON_NAMED) and template.form != BranchKind.LIAISON:
        contact_services.stage_move(
            organisation=organisation,
            to=Stage.PREPARING,
            by=by,
            reason=_("Formation started: %(name)s") % {"name": template.name},
        )
    operation_record(
        actor=by,
        action="workflow.start",
        obj=organisation,
        changes={"template": [None, str(template)], "owner": [None, owner.display_name]},
    )
    return run


def _complete_from_ledger(entry: StepEntry, *, run: FormationRun, by: User) -> None:
    """A federation step needing no review whose required fields the ledger fills is done at the start."""
    from ..forms import initial_answers

    step = entry.step
    if step.actor != Actor.FEDERATION or step.needs_review:
        return
    specs = list(step.fields.all())
    answers = initial_answers(entry, organisation=run.organisation)
    if any(spec.required and answers.get(spec.name) in (None, "") for spec in specs):
        return
    entry.answers = {spec.name: answers.get(spec.name) for spec in specs}
    _transition(entry, StepStatus.APPROVED, by=by, reason=_("Taken from the ledger."), answers=entry.answers)
    entry.status = StepStatus.APPROVED
    entry.submitted_at = entry.reviewed_at = timezone.now()
    entry.submitted_by = entry.reviewer = by
    entry.save()
    _advance(entry, by=by)


@transaction.atomic
def run_cancel(*, by: User, run: FormationRun, reason: str) -> FormationRun:
    """Stop a run in progress, with a reason; its links open nothing more and their sessions end."""
    access.require(by, "workflow.run", run.organisation)
    if not reason.strip():
        raise WorkflowError(_("Say why the run is cancelled."))
    updated = FormationRun.objects.filter(pk=run.pk, status=FormationRun.Status.ACTIVE).update(
        status=FormationRun.Status.CANCELLED, completed_at=timezone.now()
    )
    if not updated:
        raise WorkflowError(_("The run is no longer in progress."))
    live = list(Invitation.objects.filter(run=run, revoked_at__isnull=True).values_list("pk", flat=True))
    Invitation.objects.filter(pk__in=live).update(revoked_at=timezone.now(), revoked_by=by)
    _invitation_sessions_end(live)
    operation_record(actor=by, action="workflow.cancel", obj=run.organisation, reason=reason)
    run.refresh_from_db()
    return run


def _answers_by_code(run: FormationRun) -> dict[str, dict]:
    return {entry.step.code: entry.answers for entry in run.entries.select_related("step")}


POSTS = [
    ("副主席", BranchMember.Post.VICE_CHAIR),
    ("主席", BranchMember.Post.CHAIR),
    ("副主任", BranchMember.Post.DEPUTY_DIRECTOR),
    ("主任", BranchMember.Post.DIRECTOR),
    ("组长", BranchMember.Post.LEADER),
]


def _post(text: str) -> str:
    for word, post in POSTS:
        if word in (text or ""):
            return post
    return BranchMember.Post.EXECUTIVE


def _members(answers: dict[str, dict]) -> list[dict]:
    """The executive list from the report (or the first meeting, or the group's members)."""
    for code, name in (("report", "executives"), ("first_meeting", "leaders"), ("group_members", "leaders")):
        rows = answers.get(code, {}).get(name) or []
        if rows:
            return [
                {
                    "name": row.get("name", "")[:50],
                    "post": _post(row.get("post", "")),
                    "unit_post": row.get("unit_post", "")[:100],
                    "mobile": row.get("mobile", "")[:20],
                }
                for row in rows
                if row.get("name")
            ]
    return []


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _complete(run: FormationRun, *, by: User) -> None:
    """Record the outcome in the ledger: the women's organisation (or the liaison) and the stage."""
    answers = _answers_by_code(run)
    organisation = Organisation.objects.get(pk=run.organisation_id)
    if run.form == BranchKind.LIAISON:
        named = answers.get("name_liaison", {})
        liaison = contact_services.liaison_add(
            by=by,
            organisation=organisation,
            name=named.get("name") or "",
            post=named.get("post") or "",
            mobile=named.get("mobile") or "",
            consent=bool(named.get("consent")),
        )
        FormationRun.objects.filter(pk=run.pk).update(liaison=liaison)
        branch = None
    else:
        request_answers, approval = answers.get("request", {}), answers.get("approval", {})
        established = (
            _date(answers.get("unveiling", {}).get("established_on"))
            or _date(answers.get("group_members", {}).get("established_on"))
            or timezone.localdate()
        )
        data: dict[str, Any] = {
            "name": approval.get("approved_name")
            or request_answers.get("proposed_name")
            or organisation.name,
            "form": run.form,
            "way": run.way,
            "established_on": min(established, timezone.localdate()),
            "approval_number": approval.get("approval_number") or "",
            "approving_unit": approval.get("approving_body") or "",
            "seats": approval.get("approved_seats") or answers.get("congress", {}).get("seats"),
        }
        members = _members(answers)
        existing = (
            run.branch
            or Branch.objects.filter(
                organisation=organisation, form=run.form, dissolved_on__isnull=True
            ).first()
        )
        reason = _("Formation completed: %(name)s") % {"name": run.template.name}
        if existing is None:
            branch = branch_services.branch_create(
                by=by, organisation=organisation, data=data, members=members, reason=reason
            )
        else:
            # a re-election (换届): the organisation keeps its founding date; the new term starts now
            term_start = data.pop("established_on")
            if existing.established_on is None:
                data["established_on"] = term_start
            data["term_number"] = existing.term_number + 1
            data["term_ends_on"] = branch_services.term_end(
                term_start,
                branch_services.term_years(form=run.form, unit_type=organisation.unit_type),
            )
            branch = branch_services.branch_update(by=by, branch=existing, data=data, reason=reason)
            if members:
                branch_services.branch_members_set(by=by, branch=branch, members=members)
    FormationRun.objects.filter(pk=run.pk).update(
        status=FormationRun.Status.COMPLETED, completed_at=timezone.now(), branch=branch
    )
    operation_record(actor=by, action="workflow.complete", obj=organisation, reason=run.template.name)


def _advance(entry: StepEntry, *, by: User) -> None:
    """Open the next step (its deadline counts from today), or complete the run after the last."""
    following = entry.run.entries.filter(order__gt=entry.order).order_by("order", "id").first()
    if following is None:
        _complete(entry.run, by=by)
        return
    _open(following, timezone.localdate())
    following.save(update_fields=["opened_on", "due_on"])
    _complete_from_ledger(following, run=entry.run, by=by)
