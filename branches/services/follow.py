"""What hangs on an organisation follows it, when it moves to another division and when it is merged.

An organisation's place (its street or district) is the one truth for what is recorded on it. Runs, their
steps, papers, attachments and invitation links, questions, liaisons and the contact log have no place of
their own: scoping reads the organisation's (federation/access.py, the selectors). A few rows keep a region
because it is not one organisation's alone: a women's organisation (its host's place; an industry-wide or
area-based one has a place of its own), a service (the smallest division holding every organisation served),
a recognition and an alliance. organisations_moved brings those along, in the transaction that moved the
organisations, with their history.

A merge moves everything from the duplicate record to the one kept. Apps whose rows hang on organisations
register what to move (merge_follower_register); this module moves the ledger's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.errors import LedgerError
from branches.models import Branch, ContactLog, Liaison, Organisation
from branches.services.branches import WIDE_WAYS, _stage_sync
from branches.services.contacts import contact_cadence_refresh
from branches.services.history import history_note
from federation import access
from federation.models import Region, User

CHUNK = 500  # ids per IN (...) list

MoveFollower = Callable[..., None]
MergeFollower = Callable[..., dict[str, Any]]
_move_followers: list[MoveFollower] = []
_merge_followers: list[MergeFollower] = []
# (model, count(organisation)): what hangs on a record, counted on the merge page (all of it moves)
_hanging_counts: list[tuple[Any, Callable[[Organisation], int]]] = []


def move_follower_register(follow: MoveFollower) -> None:
    """Let an app bring its rows' regions along when organisations move: follow(ids=, by=, reason=)."""
    if follow not in _move_followers:
        _move_followers.append(follow)


def merge_follower_register(follow: MergeFollower) -> None:
    """Let an app move its rows from a duplicate record to the one kept: follow(keep=, duplicate=, by=,
    reason=) returns what it moved for the operation log, or raises LedgerError to refuse the merge."""
    if follow not in _merge_followers:
        _merge_followers.append(follow)


def hanging_count_register(model: type[models.Model], count: Callable[[Organisation], int]) -> None:
    """Let an app show on the merge page how many of its rows hang on each record (labelled by the model)."""
    if all(model is not known for known, _count in _hanging_counts):
        _hanging_counts.append((model, count))


def merge_hanging_counts() -> list[tuple[Any, Callable[[Organisation], int]]]:
    """(label, count(organisation)) of all that moves with a merge: the ledger's own, then the apps'."""
    own = [
        (Branch, lambda o: Branch.objects.filter(organisation=o).count()),
        (Liaison, lambda o: Liaison.objects.filter(organisation=o).count()),
        (ContactLog, lambda o: ContactLog.objects.filter(organisation=o).count()),
    ]
    return [(model._meta.verbose_name_plural, count) for model, count in [*own, *_hanging_counts]]


def chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def regions_set(model: type[models.Model], places: dict[int, int], *, by: User | None, reason: str) -> int:
    """Set the region of rows (pk → region id) that have another one, each saved with its history (which
    records the related rows too: a bulk write would not); returns how many changed."""
    changed = 0
    for ids in chunks(places):
        rows: QuerySet[Any] = model._default_manager.filter(pk__in=ids)  # any model placed by a region
        for row in rows:
            if row.region_id != places[row.pk]:
                row.region_id = places[row.pk]
                history_note(row, by=by, reason=reason)
                row.save(update_fields=["region"])
                changed += 1
    return changed


def _responsibility_follows(ids: list[int], *, by: User | None, reason: str) -> None:
    """An organisation that moved out of reach of its responsible officer (or, without one, of whoever logged
    an open follow-up) is given to the person who moved it, who can see it: reminders and follow-ups then go
    to someone who can open it."""
    if by is None or not access.has(by, "ledger.edit"):
        return
    for chunk in chunks(ids):
        organisations = Organisation.objects.filter(pk__in=chunk).select_related(
            "region", "officer__unit__region"
        )
        for organisation in organisations:
            if organisation.officer_id == by.pk or not access.in_region_scope(by, organisation.region):
                continue
            if organisation.officer_id is not None:
                stale = not access.in_region_scope(organisation.officer, organisation.region)
            else:
                loggers = User.objects.filter(
                    contacts_logged__organisation=organisation,
                    contacts_logged__done=False,
                    contacts_logged__next_follow_up__isnull=False,
                ).select_related("unit__region")
                stale = any(not access.in_region_scope(user, organisation.region) for user in loggers)
            if stale:
                organisation.officer = by
                history_note(organisation, by=by, reason=reason)
                organisation.save(update_fields=["officer"])


def organisations_moved(*, ids: Iterable[int], by: User | None, reason: str) -> None:
    """Bring along what keeps a copy of these organisations' place, after they moved (same transaction)."""
    ids = list(ids)
    if not ids:
        return
    places: dict[int, int] = {}
    for chunk in chunks(ids):
        places.update(
            Branch.objects.filter(organisation_id__in=chunk)
            .exclude(way__in=WIDE_WAYS)
            .values_list("pk", "organisation__region_id")
        )
    regions_set(Branch, places, by=by, reason=reason)
    _responsibility_follows(ids, by=by, reason=reason)
    for follow in _move_followers:
        follow(ids=ids, by=by, reason=reason)


def common_path(paths: Iterable[str]) -> str | None:
    """The path of the smallest division holding every given path (None for none or nothing shared)."""
    parts = [path.strip("/").split("/") for path in paths]
    if not parts:
        return None
    shared = []
    for codes in zip(*parts, strict=False):
        if len(set(codes)) != 1:
            break
        shared.append(codes[0])
    return "/".join(shared) + "/" if shared else None


