"""Panels: open questions on the staff home, the ask box and earlier answers on a contact's home."""

from __future__ import annotations

from django.utils import timezone

from federation import access

from .forms import AskForm
from .models import AnswerSettings
from .selectors import contact_organisations, my_questions, questions_annotate, questions_for
from .services import QUESTION_MAX

OLDEST_SHOWN = 5


def open_questions_panel(request) -> dict | None:
    """For staff: how many questions of their area are open, the oldest few, those past the target marked."""
    if not access.has(request.user, "questions.view"):
        return None
    waiting = questions_for(request.user).filter(answered_at__isnull=True)
    count = waiting.count()
    target = AnswerSettings.current().target_working_days
    oldest = []
    if count:
        oldest = questions_annotate(
            waiting.select_related("organisation").order_by("asked_at", "id")[:OLDEST_SHOWN],
            today=timezone.localdate(),
            target=target,
        )
    return {"count": count, "oldest": oldest, "target": target}


def contact_questions_panel(request) -> dict | None:
    """For a contact: a box to ask the federation anything, and their latest questions with the answers."""
    if not access.has(request.user, "questions.ask"):
        return None
    organisations = list(contact_organisations(request.user))
    if not organisations:
        return None
    return {
        "form": AskForm(organisations=organisations),
        "organisations": organisations,
        "questions": list(my_questions(request.user).select_related("step_entry__step")[:5]),
        "question_max": QUESTION_MAX,
    }
