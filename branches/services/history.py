"""Who made a change and why, for the history django-simple-history keeps of each save."""

from __future__ import annotations

from django.db import models

from branches.models import HISTORY_REASON_LENGTH
from federation.models import User


def history_note(obj: models.Model, *, by: User | None, reason: str | None = None) -> None:
    """Name who makes the next save of `obj` and why (the reason cut to the length the history keeps)."""
    # django-simple-history reads these attributes off the instance being saved; no model declares them
    obj._history_user = by  # type: ignore[attr-defined]
    if reason is not None:
        obj._change_reason = reason[:HISTORY_REASON_LENGTH]  # type: ignore[attr-defined]
