"""Reminders nobody has to remember: follow-ups, contact cadence, terms ending, the weekly digest.

Each job derives its work from the database and claims each reminder through a unique row (federation
Reminder), so a lost run loses nothing (the next one finds the same rows due) and a repeated or concurrent run
sends nothing twice. What is already settled (a follow-up done, a term renewed) is simply no longer selected.

Each rule is a planner (``follow_ups_planned`` …) that says which reminders it selects on a day, or on each day
of a window: the sweep sends today's, and the page of reminders to come lists the week's, from the same code.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Branch, ContactLog, LedgerSettings, Organisation
from branches.services.contacts import contact_cadence_backfill
from federation.models import OperationLog, Reminder, User
from federation.notifications import job_run, reminder_send
from federation.workdays import is_working_day, send_window_open, working_days_after

FOLLOW_UP_DUE = "follow_up.due"
FOLLOW_UP_OVERDUE = "follow_up.overdue"
FOLLOW_UP_ESCALATED = "follow_up.escalated"
CONTACT_CADENCE = "contact.cadence"
TERM_ENDING = "term.ending"
WEEKLY_DIGEST = "digest.weekly"


def already_sent(
    kind: str, model: type[models.Model], object_ids: Iterable[Any]
) -> set[tuple[str, dt.date, int]]:
    """(object id, due date, recipient) of the reminders of this kind already claimed: one query per job."""
    content_type = ContentType.objects.get_for_model(model)
    return set(
        Reminder.objects.filter(
            kind=kind, content_type=content_type, object_id__in=[str(i) for i in set(object_ids)]
        ).values_list("object_id", "due_on", "recipient_id")
    )


@dataclass(slots=True)
class Planned:
    """One reminder a rule selects: its kind, object, due date and recipient (what a Reminder row claims),
    the message, and the first day of the window on which the rule selects it (``on``; it goes out on the
    first working day from then, if that is not past ``last``, the last day the rule selects it; the sweep
    runs on working days only). ``organisation``: what it is about, for scoping and display."""

    kind: str
    obj: Any
    due_on: dt.date
    user: User
    template: str
    context: dict = field(compare=False)
    url: str
    on: dt.date
    organisation: Organisation
    last: dt.date | None = None


def unsent(planned: Iterable[Planned]) -> list[Planned]:
    """The planned reminders not claimed yet (one query per kind), in their order."""
    planned = list(planned)
    by_kind: dict[str, list[Planned]] = defaultdict(list)
    for item in planned:
        by_kind[item.kind].append(item)
    claimed = {
        kind: already_sent(kind, type(items[0].obj), [item.obj.pk for item in items])
        for kind, items in by_kind.items()
    }
    return [
        item for item in planned if (str(item.obj.pk), item.due_on, item.user.pk) not in claimed[item.kind]
    ]


def send_planned(planned: Iterable[Planned]) -> int:
    """Send what a rule selects today, each reminder once (the unique Reminder row is the last guard)."""
    sent = 0
    for item in unsent(planned):
        sent += reminder_send(
            kind=item.kind,
            obj=item.obj,
            due_on=item.due_on,
            user=item.user,
            template=item.template,
            context={**item.context, "user": item.user},
            url=item.url,
        )
    return sent


# kind → what a reminder of that kind is about, in a few words, for the page of reminders to come
KIND_DESCRIPTIONS: dict[str, Callable[[Planned], str]] = {}
# kind → its name, for the page where people choose which reminders reach them by which channel
KIND_LABELS: dict[str, Any] = {}


def reminder_kind_register(kind: str, describe: Callable[[Planned], str], *, label: Any) -> None:
    """Say in a few words what a reminder of this kind is about (given the planned reminder), and its name."""
    KIND_DESCRIPTIONS[kind] = describe
    KIND_LABELS[kind] = label


def planned_describe(item: Planned) -> str:
    """What a planned reminder is about, in the reader's language."""
    describe = KIND_DESCRIPTIONS.get(item.kind)
    return describe(item) if describe else item.kind


def _on(item: Planned) -> dict[str, str]:
    return {"date": item.due_on.isoformat()}


reminder_kind_register(
    FOLLOW_UP_DUE,
    lambda item: _("Follow-up due on %(date)s") % _on(item),
    label=gettext_lazy("Follow-up due"),
)
reminder_kind_register(
    FOLLOW_UP_OVERDUE,
    lambda item: _("Follow-up overdue since %(date)s") % _on(item),
    label=gettext_lazy("Follow-up overdue"),
)
reminder_kind_register(
    FOLLOW_UP_ESCALATED,
    lambda item: _("Follow-up overdue since %(date)s, escalated to the manager") % _on(item),
    label=gettext_lazy("Overdue follow-up escalated to the manager"),
)
reminder_kind_register(
    CONTACT_CADENCE,
    lambda item: _("Regular contact due since %(date)s") % _on(item),
    label=gettext_lazy("Regular contact due"),
)
reminder_kind_register(
    TERM_ENDING,
    lambda item: _("The term of %(branch)s ends on %(date)s") % {"branch": item.obj.name, **_on(item)},
    label=gettext_lazy("Term ending (换届)"),
)


