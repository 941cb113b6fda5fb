"""Questions answered on the spot and the FAQ, under questions/."""

from django.urls import path

from . import views

app_name = "answers"

urlpatterns = [
    path("", views.question_list, name="question_list"),
    path("<int:pk>/", views.question_answer, name="question_answer"),
    path("<int:pk>/publish/", views.question_publish, name="question_publish"),
    path("ask/", views.question_ask, name="question_ask"),
    path("steps/<int:pk>/ask/", views.step_question_ask, name="step_question_ask"),
    path("faq/", views.faq_list, name="faq_list"),
    path("faq/new/", views.faq_create, name="faq_create"),
    path("faq/<int:pk>/edit/", views.faq_edit, name="faq_edit"),
    path("faq/<int:pk>/unpublish/", views.faq_unpublish, name="faq_unpublish"),
    path("faq/<int:pk>/propose/", views.faq_propose, name="faq_propose"),
    path("faq/proposals/", views.faq_proposal_list, name="faq_proposal_list"),
    path("faq/proposals/<int:pk>/decide/", views.faq_proposal_decide, name="faq_proposal_decide"),
]
