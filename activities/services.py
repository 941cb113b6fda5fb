"""Writes of federation work: services and their photos, recognitions, alliances and what they cover.

Every write checks the acting user's role and area first (a district officer never attaches another
district's organisation, whatever the form sent), then acts inside one transaction, then records history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Field, Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from activities.errors import WorkError
from activities.models import (
    Activity,
    ActivityPhoto,
    ActivityType,
    Alliance,
    Partner,
    Recognition,
    RecognitionKind,
    RecognitionTitle,
)
from activities.selectors import alliances_for, organisations_choosable, units_choosable
from branches.models import Branch, Organisation
from branches.selectors import branches_for
from branches.services.branches import branch_update
from branches.services.history import history_note
from federation import access
from federation.editing import clash_refuse
from federation.models import FederationUnit, Region, User
from federation.services import operation_label_register, operation_record
from federation.uploads import upload_size_error, upload_type

operation_label_register("activity.create", gettext_lazy("recorded a service"))
operation_label_register("activity.update", gettext_lazy("edited a service"))
operation_label_register("activity.photo_add", gettext_lazy("added a photo to a service"))
operation_label_register("activity.photo_remove", gettext_lazy("removed a photo from a service"))
operation_label_register("recognition.create", gettext_lazy("recorded a recognition"))
operation_label_register("recognition.update", gettext_lazy("edited a recognition"))
operation_label_register("alliance.create", gettext_lazy("recorded an alliance"))
operation_label_register("alliance.update", gettext_lazy("edited an alliance"))
operation_label_register(
    "alliance.covers_sync", gettext_lazy("matched a women's organisation to its alliance")
)

ACTIVITY_FIELDS = ["type", "date", "title", "unit", "participants", "women_served", "pairs", "notes"]
RECOGNITION_FIELDS = [
    "kind",
    "title",
    "year",
    "organisation",
    "person_name",
    "person_unit",
    "person_post",
    "collective_name",
]
ALLIANCE_FIELDS = ["name", "lead", "branch", "notes"]

# (magic bytes, content type) of the photos taken
PHOTO_TYPES = ("image/jpeg", "image/png")


def common_region(regions: Iterable[Region]) -> Region | None:
    """The smallest division holding every given one (None for none)."""
    paths = [region.path for region in regions]
    if not paths:
        return None
    parts = [path.strip("/").split("/") for path in paths]
    shared = []
    for codes in zip(*parts, strict=False):
        if len(set(codes)) != 1:
            break
        shared.append(codes[0])
    if not shared:
        return None
    return Region.objects.filter(path="/".join(shared) + "/").first()


def home_region(user: User) -> Region:
    """The region of the user's unit; the city for an admin without a unit."""
    if user.unit is not None:
        return user.unit.region
    return Region.objects.filter(level=Region.Level.CITY).earliest("path")


def _in_scope_or_refuse(*, by: User, organisations: Iterable[Organisation | None]) -> list[Organisation]:
    """The organisations, each checked against the user's area (a forged id is refused, not ignored)."""
    chosen = {organisation.pk for organisation in organisations if organisation is not None}
    if not chosen:
        return []
    allowed = list(organisations_choosable(by).filter(pk__in=chosen).select_related("region"))
    if len(allowed) != len(chosen):
        raise WorkError(_("Choose organisations in your own area."), field="organisations")
    return allowed


def _changes(obj: Model, data: dict[str, Any], fields: list[str]) -> dict[str, list[Any]]:
    """Set the given fields from data; what changed as {field: [before, after]} for the operation log."""
    changes = {}
    for name in fields:
        if name not in data:
            continue
        field = cast(Field, obj._meta.get_field(name))  # the names in *_FIELDS are the model's own fields
        value = data[name]
        if field.is_relation:
            before_id, after_id = getattr(obj, field.attname), getattr(value, "pk", None)
            if before_id != after_id:
                before = str(getattr(obj, name)) if before_id is not None else ""
                changes[name] = [before, str(value or "")]
                setattr(obj, name, value)
        elif getattr(obj, name) != value:
            changes[name] = [str(getattr(obj, name) or ""), str(value or "")]
            setattr(obj, name, value)
    return changes


# --- services (activities) --------------------------------------------------------------------------


