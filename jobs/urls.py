from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("backup/", views.backup, name="backup"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/cancel/", views.job_cancel_view, name="cancel"),
    path("<int:pk>/retry/", views.job_retry_view, name="retry"),
    path("<int:pk>/download/", views.job_download, name="download"),
]
