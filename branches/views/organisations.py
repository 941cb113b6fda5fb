"""Ledger pages: the list, an organisation's page, create and edit, archive, restore, merge, duplicates."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches.errors import LedgerError
from branches.forms import (
    ContactForm,
    OptionalReasonForm,
    OrganisationFilterForm,
    OrganisationForm,
    ReasonForm,
)
from branches.history import organisation_history
from branches.models import Branch, Organisation, RegisterPresence
from branches.names import name_normalise
from branches.selectors import (
    duplicate_candidates_for,
    organisation_list_page,
    organisation_lookalikes,
    organisations_for,
    search_condition,
)
from branches.services import organisations as organisation_services
from branches.services.follow import merge_conflicts, merge_hanging_counts
from branches.services.organisations import EDITABLE_FIELDS
from branches.services.recommend import form_recommend
from federation import access
from federation.identifiers import mobile_mask, uscc_registering_body
from federation.pagination import keyset_position, pk_param
from federation.services import disclosure_record

PAGE_SIZE = 50


# Cards that other apps add to an organisation's page (workflows adds its formation runs): branches does not
# import them. Each is a template and a function of (request, organisation) returning its context, or None.
ORGANISATION_PANELS: list[tuple[str, Callable]] = []


def organisation_panel_register(template: str, context: Callable) -> None:
    """Show a card on an organisation's page (called from an app's ready())."""
    if (template, context) not in ORGANISATION_PANELS:
        ORGANISATION_PANELS.append((template, context))


def _organisation_panels(request, organisation: Organisation) -> list[dict]:
    panels = []
    for template, context in ORGANISATION_PANELS:
        data = context(request, organisation)
        if data is not None:
            panels.append({"template": template, "context": data})
    return panels


def organisation_or_404(request, pk: int, permission: str = "ledger.view") -> Organisation:
    """The organisation in the user's area (else 404) that the user may act on with `permission` (else 403)."""
    organisation = get_object_or_404(
        organisations_for(request.user).select_related("region", "district", "merged_into"), pk=pk
    )
    access.require(request.user, permission, organisation)
    return organisation


@require_GET
def organisation_list(request):
    access.require(request.user, "ledger.view")
    form = OrganisationFilterForm(request.GET or None, user=request.user)
    ledger = organisation_list_page(
        user=request.user,
        filters=form.filters(),
        places=form.places,
        size=PAGE_SIZE,
        **keyset_position(request),
    )
    context = {
        "form": form,
        "page": ledger.page,
        "total": ledger.total,
        "total_capped": ledger.capped,
        "total_cap": f"{ledger.cap:,}",
        "can_edit": access.has(request.user, "ledger.edit"),
        "can_import": access.has(request.user, "ledger.import"),
        "can_export": access.has(request.user, "ledger.export"),
    }
    template = "branches/_organisation_table.html" if request.htmx else "branches/organisation_list.html"
    return render(request, template, context)