def _activity_check(*, by: User, activity: Activity, unit_changed: bool = True) -> None:
    if not activity.title.strip():
        raise WorkError(_("Enter a title."), field="title")
    if activity.date > timezone.localdate():
        raise WorkError(
            _("A service is recorded once it has taken place: the date cannot be in the future."), "date"
        )
    # A service organised by the city for this district's organisations keeps its unit when the district edits it.
    if unit_changed and not units_choosable(by).filter(pk=activity.unit_id).exists():
        raise WorkError(_("Choose a federation unit in your own area."), field="unit")
    activity_type = ActivityType.objects.get(pk=activity.type_id)
    if activity_type.counts_pairs:
        if not activity.pairs:
            raise WorkError(_("Enter the number of pairs."), field="pairs")
    else:
        activity.pairs = None


def _activity_links(
    *,
    by: User,
    organisations: Iterable[Organisation],
    partners: Iterable[Partner],
    alliances: Iterable[Alliance],
) -> tuple[list[Organisation], list[Partner], list[Alliance]]:
    organisations = _in_scope_or_refuse(by=by, organisations=organisations)
    alliance_ids = {alliance.pk for alliance in alliances}
    alliances = list(alliances_for(by).filter(pk__in=alliance_ids))
    if len(alliances) != len(alliance_ids):
        raise WorkError(_("Choose alliances in your own area."), field="alliances")
    partner_ids = {partner.pk for partner in partners}
    partners = list(Partner.objects.filter(pk__in=partner_ids))
    return organisations, partners, alliances


def _activity_region(activity: Activity, organisations: list[Organisation]) -> Region:
    """The smallest division holding every organisation served; the organising unit's without any."""
    region = common_region(organisation.region for organisation in organisations)
    return region or FederationUnit.objects.select_related("region").get(pk=activity.unit_id).region


@transaction.atomic
def activity_create(
    *,
    by: User,
    data: dict,
    organisations: Iterable[Organisation] = (),
    partners: Iterable[Partner] = (),
    alliances: Iterable[Alliance] = (),
) -> Activity:
    """Record a service delivered."""
    access.require(by, "work.edit")
    activity = Activity(created_by=by)
    if not data.get("unit") and by.unit_id:
        data = {**data, "unit": by.unit}
    _changes(activity, data, ACTIVITY_FIELDS)
    if activity.unit_id is None:
        raise WorkError(_("Choose the organising unit."), field="unit")
    _activity_check(by=by, activity=activity)
    organisations, partners, alliances = _activity_links(
        by=by, organisations=organisations, partners=partners, alliances=alliances
    )
    activity.region = _activity_region(activity, organisations)
    history_note(activity, by=by)
    activity.save()
    activity.organisations.set(organisations)
    activity.partners.set(partners)
    activity.alliances.set(alliances)
    operation_record(
        actor=by,
        action="activity.create",
        obj=activity,
        changes={"organisations": [None, len(organisations)], "women_served": [None, activity.women_served]},
    )
    return activity


@transaction.atomic
def activity_update(
    *,
    by: User,
    activity: Activity,
    data: dict,
    organisations: Iterable[Organisation] = (),
    partners: Iterable[Partner] = (),
    alliances: Iterable[Alliance] = (),
    seen: dt.datetime | None = None,
) -> Activity:
    """Edit a service; its region follows the organisations it served. ``seen``: see clash_refuse."""
    access.require(by, "work.edit", activity)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    clash_refuse(activity, seen=seen, error=WorkError)
    changes = _changes(activity, data, ACTIVITY_FIELDS)
    _activity_check(by=by, activity=activity, unit_changed="unit" in changes)
    organisations, partners, alliances = _activity_links(
        by=by, organisations=organisations, partners=partners, alliances=alliances
    )
    for name, chosen in (("organisations", organisations), ("partners", partners), ("alliances", alliances)):
        before = set(getattr(activity, name).values_list("pk", flat=True))
        if before != {item.pk for item in chosen}:
            changes[name] = [len(before), len(chosen)]
    if not changes:
        return activity
    activity.region = _activity_region(activity, organisations)
    history_note(activity, by=by)
    activity.save()
    activity.organisations.set(organisations)
    activity.partners.set(partners)
    activity.alliances.set(alliances)
    operation_record(actor=by, action="activity.update", obj=activity, changes=changes)
    return activity


def photo_content_type(upload: UploadedFile) -> str:
    """The photo's type read from its first bytes; refuses anything but JPEG and PNG, and files too big."""
    error = upload_size_error(upload)
    if error:
        raise WorkError(error)
    content_type = upload_type(upload, PHOTO_TYPES)
    if content_type is None:
        raise WorkError(_("%(name)s is not a JPEG or PNG photo.") % {"name": upload.name})
    return content_type


