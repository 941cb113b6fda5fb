"""Staff pages of guided formation: the runs of the user's area, starting one from the ledger (preset from the
recommendation), a run's timeline with its invitation links, a step's answers and review, the review queue.

Every change goes through workflows.services; a refusal (WorkflowError) is shown as a message or a form error,
and two reviewers acting on the same step at once leave the second with a clear message (StaleEntry).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Count, Min
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches.selectors import regions_for
from branches.services.contacts import CONSENT_NOTICE
from branches.services.recommend import form_recommend
from branches.views.organisations import organisation_or_404
from federation import access
from federation.errors import form_error_add
from federation.models import Region
from federation.pagination import keyset_page_for, pk_param

from .. import services
from ..election import NOMINATION_STEP, WARN, nomination_check, planned_seats
from ..forms import (
    CancelForm,
    RunFilterForm,
    StepForm,
    answer_display,
    candidate_rows,
    initial_answers,
)
from ..models import (
    OPEN_STATUSES,
    Actor,
    FormationRun,
    StepAttachment,
    StepEntry,
    StepStatus,
)
from ..selectors import (
    organisation_runs,
    review_queue_listed,
    run_invitations,
    run_steps,
    runs_for,
    runs_listed,
    template_names,
)
from ..selectors import review_queue as review_queue_for
from ..start_form import RunStartInviteForm
from .common import entry_or_404, invitation_or_404, posted_version, run_or_404
from .invitations import sends_report

PAGE_SIZE = 50
OPEN = OPEN_STATUSES


# --- runs -------------------------------------------------------------------------------------------------


def _status_labels() -> dict[str, str]:
    return {value: str(label) for value, label in StepStatus.choices}


@require_GET
def run_list(request):
    access.require(request.user, "workflow.view")
    today = timezone.localdate()
    form = RunFilterForm(request.GET)
    runs = runs_listed(request.user, filters=form.filters(), today=today)
    total = runs.count()
    page = keyset_page_for(request, runs, [("started_at", True), ("id", True)], size=PAGE_SIZE)
    labels = _status_labels()
    for run in page.rows:
        run.current_status_label = labels.get(run.current_status, "")
        run.overdue = bool(
            run.status == FormationRun.Status.ACTIVE
            and run.current_due
            and run.current_due < today
            and run.current_status in OPEN
        )
    context = {
        "page": page,
        "total": total,
        "form": form,
        # what was asked, as typed, to show the filters again
        "filters": {key: form.data.get(key, "") for key in form.fields},
        "statuses": FormationRun.Status.choices,
        "templates": template_names(),
        "districts": regions_for(request.user, Region.Level.DISTRICT),
        "today": today,
        "can_review": access.has(request.user, "workflow.review"),
    }
    return render(request, "workflows/staff/run_list.html", context)


@require_http_methods(["GET", "POST"])
def run_start(request, pk):
    organisation = organisation_or_404(request, pk, "workflow.run")
    recommendation = form_recommend(
        unit_type=organisation.unit_type, women=organisation.women, party_org=organisation.party_org
    )
    suggested = services.templates_for_form(recommendation.form).order_by("key", "-version").first()
    active = (
        runs_for(request.user).filter(organisation=organisation, status=FormationRun.Status.ACTIVE).first()
    )
    liaisons = list(organisation.liaisons.filter(active=True).order_by("pk")[:2])
    initial = {
        "template": suggested,
        "way": recommendation.way,
        "owner": request.user if access.has(request.user, "workflow.own", organisation) else None,
        "liaison": liaisons[0] if len(liaisons) == 1 else None,
    }
    form = RunStartInviteForm(request.POST or None, initial=initial, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            run, invitation, sends = services.run_start_inviting(
                by=request.user,
                organisation=organisation,
                template=form.cleaned_data["template"],
                owner=form.cleaned_data["owner"],
                way=form.cleaned_data["way"],
                liaison=form.chosen_liaison(),
                new_liaison=form.new_liaison(),
            )
        except services.WorkflowError as error:
            form_error_add(form, error)
        else:
            messages.success(
                request,
                _("The formation run has started: %(template)s.") % {"template": run.template.name},
            )
            if invitation is None:
                return redirect("workflows:run_detail", pk=run.pk)
            sends_report(request, sends)
            return redirect("workflows:invitation_detail", pk=invitation.pk)
    context = {
        "organisation": organisation,
        "form": form,
        "recommendation": recommendation,
        "suggested": suggested,
        "active": active,
        "has_liaison": bool(liaisons),
        "consent_notice": CONSENT_NOTICE,
    }
    return render(request, "workflows/staff/run_start.html", context)


def _timeline(run: FormationRun, today: dt.date) -> list[StepEntry]:
    """The run's steps in order, the current one and those overdue marked."""
    entries = list(run_steps(run))
    current = next((entry for entry in entries if entry.status != StepStatus.APPROVED), None)
    for entry in entries:
        entry.is_current = run.status == FormationRun.Status.ACTIVE and entry is current
        entry.overdue = run.status == FormationRun.Status.ACTIVE and entry.overdue_on(today)
    return entries


