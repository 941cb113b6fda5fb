"""Number formats of the coverage pages: a percentage with one decimal, a dash when there is nothing."""

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """12.345 → "12.3%"; None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value):.1f}%"
