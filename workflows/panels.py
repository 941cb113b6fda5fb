"""Panels on a formation step's page for its organisation's contact. Apps register theirs (workflows does not
import them): each is a template and a function of the request, the step entry and the page's state (what a
refused post left to show again) that returns the panel's context, or None to leave it out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

STEP_PANELS: list[tuple[str, Callable[..., dict[str, Any] | None]]] = []


def step_panel_register(template: str, context: Callable[..., dict[str, Any] | None]) -> None:
    """Show a panel on every step page of the portal, below the step's papers."""
    if (template, context) not in STEP_PANELS:
        STEP_PANELS.append((template, context))


def step_panels(request, entry, state: dict[str, Any]) -> list[dict[str, Any]]:
    """The panels to show on this step's page, each as {"template": …, "context": …}."""
    panels = []
    for template, context in STEP_PANELS:
        data = context(request, entry, state)
        if data is not None:
            panels.append({"template": template, "context": data})
    return panels
