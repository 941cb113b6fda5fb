"""Choosing organisations (or women's organisations) out of a ledger of tens of thousands: a search box.

A plain <select> would list every record in the user's area on every form that names one: megabytes of
options at a city's scale. These widgets render only the chosen records; the box asks the pick endpoint
(branches/views/pickers.py) for matches as the user types (static/js/picker.js). The field's queryset still
decides what may be chosen: a posted id outside it is refused by the form as before.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse

from federation.pagination import pk_param


class _Picker:
    template_name = "widgets/picker.html"
    source = "branches:organisation_pick"

    def __init__(self, attrs=None, *, source: str | None = None) -> None:
        super().__init__(attrs)
        if source is not None:
            self.source = source

    def optgroups(self, name, value, attrs=None):
        """Only the chosen records become options (one query), never the whole queryset."""
        # Only whole numbers that fit a key are ids: anything else matches nothing.
        chosen = [pk for pk in map(pk_param, map(str, value)) if pk is not None]
        if not chosen or not hasattr(self.choices, "queryset"):
            return []
        field = self.choices.field
        groups = []
        for index, record in enumerate(self.choices.queryset.filter(pk__in=chosen)):
            option = self.create_option(
                name, record.pk, field.label_from_instance(record), True, index, attrs=attrs
            )
            groups.append((None, [option], index))
        return groups

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["source"] = reverse(self.source)
        return context


class PickOne(_Picker, forms.Select):
    """One record: choosing another replaces it."""


class PickMany(_Picker, forms.SelectMultiple):
    """Several records, shown as removable chips."""
