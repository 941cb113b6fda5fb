"""The one place that answers "may this user do X (to this object)" and "which rows may this user see".

Outside a user's scope an object does not exist for them (views answer 404 through the scoped querysets);
inside it, a wrong role is refused with 403 through `require`.

Actors are the staff roles plus "contact" (an organisation's liaison). Apps declare their permissions here,
next to each other, so that the whole access model reads in one screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.db.models.signals import post_delete, post_save

from .models import Region, User

VIEWER, OFFICER, MANAGER, ADMIN, CONTACT = "viewer", "officer", "manager", "admin", "contact"
ALL_STAFF = frozenset({VIEWER, OFFICER, MANAGER, ADMIN})
WRITING_STAFF = frozenset({OFFICER, MANAGER, ADMIN})

# permission → the actors that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "staff.home": ALL_STAFF,
    "contact.home": frozenset({CONTACT}),
    "logs.logins": frozenset({ADMIN}),
    "logs.operations": frozenset({MANAGER, ADMIN}),
    "logs.disclosures": frozenset({ADMIN}),
    "logs.jobs": frozenset({ADMIN}),
    "jobs.view": ALL_STAFF,  # long work started in the user's area, and its progress
    "jobs.backup": frozenset({ADMIN}),  # start a backup (kept on the server) and see the last ones
    "users.sessions_end": frozenset({ADMIN}),  # end another user's sessions
    "users.two_factor_reset": frozenset({ADMIN}),  # remove another user's second factor (a lost phone)
    "account.two_factor": ALL_STAFF,  # set up and give a second factor
    # the organisations ledger
    "ledger.view": ALL_STAFF,
    "ledger.edit": WRITING_STAFF,
    "ledger.archive": WRITING_STAFF,
    "ledger.merge": WRITING_STAFF,
    "ledger.import": WRITING_STAFF,
    "ledger.export": ALL_STAFF,
    "ledger.force_uscc": frozenset({ADMIN}),
    # guided formation
    "workflow.view": ALL_STAFF,
    "workflow.run": WRITING_STAFF,  # start a run, invite its liaison, fill the federation's steps
    "workflow.own": WRITING_STAFF,  # be a run's owner: writing staff who can see its organisation
    "step.fill": WRITING_STAFF | {CONTACT},  # write a step (see OBJECT_RULES)
    "workflow.review": WRITING_STAFF,
    "workflow.templates": frozenset({ADMIN}),
    "portal.use": frozenset({CONTACT}),
    "workflow.papers": ALL_STAFF | {CONTACT},  # a run's papers and attachments, for its staff and its liaison
    # services, recognitions, alliances
    "work.view": ALL_STAFF,
    "work.edit": WRITING_STAFF,
    "work.export": ALL_STAFF,
    # questions answered on the spot and the FAQ
    "faq.view": ALL_STAFF | {CONTACT},
    "faq.edit": WRITING_STAFF,  # an entry of the user's area: a city-wide one by the city's staff only
    "faq.propose": WRITING_STAFF,  # a change to an entry of a wider area than the user's (see OBJECT_RULES)
    "faq.review": WRITING_STAFF,  # accept or decline the changes proposed to entries the user edits
    "questions.view": ALL_STAFF,
    "questions.answer": WRITING_STAFF,
    "questions.ask": frozenset({CONTACT}),
    # coverage dashboards and the monthly report
    "coverage.view": ALL_STAFF,
    "coverage.export": ALL_STAFF,
    # personal data shown in full (each use is logged)
    "personal.reveal": WRITING_STAFF,
}

# model → function(user, obj) -> bool deciding whether a contact may see that object (registered by apps)
_contact_scopes: dict[type[Model], Callable[[User, Any], bool]] = {}


def register_contact_scope(model: type[Model], check: Callable[[User, Any], bool]) -> None:
    """Let an app say which of its objects an organisation contact may see."""
    _contact_scopes[model] = check


# functions(user) -> bool, each able to refuse a sign-in by password (registered by apps)
_sign_in_checks: list[Callable[[User], bool]] = []


def register_sign_in_check(check: Callable[[User], bool]) -> None:
    """Let an app refuse a sign-in by password (a contact whose every link was withdrawn)."""
    if check not in _sign_in_checks:
        _sign_in_checks.append(check)


def may_sign_in(user: User) -> bool:
    """Whether a user whose password is right may sign in with it."""
    return all(check(user) for check in _sign_in_checks)


def actor(user: Any) -> str | None:
    """The actor a user acts as: a staff role, "contact", or None (anonymous, inactive, misconfigured)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    if user.kind == User.Kind.CONTACT:
        return CONTACT
    if user.role in ALL_STAFF and (user.unit_id or user.role == ADMIN):
        return user.role
    return None


def scope_region(user: Any) -> Region | None:
    """The region whose subtree a staff user sees; None means everything (admins)."""
    role = actor(user)
    if role == ADMIN and (user.is_superuser or user.unit_id is None):
        return None
    if role in ALL_STAFF:
        return user.unit.region
    raise PermissionDenied


def in_region_scope(user: Any, region: Region | None) -> bool:
    """Whether a region lies inside the user's subtree (a row without region is seen by admins only)."""
    try:
        root = scope_region(user)
    except PermissionDenied:
        return False
    if root is None:
        return True
    return region is not None and region.path.startswith(root.path)


def scope(user: Any, queryset: QuerySet, region_field: str = "region") -> QuerySet:
    """Narrow a queryset to the rows whose region lies in the user's subtree; nothing for non-staff.

    `region_field` is the path to a region foreign key ("region", "unit__region").
    """
    try:
        root = scope_region(user)
    except PermissionDenied:
        return queryset.none()
    if root is None:
        return queryset
    ids = _subtree_ids(root)
    if ids is None:
        return queryset.filter(**{f"{region_field}__path__startswith": root.path})
    return queryset.filter(**{f"{region_field}__in": ids})


