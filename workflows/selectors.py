"""Which runs and steps a user may see: staff by their area, an organisation's contact by their organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from branches.models import Organisation
from federation import access
from federation.models import User

from .models import FormationRun, Invitation, StepEntry, StepStatus


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
