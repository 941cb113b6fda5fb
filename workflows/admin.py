"""Admin configuration of guided formation: the templates' steps, fields and papers (drafts only: a published
version is frozen), and read-only views of runs and their history."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from federation.editing import SeenAdminForm
from federation.uploads import docx_active_content_error

from .models import (
    DocumentTemplate,
    FieldSpec,
    FormationRun,
    InvitationUse,
    StepTemplate,
    StepTransition,
    WorkflowTemplate,
)

FROZEN_NOTE = _("Published versions are frozen — start a new version to change them.")
SMALL_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 28})}}


def _editable(template: WorkflowTemplate | None) -> bool:
    return template is None or template.editable


class _FrozenInline:
    """An inline of a template part: add, change and delete only while the template is a draft."""

    def _parent_template(self, obj):
        raise NotImplementedError

    def has_add_permission(self, request, obj=None):
        return _editable(self._parent_template(obj)) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _editable(self._parent_template(obj)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(self._parent_template(obj)) and super().has_delete_permission(request, obj)


class StepTemplateInline(_FrozenInline, admin.TabularInline):
    model = StepTemplate
    fields = ["order", "title", "code", "actor", "deadline_days", "needs_review"]
    extra = 0
    show_change_link = True

    def _parent_template(self, obj):
        return obj


@admin.register(WorkflowTemplate)
class WorkflowTemplateAdmin(admin.ModelAdmin):
    form = SeenAdminForm  # two admins editing one draft: the second save is refused, not merged silently
    list_display = ["name", "key", "version", "status", "form", "published_at"]
    list_filter = ["status", "form", "key"]
    search_fields = ["name", "key"]
    readonly_fields = ["status", "created_at", "published_at", "published_by"]
    inlines = [StepTemplateInline]

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (
            _editable(obj) and not (obj and obj.runs.exists()) and super().has_delete_permission(request, obj)
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and not obj.editable and request.method == "GET":
            messages.warning(request, FROZEN_NOTE)
        return super().change_view(request, object_id, form_url, extra_context)


class FieldSpecInline(_FrozenInline, admin.TabularInline):
    model = FieldSpec
    fields = ["order", "name", "label", "type", "required", "choices", "columns", "prefill"]
    extra = 0
    formfield_overrides = SMALL_TEXT

    def _parent_template(self, obj):
        return obj.template if obj is not None else None


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ["order", "title", "file"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload or not hasattr(upload, "content_type"):  # unchanged (an already stored file) or none
            return upload
        if Path(upload.name).suffix.lower() != ".docx":
            raise forms.ValidationError(gettext("Upload a Word document (.docx)."))
        try:
            import docx

            docx.Document(upload)
        except Exception as error:  # python-docx raises several kinds for a damaged or disguised file
            raise forms.ValidationError(
                gettext("%(name)s cannot be opened as a Word document (.docx).") % {"name": upload.name}
            ) from error
        finally:
            upload.seek(0)
        error = docx_active_content_error(upload)
        if error:  # every paper filled from this template would carry the macros or the remote link
            raise forms.ValidationError(error)
        return upload


class DocumentTemplateInline(_FrozenInline, admin.TabularInline):
    model = DocumentTemplate
    form = DocumentTemplateForm
    fields = ["order", "title", "file", "packaged"]
    readonly_fields = ["packaged"]
    extra = 0

    def _parent_template(self, obj):
        return obj.template if obj is not None else None


@admin.register(StepTemplate)
class StepTemplateAdmin(admin.ModelAdmin):
    form = SeenAdminForm
    list_display = ["title", "template", "order", "actor", "deadline_days", "needs_review"]
    list_filter = ["template__key", "template__status", "actor"]
    search_fields = ["title", "code"]
    inlines = [FieldSpecInline, DocumentTemplateInline]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 4, "cols": 80})}}
    list_select_related = ["template"]
    readonly_fields = ["preview_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("template")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "template":  # steps are added to drafts only
            kwargs["queryset"] = WorkflowTemplate.objects.filter(status=WorkflowTemplate.Status.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return _editable(obj.template if obj else None) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj.template if obj else None) and super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and not obj.template.editable and request.method == "GET":
            messages.warning(request, FROZEN_NOTE)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("workflows:step_preview", args=[obj.pk]),
            gettext("See the step as the organisation does"),
        )


class _ReadOnly(admin.ModelAdmin):
    """History and use records: seen here, never written by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FormationRun)
class FormationRunAdmin(_ReadOnly):
    list_display = ["organisation", "template", "form", "status", "owner", "started_at", "completed_at"]
    list_filter = ["status", "form", "way", "template__key"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation", "template", "owner"]
    date_hierarchy = "started_at"
    fields = [
        "organisation_link",
        "template",
        "form",
        "way",
        "status",
        "owner",
        "liaison",
        "branch",
        "started_by",
        "started_at",
        "completed_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("organisation"))
    def organisation_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("workflows:run_detail", args=[obj.pk]), obj.organisation.name
        )


@admin.register(StepTransition)
class StepTransitionAdmin(_ReadOnly):
    list_display = ["at", "entry", "from_status", "to_status", "by"]
    list_filter = ["to_status"]
    list_select_related = ["entry__run__organisation", "entry__run__template", "entry__step", "by"]
    # the answers as they stood hold liaisons' mobiles: they are read in the app, where that is logged
    fields = ["entry", "from_status", "to_status", "by", "at", "reason"]
    readonly_fields = fields


@admin.register(InvitationUse)
class InvitationUseAdmin(_ReadOnly):
    list_display = ["at", "outcome", "invitation", "address"]
    list_filter = ["outcome"]
    list_select_related = ["invitation__liaison"]
    fields = ["invitation", "outcome", "at", "address", "user_agent"]
    readonly_fields = fields