_PK = 2_147_483_647  # stands for the id in an address reversed once


def url_maker(name: str) -> Callable[[int], str]:
    """The address of ``name`` for an id, reversed once: a planner makes thousands (reverse() costs more than
    the rest of planning a reminder)."""
    pattern = reverse(name, args=[_PK])
    return lambda pk: pattern.replace(str(_PK), str(pk))


def _managers_of(unit_ids: Iterable[int]) -> dict[int | None, list[User]]:
    managers: dict[int | None, list[User]] = defaultdict(list)
    for user in User.objects.filter(unit_id__in=set(unit_ids), role=User.Role.MANAGER, is_active=True):
        managers[user.unit_id].append(user)
    return managers


def send_once(
    kind: str,
    obj: models.Model,
    due_on: dt.date,
    user: User,
    template: str,
    context: dict[str, Any],
    url: str,
    sent_before: Collection[tuple[str, dt.date, int]],
) -> bool:
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


def _window(today: dt.date, until: dt.date | None) -> dt.date:
    return today if until is None else max(today, until)


def follow_ups_planned(
    *, today: dt.date, until: dt.date | None = None, regions: Collection[int] | None = None
) -> list[Planned]:
    """Follow-ups due tomorrow or today → the responsible officer; overdue → the officer once, and past the
    escalation delay → the officer's unit managers too. ``until``: plan the days up to it as well (each
    reminder on the first day it is selected); ``regions``: only organisations in these regions."""
    until = _window(today, until)
    settings = LedgerSettings.current()
    # The open follow-ups come from the partial index alone, their organisations and people by id. Joined in
    # one query, the planner estimates the open follow-ups from whole-table statistics (a contact without a
    # follow-up stays done=False; nearly every date is past) and hash-joins every organisation.
    open_contacts = ContactLog.objects.filter(
        done=False, next_follow_up__isnull=False, next_follow_up__lte=until + dt.timedelta(days=1)
    )
    if regions is not None:
        open_contacts = open_contacts.filter(organisation__region_id__in=regions)
    contacts = [
        contact
        for contact in open_contacts.prefetch_related("organisation__officer", "staff")
        if contact.organisation.archived_at is None
    ]
    managers = _managers_of(
        (c.organisation.officer or c.staff).unit_id
        for c in contacts
        if (c.organisation.officer or c.staff).unit_id
    )
    planned = []
    detail = url_maker("branches:organisation_detail")
    for contact in contacts:
        officer = contact.organisation.officer or contact.staff
        organisation = contact.organisation
        context = {"contact": contact, "organisation": organisation, "today": today}
        url = detail(contact.organisation_id)
        due = contact.next_follow_up
        assert due is not None  # selected by next_follow_up__isnull=False
        if due >= today:  # from the day before it is due
            on = max(due - dt.timedelta(days=1), today)
            planned.append(
                Planned(
                    FOLLOW_UP_DUE,
                    contact,
                    due,
                    officer,
                    "follow_up_due",
                    context,
                    url,
                    on,
                    organisation,
                    last=due,
                )
            )
        overdue_on = due + dt.timedelta(days=1)
        if overdue_on <= until:
            on = max(overdue_on, today)
            planned.append(
                Planned(
                    FOLLOW_UP_OVERDUE,
                    contact,
                    due,
                    officer,
                    "follow_up_overdue",
                    context,
                    url,
                    on,
                    organisation,
                )
            )
        escalate_on = due + dt.timedelta(days=settings.escalate_after_days + 1)
        if escalate_on <= until:
            on = max(escalate_on, today)
            escalated = {**context, "officer": officer, "days": (on - due).days}
            planned += [
                Planned(
                    FOLLOW_UP_ESCALATED,
                    contact,
                    due,
                    manager,
                    "follow_up_escalated",
                    escalated,
                    url,
                    on,
                    organisation,
                )  # fmt: skip
                for manager in managers.get(officer.unit_id, [])
            ]
    return planned


def reminders_follow_ups(*, today: dt.date) -> int:
    """Send today's follow-up reminders (see follow_ups_planned)."""
    return send_planned(follow_ups_planned(today=today))


