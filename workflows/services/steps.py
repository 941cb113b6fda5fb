"""Steps: drafts saved, answers handed in, reviewed (approved or returned), one version at a time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from federation import access
from federation.models import User
from federation.services import operation_record
from federation.uploads import stored_type

from ..models import (
    FormationRun,
    StepAttachment,
    StepEntry,
    StepStatus,
)
from .common import OPEN, StaleEntry, WorkflowError, _notify, _notify_liaison, _transition
from .runs import _advance

# --- steps ------------------------------------------------------------------------------------------------


class _Ask:
    """fill_refusal's default: find the step being worked on with a query."""


_ASK = _Ask()


def fill_refusal(user: User, entry: StepEntry, *, current: StepEntry | None | _Ask = _ASK) -> str:
    """Why the user may not write this step now, or "" if they may. A page that has loaded the run's steps
    passes the step being worked on (`current`, None when all are approved) to spare the query."""
    if not access.has(user, "step.fill", entry):
        return _("This step is filled in by the federation.")
    if entry.run.status != FormationRun.Status.ACTIVE:
        return _("The run is no longer in progress.")
    if entry.status not in OPEN:
        return _("This step was submitted; it can be changed again only if it is returned.")
    if isinstance(current, _Ask):
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


def step_hand_in(*, by: User, entry: StepEntry, answers: dict, uploads: dict, version: int) -> StepEntry:
    """Keep the step's new files and submit it in one transaction; when the submit is refused (or anything
    fails), the rows go with the transaction and the files just written are deleted: nothing half-kept."""
    kept: list[StepAttachment] = []
    try:
        with transaction.atomic():
            kept = attachments_add(by=by, entry=entry, uploads=uploads)
            answers = dict(answers)
            for attachment in kept:
                answers[attachment.field] = [*(answers.get(attachment.field) or []), attachment.pk]
            return step_submit(by=by, entry=entry, answers=answers, version=version)
    except BaseException:
        for attachment in kept:
            attachment.file.storage.delete(attachment.file.name)
        raise


def attachment_remove(*, by: User, attachment: StepAttachment) -> None:
    """Take a file off a step still being written (the file is kept, marked removed)."""
    _require_fill(by, attachment.entry)
    StepAttachment.objects.filter(pk=attachment.pk).update(removed_at=timezone.now())


def _claim(entry: StepEntry, *, version: int, statuses: Iterable[str], **changes: Any) -> None:
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
def step_submit(*, by: User, entry: StepEntry, answers: dict, version: int) -> StepEntry:
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
    if access.has(by, "workflow.run"):  # staff's hand-ins are logged; a liaison's are the step's history
        operation_record(
            actor=by,
            action="workflow.submit",
            obj=entry.run.organisation,
            reason=entry.step.title,
        )
    return entry


def _require_review(by: User, entry: StepEntry) -> None:
    access.require(by, "workflow.review", entry.run.organisation)
    if entry.run.status != FormationRun.Status.ACTIVE:
        raise WorkflowError(_("The run is no longer in progress."))


@transaction.atomic
def step_approve(*, by: User, entry: StepEntry, version: int, comment: str = "") -> StepEntry:
    """Approve a handed-in step; the next one opens (or the run completes after the last)."""
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
    )
    _notify_liaison(entry, "step_approved")
    _advance(entry, by=by)
    return entry


@transaction.atomic
def step_return(*, by: User, entry: StepEntry, version: int, comment: str) -> StepEntry:
    """Send a handed-in step back to whoever fills it, with what needs to change."""
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
    )
    _notify_liaison(entry, "step_returned")
    return entry
