"""Django admin for the core records; day-to-day work happens in the app's own pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import (
    DisclosureLog,
    FederationUnit,
    JobRun,
    LoginEvent,
    Notification,
    OperationLog,
    Region,
    Reminder,
    User,
    UserSession,
)
from .services import operation_record
from .sessions import sessions_end
from .twofactor import two_factor_reset

admin.site.site_header = _("Women's federation coverage: administration")
admin.site.site_title = _("Administration")
admin.site.index_title = _("Configuration")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "retired_on"]
    list_filter = ["level", ("retired_on", admin.EmptyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]


@admin.register(FederationUnit)
class FederationUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "region", "parent"]
    list_filter = ["level"]
    search_fields = ["name"]
    autocomplete_fields = ["region", "parent"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    actions = ["sessions_end", "two_factor_reset"]

    @admin.action(description=_("Remove the selected users' second factor (a lost phone)"))
    def two_factor_reset(self, request, queryset):
        for user in queryset:
            two_factor_reset(user=user, by=request.user)
        self.message_user(request, _("They set up a new second factor at their next sign-in."))

    @admin.action(description=_("Sign the selected users out everywhere"))
    def sessions_end(self, request, queryset):
        ended = sum(
            sessions_end(user=user, by=request.user, ending=UserSession.Ending.ENDED_BY_ADMIN)
            for user in queryset
        )
        self.message_user(
            request,
            ngettext("%(count)d session ended.", "%(count)d sessions ended.", ended) % {"count": ended},
        )

    # Every change an administrator makes to an account is in the operation log too (the admin's own history
    # can be edited; the operation log cannot): what changed from what to what; passwords are logged as set.
    def save_model(self, request, obj, form, change):
        changes = {
            name: [_logged(form.initial.get(name)), _logged(form.cleaned_data.get(name))]
            for name in form.changed_data
            if "password" not in name
        }
        super().save_model(request, obj, form, change)
        operation_record(
            actor=request.user, action="user.change" if change else "user.add", obj=obj, changes=changes
        )

    def delete_model(self, request, obj):
        operation_record(actor=request.user, action="user.delete", obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            operation_record(actor=request.user, action="user.delete", obj=user)
        super().delete_queryset(request, queryset)

    list_display = ["username", "full_name", "kind", "role", "unit", "is_active", "last_login"]
    list_filter = ["kind", "role", "unit", "is_active"]
    search_fields = ["username", "full_name", "email"]
    autocomplete_fields = ["unit"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "email", "mobile", "language")}),
        (_("Place in the federation"), {"fields": ("kind", "role", "unit")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        (_("Place in the federation"), {"fields": ("full_name", "kind", "role", "unit")}),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs are evidence: nobody edits or deletes them through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LoginEvent)
class LoginEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "success", "ip"]
    list_filter = ["success"]
    search_fields = ["username", "ip"]


@admin.register(OperationLog)
class OperationLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["object_repr"]


@admin.register(DisclosureLog)
class DisclosureLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "kind", "what", "row_count"]
    list_filter = ["kind"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "name", "status", "sent", "failed"]
    list_filter = ["name", "status"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "delivery", "read_at"]
    list_filter = ["kind", "delivery"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "object_id", "due_on", "recipient"]
    list_filter = ["kind"]


# The second factor's devices are kept by federation/twofactor.py (enrolment, the recovery codes, removal from the
# user list); django-otp's own admin pages would show their keys.
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)


def _logged(value):
    """A form value as the operation log keeps it (a unit by its name)."""
    return value if value is None or isinstance(value, str | int | bool) else str(value)
