"""Filter fields rendered in Python, for pages that show a dozen of them on every request (the ledger's list).

crispy-forms renders a select through half a dozen templates and Django one more template per option: on the
ledger's list that was half of the page's time. ``{% quick_field form.x %}`` gives the same markup (Bootstrap's
classes, the ids crispy gives) for selects and checkboxes; any other widget falls back to crispy.
"""

from __future__ import annotations

from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

SELECTED = mark_safe(" selected")


def _options(choices, chosen: set[str]) -> SafeString:
    parts = []
    for value, label in choices:
        if isinstance(label, list | tuple):  # an option group
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', value, _options(label, chosen)))
            continue
        text = "" if value is None else str(value)
        parts.append(
            format_html('<option value="{}"{}>{}</option>', text, SELECTED if text in chosen else "", label)
        )
    return mark_safe("".join(parts))


def _chosen(value) -> set[str]:
    values = value if isinstance(value, list | tuple) else [value]
    # as Django's Select: nothing chosen selects the empty option
    return {str(item) for item in values if item not in (None, "")} or {""}


def _choices(field: forms.Field):
    """A model choice field's options in one plain query (its own iterator opens a server-side cursor on
    PostgreSQL: three more round trips per field)."""
    set_by_form = hasattr(field, "_choices")  # choices a form gave a model choice field itself
    if not isinstance(field, forms.ModelChoiceField) or set_by_form:
        return field.choices
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    return [*empty, *((record.pk, field.label_from_instance(record)) for record in field.queryset)]


@register.simple_tag
def quick_field(field: forms.BoundField) -> SafeString:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        checked = mark_safe(" checked") if widget.check_test(field.value()) else ""
        return format_html(
            '<div class="mb-3"><div id="div_{id}" class="form-check">'
            '<input type="checkbox" name="{name}" class="checkboxinput form-check-input" id="{id}"{checked}>'
            '<label for="{id}" class="form-check-label">{label}</label></div></div>',
            id=field.auto_id,
            name=field.html_name,
            checked=checked,
            label=field.label,
        )
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
        return format_html(
            '<div id="div_{id}" class="mb-3"><label for="{id}" class="form-label">{label}</label>'
            '<select name="{name}" class="select form-select" id="{id}">{options}</select></div>',
            id=field.auto_id,
            name=field.html_name,
            label=field.label,
            options=_options(_choices(field.field), _chosen(field.value())),
        )
    from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field

    return as_crispy_field(field)
