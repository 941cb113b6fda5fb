"""Admin: the option lists (service types, recognition titles) and partners; daily work happens in the app."""

from django import forms
from django.contrib import admin

from federation.identifiers import mobile_mask, mobile_validate

from .models import ActivityType, Partner, RecognitionTitle


@admin.register(ActivityType)
class ActivityTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order", "counts_pairs", "active"]
    list_editable = ["order", "active"]
    search_fields = ["name", "code"]


@admin.register(RecognitionTitle)
class RecognitionTitleAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "order", "active"]
    list_editable = ["order", "active"]


class PartnerAdminForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = ["name", "kind", "contact_name", "contact_mobile", "active"]

    def clean_contact_mobile(self):
        value = self.cleaned_data["contact_mobile"].strip()
        return mobile_validate(value) if value else ""


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerAdminForm
    list_display = ["name", "kind", "contact_name", "masked_mobile", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]

    @admin.display(description=Partner._meta.get_field("contact_mobile").verbose_name)
    def masked_mobile(self, partner: Partner) -> str:
        return mobile_mask(partner.contact_mobile)