@transaction.atomic
def activity_photo_add(*, by: User, activity: Activity, upload: UploadedFile) -> ActivityPhoto:
    """Keep a photo of a service (JPEG or PNG within the size limit)."""
    access.require(by, "work.edit", activity)
    content_type = photo_content_type(upload)
    extension = ".jpg" if content_type == "image/jpeg" else ".png"
    original = (upload.name or "photo")[-200:]
    photo = ActivityPhoto(
        activity=activity,
        original_name=original,
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=by,
    )
    # The stored name is ours (the extension from the bytes read), never the one the browser sent.
    photo.file.save(f"{timezone.now():%Y%m%d%H%M%S}{extension}", upload, save=False)
    photo.save()
    operation_record(
        actor=by,
        action="activity.photo_add",
        obj=activity,
        changes={"photo": [None, original]},
    )
    return photo


@transaction.atomic
def activity_photo_remove(*, by: User, photo: ActivityPhoto) -> None:
    """Remove a photo of a service (the file goes once the transaction has committed)."""
    access.require(by, "work.edit", photo.activity)
    activity, name, file_name = photo.activity, photo.original_name, photo.file.name
    storage = photo.file.storage
    photo.delete()
    transaction.on_commit(lambda: storage.delete(file_name))
    operation_record(
        actor=by,
        action="activity.photo_remove",
        obj=activity,
        changes={"photo": [name, None]},
    )


# --- recognitions -----------------------------------------------------------------------------------


def _recognition_check(*, by: User, recognition: Recognition) -> None:
    title = RecognitionTitle.objects.get(pk=recognition.title_id)
    if recognition.kind not in RecognitionKind.values:
        raise WorkError(_("Choose an individual or a collective."), field="kind")
    if title.kind != recognition.kind:
        raise WorkError(_("This title is not awarded to that kind of recipient."), field="title")
    this_year = timezone.localdate().year
    if not 1950 <= (recognition.year or 0) <= this_year:
        raise WorkError(_("Enter a year between 1950 and %(year)s.") % {"year": this_year}, field="year")
    if recognition.kind == RecognitionKind.INDIVIDUAL:
        recognition.person_name = recognition.person_name.strip()
        recognition.collective_name = ""
        if not recognition.person_name:
            raise WorkError(_("Enter the person's name."), field="person_name")
    else:
        # A collective keeps no person's details at all (collect the minimum).
        recognition.collective_name = recognition.collective_name.strip()
        recognition.person_name = recognition.person_unit = recognition.person_post = ""
        if not recognition.collective_name:
            raise WorkError(_("Enter the collective's name."), field="collective_name")
    if recognition.organisation_id:
        _in_scope_or_refuse(by=by, organisations=[recognition.organisation])
        recognition.region = (
            Organisation.objects.select_related("region").get(pk=recognition.organisation_id).region
        )
    elif recognition.region_id is None or not access.in_region_scope(by, recognition.region):
        recognition.region = home_region(by)


@transaction.atomic
def recognition_create(*, by: User, data: dict) -> Recognition:
    """Record a model recognised: a person (name, unit, post) or a collective."""
    access.require(by, "work.edit")
    recognition = Recognition(created_by=by)
    _changes(recognition, data, RECOGNITION_FIELDS)
    _recognition_check(by=by, recognition=recognition)
    history_note(recognition, by=by)
    recognition.save()
    operation_record(
        actor=by,
        action="recognition.create",
        obj=recognition,
        changes={"title": [None, str(recognition.title)]},
    )
    return recognition


@transaction.atomic
def recognition_update(
    *, by: User, recognition: Recognition, data: dict, seen: dt.datetime | None = None
) -> Recognition:
    """Edit a recognition. ``seen``: see clash_refuse."""
    access.require(by, "work.edit", recognition)
    recognition = Recognition.objects.select_for_update().get(pk=recognition.pk)
    clash_refuse(recognition, seen=seen, error=WorkError)
    changes = _changes(recognition, data, RECOGNITION_FIELDS)
    if not changes:
        return recognition
    _recognition_check(by=by, recognition=recognition)
    history_note(recognition, by=by)
    recognition.save()
    operation_record(actor=by, action="recognition.update", obj=recognition, changes=changes)
    return recognition