def _run_detail(request, run: FormationRun, *, cancel_form=None):
    today = timezone.localdate()
    entries = _timeline(run, today)
    invitations = list(run_invitations(run))
    now = timezone.now()
    for invitation in invitations:
        invitation.live = invitation.revoked_at is None and invitation.expires_at > now
    active = run.status == FormationRun.Status.ACTIVE
    can_run = active and access.has(request.user, "workflow.run", run.organisation)
    context = {
        "run": run,
        "organisation": run.organisation,
        "entries": entries,
        "approved": sum(1 for entry in entries if entry.status == StepStatus.APPROVED),
        "invitations": invitations,
        "liaisons": list(run.organisation.liaisons.filter(active=True).order_by("pk")) if can_run else [],
        "can_run": can_run,
        "cancel_form": cancel_form or CancelForm(),
        "today": today,
    }
    return render(request, "workflows/staff/run_detail.html", context)


@require_GET
def run_detail(request, pk):
    run = run_or_404(request, pk, "workflow.view")
    return _run_detail(request, run)


@require_POST
def run_cancel(request, pk):
    run = run_or_404(request, pk, "workflow.run")
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the run is cancelled."))
        return redirect("workflows:run_detail", pk=run.pk)
    try:
        services.run_cancel(by=request.user, run=run, reason=form.cleaned_data["reason"])
    except services.WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The formation run was cancelled; its invitation links no longer open."))
    return redirect("workflows:run_detail", pk=run.pk)


@require_POST
def invitation_create(request, pk):
    """A new link for the liaison, sent at once; its page shows it with its QR code and what was sent."""
    run = run_or_404(request, pk, "workflow.run")
    liaison = None
    liaison_id = pk_param(request.POST.get("liaison"))
    if liaison_id is not None:
        liaison = run.organisation.liaisons.filter(pk=liaison_id).first()
        if liaison is None:
            messages.error(request, _("Choose an active liaison of this organisation."))
            return redirect("workflows:run_detail", pk=run.pk)
    try:
        invitation = services.invitation_create(by=request.user, run=run, liaison=liaison)
    except services.WorkflowError as error:
        messages.error(request, error.message)
        return redirect("workflows:run_detail", pk=run.pk)
    sends_report(request, services.invitation_send(by=request.user, invitation=invitation))
    return redirect("workflows:invitation_detail", pk=invitation.pk)


@require_POST
def invitation_revoke(request, pk):
    invitation = invitation_or_404(request, pk, "workflow.run")
    if invitation.revoked_at is None:
        services.invitation_revoke(by=request.user, invitation=invitation)
        messages.success(request, _("The link was revoked; it no longer opens the portal."))
    return redirect("workflows:run_detail", pk=invitation.run_id)


# --- steps ------------------------------------------------------------------------------------------------


def _answer_rows(entry: StepEntry, specs, attachments: list[StepAttachment]) -> list[dict]:
    """The answers as the page shows them, mobiles masked."""
    return [
        answer_display(spec, entry.answers.get(spec.name), attachments, mask_mobiles=True) for spec in specs
    ]