# Past this many divisions (a province's streets and villages) scoping joins on the path instead of listing ids.
SUBTREE_IDS_MAX = 5000


def _subtree_ids(root: Region) -> list[int] | None:
    """The ids of a region and the regions below it, queried once per loaded root region (one prefix match
    on the indexed path, whatever the depth); None for a subtree of more than SUBTREE_IDS_MAX divisions.

    Scoping filters by this literal list rather than by a join on the path: the planner then estimates the
    rows from the big table's own statistics. A region table of a few dozen rows is never auto-analysed, and
    the join's misestimate made PostgreSQL loop over regions to count a 100,000-row ledger. A table holding a
    province's villages is big enough to be analysed, and a list of tens of thousands of ids in every query
    would cost more than the join, so such a subtree is scoped by its path. The answer is kept on the root
    instance (the user's unit's region, loaded afresh with each request's user), so a page that scopes several
    querysets asks once; divisions are loaded data that a request does not see change.
    """
    if "_subtree_ids" not in root.__dict__:
        key = (root.pk, root.path)
        known = _SUBTREES.get(key)
        if known is not None and known[0] > time.monotonic():
            cached = known[1]
        else:
            cached = list(
                Region.objects.filter(path__startswith=root.path)
                .order_by()
                .values_list("pk", flat=True)[: SUBTREE_IDS_MAX + 1]
            )
            if len(cached) > SUBTREE_IDS_MAX:
                cached = None
            if settings.SCOPE_CACHE_SECONDS:
                _SUBTREES[key] = (time.monotonic() + settings.SCOPE_CACHE_SECONDS, cached)
        root.__dict__["_subtree_ids"] = cached
    return root.__dict__["_subtree_ids"]


# Subtrees kept by the process for SCOPE_CACHE_SECONDS (every staff page asks): divisions change perhaps once
# a year, by an admin, and a change in this process forgets them at once; other processes within that time.
_SUBTREES: dict[tuple[int, str], tuple[float, list[int] | None]] = {}


def _subtrees_forget(**kwargs: Any) -> None:
    _SUBTREES.clear()


post_save.connect(_subtrees_forget, sender=Region, dispatch_uid="access_subtrees_save")
post_delete.connect(_subtrees_forget, sender=Region, dispatch_uid="access_subtrees_delete")


def in_scope(user: Any, obj: Any) -> bool:
    """Whether the user may see this object at all (staff: by its region; contacts: as the app registered)."""
    role = actor(user)
    if role is None:
        return False
    if role == CONTACT:
        check = _contact_scopes.get(type(obj))
        return bool(check and check(user, obj))
    return in_region_scope(user, place(obj))


def place(obj: Any) -> Region | None:
    """Where an object lies: its own region, else its organisation's. A run (and so its steps, papers and
    links), a liaison, a contact or a question has no place of its own: it lies where its organisation lies
    now, and follows it when the organisation moves."""
    if hasattr(obj, "region"):
        return obj.region
    organisation = getattr(obj, "organisation", None)
    return getattr(organisation, "region", None)


def _wider_than_own_area(user: Any, obj: Any) -> bool:
    """Whether the object lies in a division holding the user's own one (a city-wide FAQ entry, for a
    district officer): they may see it, and propose a change to those who keep it."""
    region = place(obj)
    try:
        root = scope_region(user)
    except PermissionDenied:
        return False
    return (
        region is not None and root is not None and root.pk != region.pk and root.path.startswith(region.path)
    )


def _fills_step(user: Any, entry: Any) -> bool:
    """Whether the user may write a step of a run: writing staff of its organisation's area any step (the
    organisation's on its behalf), the organisation's liaison only a step whose actor is the organisation."""
    if actor(user) == CONTACT:
        return entry.liaison_fills and in_scope(user, entry.run)
    return in_scope(user, entry.run.organisation)


# permission → whether the user may act on a given object, in place of "it lies in their area" (in_scope)
OBJECT_RULES: dict[str, Callable[[Any, Any], bool]] = {
    "faq.propose": _wider_than_own_area,
    "step.fill": _fills_step,
}


def has(user: Any, permission: str, obj: Any = None) -> bool:
    """Whether the user holds the permission (and, given an object, whether it lies in their scope, or
    meets the permission's own rule in OBJECT_RULES)."""
    allowed = PERMISSIONS[permission]  # an unknown permission is a programming error, not a "no"
    role = actor(user)
    if role is None or role not in allowed:
        return False
    return obj is None or OBJECT_RULES.get(permission, in_scope)(user, obj)


def holders(permission: str, region: Region) -> QuerySet[User]:
    """The staff who hold a permission for what lies in a region, as a queryset: active, in a role holding
    it, and seeing the region (a unit on its path, or city-wide admins), as `has` answers for each one."""
    roles = sorted(PERMISSIONS[permission] & ALL_STAFF)
    parts = [part for part in region.path.split("/") if part]
    above = ["/".join(parts[: n + 1]) + "/" for n in range(len(parts))]
    holding = Q(kind=User.Kind.STAFF, role__in=roles) & (
        Q(unit__region__path__in=above) | Q(role=ADMIN, unit__isnull=True)
    )
    if ADMIN in roles:
        holding |= Q(is_superuser=True)  # a superuser acts as an admin, whatever their role
    return User.objects.filter(holding, is_active=True)


def require(user: Any, permission: str, obj: Any = None) -> None:
    """Refuse with 403 unless the user holds the permission."""
    if not has(user, permission, obj):
        raise PermissionDenied