# --- alliances ----------------------------------------------------------------------------------------


def _alliance_prepare(*, by: User, alliance: Alliance, members: Iterable[Organisation]) -> list[Organisation]:
    if not alliance.name.strip():
        raise WorkError(_("Enter the alliance's name."), field="name")
    if Alliance.objects.filter(name=alliance.name.strip()).exclude(pk=alliance.pk).exists():
        raise WorkError(_("An alliance of that name exists already."), field="name")
    if alliance.lead_id is None:
        raise WorkError(_("Choose the lead unit."), field="lead")
    # The lead unit is a member too: it is covered like the others.
    members = _in_scope_or_refuse(by=by, organisations=[*members, alliance.lead])
    if alliance.branch_id is not None:
        if not branches_for(by).filter(pk=alliance.branch_id).exists():
            raise WorkError(_("Choose a women's organisation in your own area."), field="branch")
        if Alliance.objects.filter(branch_id=alliance.branch_id).exclude(pk=alliance.pk).exists():
            raise WorkError(
                _("That women's organisation belongs to another alliance already."), field="branch"
            )
    alliance.region = common_region(member.region for member in members) or home_region(by)
    return members


def alliance_covers_sync(*, by: User, alliance: Alliance, previous_branch: Branch | None = None) -> None:
    """Keep the alliance's women's organisation covering exactly its members (and a women's organisation
    the alliance left covering none of them); called on every change of members or branch."""
    members = list(alliance.members.all())
    member_ids = {member.pk for member in members}
    changes: dict[str, list[Any]] = {}
    reason = _("Alliance %(name)s") % {"name": alliance.name}
    if previous_branch is not None and previous_branch.pk != alliance.branch_id:
        covered = list(previous_branch.covers.exclude(pk__in=member_ids))
        if len(covered) != previous_branch.covers.count():
            branch_update(by=by, branch=previous_branch, data={}, covers=covered, reason=reason)
            changes["left"] = [str(previous_branch), None]
    if alliance.branch_id is not None:
        branch = Branch.objects.get(pk=alliance.branch_id)
        before = set(branch.covers.values_list("pk", flat=True))
        if before != member_ids | {branch.organisation_id}:
            branch_update(by=by, branch=branch, data={}, covers=members, reason=reason)
            changes["covers"] = [len(before), len(member_ids | {branch.organisation_id})]
    if changes:
        operation_record(
            actor=by,
            action="alliance.covers_sync",
            obj=alliance,
            changes=changes,
            reason=reason,
        )


@transaction.atomic
def alliance_create(*, by: User, data: dict, members: Iterable[Organisation] = ()) -> Alliance:
    """Record an alliance; its women's organisation (if any) then covers every member."""
    access.require(by, "work.edit")
    alliance = Alliance(created_by=by)
    _changes(alliance, data, ALLIANCE_FIELDS)
    alliance.name = alliance.name.strip()
    members = _alliance_prepare(by=by, alliance=alliance, members=members)
    history_note(alliance, by=by)
    alliance.save()
    alliance.members.set(members)
    operation_record(
        actor=by,
        action="alliance.create",
        obj=alliance,
        changes={"members": [None, len(members)]},
    )
    alliance_covers_sync(by=by, alliance=alliance)
    return alliance


@transaction.atomic
def alliance_update(
    *,
    by: User,
    alliance: Alliance,
    data: dict,
    members: Iterable[Organisation] = (),
    seen: dt.datetime | None = None,
) -> Alliance:
    """Edit an alliance; its women's organisation follows the members. ``seen``: see clash_refuse."""
    access.require(by, "work.edit", alliance)
    alliance = Alliance.objects.select_for_update().get(pk=alliance.pk)
    clash_refuse(alliance, seen=seen, error=WorkError)
    previous_branch = alliance.branch
    changes = _changes(alliance, data, ALLIANCE_FIELDS)
    alliance.name = alliance.name.strip()
    members = _alliance_prepare(by=by, alliance=alliance, members=members)
    before = set(alliance.members.values_list("pk", flat=True))
    if before != {member.pk for member in members}:
        changes["members"] = [len(before), len(members)]
    if not changes:
        return alliance
    history_note(alliance, by=by)
    alliance.save()
    alliance.members.set(members)
    operation_record(actor=by, action="alliance.update", obj=alliance, changes=changes)
    alliance_covers_sync(by=by, alliance=alliance, previous_branch=previous_branch)
    return alliance
