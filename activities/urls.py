from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("services/", views.activity_list, name="activity_list"),
    path("services/new/", views.activity_create, name="activity_create"),
    path("services/export.xlsx", views.activity_export, name="activity_export"),
    path("services/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("services/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("services/<int:pk>/photos/", views.activity_photo_add, name="activity_photo_add"),
    path("photos/<int:pk>/", views.activity_photo, name="activity_photo"),
    path("photos/<int:pk>/remove/", views.activity_photo_remove, name="activity_photo_remove"),
    path("recognitions/", views.recognition_list, name="recognition_list"),
    path("recognitions/new/", views.recognition_create, name="recognition_create"),
    path("recognitions/export.xlsx", views.recognition_export, name="recognition_export"),
    path("recognitions/<int:pk>/edit/", views.recognition_edit, name="recognition_edit"),
    path("alliances/", views.alliance_list, name="alliance_list"),
    path("alliances/new/", views.alliance_create, name="alliance_create"),
    path("alliances/<int:pk>/", views.alliance_detail, name="alliance_detail"),
    path("alliances/<int:pk>/edit/", views.alliance_edit, name="alliance_edit"),
]
