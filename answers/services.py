"""Questions asked on the spot (即问即答): a contact asks on a formation step, the run's owner is told."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from federation import access
from federation.models import User
from federation.notifications import notification_create

from .models import Question

QUESTION_MAX = 1000


class QuestionError(Exception):
    """A question refused for a reason the asker can act on; the message says which."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@transaction.atomic
def question_ask(*, by: User, entry, text: str) -> Question:
    """Record a question on a step of a run the asker may see, and notify the run's owner."""
    run = entry.run
    if not (access.has(by, "portal.use", run) or access.has(by, "workflow.view", run)):
        raise QuestionError(_("You cannot ask questions here."))
    text = (text or "").strip()
    if not text:
        raise QuestionError(_("Write your question first."))
    if len(text) > QUESTION_MAX:
        raise QuestionError(
            _("A question can be at most %(max)s characters long; this one has %(count)s.")
            % {"max": QUESTION_MAX, "count": len(text)}
        )
    question = Question.objects.create(
        organisation=run.organisation, step_entry=entry, asked_by=by, text=text
    )
    owner = run.owner
    if owner is not None and owner.is_active:
        notification_create(
            user=owner,
            kind="answers.question_asked",
            template="question_asked",
            context={
                "user": owner,
                "question": question,
                "asker": by,
                "entry": entry,
                "run": run,
                "organisation": run.organisation,
            },
            url=reverse("workflows:step_detail", args=[entry.pk]),
        )
    return question
