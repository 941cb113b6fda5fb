"""Small cells that tables repeat on every row, rendered in Python (an {% include %} per cell costs more than
the rest of the row)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

UNKNOWN = mark_safe('<span class="text-body-secondary">—</span>')


@register.simple_tag
def yes_no(value: bool | None) -> SafeString:
    """Yes (green tick), No, or a dash for unknown."""
    if value is None:
        return UNKNOWN
    if value:
        return format_html(
            '<span class="text-success"><i class="bi bi-check-circle-fill" aria-hidden="true"></i> {}</span>',
            gettext("Yes"),
        )
    return format_html(
        '<span class="text-body-secondary"><i class="bi bi-x-circle" aria-hidden="true"></i> {}</span>',
        gettext("No"),
    )


@register.filter
def as_text(value) -> str:
    """A value as a page prints it in plain text: yes/no as 是/否 (never True/False), nothing as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    return value
