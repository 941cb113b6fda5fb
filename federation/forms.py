"""Forms of the core app: the filters of the logs and the inbox."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import DisclosureLog

DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"})
SELECT = forms.Select(attrs={"class": "form-select"})


class FilterForm(forms.Form):
    """A list's filters, read from the query string; the same form drives a list and its download."""

    def filters(self) -> dict[str, Any]:
        """Cleaned filters; an invalid value is dropped (and shown with its error) rather than failing the page."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}


class LoginFilter(FilterForm):
    """The login log's filters: part of the user name entered, and whether the attempt succeeded."""

    q = forms.CharField(label=_("User name"), required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", ""), ("ok", ""), ("failed", "")]
    )

    def clean_q(self) -> str:
        return self.cleaned_data["q"][:150]


class OperationFilter(FilterForm):
    """The operation log's filter: one kind of action (those with a label)."""

    action = forms.ChoiceField(label=_("Action"), required=False)

    def __init__(self, data: Any = None, *, actions: list[str]) -> None:
        super().__init__(data)
        self.fields["action"].choices = [("", ""), *((action, action) for action in actions)]


class JobFilter(FilterForm):
    """The job log's filter: one job by name."""

    job = forms.CharField(label=_("Job"), required=False, max_length=60)


class InboxFilter(FilterForm):
    """The inbox's filter: unread notifications only."""

    unread = forms.ChoiceField(label=_("Unread only"), required=False, choices=[("", ""), ("1", "")])


class DisclosureFilter(FilterForm):
    """The audit page's filters: who, what kind, between which days (both included)."""

    person = forms.TypedChoiceField(
        label=_("By"), required=False, coerce=int, empty_value=None, widget=SELECT
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=SELECT)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)

    def __init__(self, data: Any = None, *, people: QuerySet) -> None:
        super().__init__(data)
        self.fields["person"].choices = [("", _("Everyone")), *((u.pk, str(u)) for u in people)]
        self.fields["kind"].choices = [("", _("All")), *DisclosureLog.Kind.choices]

    def params(self) -> dict[str, str]:
        """The filters applied, as strings for the record of an export."""
        values = self.filters()
        if values.get("person"):
            values["person"] = dict(self.fields["person"].choices).get(values["person"])
        return {name: str(value) for name, value in values.items() if value}