def contact_cadence_planned(
    *, today: dt.date, until: dt.date | None = None, regions: Collection[int] | None = None
) -> list[Planned]:
    """Organisations past their contact cadence → their responsible officer (or the district's managers)."""
    until = _window(today, until)
    due_organisations = Organisation.objects.filter(
        contact_due_on__lte=until, archived_at__isnull=True, in_scope=True
    )
    if regions is not None:
        due_organisations = due_organisations.filter(region_id__in=regions)
    organisations = list(due_organisations.select_related("officer", "district"))
    orphans = {o.district_id for o in organisations if o.officer_id is None}
    district_managers: dict[int, list[User]] = defaultdict(list)
    if orphans:
        for manager in User.objects.filter(
            unit__region_id__in=orphans, role=User.Role.MANAGER, is_active=True
        ).select_related("unit"):
            assert manager.unit is not None  # selected by unit
            district_managers[manager.unit.region_id].append(manager)
    planned = []
    detail = url_maker("branches:organisation_detail")
    for organisation in organisations:
        recipients = (
            [organisation.officer]
            if organisation.officer
            else district_managers.get(organisation.district_id, [])
        )
        due_on = organisation.contact_due_on
        assert due_on is not None  # selected by contact_due_on__lte
        on = max(due_on, today)
        context = {
            "organisation": organisation,
            "today": today,
            "days": (on - due_on).days,
        }
        url = detail(organisation.pk)
        planned += [
            Planned(
                CONTACT_CADENCE,
                organisation,
                due_on,
                user,
                "contact_cadence",
                context,
                url,
                on,
                organisation,
            )  # fmt: skip
            for user in recipients
        ]
    return planned


def reminders_contact_cadence(*, today: dt.date) -> int:
    """Send today's contact-cadence reminders (see contact_cadence_planned), the cadences brought up to date
    first."""
    contact_cadence_backfill()
    return send_planned(contact_cadence_planned(today=today))


def terms_planned(
    *, today: dt.date, until: dt.date | None = None, regions: Collection[int] | None = None
) -> list[Planned]:
    """Terms ending within the warning period (90 days by default) → the officer and the liaisons (换届)."""
    until = _window(today, until)
    warning = dt.timedelta(days=LedgerSettings.current().term_warning_days)
    ending = Branch.objects.filter(
        term_ends_on__gte=today, term_ends_on__lte=until + warning, dissolved_on__isnull=True
    )
    if regions is not None:
        ending = ending.filter(region_id__in=regions)  # a women's organisation is placed by its own region
    branches = list(
        ending.select_related("organisation", "organisation__officer").prefetch_related(
            "organisation__liaisons__user"
        )
    )
    planned = []
    detail = url_maker("branches:organisation_detail")
    for branch in branches:
        recipients = [branch.organisation.officer] if branch.organisation.officer else []
        recipients += [
            liaison.user
            for liaison in branch.organisation.liaisons.all()
            if liaison.active and liaison.user is not None
        ]
        ends_on = branch.term_ends_on
        assert ends_on is not None  # selected by term_ends_on__gte
        on = max(ends_on - warning, today)
        context = {"branch": branch, "today": today, "days": (ends_on - on).days}
        url = detail(branch.organisation_id)
        planned += [
            Planned(
                TERM_ENDING,
                branch,
                ends_on,
                user,
                "term_ending",
                context,
                url,
                on,
                branch.organisation,
                last=ends_on,
            )
            for user in recipients
        ]
    return planned


def reminders_terms(*, today: dt.date) -> int:
    """Send today's term reminders (see terms_planned)."""
    return send_planned(terms_planned(today=today))


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
        assert day is not None  # selected by next_follow_up__isnull=False
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


# A job that can say what it will send names its planner (a function of today, until and regions returning
# Planned reminders): the page of reminders to come asks the same rules the sweep sends with.
reminders_follow_ups.planned = follow_ups_planned  # type: ignore[attr-defined]
reminders_contact_cadence.planned = contact_cadence_planned  # type: ignore[attr-defined]
reminders_terms.planned = terms_planned  # type: ignore[attr-defined]

JOBS = {
    "reminders.follow_ups": reminders_follow_ups,
    "reminders.contact_cadence": reminders_contact_cadence,
    "reminders.terms": reminders_terms,
    "reminders.weekly_digest": reminders_weekly_digest,
}


def reminder_job_register(name: str, job: Callable[..., int]) -> None:
    """Let another app add a job (a function of `today` returning how many reminders it sent) to the sweep."""
    JOBS[name] = job


def reminders_upcoming(
    *, today: dt.date, days: int = 7, regions: Collection[int] | None = None
) -> dict[dt.date, list[Planned]]:
    """What the sweep will send from today through the next ``days`` days, by the working day each goes out
    (a reminder a rule selects on a weekend or holiday goes on the next working day): every registered job's
    own planner, less what was sent already. ``regions``: only about organisations in these regions."""
    until = today + dt.timedelta(days=days - 1)
    planned: list[Planned] = []
    for job in JOBS.values():
        planner: Callable[..., list[Planned]] | None = getattr(job, "planned", None)
        if planner is not None:
            planned += planner(today=today, until=until, regions=regions)
    by_day: dict[dt.date, list[Planned]] = defaultdict(list)
    for item in unsent(planned):
        day = send_day(item.on)
        if day <= until and (item.last is None or day <= item.last):
            by_day[day].append(item)
    return dict(sorted(by_day.items()))


@functools.lru_cache(maxsize=1024)
def send_day(day: dt.date) -> dt.date:
    """The day a reminder selected on ``day`` goes out: that day if offices work, else the next working day."""
    return day if is_working_day(day) else working_days_after(day, 1)


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
