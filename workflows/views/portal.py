"""The organisation's portal: a liaison opens the invitation link on a phone (often inside WeChat), follows
the run step by step, fills in each step as a fill-in-the-blank form, asks questions on the spot and
downloads the papers. Every change goes through the services; a refusal is shown, never a 500."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.db.models import prefetch_related_objects
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from federation import access

from .. import services
from ..forms import BLANK, INLINE_TYPES, StepForm, answer_display, initial_answers
from ..models import Actor, FieldType, FormationRun, Invitation, InvitationUse, StepEntry, StepStatus
from ..panels import step_panels
from ..selectors import run_papers
from .common import entry_or_404, posted_version, run_or_404

STATUS_BADGES = {
    StepStatus.TODO: "text-bg-light border",
    StepStatus.DRAFT: "text-bg-info",
    StepStatus.SUBMITTED: "text-bg-primary",
    StepStatus.RETURNED: "text-bg-warning",
    StepStatus.APPROVED: "text-bg-success",
}


# --- the invitation link ----------------------------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_open(request, token):
    """Sign the liaison in and show the run; a bad link gets a page that says what to do, never a login.

    Staff who open a contact's link (to check what was sent) are asked first: going on signs them out; the
    POST of that page opens the link."""
    if request.method == "GET" and request.user.is_authenticated and request.user.is_federation_staff:
        outcome, invitation = services.invitation_check(token=token)
        if outcome == InvitationUse.Outcome.OPENED:
            return render(request, "workflows/portal/link_confirm.html", {"staff": request.user})
    outcome, invitation = services.invitation_open(token=token, request=request)
    if outcome == InvitationUse.Outcome.OPENED:
        return redirect("workflows:portal_run", invitation.run_id)
    unit = None
    if invitation is not None:
        unit = getattr(invitation.run.owner, "unit", None)
    status = 404 if outcome == InvitationUse.Outcome.INVALID else 410
    return render(
        request, "workflows/portal/link_problem.html", {"outcome": outcome, "unit": unit}, status=status
    )


@login_not_required
@never_cache
@require_GET
def invitation_short(request, code):
    """The short address sent by SMS: it leads to the signed link, which is checked as usual (an unknown code
    leads to a link that is not valid, so its opening is logged like any other)."""
    invitation = Invitation.objects.filter(code=code.lower()[:12]).only("pk", "nonce").first()
    token = services.invitation_token(invitation) if invitation is not None else "-"
    return redirect("workflows:invitation_open", token=token)


# --- the run ----------------------------------------------------------------------------------------------


def _entries(run: FormationRun) -> list[StepEntry]:
    entries = list(run_papers(run))
    for entry in entries:
        entry.run = run  # the run is loaded once; entries must not fetch it again
    return entries


def _current(entries: list[StepEntry]) -> StepEntry | None:
    return next((entry for entry in entries if entry.status != StepStatus.APPROVED), None)


def _visible(entry: StepEntry, current: StepEntry | None) -> bool:
    """Steps done or handed in, and the one being worked on, open; later ones are only listed."""
    return entry.status != StepStatus.TODO or (current is not None and entry.order <= current.order)


@require_GET
def portal_run(request, pk):
    """The run's progress as a vertical stepper, the current step first, and the papers so far."""
    run = run_or_404(request, pk, "portal.use")
    entries = _entries(run)
    current = _current(entries) if run.status == FormationRun.Status.ACTIVE else None
    today = timezone.localdate()
    steps = [
        {
            "entry": entry,
            "badge": STATUS_BADGES.get(entry.status, "text-bg-light"),
            "overdue": entry.overdue_on(today),
            "current": current is not None and entry.pk == current.pk,
            "visible": _visible(entry, current),
            "documents": list(entry.step.documents.all()) if entry.answers else [],
            "federation": entry.step.actor == Actor.FEDERATION,
            "number": number,
        }
        for number, entry in enumerate(entries, start=1)
    ]
    context = {
        "run": run,
        "steps": steps,
        "current": next((step for step in steps if step["current"]), None),
        "done": sum(1 for entry in entries if entry.status == StepStatus.APPROVED),
        "has_password": request.user.has_usable_password(),
    }
    return render(request, "workflows/portal/run.html", context)


# --- a step -----------------------------------------------------------------------------------------------


def _readonly(step, specs, answers: dict, attachments) -> dict:
    """The step's sentences with the answers in the blanks, then the other answers."""
    by_name = {spec.name: spec for spec in specs}
    segments, position, shown = [], 0, set()
    if answers:
        for match in BLANK.finditer(step.sentences):
            spec = by_name.get(match[1])
            if spec is None or spec.type not in INLINE_TYPES:
                continue
            value = answers.get(spec.name)
            segments.append(("text", step.sentences[position : match.start()]))
            segments.append(("value", "" if value in (None, "") else str(value)))
            position = match.end()
            shown.add(spec.name)
        if segments:
            segments.append(("text", step.sentences[position:]))
    items = [
        answer_display(spec, answers.get(spec.name), attachments, mask_mobiles=False)
        for spec in specs
        if spec.name not in shown
    ]
    return {"segments": segments, "items": items if answers else []}


