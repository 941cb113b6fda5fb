"""Women's organisation pages: the list, one organisation's page, record and edit, stage and checklist."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from branches.errors import LedgerError
from branches.forms import BranchFilterForm, BranchForm, StageForm
from branches.models import Branch, BranchKind, Stage, StageChange, StageChecklistItem
from branches.selectors import branch_list_for, branches_for, regions_for
from branches.services import branches as branch_services
from branches.services.recommend import form_recommend
from branches.views.organisations import organisation_or_404
from federation import access
from federation.models import Region
from federation.pagination import keyset_page_for, pk_param


def _branch(request, pk, permission="ledger.view") -> Branch:
    branch = get_object_or_404(branches_for(request.user).select_related("organisation", "region"), pk=pk)
    access.require(request.user, permission, branch)
    return branch


@require_GET
def branch_list(request):
    access.require(request.user, "ledger.view")
    form = BranchFilterForm(request.GET or None)
    branches = branch_list_for(request.user, filters=form.filters(), today=timezone.localdate())
    page = keyset_page_for(request, branches, [("name", False), ("id", False)])
    context = {
        "page": page,
        "total": branches.count(),
        "filters": form.shown(),
        "forms": BranchKind.choices,
        "stages": Stage.choices,
        "districts": regions_for(request.user, Region.Level.DISTRICT),
    }
    return render(request, "branches/branch_list.html", context)


@require_GET
def branch_detail(request, pk):
    branch = _branch(request, pk)
    items = list(StageChecklistItem.objects.filter(active=True, stage__in=[s for s, _ in Stage.choices]))
    checklist = [
        {
            "stage": label,
            "items": [
                {"item": i, "ticked": str(i.pk) in branch.checklist} for i in items if i.stage == stage
            ],
        }
        for stage, label in Stage.choices
        if any(i.stage == stage for i in items)
    ]
    context = {
        "branch": branch,
        "members": branch.members.all(),
        "covers": branch.covers.select_related("district").order_by("sort_key")[:200],
        "covers_count": branch.covers.count(),
        "checklist": checklist,
        "stage_form": StageForm(initial={"stage": branch.stage}),
        "changes": StageChange.objects.filter(branch=branch, organisation=branch.organisation).select_related(
            "by", "organisation"
        )[:30],
        "can_edit": access.has(request.user, "ledger.edit", branch),
    }
    return render(request, "branches/branch_detail.html", context)


@require_http_methods(["GET", "POST"])
def branch_create(request, pk):
    organisation = organisation_or_404(request, pk, "ledger.edit")
    recommendation = form_recommend(
        unit_type=organisation.unit_type, women=organisation.women, party_org=organisation.party_org
    )
    suffix = {"federation": "妇女联合会", "committee": "妇女委员会", "group": "妇女小组"}.get(
        recommendation.form, ""
    )
    initial = {"form": recommendation.form, "way": recommendation.way, "name": f"{organisation.name}{suffix}"}
    form = BranchForm(request.POST or None, initial=initial, user=request.user, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in BranchForm.Meta.fields}
        reason = form.cleaned_data["reason"].strip()
        if data["form"] not in {recommendation.form, *recommendation.alternatives} and not reason:
            form.add_error("reason", _("This is not the suggested form: say why it was chosen."))
    if request.method == "POST" and form.is_valid():
        try:
            branch = branch_services.branch_create(
                by=request.user,
                organisation=organisation,
                data=data,
                covers=list(form.cleaned_data["covers"]),
                reason=reason,
            )
        except LedgerError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(name)s was recorded.") % {"name": branch.name})
            return redirect("branches:branch_detail", pk=branch.pk)
    context = {"form": form, "organisation": organisation, "recommendation": recommendation, "branch": None}
    return render(request, "branches/branch_form.html", context)


@require_http_methods(["GET", "POST"])
def branch_edit(request, pk):
    branch = _branch(request, pk, "ledger.edit")
    form = BranchForm(
        request.POST or None,
        instance=branch,
        initial={"covers": branch.covers.exclude(pk=branch.organisation_id)},
        user=request.user,
        organisation=branch.organisation,
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in BranchForm.Meta.fields}
        try:
            branch_services.branch_update(
                by=request.user,
                branch=Branch.objects.get(pk=branch.pk),
                data=data,
                covers=list(form.cleaned_data["covers"]),
                reason=form.cleaned_data["reason"],
                seen=form.seen_at(),
            )
        except LedgerError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("branches:branch_detail", pk=branch.pk)
    context = {"form": form, "organisation": branch.organisation, "recommendation": None, "branch": branch}
    return render(request, "branches/branch_form.html", context)


@require_POST
def branch_stage(request, pk):
    branch = _branch(request, pk, "ledger.edit")
    form = StageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a stage and say why it changes."))
        return redirect("branches:branch_detail", pk=branch.pk)
    try:
        branch_services.branch_stage_set(
            by=request.user,
            branch=branch,
            stage=form.cleaned_data["stage"],
            reason=form.cleaned_data["reason"],
        )
    except LedgerError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The stage was changed."))
    return redirect("branches:branch_detail", pk=branch.pk)


@require_POST
def branch_checklist(request, pk):
    branch = _branch(request, pk, "ledger.edit")
    item = get_object_or_404(StageChecklistItem, pk=pk_param(request.POST.get("item")) or 0, active=True)
    branch_services.branch_checklist_tick(
        by=request.user, branch=branch, item=item, ticked=request.POST.get("ticked") == "1"
    )
    return redirect("branches:branch_detail", pk=branch.pk)
