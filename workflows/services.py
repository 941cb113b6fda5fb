"""Every change of the guided formation: templates published, runs started, links sent and opened, steps
drafted, submitted, approved and returned, and the women's organisation recorded at the end.

Each change is atomic and leaves history: a StepTransition for every status change of a step (who, when, why,
the answers as they stood) and an operation-log line for staff actions. A step names the version it read;
a write against a newer version is refused (two reviewers at once: exactly one succeeds).
"""

from __future__ import annotations

import datetime as dt
import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Branch, BranchMember, Form, Liaison, Organisation, Stage, Way
from branches.services import branches as branch_services
from branches.services import contacts as contact_services
from federation import access
from federation.models import User
from federation.notifications import notification_create
from federation.services import client_ip, login_event_record, operation_label_register, operation_record
from federation.uploads import stored_type

from .models import (
    Actor,
    FormationRun,
    Invitation,
    InvitationUse,
    StepAttachment,
    StepEntry,
    StepStatus,
    StepTemplate,
    StepTransition,
    WorkflowTemplate,
)

operation_label_register("workflow.start", gettext_lazy("started a formation run"))
operation_label_register("workflow.cancel", gettext_lazy("cancelled a formation run"))
operation_label_register("workflow.invite", gettext_lazy("sent an invitation link"))
operation_label_register("workflow.revoke", gettext_lazy("revoked an invitation link"))
operation_label_register("workflow.approve", gettext_lazy("approved a formation step"))
operation_label_register("workflow.return", gettext_lazy("returned a formation step"))
operation_label_register("workflow.submit", gettext_lazy("submitted a formation step"))
operation_label_register("workflow.complete", gettext_lazy("completed a formation run"))
operation_label_register("workflow.publish", gettext_lazy("published a workflow template"))
operation_label_register("workflow.new_version", gettext_lazy("started a new template version"))

INVITATION_SALT = "workflows.invitation"
INVITATION_DAYS = 14
# The session key that names the link a session was opened by.
SESSION_INVITATION = "invitation"
# Contacts' user names: "c-" and ten of these (no 0/o, 1/l/i to misread when noting it down).
USERNAME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
OPEN = (StepStatus.TODO, StepStatus.DRAFT, StepStatus.RETURNED)


class WorkflowError(Exception):
    """A change refused for a reason the user can act on; the message says which."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class StaleEntry(WorkflowError):
    """The step changed since the user read it."""


# --- templates --------------------------------------------------------------------------------------------


@transaction.atomic
def template_publish(*, by: User, template: WorkflowTemplate, request=None) -> WorkflowTemplate:
    """Freeze a draft version; the key's earlier published version retires (its runs keep it)."""
    access.require(by, "workflow.templates")
    template = WorkflowTemplate.objects.select_for_update().get(pk=template.pk)
    if template.status != WorkflowTemplate.Status.DRAFT:
        raise WorkflowError(_("Only a draft can be published."))
    if not template.steps.exists():
        raise WorkflowError(_("A template needs at least one step."))
    WorkflowTemplate.objects.filter(key=template.key, status=WorkflowTemplate.Status.PUBLISHED).update(
        status=WorkflowTemplate.Status.RETIRED
    )
    WorkflowTemplate.objects.filter(pk=template.pk).update(
        status=WorkflowTemplate.Status.PUBLISHED, published_at=timezone.now(), published_by=by
    )
    template.refresh_from_db()
    operation_record(actor=by, action="workflow.publish", obj=template, request=request)
    return template


