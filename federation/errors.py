"""The one kind of error a service raises when a change does not apply: each app's error derives from it."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A change refused for a reason the person can act on. `message` is user-facing (translated, or lazy);
    `field` names the form field it belongs to, when one does."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(str(message))


def form_error_add(form, error: DomainError) -> None:
    """Show a refused change on its form: beside the field it names when the form has it, else above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)
