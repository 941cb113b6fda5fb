"""Which runs and steps a user may see: staff by their area, an organisation's contact by their organisation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from branches.models import Organisation
from federation import access
from federation.models import User

from .models import (
    OPEN_STATUSES,
    FormationRun,
    Invitation,
    InvitationSend,
    StepEntry,
    StepStatus,
    StepTemplate,
    StepTransition,
    WorkflowTemplate,
)


def runs_for(user: User) -> QuerySet[FormationRun]:
    """The runs of the user's area (staff) or of the organisations the user is the active liaison of."""
    if access.has(user, "portal.use"):
        return FormationRun.objects.filter(
            organisation__liaisons__user=user, organisation__liaisons__active=True
        ).distinct()
    if access.has(user, "workflow.view"):
        return access.scope(user, FormationRun.objects.all(), "organisation__region")
    return FormationRun.objects.none()


def entries_for(user: User) -> QuerySet[StepEntry]:
    """The steps of the runs the user may see."""
    return StepEntry.objects.filter(run__in=runs_for(user))


def review_queue(user: User) -> QuerySet[StepEntry]:
    """Submitted steps waiting for review in the user's area, oldest first."""
    if not access.has(user, "workflow.review"):
        return StepEntry.objects.none()
    return (
        StepEntry.objects.filter(
            status=StepStatus.SUBMITTED,
            run__in=access.scope(user, FormationRun.objects.all(), "organisation__region"),
            run__status=FormationRun.Status.ACTIVE,
        )
        .select_related("run__organisation", "run__owner", "step", "submitted_by")
        .order_by("submitted_at", "id")
    )


def contact_sees_run(user: User, run: FormationRun) -> bool:
    """A run is its organisation's: the active liaisons with a login see it (the access module asks this).

    The answer is kept on the run instance, loaded afresh by each request: a portal page asks it of the same
    run for the look-up and again for the step's fill rule."""
    seen: dict[int, bool] = run.__dict__.setdefault("_contact_sees", {})
    if user.pk not in seen:
        seen[user.pk] = run.organisation.liaisons.filter(user=user, active=True).exists()
    return seen[user.pk]


def contact_may_sign_in(user: User) -> bool:
    """Whether a contact may sign in with a password: not once every link to their account is withdrawn
    (a link counts as withdrawn, as when opened, when revoked, its run cancelled or its liaison replaced)."""
    if user.kind != User.Kind.CONTACT:
        return True
    links = Invitation.objects.filter(liaison__user=user)
    live = links.filter(revoked_at__isnull=True, liaison__active=True).exclude(
        run__status=FormationRun.Status.CANCELLED
    )
    return live.exists() or not links.exists()


def owners_for(organisation: Organisation) -> QuerySet[User]:
    """Who may own a run of the organisation (`workflow.own`: writing staff who can see it), by unit."""
    return (
        access.holders("workflow.own", organisation.region)
        .select_related("unit")
        .order_by("unit__name", "full_name", "username")
    )


def runs_listed(user: User, *, filters: dict[str, Any], today: dt.date) -> QuerySet[FormationRun]:
    """The runs of the user's area for the run list, each with its current step, narrowed by the list's
    filters (status, template key, district, overdue: the current step open past its due date)."""
    current = (  # the first step not yet approved
        StepEntry.objects.filter(run=OuterRef("pk"))
        .exclude(status=StepStatus.APPROVED)
        .order_by("order", "id")
    )
    runs = runs_for(user).annotate(
        current_pk=Subquery(current.values("pk")[:1]),
        current_title=Subquery(current.values("step__title")[:1]),
        current_status=Subquery(current.values("status")[:1]),
        current_due=Subquery(current.values("due_on")[:1]),
    )
    if "status" in filters:
        runs = runs.filter(status=filters["status"])
    if "template" in filters:
        runs = runs.filter(template__key=filters["template"])
    if "district" in filters:
        runs = runs.filter(organisation__district_id=filters["district"])
    if filters.get("overdue"):
        runs = runs.filter(
            status=FormationRun.Status.ACTIVE, current_due__lt=today, current_status__in=list(OPEN_STATUSES)
        )
    return runs.select_related("organisation__district", "template", "owner")