@transaction.atomic
def template_new_version(*, by: User, template: WorkflowTemplate, request=None) -> WorkflowTemplate:
    """A draft copy of a version (steps, fields, documents) with the next version number, to edit."""
    access.require(by, "workflow.templates")
    existing = WorkflowTemplate.objects.filter(key=template.key, status=WorkflowTemplate.Status.DRAFT).first()
    if existing:
        return existing
    last = WorkflowTemplate.objects.filter(key=template.key).order_by("-version").first()
    copy = WorkflowTemplate.objects.create(
        key=template.key,
        version=last.version + 1,
        name=template.name,
        form=template.form,
        description=template.description,
        quorum_numerator=template.quorum_numerator,
        quorum_denominator=template.quorum_denominator,
        min_extra_candidates_percent=template.min_extra_candidates_percent,
        competitive_rule=template.competitive_rule,
    )
    for step in template.steps.prefetch_related("fields", "documents"):
        fields, documents = list(step.fields.all()), list(step.documents.all())
        step.pk, step.id, step.template = None, None, copy
        step._state.adding = True
        step.save()
        for item in [*fields, *documents]:
            item.pk, item.id, item.step = None, None, step
            item._state.adding = True
            item.save()
    operation_record(
        actor=by,
        action="workflow.new_version",
        obj=copy,
        changes={"from": [None, template.pk]},
        request=request,
    )
    return copy


def step_move(*, by: User, step: StepTemplate, up: bool) -> None:
    """Swap a draft step with its neighbour above or below."""
    access.require(by, "workflow.templates")
    with transaction.atomic():
        steps = list(step.template.steps.select_for_update().order_by("order", "id"))
        index = next(i for i, s in enumerate(steps) if s.pk == step.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(steps):
            return
        steps[index], steps[other] = steps[other], steps[index]
        for order, item in enumerate(steps, start=1):
            if item.order != order:
                item.order = order
                item.save(update_fields=["order"])


# --- runs -------------------------------------------------------------------------------------------------


def templates_for_form(form: str):
    return WorkflowTemplate.objects.filter(status=WorkflowTemplate.Status.PUBLISHED, form=form)


def _open(entry: StepEntry, today: dt.date) -> None:
    entry.opened_on = today
    deadline = entry.step.deadline_days
    entry.due_on = today + dt.timedelta(days=deadline) if deadline else None


def _transition(entry: StepEntry, to: str, *, by: User | None, reason: str = "", answers=None) -> None:
    StepTransition.objects.create(
        entry=entry,
        from_status=entry.status,
        to_status=to,
        by=by if by is not None and by.pk else None,
        reason=reason,
        answers=answers if answers is not None else entry.answers,
    )


@transaction.atomic
def run_start(
    *,
    by: User,
    organisation: Organisation,
    template: WorkflowTemplate,
    owner: User,
    way: str = Way.STANDALONE,
    liaison: Liaison | None = None,
    request=None,
) -> FormationRun:
    """Start a run on a published template; the first step, taken from the ledger, completes itself."""
    access.require(by, "workflow.run", organisation)
    access.require(by, "ledger.edit", organisation)
    if template.status != WorkflowTemplate.Status.PUBLISHED:
        raise WorkflowError(_("Only a published template can be used."))
    if organisation.archived:
        raise WorkflowError(_("An archived organisation cannot start a formation run."))
    if access.actor(owner) not in access.WRITING_STAFF or not access.in_scope(owner, organisation):
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
    if organisation.stage in (Stage.SURVEYING, Stage.LIAISON_NAMED) and template.form != Form.LIAISON:
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
        request=request,
    )
    return run


def _complete_from_ledger(entry: StepEntry, *, run: FormationRun, by: User) -> None:
    """A federation step needing no review whose required fields the ledger fills is done at the start."""
    from .forms import initial_answers

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
def run_cancel(*, by: User, run: FormationRun, reason: str, request=None) -> FormationRun:
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
    operation_record(actor=by, action="workflow.cancel", obj=run.organisation, reason=reason, request=request)
    run.refresh_from_db()
    return run


# --- invitation links -------------------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT, compress=True)


def invitation_url(request, invitation: Invitation) -> str:
    path = reverse("workflows:invitation_open", args=[invitation_token(invitation)])
    return request.build_absolute_uri(path) if request is not None else path