@require_GET
def organisation_detail(request, pk):
    organisation = organisation_or_404(request, pk)
    presences = RegisterPresence.objects.filter(organisation=organisation).select_related(
        "source", "last_import"
    )
    sources = [
        {"label": Organisation._meta.get_field(name).verbose_name, **source}
        for name, source in organisation.value_sources.items()
        if name in EDITABLE_FIELDS or name in PROVENANCE_ONLY_FIELDS
    ]
    context = {
        "organisation": organisation,
        "categories": organisation.categories.order_by("order"),
        "registering_body": uscc_registering_body(organisation.uscc) if organisation.uscc else None,
        "mobile_masked": mobile_mask(organisation.contact_mobile),
        "can_reveal": access.has(request.user, "personal.reveal", organisation)
        and organisation.contact_mobile,
        "can_edit": access.has(request.user, "ledger.edit", organisation) and not organisation.merged_into_id,
        "can_archive": access.has(request.user, "ledger.archive", organisation)
        and not organisation.merged_into_id,
        "can_merge": access.has(request.user, "ledger.merge", organisation) and not organisation.archived,
        "presences": presences,
        "sources": sources,
        "merged_here": organisations_for(request.user).filter(merged_into=organisation).only("pk", "name"),
        "history": organisation_history(organisation),
        "branches": Branch.objects.filter(covers=organisation)
        .select_related("organisation")
        .order_by("-established_on", "id"),
        "liaisons": [
            {"liaison": liaison, "masked": mobile_mask(liaison.mobile)}
            for liaison in organisation.liaisons.select_related("user")
        ],
        "contacts": organisation.contacts.select_related("staff").order_by("-contacted_on", "-id")[:10],
        "contact_form": ContactForm(initial={"contacted_on": timezone.localdate(), "channel": "phone"}),
        "recommendation": form_recommend(
            unit_type=organisation.unit_type, women=organisation.women, party_org=organisation.party_org
        ),
        "today": timezone.localdate(),
        "can_reveal_liaisons": access.has(request.user, "personal.reveal", organisation),
        "panels": _organisation_panels(request, organisation),
    }
    return render(request, "branches/organisation_detail.html", context)


@require_POST
def organisation_reveal(request, pk):
    """Show the contact's full mobile number once, and log that it was shown: on the organisation's page,
    or (``?into=form``) in the edit form's input, where it can then be corrected."""
    organisation = organisation_or_404(request, pk, "personal.reveal")
    if not organisation.contact_mobile:
        raise Http404
    disclosure_record(
        user=request.user,
        kind="reveal",
        what=_("Contact mobile of %(name)s") % {"name": organisation.name},
        obj=organisation,
    )
    into_form = request.GET.get("into") == "form"
    if request.htmx:
        template = "branches/_mobile_input.html" if into_form else "branches/_mobile_revealed.html"
        return render(request, template, {"organisation": organisation})
    messages.info(
        request,
        _("%(name)s's contact mobile: %(mobile)s")
        % {"name": organisation.contact_name or organisation.name, "mobile": organisation.contact_mobile},
    )
    return redirect(
        "branches:organisation_edit" if into_form else "branches:organisation_detail", pk=organisation.pk
    )


def _lookalikes(request, form: OrganisationForm, organisation: Organisation | None = None):
    """On a post whose name could be read: the records that look like the one being saved (None if none)."""
    if request.method != "POST" or "name" not in form.cleaned_data or not form.lookalikes_needed():
        return None
    # a code refused as another's is still the code to look for
    code = form.cleaned_data.get("uscc") or form.data.get(form.add_prefix("uscc"), "")
    found = organisation_lookalikes(
        user=request.user, name=form.cleaned_data["name"], uscc=code[:40], exclude=organisation
    )
    return found or None


def _saving_reason(form: OrganisationForm, lookalikes) -> str:
    """The reason the history keeps: why a record that looked like others was saved, then the edit's own."""
    parts = []
    if lookalikes:
        parts.append(organisation_services.lookalike_reason(form.cleaned_data["duplicate_reason"]))
    if form.cleaned_data.get("reason", "").strip():
        parts.append(form.cleaned_data["reason"].strip())
    return "；".join(parts)


def _form_page(request, form, organisation: Organisation | None, lookalikes, *, ask_reason: bool = False):
    context = {"form": form, "organisation": organisation, "lookalikes": lookalikes, "ask_reason": ask_reason}
    context["can_reveal"] = (
        organisation is not None
        and bool(organisation.contact_mobile)
        and access.has(request.user, "personal.reveal", organisation)
    )
    return render(request, "branches/organisation_form.html", context)


