"""Templates: publishing a version, starting a new one, ordering its steps."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from federation import access
from federation.models import User
from federation.services import operation_record

from ..models import (
    DocumentTemplate,
    FieldSpec,
    StepTemplate,
    WorkflowTemplate,
)
from .common import WorkflowError

# --- templates --------------------------------------------------------------------------------------------


@transaction.atomic
def template_publish(*, by: User, template: WorkflowTemplate) -> WorkflowTemplate:
    """Freeze a draft version; the key's earlier published version retires (its runs keep it)."""
    access.require(by, "workflow.templates")
    template = WorkflowTemplate.objects.select_for_update().get(pk=template.pk)
    if template.status != WorkflowTemplate.Status.DRAFT:
        raise WorkflowError(_("Only a draft can be published."))
    if not template.steps.exists():
        raise WorkflowError(_("A template needs at least one step."))
    WorkflowTemplate.objects.filter(key=template.key, status=WorkflowTemplate.Status.PUBLISHED).update(
        status=WorkflowTemplate.Status.RETIRED
    )
    WorkflowTemplate.objects.filter(pk=template.pk).update(
        status=WorkflowTemplate.Status.PUBLISHED, published_at=timezone.now(), published_by=by
    )
    template.refresh_from_db()
    operation_record(actor=by, action="workflow.publish", obj=template)
    return template


@transaction.atomic
def template_new_version(*, by: User, template: WorkflowTemplate) -> WorkflowTemplate:
    """A draft copy of a version (steps, fields, documents) with the next version number, to edit."""
    access.require(by, "workflow.templates")
    existing = WorkflowTemplate.objects.filter(key=template.key, status=WorkflowTemplate.Status.DRAFT).first()
    if existing:
        return existing
    last = WorkflowTemplate.objects.filter(key=template.key).latest("version")
    copy = WorkflowTemplate.objects.create(
        key=template.key,
        version=last.version + 1,
        name=template.name,
        form=template.form,
        description=template.description,
        quorum_numerator=template.quorum_numerator,
        quorum_denominator=template.quorum_denominator,
        min_extra_candidates_percent=template.min_extra_candidates_percent,
        competitive_rule=template.competitive_rule,
    )
    for step in template.steps.prefetch_related("fields", "documents"):
        fields, documents = list(step.fields.all()), list(step.documents.all())
        step.pk, step.id, step.template = None, None, copy
        step._state.adding = True
        step.save()
        items: list[FieldSpec | DocumentTemplate] = [*fields, *documents]
        for item in items:
            item.pk, item.id, item.step = None, None, step
            item._state.adding = True
            item.save()
    operation_record(
        actor=by,
        action="workflow.new_version",
        obj=copy,
        changes={"from": [None, template.pk]},
    )
    return copy


def step_move(*, by: User, step: StepTemplate, up: bool) -> None:
    """Swap a draft step with its neighbour above or below."""
    access.require(by, "workflow.templates")
    with transaction.atomic():
        steps = list(step.template.steps.select_for_update().order_by("order", "id"))
        index = next(i for i, s in enumerate(steps) if s.pk == step.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(steps):
            return
        steps[index], steps[other] = steps[other], steps[index]
        for order, item in enumerate(steps, start=1):
            if item.order != order:
                item.order = order
                item.save(update_fields=["order"])