@transaction.atomic
def invitation_create(
    *, by: User, run: FormationRun, liaison: Liaison | None = None, days: int = INVITATION_DAYS, request=None
) -> Invitation:
    """A new link for the run's liaison (earlier links stay valid until they expire or are revoked)."""
    access.require(by, "workflow.run", run.organisation)
    liaison = liaison or run.liaison
    if run.status != FormationRun.Status.ACTIVE:
        raise WorkflowError(_("The run is no longer in progress."))
    if liaison is None or liaison.organisation_id != run.organisation_id or not liaison.active:
        raise WorkflowError(_("Name an active liaison of this organisation first."))
    if run.liaison_id != liaison.pk:
        FormationRun.objects.filter(pk=run.pk).update(liaison=liaison)
        run.liaison = liaison
    invitation = Invitation.objects.create(
        run=run,
        liaison=liaison,
        nonce=secrets.token_hex(16),
        created_by=by,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    operation_record(
        actor=by, action="workflow.invite", obj=run.organisation, changes={"liaison": [None, liaison.name]}
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, by: User, invitation: Invitation, request=None) -> Invitation:
    """Withdraw a link: it opens nothing more, and whoever it signed in is signed out."""
    access.require(by, "workflow.run", invitation.run.organisation)
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    _invitation_sessions_end([invitation.pk])
    operation_record(
        actor=by,
        action="workflow.revoke",
        obj=invitation.run.organisation,
        changes={"liaison": [invitation.liaison.name, None]},
        request=request,
    )
    invitation.refresh_from_db()
    return invitation


def _invitation_sessions_end(invitation_ids: list[int]) -> None:
    """End the sessions these links opened, and withdraw a password set through one of them.

    Whoever held a withdrawn link may have been someone else than the liaison: a password they set would
    outlive the link. Making it unusable also ends the account's other sessions (Django checks the
    password's hash on each request); the liaison sets a new one from a new link.
    """
    if not invitation_ids:
        return
    uses = InvitationUse.objects.filter(invitation__in=invitation_ids).exclude(session_key="")
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in set(uses.values_list("session_key", flat=True)):
        store(session_key=key).delete()
    uses.update(session_key="")
    tainted = Invitation.objects.filter(pk__in=invitation_ids, password_set_at__isnull=False)
    for user in User.objects.filter(
        pk__in=tainted.values("liaison__user"), kind=User.Kind.CONTACT
    ).select_for_update():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    tainted.update(password_set_at=None)


def contact_username_new() -> str:
    """A user name for a contact that says nothing about who they are and cannot be guessed from another."""
    while True:
        username = "c-" + "".join(secrets.choice(USERNAME_ALPHABET) for _ in range(10))
        if not User.objects.filter(username=username).exists():
            return username


@transaction.atomic
def contact_password_set(*, request, form) -> User:
    """Save the password the signed-in contact chose; the session stays theirs (under a new key).

    The password is remembered as set through the link that opened the session, if one did: revoking that
    link withdraws the password too (see _invitation_sessions_end)."""
    old_key = request.session.session_key
    user = form.save()
    update_session_auth_hash(request, user)
    new_key = request.session.session_key
    if old_key and new_key and old_key != new_key:
        InvitationUse.objects.filter(session_key=old_key).update(session_key=new_key)
    links = Invitation.objects.filter(liaison__user=user)
    links.update(password_set_at=None)
    opened_by = request.session.get(SESSION_INVITATION)
    if opened_by:
        links.filter(pk=opened_by).update(password_set_at=timezone.now())
    return user


def _contact_user(liaison: Liaison) -> User:
    """The liaison's login account, made on first use of a link (no password until they set one)."""
    if liaison.user_id:
        return liaison.user
    user = User(
        username=contact_username_new(),
        full_name=liaison.name,
        kind=User.Kind.CONTACT,
        mobile=liaison.mobile,
    )
    user.set_unusable_password()
    user.save()
    Liaison.objects.filter(pk=liaison.pk).update(user=user)
    liaison.user = user
    return user


def invitation_check(*, token: str) -> tuple[str, Invitation | None]:
    """What a link would do if opened now, without opening it. Returns (outcome, invitation)."""
    invitation = None
    try:
        payload = signing.loads(token, salt=INVITATION_SALT)
        invitation = (
            Invitation.objects.select_related("run", "liaison__user")
            .filter(pk=payload["i"], nonce=payload["n"])
            .first()
        )
    except (signing.BadSignature, KeyError, TypeError):
        invitation = None
    if invitation is None:
        outcome = InvitationUse.Outcome.INVALID
    elif (
        invitation.revoked_at is not None
        or not invitation.liaison.active
        or invitation.run.status == FormationRun.Status.CANCELLED
    ):
        outcome = InvitationUse.Outcome.REVOKED
    elif invitation.expires_at <= timezone.now():
        outcome = InvitationUse.Outcome.EXPIRED
    else:
        outcome = InvitationUse.Outcome.OPENED
    return outcome, invitation


def invitation_open(*, token: str, request) -> tuple[str, Invitation | None]:
    """Check a link, log its use, and sign its liaison in. Returns (outcome, invitation).

    The session is stamped with the link and ends when the link expires; its key is kept with the use, so
    that revoking the link ends it (see _invitation_sessions_end)."""
    outcome, invitation = invitation_check(token=token)
    address = client_ip(request)
    agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    with transaction.atomic():
        use = InvitationUse(invitation=invitation, outcome=outcome, address=address, user_agent=agent)
        if outcome == InvitationUse.Outcome.OPENED:
            user = _contact_user(invitation.liaison)
            if not user.is_active:
                use.outcome = InvitationUse.Outcome.REVOKED
                use.save()
                return InvitationUse.Outcome.REVOKED, invitation
            if request.user.is_authenticated and request.user.pk != user.pk:
                logout(request)  # someone else's session (staff who confirmed) ends here
            login(request, user, backend="federation.backends.UserBackend")
            login_event_record(request=request, username=user.username, user=user, success=True)
            request.session[SESSION_INVITATION] = invitation.pk
            if invitation.expires_at < timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE):
                request.session.set_expiry(invitation.expires_at)
            if request.session.session_key is None:
                request.session.save()
            use.session_key = request.session.session_key
        use.save()
    return outcome, invitation


