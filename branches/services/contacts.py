"""Liaisons and regular contact (常态联系): who the federation talks to, when, and when it must talk again."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.errors import LedgerError
from branches.models import Category, ContactLog, Liaison, Organisation, Stage, StageChange
from branches.services.history import history_note
from federation import access
from federation.editing import clash_refuse
from federation.identifiers import mobile_validate
from federation.models import User
from federation.services import operation_label_register, operation_record

operation_label_register("liaison.add", gettext_lazy("named a liaison"))
operation_label_register("liaison.update", gettext_lazy("edited a liaison"))
operation_label_register("contact.add", gettext_lazy("logged a contact"))
operation_label_register("contact.done", gettext_lazy("closed a follow-up"))

DEFAULT_CONTACT_INTERVAL = 30

CONSENT_NOTICE = gettext_lazy(
    "The women's federation records your name, post and mobile number only to stay in touch with your "
    "organisation about its women's organisation. They are shown masked to staff, and every full view is logged."
)


def contact_interval(organisation: Organisation) -> int:
    """Days between contacts: the organisation's own interval, else the shortest of its categories'."""
    if organisation.contact_interval_days:
        return organisation.contact_interval_days
    intervals = [c.contact_interval_days for c in organisation.categories.all() if c.active]
    return min(intervals) if intervals else DEFAULT_CONTACT_INTERVAL


def contact_due_date(organisation: Organisation) -> dt.date:
    """When the next contact is due: the interval after the last contact (or after it entered the ledger)."""
    start = organisation.last_contact_on or timezone.localdate(organisation.created_at)
    return start + dt.timedelta(days=contact_interval(organisation))


def contact_cadence_refresh(*, organisation: Organisation) -> None:
    """Recompute the last contact and the date the next one is due (kept on the row for the daily sweep)."""
    organisation.last_contact_on = (
        organisation.contacts.order_by("-contacted_on").values_list("contacted_on", flat=True).first()
    )
    organisation.contact_due_on = contact_due_date(organisation)
    Organisation.objects.filter(pk=organisation.pk).update(
        last_contact_on=organisation.last_contact_on, contact_due_on=organisation.contact_due_on
    )


def stage_move(*, organisation: Organisation, to: str, by: User, reason: str) -> None:
    """Move an organisation to another stage, recording who, when and why."""
    StageChange.objects.create(
        organisation=organisation, from_stage=organisation.stage, to_stage=to, by=by, reason=reason
    )
    Organisation.objects.filter(pk=organisation.pk).update(stage=to)
    organisation.stage = to


@transaction.atomic
def liaison_add(
    *,
    by: User,
    organisation: Organisation,
    name: str,
    mobile: str,
    post: str = "",
    consent: bool,
) -> Liaison:
    """Name a liaison for an organisation; their consent to the notice shown is recorded."""
    access.require(by, "ledger.edit", organisation)
    if not consent:
        raise LedgerError(_("The liaison must agree to the notice before their details are recorded."))
    if not name.strip():
        raise LedgerError(_("Enter the liaison's name."))
    liaison = Liaison(
        organisation=organisation,
        name=name.strip(),
        post=post.strip(),
        mobile=mobile_validate(mobile),
        consent_notice=str(CONSENT_NOTICE),
        consent_at=timezone.now(),
    )
    history_note(liaison, by=by)
    liaison.save()
    if organisation.stage == Stage.SURVEYING:
        stage_move(
            organisation=organisation,
            to=Stage.LIAISON_NAMED,
            by=by,
            reason=_("Liaison named: %(name)s") % {"name": liaison.name},
        )
    operation_record(
        actor=by,
        action="liaison.add",
        obj=organisation,
        changes={"liaison": [None, liaison.name]},
    )
    return liaison


@transaction.atomic
def liaison_update(
    *, by: User, liaison: Liaison, data: dict, reason: str = "", seen: dt.datetime | None = None
) -> Liaison:
    """Edit or deactivate a liaison; the old values stay in the history. ``seen``: see clash_refuse."""
    access.require(by, "ledger.edit", liaison.organisation)
    liaison = Liaison.objects.select_for_update().get(pk=liaison.pk)
    clash_refuse(liaison, seen=seen, error=LedgerError)
    changes = {}
    for name in ("name", "post", "mobile", "active"):
        if name in data:
            value = mobile_validate(data[name]) if name == "mobile" else data[name]
            if getattr(liaison, name) != value:
                changes[name] = [getattr(liaison, name), value]
                setattr(liaison, name, value)
    if not changes:
        return liaison
    history_note(liaison, by=by, reason=reason)
    liaison.save()
    if "mobile" in changes:
        changes["mobile"] = ["***", "***"]  # no phone numbers in the operation log
    operation_record(
        actor=by,
        action="liaison.update",
        obj=liaison.organisation,
        changes=changes,
        reason=reason,
    )
    return liaison


@transaction.atomic
def contact_add(
    *,
    by: User,
    organisation: Organisation,
    contacted_on: dt.date,
    channel: str,
    summary: str,
    next_follow_up: dt.date | None = None,
) -> ContactLog:
    """Log a contact with an organisation; it restarts the contact cadence and may set a follow-up."""
    access.require(by, "ledger.edit", organisation)
    today = timezone.localdate()
    if contacted_on > today:
        raise LedgerError(_("A contact cannot be logged for a future date."))
    if next_follow_up is not None and next_follow_up < contacted_on:
        raise LedgerError(_("The next follow-up cannot be before the contact."))
    if not summary.strip():
        raise LedgerError(_("Write what was discussed."))
    contact = ContactLog.objects.create(
        organisation=organisation,
        staff=by,
        contacted_on=contacted_on,
        channel=channel,
        summary=summary.strip(),
        next_follow_up=next_follow_up,
    )
    # Earlier open follow-ups of this organisation are settled by this contact.
    ContactLog.objects.filter(
        organisation=organisation, done=False, next_follow_up__lte=contacted_on
    ).exclude(pk=contact.pk).update(done=True, done_at=timezone.now())
    if organisation.officer_id is None:
        Organisation.objects.filter(pk=organisation.pk, officer__isnull=True).update(officer=by)
        organisation.officer = by
    contact_cadence_refresh(organisation=organisation)
    operation_record(
        actor=by,
        action="contact.add",
        obj=organisation,
        changes={"channel": [None, channel]},
    )
    return contact


@transaction.atomic
def contact_follow_up_done(*, by: User, contact: ContactLog) -> ContactLog:
    """Close a follow-up: no reminder about it is sent from now on."""
    access.require(by, "ledger.edit", contact.organisation)
    contact = ContactLog.objects.select_for_update().get(pk=contact.pk)
    if contact.done:
        raise LedgerError(_("This follow-up is already done."))
    if contact.next_follow_up is None:
        raise LedgerError(_("This contact has no follow-up."))
    contact.done = True
    contact.done_at = timezone.now()
    contact.save(update_fields=["done", "done_at"])
    operation_record(actor=by, action="contact.done", obj=contact.organisation)
    return contact


def _due_dates_set(organisations: list[Organisation]) -> int:
    for organisation in organisations:
        organisation.contact_due_on = contact_due_date(organisation)
    Organisation.objects.bulk_update(organisations, ["contact_due_on"], batch_size=2000)
    return len(organisations)


def contact_cadence_recompute(*, category: Category) -> int:
    """After a category's interval changed: recompute when each of its organisations is due for contact."""
    return _due_dates_set(
        list(
            Organisation.objects.filter(categories=category, archived_at__isnull=True).prefetch_related(
                "categories"
            )
        )
    )


def contact_cadence_backfill(*, batch: int = 2000) -> int:
    """Give organisations that never had one (new, imported) the date their first contact is due."""
    done = 0
    while organisations := list(
        Organisation.objects.filter(contact_due_on__isnull=True).prefetch_related("categories")[:batch]
    ):
        done += _due_dates_set(organisations)
    return done
