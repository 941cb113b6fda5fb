"""Which questions and FAQ entries a user may see, and how long a question has waited (in working days)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone

from branches.models import Organisation
from federation import access
from federation.models import User
from federation.workdays import working_days_between

from .models import FAQEntry, FAQProposal, Question


def questions_for(user: User) -> QuerySet[Question]:
    """The questions of organisations in the staff user's area (a contact sees none here: see my_questions)."""
    if not access.has(user, "questions.view"):
        return Question.objects.none()
    return access.scope(user, Question.objects.all(), "organisation__region")


def questions_listed(user: User, *, status: str) -> QuerySet[Question]:
    """The inbox: the questions of the user's area, "open" ones the longest waiting first, "answered" ones the
    latest answered first, or all of them, open ones first."""
    questions = questions_for(user).select_related(
        "organisation", "asked_by", "answered_by", "step_entry__step"
    )
    if status == "open":
        return questions.filter(answered_at__isnull=True).order_by("asked_at", "id")
    if status == "answered":
        return questions.filter(answered_at__isnull=False).order_by("-answered_at", "-id")
    is_answered = Case(When(answered_at__isnull=True, then=Value(0)), default=Value(1))
    return questions.order_by(is_answered.asc(), "asked_at", "id")


def my_questions(user: User) -> QuerySet[Question]:
    """The questions the user asked, newest first."""
    return Question.objects.filter(asked_by=user).order_by("-asked_at", "-id")


def faq_entries_for(user: User) -> QuerySet[FAQEntry]:
    """Published entries for everybody; those who edit the FAQ see the unpublished ones too."""
    entries = FAQEntry.objects.select_related("category", "region")
    if access.has(user, "faq.edit"):
        return entries
    return entries.filter(published=True)


def faq_entries_published() -> QuerySet[FAQEntry]:
    """The entries shown to everybody (the suggestions beside a question being answered)."""
    return FAQEntry.objects.filter(published=True).select_related("category")


def faq_proposals_for(user: User) -> QuerySet[FAQProposal]:
    """The proposed changes the user sees: to entries kept in their area (to decide) and their own."""
    if not access.has(user, "faq.edit"):
        return FAQProposal.objects.none()
    kept = access.scope(user, FAQProposal.objects.all(), "entry__region").values("pk")
    return FAQProposal.objects.filter(Q(pk__in=kept) | Q(proposed_by=user)).select_related(
        "entry__region", "proposed_by", "decided_by"
    )


def contact_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations the contact is the active liaison of (a question is asked on behalf of one)."""
    return (
        Organisation.objects.filter(liaisons__user=user, liaisons__active=True, archived_at__isnull=True)
        .distinct()
        .order_by("sort_key", "id")
    )


def asked_on(question: Question) -> dt.date:
    """The day a question was asked, in the federation's time zone."""
    return timezone.localdate(question.asked_at)


def questions_annotate(questions: Iterable[Question], *, today: dt.date, target: int) -> list[Question]:
    """Set `waited` (working days) and `past_target` on each open question (answered ones wait no more)."""
    questions = list(questions)
    for question in questions:
        if question.answered_at is None:
            question.waited = working_days_between(asked_on(question), today)
        else:
            question.waited = working_days_between(
                asked_on(question), timezone.localdate(question.answered_at)
            )
        question.past_target = question.answered_at is None and question.waited > target
    return questions
