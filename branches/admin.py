"""Admin configuration of the ledger's option lists; organisations are edited in the app's own pages."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Category, Organisation, RegisterImport, RegisterSource


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["name", "code"]


@admin.register(RegisterSource)
class RegisterSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "uscc", "field", "unit_type", "district", "region", "women", "archived_at"]
    list_filter = ["field", "unit_type", "district", "in_scope"]
    search_fields = ["name", "uscc"]
    raw_id_fields = ["region", "district", "merged_into"]
    readonly_fields = ["name_normalised", "search_text", "sort_key", "value_sources"]


@admin.register(RegisterImport)
class RegisterImportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "source", "file_name", "status", "uploaded_by"]
    list_filter = ["status", "source"]
    readonly_fields = ["sha256", "size", "summary", "mapping"]