def step_page(request, entry: StepEntry, *, entries=None, form=None, panel_state=None, error="", status=200):
    """The step page: guidance, the form or the answers, the papers, and the panels other apps register (the
    FAQ and the ask box); `panel_state` is what a refused post to a panel shows again."""
    run = entry.run
    entries = entries if entries is not None else _entries(run)
    current = _current(entries)
    step = entry.step
    prefetch_related_objects([step], "fields")
    specs = list(step.fields.all())
    refusal = services.fill_refusal(request.user, entry, current=current)
    editable = not refusal
    if editable and form is None:
        earlier = {e.step.code: e.answers for e in entries if e.order < entry.order}
        initial = initial_answers(entry, organisation=run.organisation, earlier=earlier)
        form = StepForm(entry=entry, initial=initial)
    readonly = None
    if not editable:
        has_files = any(spec.type == FieldType.FILE for spec in specs)
        attachments = list(entry.attachments.filter(removed_at__isnull=True)) if has_files else []
        readonly = _readonly(step, specs, entry.answers, attachments)
    position = next(index for index, e in enumerate(entries) if e.pk == entry.pk)
    context = {
        "run": run,
        "entry": entry,
        "step": step,
        "form": form if editable else None,
        "editable": editable,
        "refusal": refusal,
        "federation": step.actor == Actor.FEDERATION,
        "readonly": readonly,
        "documents": list(entries[position].step.documents.all()) if entry.answers else [],
        "badge": STATUS_BADGES.get(entry.status, "text-bg-light"),
        "overdue": entry.overdue_on(timezone.localdate()),
        "number": position + 1,
        "total": len(entries),
        "previous": entries[position - 1] if position > 0 else None,
        "panels": step_panels(request, entry, panel_state or {}),
        "error": error,
    }
    return render(request, "workflows/portal/step.html", context, status=status)


@require_http_methods(["GET", "POST"])
def portal_step(request, pk):
    """Show a step; POST hands in its answers (validated on the server; files kept with the answers)."""
    entry = entry_or_404(request, pk, "portal.use")
    if request.method == "GET":
        return step_page(request, entry)
    access.require(request.user, "step.fill", entry)  # the federation fills its own steps
    entries = _entries(entry.run)
    refusal = services.fill_refusal(request.user, entry, current=_current(entries))
    if refusal:
        return step_page(request, entry, entries=entries, error=refusal, status=409)
    prefetch_related_objects([entry.step], "fields")
    earlier = {e.step.code: e.answers for e in entries if e.order < entry.order}
    form = StepForm(request.POST, request.FILES, entry=entry, earlier=earlier)
    if not form.is_valid():
        return step_page(request, entry, entries=entries, form=form)
    try:
        services.step_hand_in(
            by=request.user,
            entry=entry,
            answers=form.answers(),
            uploads=form.uploads(),
            version=posted_version(request.POST),
        )
    except services.WorkflowError as error:
        entry.refresh_from_db()
        return step_page(request, entry, form=form, error=error.message, status=409)
    messages.success(request, _("“%(step)s” was handed in.") % {"step": entry.step.title})
    return redirect("workflows:portal_run", entry.run_id)


@require_POST
def portal_draft(request, pk):
    """Keep what the form holds now (autosave); answers JSON for the page's script."""
    entry = entry_or_404(request, pk, "portal.use")
    if not access.has(request.user, "step.fill", entry):
        return JsonResponse({"error": _("This step is filled in by the federation.")}, status=403)
    if posted_version(request.POST) != entry.version:
        return JsonResponse(
            {"error": _("This step changed since the page was opened. Reload the page to see it.")},
            status=409,
        )
    prefetch_related_objects([entry.step], "fields")
    raw = StepForm(request.POST, entry=entry).raw()
    try:
        entry = services.draft_save(by=request.user, entry=entry, raw=raw)
    except services.WorkflowError as error:
        return JsonResponse({"error": error.message}, status=409)
    saved = timezone.localtime(entry.draft_saved_at)
    return JsonResponse({"saved_at": saved.isoformat(), "time": saved.strftime("%H:%M")})


@require_http_methods(["GET", "POST"])
def portal_password(request):
    """The signed-in contact sets a password, to sign in later without a link; the session stays."""
    access.require(request.user, "portal.use")
    form = SetPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_password_set(request=request, form=form)
        messages.success(request, _("Your password is set. Sign in with your user name and this password."))
        return redirect("federation:home")
    return render(request, "workflows/portal/password.html", {"form": form})
