"""Questions follow a merged organisation to the record kept."""

from __future__ import annotations

from typing import Any

from branches.models import Organisation
from federation.models import User

from .models import Question


def questions_follow_merge(
    *, keep: Organisation, duplicate: Organisation, by: User, reason: str
) -> dict[str, Any]:
    """The duplicate's questions (asked and answered) go to the record kept."""
    moved = Question.objects.filter(organisation=duplicate).update(organisation=keep)
    return {"questions": [0, moved]} if moved else {}


def questions_count(organisation: Organisation) -> int:
    return Question.objects.filter(organisation=organisation).count()