# --- steps ------------------------------------------------------------------------------------------------


def may_fill(user: User, entry: StepEntry) -> bool:
    """Organisation steps: its liaison (or staff on its behalf); federation steps: staff only."""
    role = access.actor(user)
    if role in access.WRITING_STAFF:
        return access.has(user, "workflow.run", entry.run.organisation)
    return role == access.CONTACT and entry.step.actor == Actor.ORGANISATION


_ASK = object()  # fill_refusal: find the step being worked on with a query


def fill_refusal(user: User, entry: StepEntry, *, current=_ASK) -> str:
    """Why the user may not write this step now, or "" if they may. A page that has loaded the run's steps
    passes the step being worked on (`current`, None when all are approved) to spare the query."""
    if not may_fill(user, entry):
        return _("This step is filled in by the federation.")
    if entry.run.status != FormationRun.Status.ACTIVE:
        return _("The run is no longer in progress.")
    if entry.status not in OPEN:
        return _("This step was submitted; it can be changed again only if it is returned.")
    if current is _ASK:
        current = entry.run.entries.exclude(status=StepStatus.APPROVED).order_by("order", "id").first()
    if current is None or current.order < entry.order:
        return _("The steps before this one are not finished yet.")
    return ""


def _require_fill(by: User, entry: StepEntry) -> None:
    refusal = fill_refusal(by, entry)
    if refusal:
        raise WorkflowError(refusal)