@require_http_methods(["GET", "POST"])
def step_detail(request, pk):
    entry = entry_or_404(request, pk, "workflow.view")
    run = entry.run
    siblings = list(run.entries.select_related("step").order_by("order", "id"))
    current = next((e for e in siblings if e.status != StepStatus.APPROVED), None)
    # staff fill a step (the federation's own, or on the organisation's behalf) when it is open now
    fillable = not services.fill_refusal(request.user, entry, current=current)
    form = None
    if fillable:
        earlier = {e.step.code: e.answers for e in siblings if e.order < entry.order}
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        form = StepForm(
            data, files, entry=entry, initial=initial_answers(entry, earlier=earlier), earlier=earlier
        )
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This step cannot be filled in now."))
            return redirect("workflows:step_detail", pk=entry.pk)
        version = posted_version(request.POST)
        if form.is_valid():
            try:
                if version is None:
                    raise services.StaleEntry(_("The page was out of date. Reload it and try again."))
                entry = services.step_hand_in(
                    by=request.user,
                    entry=entry,
                    answers=form.answers(),
                    uploads=form.uploads(),
                    version=version,
                )
            except services.WorkflowError as error:
                form.add_error(None, error.message)
            else:
                if entry.status == StepStatus.SUBMITTED:
                    messages.success(request, _("The step was handed in for review."))
                else:
                    messages.success(request, _("The step is done; the next one is open."))
                return redirect("workflows:step_detail", pk=entry.pk)
    attachments = list(entry.attachments.filter(removed_at__isnull=True))
    specs = list(entry.step.fields.all())
    rule_warnings = []
    if entry.step.code == NOMINATION_STEP and entry.answers:
        # whether the template refuses or only warns, the reviewer sees a list short of the 差额 rule
        rule_warnings = nomination_check(
            candidate_rows(specs, entry.answers),
            seats=planned_seats({e.step.code: e.answers for e in siblings if e.order < entry.order}),
            extra_percent=run.template.min_extra_candidates_percent,
            competitive=WARN,
        ).warnings
    can_review = entry.status == StepStatus.SUBMITTED and access.has(
        request.user, "workflow.review", run.organisation
    )
    context = {
        "entry": entry,
        "run": run,
        "step": entry.step,
        "organisation": run.organisation,
        "answers": _answer_rows(entry, specs, attachments) if entry.answers else [],
        "transitions": entry.transitions.select_related("by").order_by("at", "id"),
        "rule_warnings": rule_warnings,
        "documents": entry.step.documents.all(),
        "siblings": siblings,
        "form": form,
        "on_behalf": entry.step.actor == Actor.ORGANISATION,
        "can_review": can_review and run.status == FormationRun.Status.ACTIVE,
        "overdue": entry.overdue_on(timezone.localdate()),
        # after a refused hand-in the form keeps the version it was read at, so a newer change is not overwritten
        "form_version": (posted_version(request.POST) if request.method == "POST" else None) or entry.version,
    }
    return render(request, "workflows/staff/step_detail.html", context)


@require_POST
def step_review(request, pk):
    entry = entry_or_404(request, pk, "workflow.review")
    action = request.POST.get("action", "")
    version = posted_version(request.POST)
    comment = request.POST.get("comment", "")[:2000]
    if action not in ("approve", "return"):
        messages.error(request, _("Choose to approve the step or to return it."))
        return redirect("workflows:step_detail", pk=entry.pk)
    try:
        if version is None:
            raise services.StaleEntry(_("The page was out of date. Reload it and try again."))
        if action == "approve":
            services.step_approve(by=request.user, entry=entry, version=version, comment=comment.strip())
            messages.success(request, _("“%(step)s” is approved.") % {"step": entry.step.title})
        else:
            services.step_return(by=request.user, entry=entry, version=version, comment=comment)
            messages.success(
                request,
                _("“%(step)s” was returned to the organisation with your comment.")
                % {"step": entry.step.title},
            )
    except services.StaleEntry as error:
        messages.warning(request, error.message)
    except services.WorkflowError as error:
        messages.error(request, error.message)
    return redirect("workflows:step_detail", pk=entry.pk)


@require_GET
def review_queue(request):
    access.require(request.user, "workflow.review")
    entries = review_queue_listed(request.user)
    total = entries.count()
    page = keyset_page_for(request, entries, [("submitted_at", False), ("id", False)], size=PAGE_SIZE)
    today = timezone.localdate()
    for entry in page.rows:
        entry.overdue = bool(entry.due_on and entry.due_on < today)
    context = {"page": page, "total": total, "now": timezone.now(), "today": today}
    return render(request, "workflows/staff/review_queue.html", context)


# --- panels on other pages --------------------------------------------------------------------------------


def organisation_runs_panel(request, organisation) -> dict | None:
    """The 组建流程 card of an organisation's page: its runs, the steps of the one under way (3 queries)."""
    if not access.has(request.user, "workflow.view", organisation):
        return None
    runs = list(organisation_runs(organisation))
    today = timezone.localdate()
    for run in runs:
        entries = list(run.entries.all())
        run.current = next((e for e in entries if e.status != StepStatus.APPROVED), None)
        run.approved = sum(1 for e in entries if e.status == StepStatus.APPROVED)
        run.steps = entries
        for entry in entries:
            entry.overdue = entry.overdue_on(today)
    active = next((run for run in runs if run.status == FormationRun.Status.ACTIVE), None)
    return {
        "organisation": organisation,
        "runs": runs,
        "active": active,
        "can_start": active is None
        and not organisation.archived
        and access.has(request.user, "workflow.run", organisation),
    }


def review_waiting_panel(request) -> dict | None:
    """On the staff home: how many handed-in steps of the user's area wait for review (1 query)."""
    if not access.has(request.user, "workflow.review"):
        return None
    waiting = (
        review_queue_for(request.user).order_by().aggregate(count=Count("pk"), oldest=Min("submitted_at"))
    )
    mine = review_queue_for(request.user).filter(run__owner=request.user).order_by().count()
    return {**waiting, "mine": mine, "now": timezone.now()}
