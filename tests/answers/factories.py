"""Questions and FAQ entries for the tests (and the route × role test's objects)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from answers.models import FAQEntry, FAQProposal, Question
from answers.search import faq_search_text


def faq_entry(question: str, answer: str, **values) -> FAQEntry:
    """An FAQ entry with its search column derived, as the services keep it."""
    return FAQEntry.objects.create(
        question=question, answer=answer, search_text=faq_search_text(question, answer), **values
    )


def question(*, organisation, asked_by, text="执委名额可以是6名吗？", entry=None, asked_at=None, **values):
    """A question; `asked_at` (aware) moves it into the past (auto_now_add sets it at creation)."""
    created = Question.objects.create(
        organisation=organisation, step_entry=entry, asked_by=asked_by, text=text, **values
    )
    if asked_at is not None:
        Question.objects.filter(pk=created.pk).update(asked_at=asked_at)
        created.refresh_from_db()
    return created


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A local time on that day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def route_kwargs(world: dict, what: str) -> dict:
    """URL arguments for the route × role test: an open or an answered question on the world's step, an entry."""
    people = world["people"]
    if what in {"faq", "proposal"}:
        entry = FAQEntry.objects.filter(question="请示要盖章吗？").first() or faq_entry(
            "请示要盖章吗？", "要加盖单位公章。", step_codes=["request"]
        )
        if what == "proposal":
            proposal, _created = FAQProposal.objects.get_or_create(
                entry=entry,
                proposed_by=people["district_officer"],
                defaults={"question": entry.question, "answer": "要加盖单位公章，并由负责人签字。"},
            )
            return {"pk": proposal.pk}
        return {"pk": entry.pk}
    values = {}
    if what == "answered":
        values = {
            "answer": "可以。",
            "answered_by": people["district_officer"],
            "answered_at": timezone.now(),
        }
    found, _created = Question.objects.get_or_create(
        organisation=world["organisation"],
        step_entry=world["step"],
        asked_by=people["liaison"],
        text=f"路由测试问题（{what}）",
        defaults=values,
    )
    return {"pk": found.pk}