def draft_save(*, by: User, entry: StepEntry, raw: dict) -> StepEntry:
    """Keep what the form holds now, valid or not. Submitted steps are left alone."""
    _require_fill(by, entry)
    now = timezone.now()
    with transaction.atomic():
        updated = StepEntry.objects.filter(pk=entry.pk, status__in=OPEN).update(draft=raw, draft_saved_at=now)
        if not updated:
            raise WorkflowError(_("This step was submitted; it can be changed again only if it is returned."))
        if entry.status == StepStatus.TODO:
            StepEntry.objects.filter(pk=entry.pk, status=StepStatus.TODO).update(status=StepStatus.DRAFT)
    entry.refresh_from_db()
    return entry


def attachments_add(*, by: User, entry: StepEntry, uploads: dict) -> list[StepAttachment]:
    """Keep uploaded files (already checked for size and type by the form) on the step."""
    _require_fill(by, entry)
    kept = []
    for field_name, upload in uploads.items():
        kept.append(
            StepAttachment.objects.create(
                entry=entry,
                field=field_name,
                file=upload,
                original_name=upload.name[:200],
                size=upload.size,
                content_type=stored_type(upload, upload.name),  # from its bytes, not the browser's claim
                uploaded_by=by,
            )
        )
    return kept


def step_hand_in(
    *, by: User, entry: StepEntry, answers: dict, uploads: dict, version: int, request=None
) -> StepEntry:
    """Keep the step's new files and submit it in one transaction; when the submit is refused (or anything
    fails), the rows go with the transaction and the files just written are deleted: nothing half-kept."""
    kept: list[StepAttachment] = []
    try:
        with transaction.atomic():
            kept = attachments_add(by=by, entry=entry, uploads=uploads)
            answers = dict(answers)
            for attachment in kept:
                answers[attachment.field] = [*(answers.get(attachment.field) or []), attachment.pk]
            return step_submit(by=by, entry=entry, answers=answers, version=version, request=request)
    except BaseException:
        for attachment in kept:
            attachment.file.storage.delete(attachment.file.name)
        raise


def attachment_remove(*, by: User, attachment: StepAttachment) -> None:
    _require_fill(by, attachment.entry)
    StepAttachment.objects.filter(pk=attachment.pk).update(removed_at=timezone.now())


def _claim(entry: StepEntry, *, version: int, statuses, **changes) -> None:
    """Write the change only if the step is still at the version and status read; else tell the user."""
    updated = StepEntry.objects.filter(pk=entry.pk, version=version, status__in=statuses).update(
        version=F("version") + 1, **changes
    )
    if not updated:
        raise StaleEntry(
            _("Someone else changed this step a moment ago (it is now “%(status)s”). Reload to see it.")
            % {"status": StepEntry.objects.get(pk=entry.pk).get_status_display()}
        )
    # The run is locked and read again: a cancel committed since the caller checked it would otherwise be
    # overwritten by an approval that completes the run (cancelled and completed at once). The caller's
    # transaction rolls the step's change back.
    run = FormationRun.objects.select_for_update().filter(pk=entry.run_id)
    if run.values_list("status", flat=True).get() != FormationRun.Status.ACTIVE:
        raise WorkflowError(_("The run is no longer in progress."))


@transaction.atomic
def step_submit(*, by: User, entry: StepEntry, answers: dict, version: int, request=None) -> StepEntry:
    """Hand in a step's answers (validated by the step form): to review, or approved at once if none is
    needed."""
    _require_fill(by, entry)
    now = timezone.now()
    review = entry.step.needs_review
    to = StepStatus.SUBMITTED if review else StepStatus.APPROVED
    changes = {"status": to, "answers": answers, "draft": {}, "submitted_at": now, "submitted_by": by}
    if not review:
        changes.update(reviewed_at=now, reviewer=by)
    _claim(entry, version=version, statuses=OPEN, **changes)
    _transition(entry, to, by=by, answers=answers)
    entry.refresh_from_db()
    if review:
        _notify(
            entry.run.owner,
            entry,
            "step_submitted",
            url=reverse("workflows:step_detail", args=[entry.pk]),
        )
    else:
        _advance(entry, by=by)
    if access.actor(by) in access.ALL_STAFF:
        operation_record(
            actor=by,
            action="workflow.submit",
            obj=entry.run.organisation,
            reason=entry.step.title,
            request=request,
        )
    return entry


