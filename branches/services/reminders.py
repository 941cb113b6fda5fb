"""Reminders nobody has to remember: follow-ups, contact cadence, terms ending, the weekly digest.

Each job derives its work from the database and claims each reminder through a unique row (federation
Reminder), so a lost run loses nothing (the next one finds the same rows due) and a repeated or concurrent run
sends nothing twice. What is already settled (a follow-up done, a term renewed) is simply no longer selected.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from branches.models import Branch, ContactLog, LedgerSettings, Organisation
from branches.services.contacts import contact_cadence_backfill
from federation.models import OperationLog, Reminder, User
from federation.notifications import job_run, reminder_send
from federation.workdays import send_window_open

FOLLOW_UP_DUE = "follow_up.due"
FOLLOW_UP_OVERDUE = "follow_up.overdue"
FOLLOW_UP_ESCALATED = "follow_up.escalated"
CONTACT_CADENCE = "contact.cadence"
TERM_ENDING = "term.ending"
WEEKLY_DIGEST = "digest.weekly"


def already_sent(kind: str, model, object_ids: Iterable) -> set[tuple[str, dt.date, int]]:
    """(object id, due date, recipient) of the reminders of this kind already claimed: one query per job."""
    content_type = ContentType.objects.get_for_model(model)
    return set(
        Reminder.objects.filter(
            kind=kind, content_type=content_type, object_id__in=[str(i) for i in set(object_ids)]
        ).values_list("object_id", "due_on", "recipient_id")
    )


def _managers_of(unit_ids: Iterable[int]) -> dict[int, list[User]]:
    managers: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(unit_id__in=set(unit_ids), role=User.Role.MANAGER, is_active=True):
        managers[user.unit_id].append(user)
    return managers


def send_once(kind, obj, due_on, user, template, context, url, sent_before) -> bool:
    """Send one reminder unless `sent_before` (from already_sent) or the unique row says it went already."""
    if (str(obj.pk), due_on, user.pk) in sent_before:
        return False
    return reminder_send(
        kind=kind,
        obj=obj,
        due_on=due_on,
        user=user,
        template=template,
        context={**context, "user": user},
        url=url,
    )


def reminders_follow_ups(*, today: dt.date) -> int:
    """Follow-ups due today or tomorrow → the responsible officer; overdue → the officer once, and past the
    escalation delay → the officer's unit managers too."""
    settings = LedgerSettings.current()
    # The open follow-ups come from the partial index alone, their organisations and people by id. Joined in
    # one query, the planner estimates the open follow-ups from whole-table statistics (a contact without a
    # follow-up stays done=False; nearly every date is past) and hash-joins every organisation.
    contacts = [
        contact
        for contact in ContactLog.objects.filter(
            done=False, next_follow_up__isnull=False, next_follow_up__lte=today + dt.timedelta(days=1)
        ).prefetch_related("organisation__officer", "staff")
        if contact.organisation.archived_at is None
    ]
    kinds = (FOLLOW_UP_DUE, FOLLOW_UP_OVERDUE, FOLLOW_UP_ESCALATED)
    sent_before = {kind: already_sent(kind, ContactLog, [c.pk for c in contacts]) for kind in kinds}
    managers = _managers_of(
        (c.organisation.officer or c.staff).unit_id
        for c in contacts
        if (c.organisation.officer or c.staff).unit_id
    )
    sent = 0
    for contact in contacts:
        officer = contact.organisation.officer or contact.staff
        context = {"contact": contact, "organisation": contact.organisation, "today": today}
        url = reverse("branches:organisation_detail", args=[contact.organisation_id])
        due = contact.next_follow_up
        if due >= today:
            sent += send_once(
                FOLLOW_UP_DUE,
                contact,
                due,
                officer,
                "follow_up_due",
                context,
                url,
                sent_before[FOLLOW_UP_DUE],
            )
            continue
        sent += send_once(
            FOLLOW_UP_OVERDUE,
            contact,
            due,
            officer,
            "follow_up_overdue",
            context,
            url,
            sent_before[FOLLOW_UP_OVERDUE],
        )
        if (today - due).days > settings.escalate_after_days:
            for manager in managers.get(officer.unit_id, []):
                sent += send_once(
                    FOLLOW_UP_ESCALATED,
                    contact,
                    due,
                    manager,
                    "follow_up_escalated",
                    {**context, "officer": officer, "days": (today - due).days},
                    url,
                    sent_before[FOLLOW_UP_ESCALATED],
                )
    return sent


