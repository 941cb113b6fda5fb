from django.urls import path

from .views import contacts, exports, imports, organisations, pickers, reminders, women

app_name = "branches"

urlpatterns = [
    path("organisations/", organisations.organisation_list, name="organisation_list"),
    path("organisations/pick/", pickers.organisation_pick, name="organisation_pick"),
    path("branches/pick/", pickers.branch_pick, name="branch_pick"),
    path("organisations/new/", organisations.organisation_create, name="organisation_create"),
    path("organisations/export/", exports.organisation_export, name="organisation_export"),
    path("organisations/<int:pk>/", organisations.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", organisations.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/archive/", organisations.organisation_archive, name="organisation_archive"),
    path("organisations/<int:pk>/restore/", organisations.organisation_restore, name="organisation_restore"),
    path("organisations/<int:pk>/merge/", organisations.organisation_merge, name="organisation_merge"),
    path("organisations/<int:pk>/reveal/", organisations.organisation_reveal, name="organisation_reveal"),
    path("organisations/<int:pk>/liaisons/new/", contacts.liaison_add, name="liaison_add"),
    path("organisations/<int:pk>/contacts/new/", contacts.contact_add, name="contact_add"),
    path("organisations/<int:pk>/branch/new/", women.branch_create, name="branch_create"),
    path("liaisons/<int:pk>/edit/", contacts.liaison_edit, name="liaison_edit"),
    path("liaisons/<int:pk>/reveal/", contacts.liaison_reveal, name="liaison_reveal"),
    path("contacts/<int:pk>/done/", contacts.contact_done, name="contact_done"),
    path("contacts/overdue/", contacts.contact_overdue, name="contact_overdue"),
    path("reminders/upcoming/", reminders.reminder_upcoming, name="reminder_upcoming"),
    path("form-helper/", contacts.form_helper, name="form_helper"),
    path("branches/", women.branch_list, name="branch_list"),
    path("branches/<int:pk>/", women.branch_detail, name="branch_detail"),
    path("branches/<int:pk>/edit/", women.branch_edit, name="branch_edit"),
    path("branches/<int:pk>/stage/", women.branch_stage, name="branch_stage"),
    path("branches/<int:pk>/checklist/", women.branch_checklist, name="branch_checklist"),
    path("duplicates/", organisations.duplicate_list, name="duplicate_list"),
    path("duplicates/different/", organisations.duplicate_different, name="duplicate_different"),
    path("imports/", imports.import_list, name="import_list"),
    path("imports/new/", imports.import_upload, name="import_upload"),
    path("imports/template.xlsx", imports.import_template, name="import_template"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/header/", imports.import_header, name="import_header"),
    path("imports/<int:pk>/apply/", imports.import_apply, name="import_apply"),
    path("imports/<int:pk>/discard/", imports.import_discard, name="import_discard"),
    path("imports/<int:pk>/errors.xlsx", imports.import_errors, name="import_errors"),
]
