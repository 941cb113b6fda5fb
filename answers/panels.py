"""The FAQ and the ask box on a formation step's page (registered with workflows.panels)."""

from __future__ import annotations

from typing import Any

from .models import FAQEntry
from .services import QUESTION_MAX


def step_questions_panel(request, entry, state: dict[str, Any]) -> dict[str, Any]:
    """The published FAQ entries that belong to the step and to the form the run sets up (a 妇委会's run is never
    shown an entry written for a 妇联), the contact's questions about it and the ask box."""
    code, form = entry.step.code, entry.run.form
    faqs = [
        faq
        for faq in FAQEntry.objects.filter(published=True, step_codes__icontains=f'"{code}"')
        if code in (faq.step_codes or []) and (not faq.forms or form in faq.forms)
    ]
    return {
        "entry": entry,
        "faqs": faqs,
        "questions": list(entry.questions.filter(asked_by=request.user).order_by("-asked_at")[:10]),
        "ask_text": state.get("ask_text", ""),
        "ask_error": state.get("ask_error", ""),
        "question_max": QUESTION_MAX,
    }