def _lookalikes_live(request, organisation: Organisation | None = None):
    """The warning as the name is typed (htmx): records that look like the name and code in the query."""
    name = " ".join(request.GET.get("name", "").split())[:200]
    code = request.GET.get("uscc", "")[:40]
    unchanged = organisation is not None and (
        name_normalise(name)[:200] == organisation.name_normalised and code.strip() in ("", organisation.uscc)
    )
    lookalikes = None
    if len(name) >= 2 and not unchanged:
        lookalikes = organisation_lookalikes(user=request.user, name=name, uscc=code, exclude=organisation)
    if not lookalikes:
        return HttpResponse("")
    context = {"lookalikes": lookalikes, "live": True}
    return render(request, "branches/_organisation_lookalikes.html", context)


@require_http_methods(["GET", "POST"])
def organisation_create(request):
    """Add an organisation. A record that looks like others (same code, same or near name) comes back with
    them listed and is saved only once the user says why it is a different organisation; with htmx the
    warning also comes as the name is typed."""
    access.require(request.user, "ledger.edit")
    if request.htmx and request.method == "GET" and "name" in request.GET:
        return _lookalikes_live(request)
    form = OrganisationForm(request.POST or None, user=request.user)
    valid = request.method == "POST" and form.is_valid()
    lookalikes = _lookalikes(request, form)
    if valid and form.lookalikes_accepted(lookalikes):
        try:
            organisation = organisation_services.organisation_create(
                by=request.user,
                data=form.service_data(),
                categories=list(form.cleaned_data["categories"]),
                reason=_saving_reason(form, lookalikes),
                lookalikes=[item["organisation"] for item in lookalikes.items] if lookalikes else None,
            )
        except LedgerError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(name)s was added to the ledger.") % {"name": organisation.name})
            return redirect("branches:organisation_detail", pk=organisation.pk)
    return _form_page(request, form, None, lookalikes, ask_reason=valid and bool(lookalikes))


@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk):
    organisation = organisation_or_404(request, pk, "ledger.edit")
    if request.htmx and request.method == "GET" and "name" in request.GET:
        return _lookalikes_live(request, organisation)
    form = OrganisationForm(request.POST or None, instance=organisation, user=request.user)
    valid = request.method == "POST" and form.is_valid()
    lookalikes = _lookalikes(request, form, organisation)
    if valid and form.lookalikes_accepted(lookalikes):
        try:
            organisation_services.organisation_update(
                organisation=Organisation.objects.get(pk=organisation.pk),
                by=request.user,
                data=form.service_data(),
                categories=list(form.cleaned_data["categories"]),
                reason=_saving_reason(form, lookalikes),
                seen=form.seen_at(),
                lookalikes=[item["organisation"] for item in lookalikes.items] if lookalikes else None,
            )
        except LedgerError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("branches:organisation_detail", pk=organisation.pk)
    return _form_page(request, form, organisation, lookalikes, ask_reason=valid and bool(lookalikes))