def reminders_contact_cadence(*, today: dt.date) -> int:
    """Organisations past their contact cadence → their responsible officer (or the district's managers)."""
    contact_cadence_backfill()
    organisations = list(
        Organisation.objects.filter(
            contact_due_on__lte=today, archived_at__isnull=True, in_scope=True
        ).select_related("officer", "district")
    )
    sent_before = already_sent(CONTACT_CADENCE, Organisation, [o.pk for o in organisations])
    orphans = {o.district_id for o in organisations if o.officer_id is None}
    district_managers: dict[int, list[User]] = defaultdict(list)
    for manager in User.objects.filter(
        unit__region_id__in=orphans, role=User.Role.MANAGER, is_active=True
    ).select_related("unit"):
        district_managers[manager.unit.region_id].append(manager)
    sent = 0
    for organisation in organisations:
        recipients = (
            [organisation.officer]
            if organisation.officer
            else district_managers.get(organisation.district_id, [])
        )
        context = {
            "organisation": organisation,
            "today": today,
            "days": (today - organisation.contact_due_on).days,
        }
        url = reverse("branches:organisation_detail", args=[organisation.pk])
        for user in recipients:
            sent += send_once(
                CONTACT_CADENCE,
                organisation,
                organisation.contact_due_on,
                user,
                "contact_cadence",
                context,
                url,
                sent_before,
            )
    return sent


def reminders_terms(*, today: dt.date) -> int:
    """Terms ending within the warning period (90 days by default) → the officer and the liaisons (换届)."""
    horizon = today + dt.timedelta(days=LedgerSettings.current().term_warning_days)
    branches = list(
        Branch.objects.filter(term_ends_on__gte=today, term_ends_on__lte=horizon, dissolved_on__isnull=True)
        .select_related("organisation", "organisation__officer")
        .prefetch_related("organisation__liaisons__user")
    )
    sent_before = already_sent(TERM_ENDING, Branch, [b.pk for b in branches])
    sent = 0
    for branch in branches:
        recipients = [branch.organisation.officer] if branch.organisation.officer else []
        recipients += [
            liaison.user
            for liaison in branch.organisation.liaisons.all()
            if liaison.active and liaison.user_id
        ]
        context = {"branch": branch, "today": today, "days": (branch.term_ends_on - today).days}
        url = reverse("branches:organisation_detail", args=[branch.organisation_id])
        for user in recipients:
            sent += send_once(
                TERM_ENDING, branch, branch.term_ends_on, user, "term_ending", context, url, sent_before
            )
    return sent


def reminders_weekly_digest(*, today: dt.date) -> int:
    """Once a week (the first run on a working day), each officer gets what is due, overdue and changed."""
    week_start = today - dt.timedelta(days=today.weekday())
    officers = list(
        User.objects.filter(
            kind=User.Kind.STAFF, role__in=[User.Role.OFFICER, User.Role.MANAGER], is_active=True
        )
    )
    sent_before = already_sent(WEEKLY_DIGEST, User, [u.pk for u in officers])
    week_end = week_start + dt.timedelta(days=6)
    # Counted from the partial index, then the officers by organisation id (a join would scan them all).
    open_follow_ups = list(
        ContactLog.objects.filter(
            done=False, next_follow_up__isnull=False, next_follow_up__lte=week_end
        ).values_list("organisation_id", "next_follow_up")
    )
    officer_of = dict(
        Organisation.objects.filter(pk__in={pk for pk, _day in open_follow_ups}).values_list(
            "pk", "officer_id"
        )
    )
    due: Counter = Counter()
    overdue: Counter = Counter()
    for organisation_id, day in open_follow_ups:
        (due if day >= week_start else overdue)[officer_of[organisation_id]] += 1
    cadence = dict(
        Organisation.objects.filter(contact_due_on__lt=week_start, archived_at__isnull=True, in_scope=True)
        .values_list("officer")
        .annotate(n=Count("id"))
    )
    changed = dict(
        OperationLog.objects.filter(at__date__gte=week_start - dt.timedelta(days=7), at__date__lt=week_start)
        .exclude(unit__isnull=True)
        .values_list("unit")
        .annotate(n=Count("id"))
    )
    sent = 0
    for officer in officers:
        context = {
            "week_start": week_start,
            "due": due.get(officer.pk, 0),
            "overdue": overdue.get(officer.pk, 0),
            "cadence": cadence.get(officer.pk, 0),
            "changed": changed.get(officer.unit_id, 0),
        }
        sent += send_once(
            WEEKLY_DIGEST,
            officer,
            week_start,
            officer,
            "weekly_digest",
            context,
            reverse("federation:staff_home"),
            sent_before,
        )
    return sent


JOBS = {
    "reminders.follow_ups": reminders_follow_ups,
    "reminders.contact_cadence": reminders_contact_cadence,
    "reminders.terms": reminders_terms,
    "reminders.weekly_digest": reminders_weekly_digest,
}


def reminder_job_register(name: str, job) -> None:
    """Let another app add a job (a function of `today` returning how many reminders it sent) to the sweep."""
    JOBS[name] = job


def reminders_send_due(*, now: dt.datetime | None = None, force: bool = False) -> dict[str, int]:
    """Run every reminder job once, on working days from the configured hour (or always with force)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    results = {}
    for name, job in JOBS.items():
        with job_run(name) as run:
            if not force and not send_window_open(now):
                run.status = run.Status.SKIPPED
                results[name] = 0
                continue
            run.sent = results[name] = job(today=today)
            run.details = {"today": today.isoformat()}
    return results
