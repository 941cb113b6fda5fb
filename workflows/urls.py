"""Guided formation: staff pages under formation/, the organisation's portal under portal/."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from .views import documents, editor, invitations, portal, staff

app_name = "workflows"

urlpatterns = [
    # staff: runs, invitation links, review
    path("formation/runs/", staff.run_list, name="run_list"),
    path("formation/start/<int:pk>/", staff.run_start, name="run_start"),
    path("formation/runs/<int:pk>/", staff.run_detail, name="run_detail"),
    path("formation/runs/<int:pk>/cancel/", staff.run_cancel, name="run_cancel"),
    path("formation/runs/<int:pk>/invite/", staff.invitation_create, name="invitation_create"),
    path("formation/invitations/<int:pk>/revoke/", staff.invitation_revoke, name="invitation_revoke"),
    path("formation/invitations/<int:pk>/", invitations.invitation_detail, name="invitation_detail"),
    path("formation/invitations/<int:pk>/notice/", invitations.invitation_notice, name="invitation_notice"),
    path("formation/invitations/<int:pk>/resend/", invitations.invitation_resend, name="invitation_resend"),
    path("formation/steps/<int:pk>/", staff.step_detail, name="step_detail"),
    path("formation/steps/<int:pk>/review/", staff.step_review, name="step_review"),
    path("formation/review/", staff.review_queue, name="review_queue"),
    # admins: templates
    path("formation/templates/", editor.template_list, name="template_list"),
    path("formation/templates/<int:pk>/", editor.template_detail, name="template_detail"),
    path("formation/templates/<int:pk>/publish/", editor.template_publish, name="template_publish"),
    path(
        "formation/templates/<int:pk>/new-version/", editor.template_new_version, name="template_new_version"
    ),
    path("formation/templates/steps/<int:pk>/move/", editor.step_move, name="step_move"),
    path("formation/templates/steps/<int:pk>/preview/", editor.step_preview, name="step_preview"),
    # the organisation's portal
    path("portal/i/<str:token>/", login_not_required(portal.invitation_open), name="invitation_open"),
    path("i/<str:code>", login_not_required(portal.invitation_short), name="invitation_short"),
    path("portal/runs/<int:pk>/", portal.portal_run, name="portal_run"),
    path("portal/steps/<int:pk>/", portal.portal_step, name="portal_step"),
    path("portal/steps/<int:pk>/draft/", portal.portal_draft, name="portal_draft"),
    path("portal/password/", portal.portal_password, name="portal_password"),
    # papers, for staff and the organisation alike
    path(
        "formation/steps/<int:pk>/documents/<int:document>/",
        documents.document_download,
        name="document_download",
    ),
    path("formation/runs/<int:pk>/package/", documents.package_download, name="package_download"),
    path("formation/attachments/<int:pk>/", documents.attachment_download, name="attachment_download"),
]