def _require_review(by: User, entry: StepEntry) -> None:
    access.require(by, "workflow.review", entry.run.organisation)
    if entry.run.status != FormationRun.Status.ACTIVE:
        raise WorkflowError(_("The run is no longer in progress."))


@transaction.atomic
def step_approve(*, by: User, entry: StepEntry, version: int, comment: str = "", request=None) -> StepEntry:
    _require_review(by, entry)
    now = timezone.now()
    _claim(
        entry,
        version=version,
        statuses=[StepStatus.SUBMITTED],
        status=StepStatus.APPROVED,
        reviewer=by,
        reviewed_at=now,
        comment=comment,
    )
    _transition(entry, StepStatus.APPROVED, by=by, reason=comment)
    entry.refresh_from_db()
    operation_record(
        actor=by,
        action="workflow.approve",
        obj=entry.run.organisation,
        reason=entry.step.title,
        request=request,
    )
    _notify_liaison(entry, "step_approved")
    _advance(entry, by=by)
    return entry


@transaction.atomic
def step_return(*, by: User, entry: StepEntry, version: int, comment: str, request=None) -> StepEntry:
    _require_review(by, entry)
    if not comment.strip():
        raise WorkflowError(_("Say what needs to change: the comment is shown to the organisation."))
    _claim(
        entry,
        version=version,
        statuses=[StepStatus.SUBMITTED],
        status=StepStatus.RETURNED,
        reviewer=by,
        reviewed_at=timezone.now(),
        comment=comment.strip(),
    )
    _transition(entry, StepStatus.RETURNED, by=by, reason=comment.strip())
    entry.refresh_from_db()
    operation_record(
        actor=by,
        action="workflow.return",
        obj=entry.run.organisation,
        reason=f"{entry.step.title}: {comment.strip()}",
        request=request,
    )
    _notify_liaison(entry, "step_returned")
    return entry


def _advance(entry: StepEntry, *, by: User) -> None:
    """Open the next step (its deadline counts from today), or complete the run after the last."""
    following = entry.run.entries.filter(order__gt=entry.order).order_by("order", "id").first()
    if following is None:
        _complete(entry.run, by=by)
        return
    _open(following, timezone.localdate())
    following.save(update_fields=["opened_on", "due_on"])
    _complete_from_ledger(following, run=entry.run, by=by)


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


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _complete(run: FormationRun, *, by: User) -> None:
    """Record the outcome in the ledger: the women's organisation (or the liaison) and the stage."""
    answers = _answers_by_code(run)
    organisation = Organisation.objects.get(pk=run.organisation_id)
    if run.form == Form.LIAISON:
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
        data = {
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


# --- notifications ----------------------------------------------------------------------------------------


def _notify(user: User | None, entry: StepEntry, template: str, *, url: str) -> None:
    if user is None or not user.is_active:
        return
    context = {"entry": entry, "run": entry.run, "organisation": entry.run.organisation, "user": user}
    notification_create(user=user, kind=f"workflow.{template}", template=template, context=context, url=url)


def _notify_liaison(entry: StepEntry, template: str) -> None:
    if entry.step.actor != Actor.ORGANISATION:
        return
    liaison = entry.run.liaison
    if liaison is not None and liaison.user_id and liaison.active:
        _notify(liaison.user, entry, template, url=reverse("workflows:portal_step", args=[entry.pk]))
