"""Admin configuration of the FAQ, its categories and the answer target; questions are read-only here."""

from __future__ import annotations

from django.contrib import admin

from .models import AnswerSettings, FAQCategory, FAQEntry, Question
from .search import faq_search_text


@admin.register(FAQCategory)
class FAQCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]
    list_editable = ["order"]


@admin.register(FAQEntry)
class FAQEntryAdmin(admin.ModelAdmin):
    list_display = ["question", "category", "order", "published", "updated_at"]
    list_filter = ["published", "category"]
    search_fields = ["question", "answer", "search_text"]
    readonly_fields = ["source_question", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        obj.search_text = faq_search_text(obj.question, obj.answer)  # derived, as the services do
        super().save_model(request, obj, form, change)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "organisation", "asked_at", "answered_at"]
    list_filter = ["answered_at"]
    list_select_related = ["organisation"]
    readonly_fields = [f.name for f in Question._meta.fields]
    search_fields = ["text", "answer", "organisation__name"]

    def has_add_permission(self, request):
        return False


@admin.register(AnswerSettings)
class AnswerSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "target_working_days"]

    def has_add_permission(self, request):
        return not AnswerSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
