"""Panels on the staff home. Apps register theirs (the core app does not import them): each panel is a
template and a function of the request that returns its context, or None to leave the panel out."""

from __future__ import annotations

from collections.abc import Callable

PANELS: list[tuple[str, Callable]] = []


def home_panel_register(template: str, context: Callable) -> None:
    """Show a panel on the staff home."""
    if (template, context) not in PANELS:
        PANELS.append((template, context))


def home_panels(request) -> list[dict]:
    """The panels to show this user, each as {"template": …, "context": …}."""
    panels = []
    for template, context in PANELS:
        data = context(request)
        if data is not None:
            panels.append({"template": template, "context": data})
    return panels