def region_ids_by_path(paths: Iterable[str | None]) -> dict[str, int]:
    """Region ids by path, for the paths given (one query)."""
    wanted = {path for path in paths if path}
    return dict(Region.objects.filter(path__in=wanted).values_list("path", "pk")) if wanted else {}


# --- merge ------------------------------------------------------------------------------------------------


def standing_branches(organisation: Organisation) -> list[Branch]:
    """The women's organisations of its own that an organisation hosts and that are not dissolved (an
    industry-wide or area-based one hosted there is shared with others, never a duplicate)."""
    return list(
        Branch.objects.filter(organisation=organisation, dissolved_on__isnull=True)
        .exclude(way__in=WIDE_WAYS)
        .order_by("pk")
    )


def active_liaisons(organisation: Organisation) -> list[Liaison]:
    return list(Liaison.objects.filter(organisation=organisation, active=True).order_by("pk"))


def merge_conflicts(keep: Organisation, duplicate: Organisation) -> dict[str, list]:
    """What both records have where the organisation keeps one: {"branch": [...], "liaison": [...]}, each
    listed only when both records have one (the merge page then asks which to keep)."""
    conflicts: dict[str, list] = {}
    branches = (standing_branches(keep), standing_branches(duplicate))
    if all(branches):
        conflicts["branch"] = [*branches[0], *branches[1]]
    liaisons = (active_liaisons(keep), active_liaisons(duplicate))
    if all(liaisons):
        conflicts["liaison"] = [*liaisons[0], *liaisons[1]]
    return conflicts


def _save(obj: models.Model, *, by: User, reason: str, fields: list[str]) -> None:
    history_note(obj, by=by, reason=reason)
    obj.save(update_fields=fields)


def hanging_move(
    *,
    keep: Organisation,
    duplicate: Organisation,
    by: User,
    reason: str,
    keep_branch: int | None = None,
    keep_liaison: int | None = None,
) -> dict[str, Any]:
    """Move what hangs on the duplicate to the record kept: women's organisations and what they cover,
    liaisons, the contact log, then every app's rows. Where both have a women's organisation of their own, or
    an active liaison, ``keep_branch`` / ``keep_liaison`` names the one kept: the other women's organisation
    is recorded as dissolved (a second record of the same one), the other liaison no longer active.
    Returns what moved and what was chosen, for the operation log."""
    conflicts = merge_conflicts(keep, duplicate)
    changes: dict[str, Any] = {}
    today = timezone.localdate()
    if "branch" in conflicts:
        chosen = next((b for b in conflicts["branch"] if b.pk == keep_branch), None)
        if chosen is None:
            raise LedgerError(_("Both records have a women's organisation: choose the one to keep."))
        for branch in conflicts["branch"]:
            if branch.pk != chosen.pk:
                branch.dissolved_on = today
                _save(
                    branch,
                    by=by,
                    reason=_("Merged: a second record of %(name)s") % {"name": chosen.name},
                    fields=["dissolved_on", "updated_at"],
                )
                # What the second record covered, the one kept covers now.
                chosen.covers.add(*branch.covers.exclude(pk=duplicate.pk))
        changes["branch_kept"] = [None, chosen.name]
    if "liaison" in conflicts:
        chosen = next((liaison for liaison in conflicts["liaison"] if liaison.pk == keep_liaison), None)
        if chosen is None:
            raise LedgerError(_("Both records have a liaison: choose the one to keep."))
        for liaison in conflicts["liaison"]:
            if liaison.pk != chosen.pk:
                liaison.active = False
                _save(
                    liaison,
                    by=by,
                    reason=_("Merged: %(name)s is the liaison kept") % {"name": chosen.name},
                    fields=["active"],
                )
        changes["liaison_kept"] = [None, chosen.name]
    moved_reason = _("Merged into %(name)s") % {"name": keep.name}
    branches = list(Branch.objects.filter(organisation=duplicate))
    for branch in branches:
        branch.organisation = keep
        fields = ["organisation", "updated_at"]
        if branch.way not in WIDE_WAYS:
            branch.region_id = keep.region_id
            fields.append("region")
        _save(branch, by=by, reason=moved_reason, fields=fields)
    # Coverage links: the duplicate's become the kept record's (a women's organisation covers its host).
    through = Branch.covers.through
    covering = set(through.objects.filter(organisation=duplicate).values_list("branch_id", flat=True))
    covering |= {branch.pk for branch in branches}
    already = set(
        through.objects.filter(organisation=keep, branch_id__in=covering).values_list("branch_id", flat=True)
    )
    through.objects.filter(organisation=duplicate).delete()
    through.objects.bulk_create(
        [through(branch_id=pk, organisation=keep) for pk in sorted(covering - already)]
    )
    liaisons = list(Liaison.objects.filter(organisation=duplicate))
    for liaison in liaisons:
        liaison.organisation = keep
        _save(liaison, by=by, reason=moved_reason, fields=["organisation"])
    contacts = ContactLog.objects.filter(organisation=duplicate).update(organisation=keep)
    for name, count in (("branches", len(branches)), ("liaisons", len(liaisons)), ("contacts", contacts)):
        if count:
            changes[name] = [0, count]
    # The kept record now hosts what was the duplicate's: it stands at their stage, its contact dates follow.
    for branch in branches:
        if branch.dissolved_on is None:
            _stage_sync(branch=branch, by=by, reason=moved_reason)
    contact_cadence_refresh(organisation=keep)
    for follow in _merge_followers:
        changes.update(follow(keep=keep, duplicate=duplicate, by=by, reason=moved_reason))
    # What came from the duplicate now lies where the record kept lies (another district, maybe): regions
    # follow, and runs or follow-ups out of their owner's reach go to whoever merged.
    organisations_moved(ids=[keep.pk], by=by, reason=moved_reason)
    return changes