def template_names() -> list[tuple[str, str]]:
    """Each template key with the name of its latest version, by name (the run list's template filter)."""
    names: dict[str, str] = {}
    for key, name in WorkflowTemplate.objects.order_by("key", "-version").values_list("key", "name"):
        names.setdefault(key, name)
    return sorted(names.items(), key=lambda item: item[1])


def run_steps(run: FormationRun) -> QuerySet[StepEntry]:
    """A run's steps in order with their transitions and papers, in a fixed number of queries."""
    return (
        run.entries.select_related("step", "submitted_by", "reviewer")
        .prefetch_related(
            Prefetch(
                "transitions", queryset=StepTransition.objects.select_related("by").order_by("at", "id")
            ),
            "step__documents",
        )
        .order_by("order", "id")
    )


def run_papers(run: FormationRun) -> QuerySet[StepEntry]:
    """A run's steps in order with their papers (the portal's stepper and step pages)."""
    return run.entries.select_related("step").prefetch_related("step__documents").order_by("order")


def run_invitations(run: FormationRun) -> QuerySet[Invitation]:
    """A run's invitation links, newest first, each with how often it was opened and its sendings."""
    return (
        run.invitations.select_related("liaison", "created_by", "revoked_by")
        .annotate(uses_count=Count("uses"))
        .prefetch_related(Prefetch("sends", queryset=InvitationSend.objects.select_related("by")))
        .order_by("-created_at", "-id")
    )


def organisation_runs(organisation: Organisation, *, limit: int = 10) -> QuerySet[FormationRun]:
    """An organisation's latest runs with their steps in order (the card on the organisation's page)."""
    return (
        FormationRun.objects.filter(organisation=organisation)
        .select_related("template", "owner")
        .prefetch_related(
            Prefetch("entries", queryset=StepEntry.objects.select_related("step").order_by("order", "id"))
        )
        .order_by("-started_at", "-id")[:limit]
    )


# What the review queue lists: not the answers and drafts (JSON, often tables) nor the organisations' full rows.
_PEOPLE = ("full_name", "first_name", "last_name", "username")
QUEUE_COLUMNS = (
    "order", "status", "due_on", "submitted_at", "run__organisation__name", "step__title",
    *(f"run__owner__{name}" for name in _PEOPLE), *(f"submitted_by__{name}" for name in _PEOPLE),
)  # fmt: skip


def review_queue_listed(user: User) -> QuerySet[StepEntry]:
    """review_queue with only the columns its page shows."""
    return review_queue(user).only(*QUEUE_COLUMNS)


def templates_listed() -> QuerySet[WorkflowTemplate]:
    """Every template version, by key and newest first, with how many runs and steps each has."""
    return WorkflowTemplate.objects.annotate(
        runs_count=Count("runs", distinct=True), steps_count=Count("steps", distinct=True)
    ).order_by("key", "-version")


def template_steps(template: WorkflowTemplate) -> QuerySet[StepTemplate]:
    """A version's steps in order, with how many fields each asks and its papers."""
    return (
        template.steps.annotate(fields_count=Count("fields", distinct=True))
        .prefetch_related("documents")
        .order_by("order", "id")
    )


def template_draft(key: str, *, besides: WorkflowTemplate | None = None) -> WorkflowTemplate | None:
    """The draft version of a template key, if one is being edited (other than `besides`)."""
    drafts = WorkflowTemplate.objects.filter(key=key, status=WorkflowTemplate.Status.DRAFT)
    if besides is not None:
        drafts = drafts.exclude(pk=besides.pk)
    return drafts.first()
