"""Admin configuration: option lists, thresholds, checklists and term rules; daily work happens in the app."""

from django.contrib import admin
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from federation.identifiers import mobile_mask

from .models import (
    Branch,
    BranchMember,
    Category,
    ContactLog,
    LedgerSettings,
    Liaison,
    Organisation,
    RegisterImport,
    RegisterSource,
    StageChecklistItem,
    TermRule,
    UnitTypeCategory,
)
from .services.contacts import contact_cadence_recompute
from .services.follow import organisations_moved
from .services.organisations import district_of


class _MobilesMasked(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        return mobile_mask(value) if "mobile" in change.field and isinstance(value, str) and value else value


class MaskedHistoryAdmin(SimpleHistoryAdmin):
    """History whose differences show mobiles masked, as the organisation's page does."""

    def get_historical_record_context_helper(self, request, historical_record):
        return _MobilesMasked(self.model, historical_record)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "contact_interval_days", "active"]
    list_editable = ["order", "contact_interval_days", "active"]
    search_fields = ["name", "code"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "contact_interval_days" in form.changed_data:
            contact_cadence_recompute(category=obj)


@admin.register(UnitTypeCategory)
class UnitTypeCategoryAdmin(admin.ModelAdmin):
    list_display = ["unit_type", "category"]
    list_filter = ["unit_type"]


@admin.register(LedgerSettings)
class LedgerSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "women_for_federation",
        "women_for_committee",
        "escalate_after_days",
        "term_warning_days",
    ]

    def has_add_permission(self, request):
        return not LedgerSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TermRule)
class TermRuleAdmin(admin.ModelAdmin):
    list_display = ["form", "unit_type", "years"]
    list_editable = ["years"]


@admin.register(StageChecklistItem)
class StageChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["label", "stage", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["stage", "active"]


@admin.register(RegisterSource)
class RegisterSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(MaskedHistoryAdmin):
    list_display = [
        "name",
        "uscc",
        "field",
        "unit_type",
        "district",
        "region",
        "women",
        "stage",
        "archived_at",
    ]
    list_filter = ["field", "unit_type", "stage", "district", "in_scope"]
    search_fields = ["name", "uscc"]
    raw_id_fields = ["region", "district", "merged_into", "officer"]
    readonly_fields = ["name_normalised", "search_text", "sort_key", "value_sources"]
    exclude = ["contact_mobile"]  # shown masked in the app; revealing it there is logged

    def save_model(self, request, obj, form, change):
        moved = change and "region" in form.changed_data
        if moved:
            obj.district = district_of(obj.region)
        super().save_model(request, obj, form, change)
        if moved:
            # What keeps a copy of the organisation's place follows it, as when the ledger's edit form moves it.
            organisations_moved(
                ids=[obj.pk],
                by=request.user,
                reason=_("%(name)s moved to %(region)s") % {"name": obj.name, "region": obj.region.name},
            )


class BranchMemberInline(admin.TabularInline):
    model = BranchMember
    extra = 0
    exclude = ["mobile"]  # shown masked in the app, as the liaisons' are


@admin.register(Branch)
class BranchAdmin(SimpleHistoryAdmin):
    list_display = ["name", "form", "way", "stage", "established_on", "term_ends_on"]
    list_filter = ["form", "way", "stage"]
    search_fields = ["name"]
    raw_id_fields = ["organisation", "region", "covers"]
    inlines = [BranchMemberInline]


@admin.register(Liaison)
class LiaisonAdmin(MaskedHistoryAdmin):
    list_display = ["name", "organisation", "post", "active", "consent_at"]
    list_filter = ["active"]
    search_fields = ["organisation__name"]  # a liaison's name is encrypted: found by organisation
    raw_id_fields = ["organisation", "user"]
    exclude = ["mobile"]  # shown masked in the app; revealing it there is logged
    readonly_fields = ["consent_notice", "consent_at"]


@admin.register(ContactLog)
class ContactLogAdmin(admin.ModelAdmin):
    list_display = ["contacted_on", "organisation", "channel", "staff", "next_follow_up", "done"]
    list_filter = ["channel", "done"]
    raw_id_fields = ["organisation", "staff"]


@admin.register(RegisterImport)
class RegisterImportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "source", "file_name", "status", "uploaded_by"]
    list_filter = ["status", "source"]
    readonly_fields = ["sha256", "size", "summary", "mapping"]
