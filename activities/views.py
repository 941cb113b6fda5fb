"""Pages of federation work: services delivered, their photos, recognitions, alliances."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from activities import services as activity_services
from activities.errors import WorkError
from activities.exports import (
    activities_xlsx_build,
    export_file_name,
    recognitions_export_record,
    recognitions_xlsx_build,
)
from activities.forms import (
    ActivityFilterForm,
    ActivityForm,
    AllianceForm,
    PhotoForm,
    RecognitionFilterForm,
    RecognitionForm,
)
from activities.models import Activity, ActivityPhoto, Alliance
from activities.selectors import (
    activities_for,
    activity_list_rows,
    activity_search,
    activity_versions,
    alliance_list_rows,
    alliance_recent_activities,
    alliances_for,
    recognition_list_rows,
    recognition_search,
    recognitions_for,
)
from federation import access
from federation.downloads import XLSX, attachment
from federation.errors import form_error_add
from federation.pagination import keyset_page_for
from federation.uploads import stored_file_response

ACTIVITY_FORM_FIELDS = ["type", "date", "title", "unit", "participants", "women_served", "pairs", "notes"]


# --- services -----------------------------------------------------------------------------------------


def _activity(request, pk, permission="work.view") -> Activity:
    activity = get_object_or_404(
        activities_for(request.user).select_related("type", "unit", "region", "created_by"), pk=pk
    )
    access.require(request.user, permission, activity)
    return activity


@require_GET
def activity_list(request):
    access.require(request.user, "work.view")
    form = ActivityFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    matching = activity_search(user=request.user, filters=filters)
    page = keyset_page_for(request, activity_list_rows(matching), [("date", True), ("id", True)])
    context = {
        "form": form,
        "page": page,
        "total": matching.count(),
        "organisation": filters.get("organisation"),
        "can_edit": access.has(request.user, "work.edit"),
        "can_export": access.has(request.user, "work.export"),
    }
    return render(request, "activities/activity_list.html", context)


@require_GET
def activity_export(request):
    """The services narrowed by the list's filters, as XLSX (counts and names of organisations only)."""
    access.require(request.user, "work.export")
    form = ActivityFilterForm(request.GET or None, user=request.user)
    activities = activity_search(user=request.user, filters=form.filters())
    workbook, _rows = activities_xlsx_build(activities)
    name = export_file_name(user=request.user, what=_("services"))
    return attachment(FileResponse(workbook, content_type=XLSX), name)


@require_GET
def activity_detail(request, pk):
    activity = _activity(request, pk)
    context = {
        "activity": activity,
        "organisations": activity.organisations.select_related("district").order_by("sort_key"),
        "partners": activity.partners.all(),
        "alliances": activity.alliances.all(),
        "photos": activity.photos.all(),
        "versions": activity_versions(activity),
        "photo_form": PhotoForm(),
        "can_edit": access.has(request.user, "work.edit", activity),
    }
    return render(request, "activities/activity_detail.html", context)


def _activity_save(request, form, activity=None):
    data = {name: form.cleaned_data[name] for name in ACTIVITY_FORM_FIELDS}
    links = {name: list(form.cleaned_data[name]) for name in ("organisations", "partners", "alliances")}
    if activity is None:
        return activity_services.activity_create(by=request.user, data=data, **links)
    return activity_services.activity_update(
        by=request.user, activity=activity, data=data, seen=form.seen_at(), **links
    )


@require_http_methods(["GET", "POST"])
def activity_create(request):
    access.require(request.user, "work.edit")
    form = ActivityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            activity = _activity_save(request, form)
        except WorkError as error:
            form_error_add(form, error)
        else:
            messages.success(request, _("The service was recorded."))
            return redirect("activities:activity_detail", pk=activity.pk)
    return render(request, "activities/activity_form.html", {"form": form, "activity": None})