@require_http_methods(["GET", "POST"])
def organisation_archive(request, pk):
    organisation = organisation_or_404(request, pk, "ledger.archive")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation_services.organisation_archive(
                organisation=organisation,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except LedgerError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(name)s was archived.") % {"name": organisation.name})
            return redirect("branches:organisation_detail", pk=organisation.pk)
    return render(request, "branches/organisation_archive.html", {"form": form, "organisation": organisation})


@require_POST
def organisation_restore(request, pk):
    organisation = organisation_or_404(request, pk, "ledger.archive")
    form = OptionalReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        organisation_services.organisation_restore(organisation=organisation, by=request.user, reason=reason)
    except LedgerError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s is back in the ledger.") % {"name": organisation.name})
    return redirect("branches:organisation_detail", pk=organisation.pk)


# Fields a register writes that a person does not edit on the form, shown with where they came from too.
PROVENANCE_ONLY_FIELDS = ("categories",)

MERGE_COMPARE_FIELDS = ["name", "uscc", "field", "unit_type", "district", "region", "address", "employees", "women",
                        "party_org", "trade_union", "contact_name"]  # fmt: skip


def _hanging(organisation: Organisation, other: Organisation) -> list[dict]:
    """What hangs on each of the two records (all of it moves to the one kept), for the comparison."""
    rows = []
    for label, count in merge_hanging_counts():
        mine, theirs = count(organisation), count(other)
        if mine or theirs:
            rows.append({"label": label, "mine": mine, "theirs": theirs})
    return rows


@require_http_methods(["GET", "POST"])
def organisation_merge(request, pk):
    """Pick the record that is the same organisation, compare the two, choose which to keep, merge."""
    organisation = organisation_or_404(request, pk, "ledger.merge")
    scoped = organisations_for(request.user).filter(archived_at__isnull=True).exclude(pk=organisation.pk)
    other = None
    other_pk = pk_param(request.POST.get("other") or request.GET.get("other"))
    if other_pk:
        other = get_object_or_404(scoped.select_related("region", "district"), pk=other_pk)
        access.require(request.user, "ledger.merge", other)
    if request.method == "POST":
        if other is None:
            raise Http404
        keep, duplicate = (
            (other, organisation) if request.POST.get("keep") == "other" else (organisation, other)
        )
        form = OptionalReasonForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            kept = organisation_services.organisation_merge(
                keep=keep,
                duplicate=duplicate,
                by=request.user,
                reason=reason,
                keep_branch=pk_param(request.POST.get("keep_branch")),
                keep_liaison=pk_param(request.POST.get("keep_liaison")),
            )
        except LedgerError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(duplicate)s was merged into %(kept)s.")
                % {"duplicate": duplicate.name, "kept": kept.name},
            )
            return redirect("branches:organisation_detail", pk=kept.pk)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        candidates = scoped.filter(search_condition(query))
    else:
        candidates = scoped.filter(name_normalised=organisation.name_normalised)
    comparison = []
    if other is not None:
        for name in MERGE_COMPARE_FIELDS:
            field = Organisation._meta.get_field(name)
            mine, theirs = field.value_from_object(organisation), field.value_from_object(other)
            display_mine = getattr(
                organisation, f"get_{name}_display", lambda n=name: getattr(organisation, n)
            )()
            display_theirs = getattr(other, f"get_{name}_display", lambda n=name: getattr(other, n))()
            comparison.append(
                {
                    "label": field.verbose_name,
                    "mine": display_mine,
                    "theirs": display_theirs,
                    "same": mine == theirs,
                }
            )
    context = {
        "organisation": organisation,
        "other": other,
        "conflicts": merge_conflicts(organisation, other) if other is not None else {},
        "hanging": _hanging(organisation, other) if other is not None else [],
        "chosen": {
            "branch": pk_param(request.POST.get("keep_branch")),
            "liaison": pk_param(request.POST.get("keep_liaison")),
        },
        "query": query,
        "candidates": candidates.select_related("district", "region").order_by("sort_key", "id")[:20],
        "comparison": comparison,
    }
    return render(request, "branches/organisation_merge.html", context)


@require_GET
def duplicate_list(request):
    access.require(request.user, "ledger.view")
    pairs = duplicate_candidates_for(request.user)
    context = {"pairs": pairs, "can_merge": access.has(request.user, "ledger.merge")}
    return render(request, "branches/duplicate_list.html", context)


@require_POST
def duplicate_different(request):
    """Remember that a proposed pair is two different organisations."""
    access.require(request.user, "ledger.merge")
    scoped = organisations_for(request.user)
    first = get_object_or_404(scoped, pk=pk_param(request.POST.get("first")) or 0)
    second = get_object_or_404(scoped, pk=pk_param(request.POST.get("second")) or 0)
    form = OptionalReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        organisation_services.duplicate_mark_different(
            first=first, second=second, by=request.user, reason=reason
        )
    except LedgerError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(a)s and %(b)s are kept as different organisations.") % {"a": first.name, "b": second.name},
        )
    return redirect("branches:duplicate_list")
