"""Liaisons, the contact log, organisations overdue for contact, and the form helper."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches.errors import LedgerError
from branches.forms import ContactForm, ContactOverdueFilterForm, FormHelperForm, LiaisonEditForm, LiaisonForm
from branches.models import ContactLog, Liaison
from branches.selectors import contacts_overdue_for, follow_ups_overdue_for, organisations_for, regions_for
from branches.services import contacts as contact_services
from branches.services.contacts import CONSENT_NOTICE
from branches.services.recommend import form_recommend
from branches.views.organisations import organisation_or_404
from federation import access
from federation.models import Region, User
from federation.services import disclosure_record


@require_http_methods(["GET", "POST"])
def liaison_add(request, pk):
    organisation = organisation_or_404(request, pk, "ledger.edit")
    form = LiaisonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_services.liaison_add(
                by=request.user,
                organisation=organisation,
                name=form.cleaned_data["name"],
                post=form.cleaned_data["post"],
                mobile=form.cleaned_data["mobile"],
                consent=form.cleaned_data["consent"],
            )
        except (LedgerError, ValidationError) as error:
            form.add_error(None, getattr(error, "message", error))
        else:
            messages.success(request, _("%(name)s is now the liaison.") % {"name": form.cleaned_data["name"]})
            return redirect("branches:organisation_detail", pk=organisation.pk)
    context = {"organisation": organisation, "form": form, "notice": CONSENT_NOTICE}
    return render(request, "branches/liaison_form.html", context)


def _liaison(request, pk, permission="ledger.edit") -> Liaison:
    liaison = get_object_or_404(
        Liaison.objects.filter(organisation__in=organisations_for(request.user)).select_related(
            "organisation"
        ),
        pk=pk,
    )
    access.require(request.user, permission, liaison.organisation)
    return liaison


@require_http_methods(["GET", "POST"])
def liaison_edit(request, pk):
    liaison = _liaison(request, pk)
    initial = {"name": liaison.name, "post": liaison.post, "active": liaison.active}
    form = LiaisonEditForm(request.POST or None, initial=initial, liaison=liaison)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in ("name", "post", "active")}
        if form.cleaned_data["mobile"]:
            data["mobile"] = form.cleaned_data["mobile"]
        try:
            contact_services.liaison_update(
                by=request.user,
                liaison=liaison,
                data=data,
                reason=form.cleaned_data["reason"],
                seen=form.seen_at(),
            )
        except LedgerError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("branches:organisation_detail", pk=liaison.organisation_id)
    context = {"organisation": liaison.organisation, "liaison": liaison, "form": form}
    return render(request, "branches/liaison_form.html", context)


@require_POST
def liaison_reveal(request, pk):
    """Show a liaison's full mobile number once, and log that it was shown."""
    liaison = _liaison(request, pk, "personal.reveal")
    disclosure_record(
        user=request.user,
        kind="reveal",
        what=_("Mobile of liaison %(name)s (%(organisation)s)")
        % {"name": liaison.name, "organisation": liaison.organisation.name},
        obj=liaison,
    )
    if request.htmx:
        return render(request, "branches/_liaison_mobile.html", {"liaison": liaison})
    messages.info(
        request, _("%(name)s's mobile: %(mobile)s") % {"name": liaison.name, "mobile": liaison.mobile}
    )
    return redirect("branches:organisation_detail", pk=liaison.organisation_id)


@require_http_methods(["GET", "POST"])
def contact_add(request, pk):
    """Log a contact in one step; the organisation page carries the same form."""
    organisation = organisation_or_404(request, pk, "ledger.edit")
    form = ContactForm(
        request.POST or None, initial={"contacted_on": timezone.localdate(), "channel": "phone"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            contact_services.contact_add(by=request.user, organisation=organisation, **form.cleaned_data)
        except LedgerError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The contact was logged."))
            return redirect("branches:organisation_detail", pk=organisation.pk)
    return render(request, "branches/contact_form.html", {"organisation": organisation, "form": form})


@require_POST
def contact_done(request, pk):
    contact = get_object_or_404(
        ContactLog.objects.filter(organisation__in=organisations_for(request.user)).select_related(
            "organisation"
        ),
        pk=pk,
    )
    access.require(request.user, "ledger.edit", contact.organisation)
    try:
        contact_services.contact_follow_up_done(by=request.user, contact=contact)
    except LedgerError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The follow-up is done; no more reminders about it."))
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect("branches:organisation_detail", pk=contact.organisation_id)


@require_GET
def contact_overdue(request):
    """Organisations past their contact cadence and follow-ups past due, by district and by officer."""
    access.require(request.user, "ledger.view")
    today = timezone.localdate()
    form = ContactOverdueFilterForm(request.GET or None)
    filters = form.filters()
    organisations = contacts_overdue_for(request.user, today=today, filters=filters)
    by_district = organisations.values("district__name").annotate(n=Count("id")).order_by("-n")
    by_officer = (
        organisations.values("officer_id", "officer__full_name", "officer__username")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    rows = organisations.select_related("district", "officer").order_by("contact_due_on", "id")[:200]
    follow_ups = follow_ups_overdue_for(request.user, today=today)[:100]
    context = {
        "rows": rows,
        "total": organisations.count(),
        "by_district": by_district,
        "by_officer": by_officer,
        "follow_ups": follow_ups,
        "districts": regions_for(request.user, Region.Level.DISTRICT),
        "district": filters.get("district"),
        "officer": filters.get("officer") or "",
        "today": today,
    }
    return render(request, "branches/contact_overdue.html", context)


@require_GET
def form_helper(request):
    """Which form to set up: a short questionnaire with the rule that matched, for staff and contacts."""
    if not (access.has(request.user, "ledger.view") or access.has(request.user, "contact.home")):
        raise Http404
    form = FormHelperForm(request.GET or None)
    recommendation = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        recommendation = form_recommend(
            place=data["place"],
            unit_type=data["unit_type"],
            women=data["women"],
            party_org=data["party_org"],
            scattered_outlets=data["scattered"] or None,
        )
    return render(request, "branches/form_helper.html", {"form": form, "recommendation": recommendation})


def staff_follow_ups(user: User):
    """For the staff home: the user's follow-ups due today and overdue."""
    from branches.selectors import follow_ups_for

    return follow_ups_for(user, today=timezone.localdate())[:20]