@require_http_methods(["GET", "POST"])
def activity_edit(request, pk):
    activity = _activity(request, pk, "work.edit")
    form = ActivityForm(request.POST or None, instance=activity, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            _activity_save(request, form, activity)
        except WorkError as error:
            form_error_add(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("activities:activity_detail", pk=activity.pk)
    return render(request, "activities/activity_form.html", {"form": form, "activity": activity})


@require_POST
def activity_photo_add(request, pk):
    activity = _activity(request, pk, "work.edit")
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            activity_services.activity_photo_add(
                by=request.user, activity=activity, upload=form.cleaned_data["photo"]
            )
        except WorkError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The photo was added."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("activities:activity_detail", pk=activity.pk)


def _photo(request, pk) -> ActivityPhoto:
    return get_object_or_404(
        ActivityPhoto.objects.filter(activity__in=activities_for(request.user)).select_related("activity"),
        pk=pk,
    )


@require_GET
def activity_photo(request, pk):
    """A service's photo, shown inline as what its bytes are."""
    photo = _photo(request, pk)
    access.require(request.user, "work.view", photo.activity)
    return stored_file_response(photo.file, name=photo.original_name, cache="private, max-age=3600")


@require_POST
def activity_photo_remove(request, pk):
    photo = _photo(request, pk)
    access.require(request.user, "work.edit", photo.activity)
    activity_services.activity_photo_remove(by=request.user, photo=photo)
    messages.success(request, _("The photo was removed."))
    return redirect("activities:activity_detail", pk=photo.activity_id)


# --- recognitions -------------------------------------------------------------------------------------


@require_GET
def recognition_list(request):
    access.require(request.user, "work.view")
    form = RecognitionFilterForm(request.GET or None, user=request.user)
    matching = recognition_search(user=request.user, filters=form.filters())
    page = keyset_page_for(request, recognition_list_rows(matching), [("year", True), ("id", True)])
    context = {
        "form": form,
        "page": page,
        "total": matching.count(),
        "can_edit": access.has(request.user, "work.edit"),
        "can_export": access.has(request.user, "work.export"),
    }
    return render(request, "activities/recognition_list.html", context)


@require_GET
def recognition_export(request):
    """The recognitions narrowed by the list's filters, as XLSX; it names individuals, so it is logged."""
    access.require(request.user, "work.export")
    form = RecognitionFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    workbook, rows = recognitions_xlsx_build(recognition_search(user=request.user, filters=filters))
    recognitions_export_record(user=request.user, filters=filters, row_count=rows)
    name = export_file_name(user=request.user, what=_("recognitions"))
    return attachment(FileResponse(workbook, content_type=XLSX), name)  # personal data: private


@require_http_methods(["GET", "POST"])
def recognition_create(request):
    access.require(request.user, "work.edit")
    form = RecognitionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            activity_services.recognition_create(by=request.user, data=form.cleaned_data)
        except WorkError as error:
            form_error_add(form, error)
        else:
            messages.success(request, _("The recognition was recorded."))
            return redirect("activities:recognition_list")
    return render(request, "activities/recognition_form.html", {"form": form, "recognition": None})


@require_http_methods(["GET", "POST"])
def recognition_edit(request, pk):
    recognition = get_object_or_404(recognitions_for(request.user), pk=pk)
    access.require(request.user, "work.edit", recognition)
    form = RecognitionForm(request.POST or None, instance=recognition, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            activity_services.recognition_update(
                by=request.user,
                recognition=recognition,
                data=form.cleaned_data,
                seen=form.seen_at(),
            )
        except WorkError as error:
            form_error_add(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("activities:recognition_list")
    return render(request, "activities/recognition_form.html", {"form": form, "recognition": recognition})


# --- alliances ----------------------------------------------------------------------------------------


def _alliance(request, pk, permission="work.view") -> Alliance:
    alliance = get_object_or_404(
        alliances_for(request.user).select_related("lead", "branch", "region"), pk=pk
    )
    access.require(request.user, permission, alliance)
    return alliance


@require_GET
def alliance_list(request):
    access.require(request.user, "work.view")
    alliances = alliance_list_rows(request.user)
    page = keyset_page_for(request, alliances, [("name", False), ("id", False)])
    context = {"page": page, "can_edit": access.has(request.user, "work.edit")}
    return render(request, "activities/alliance_list.html", context)


@require_GET
def alliance_detail(request, pk):
    alliance = _alliance(request, pk)
    context = {
        "alliance": alliance,
        "members": alliance.members.select_related("district").order_by("sort_key"),
        "activities": alliance_recent_activities(alliance),
        "can_edit": access.has(request.user, "work.edit", alliance),
    }
    return render(request, "activities/alliance_detail.html", context)


def _alliance_data(form) -> tuple[dict, list]:
    data = {name: form.cleaned_data[name] for name in ("name", "lead", "branch", "notes")}
    return data, list(form.cleaned_data["members"])


@require_http_methods(["GET", "POST"])
def alliance_create(request):
    access.require(request.user, "work.edit")
    form = AllianceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data, members = _alliance_data(form)
        try:
            alliance = activity_services.alliance_create(by=request.user, data=data, members=members)
        except WorkError as error:
            form_error_add(form, error)
        else:
            messages.success(request, _("The alliance was recorded."))
            return redirect("activities:alliance_detail", pk=alliance.pk)
    return render(request, "activities/alliance_form.html", {"form": form, "alliance": None})


@require_http_methods(["GET", "POST"])
def alliance_edit(request, pk):
    alliance = _alliance(request, pk, "work.edit")
    form = AllianceForm(request.POST or None, instance=alliance, user=request.user)
    if request.method == "POST" and form.is_valid():
        data, members = _alliance_data(form)
        try:
            activity_services.alliance_update(
                by=request.user,
                alliance=alliance,
                data=data,
                members=members,
                seen=form.seen_at(),
            )
        except WorkError as error:
            form_error_add(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("activities:alliance_detail", pk=alliance.pk)
    return render(request, "activities/alliance_form.html", {"form": form, "alliance": alliance})
