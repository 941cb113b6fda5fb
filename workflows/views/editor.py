"""Template pages for admins: the versions of each procedure, a version's steps in order, publishing, starting
a new draft, moving a draft's steps, and a step previewed exactly as the organisation sees it on a phone.

Fields and papers are edited in Django's admin (linked from here); a published version is frozen and refuses.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from branches.models import Organisation
from federation import access

from .. import services
from ..forms import StepForm
from ..models import FormationRun, StepEntry, StepStatus, StepTemplate, WorkflowTemplate
from ..selectors import template_draft, template_steps, templates_listed


def template_or_404(request: HttpRequest, pk: int, permission: str) -> WorkflowTemplate:
    """A template version, for who holds `permission` (templates lie in no area: they are the city's)."""
    access.require(request.user, permission)
    return get_object_or_404(WorkflowTemplate, pk=pk)


def step_template_or_404(request: HttpRequest, pk: int, permission: str) -> StepTemplate:
    """A step of a template version, for who holds `permission`."""
    access.require(request.user, permission)
    return get_object_or_404(StepTemplate.objects.select_related("template"), pk=pk)


@require_GET
def template_list(request):
    access.require(request.user, "workflow.templates")
    templates = list(templates_listed())
    groups: dict[str, list[WorkflowTemplate]] = {}
    for template in templates:
        groups.setdefault(template.key, []).append(template)
    for versions in groups.values():
        has_draft = any(t.status == WorkflowTemplate.Status.DRAFT for t in versions)
        for template in versions:
            template.may_copy = not has_draft
    context = {"groups": [{"key": key, "versions": versions} for key, versions in groups.items()]}
    return render(request, "workflows/editor/template_list.html", context)


@require_GET
def template_detail(request, pk):
    template = template_or_404(request, pk, "workflow.templates")
    steps = list(template_steps(template))
    draft = template_draft(template.key, besides=template)
    context = {
        "template": template,
        "steps": steps,
        "other_draft": draft,
        "runs_count": template.runs.count(),
    }
    return render(request, "workflows/editor/template_detail.html", context)


@require_POST
def template_publish(request, pk):
    template = template_or_404(request, pk, "workflow.templates")
    try:
        services.template_publish(by=request.user, template=template)
    except services.WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Version %(version)s is published; new runs use it, runs under way keep theirs.")
            % {"version": template.version},
        )
    return redirect("workflows:template_detail", pk=template.pk)


@require_POST
def template_new_version(request, pk):
    template = template_or_404(request, pk, "workflow.templates")
    existing = template_draft(template.key)
    copy = services.template_new_version(by=request.user, template=template)
    if existing is not None:
        messages.info(
            request, _("Version %(version)s is already a draft: edit it.") % {"version": copy.version}
        )
    else:
        messages.success(
            request,
            _("Version %(version)s is a draft to edit; publish it when ready.") % {"version": copy.version},
        )
    return redirect("workflows:template_detail", pk=copy.pk)


@require_POST
def step_move(request, pk):
    step = step_template_or_404(request, pk, "workflow.templates")
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        messages.error(request, _("Move the step up or down."))
    elif not step.template.editable:
        messages.error(request, _("Published versions are frozen: start a new version to change the steps."))
    else:
        try:
            services.step_move(by=request.user, step=step, up=direction == "up")
        except ValidationError as error:  # FrozenError: published between the page and the click
            messages.error(request, " ".join(error.messages))
    return redirect("workflows:template_detail", pk=step.template_id)


@require_GET
def step_preview(request, pk):
    """The step as the organisation's portal shows it, on an unsaved entry: nothing is written."""
    step = step_template_or_404(request, pk, "workflow.templates")
    total = step.template.steps.count()
    organisation = Organisation(name=_("Sample organisation"))
    run = FormationRun(organisation=organisation, template=step.template, form=step.template.form)
    entry = StepEntry(run=run, step=step, order=step.order, status=StepStatus.TODO)
    form = StepForm(entry=entry, initial={})
    prefilled = [spec for spec in form.specs if spec.prefill]
    context = {
        "step": step,
        "template": step.template,
        "entry": entry,
        "form": form,
        "total": total,
        "prefilled": prefilled,
    }
    return render(request, "workflows/editor/step_preview.html", context)
