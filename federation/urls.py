"""The project's URLconf; each app brings its own namespaced urls."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import sessions, twofactor, views
from .passwords import PasswordChangeView

app_urls = (
    [
        path("", views.home, name="home"),
        path("staff/", views.staff_home, name="staff_home"),
        path("my/", views.contact_home, name="contact_home"),
        path("logs/logins/", views.login_log, name="login_log"),
        path("logs/operations/", views.operation_log, name="operation_log"),
        path("logs/personal-data/", views.disclosure_log, name="disclosure_log"),
        path("logs/personal-data/export.csv", views.disclosure_log_export, name="disclosure_log_export"),
        path("logs/jobs/", views.job_log, name="job_log"),
        path("inbox/", views.inbox, name="inbox"),
        path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
        path("inbox/<int:pk>/open/", views.notification_open, name="notification_open"),
        path("language/", views.language_set, name="language_set"),
    ],
    "federation",
)

urlpatterns = [
    path("", include(app_urls)),
    path("ledger/", include("branches.urls")),
    path("", include("workflows.urls")),
    path("work/", include("activities.urls")),
    path("coverage/", include("coverage.urls")),
    path("jobs/", include("jobs.urls")),
    path("questions/", include("answers.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/sessions/", sessions.session_list, name="session_list"),
    path("accounts/sessions/end-others/", sessions.sessions_end_others, name="sessions_end_others"),
    path("accounts/keep-alive/", sessions.session_keep_alive, name="session_keep_alive"),
    path("accounts/two-factor/", twofactor.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", twofactor.two_factor_setup, name="two_factor_setup"),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
]

handler403 = "federation.views.error_403"
handler404 = "federation.views.error_404"
handler500 = "federation.views.error_500"
