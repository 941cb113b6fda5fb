from django.urls import path

from . import views

app_name = "coverage"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("report/", views.report, name="report"),
    path("report/export/", views.report_export, name="report_export"),
    path("refresh/", views.refresh, name="refresh"),
]
