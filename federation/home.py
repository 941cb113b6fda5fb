"""Panels on the staff home. Apps register theirs (the core app does not import them): each panel is a
template and a function of the request that returns its context, or None to leave the panel out."""

from __future__ import annotations

from collections.abc import Callable

PANELS: dict[str, list[tuple[str, Callable]]] = {"staff": [], "contact": []}


def home_panel_register(template: str, context: Callable, *, home: str = "staff") -> None:
    """Show a panel on the staff home (or, with home="contact", on an organisation contact's home)."""
    if (template, context) not in PANELS[home]:
        PANELS[home].append((template, context))


def home_panels(request, home: str = "staff") -> list[dict]:
    """The panels to show this user, each as {"template": …, "context": …}."""
    panels = []
    for template, context in PANELS[home]:
        data = context(request)
        if data is not None:
            panels.append({"template": template, "context": data})
    return panels
