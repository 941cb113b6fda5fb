"""The dashboards' choices: the day figures are as of, the month of a report."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST = dt.date(2000, 1, 1)


class AsOfForm(forms.Form):
    """?as_of=2026-10-31: the day the figures are as of (today when left out)."""

    as_of = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("Figures cannot be as of a day in the future."))
        if day and day < EARLIEST:
            raise forms.ValidationError(_("Figures start in 2000."))
        return day


class MonthForm(forms.Form):
    """?month=2026-10: the month of a report (the month under way when left out)."""

    month = forms.CharField(
        label=_("Month"), required=False, max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )

    def clean_month(self):
        text = (self.cleaned_data.get("month") or "").strip()
        if not text:
            return None
        year, _dash, number = text.partition("-")
        try:
            month = dt.date(int(year), int(number), 1)
        except ValueError:
            raise forms.ValidationError(_("Give the month as YYYY-MM, e.g. 2026-10.")) from None
        if month > timezone.localdate() or month < EARLIEST:
            raise forms.ValidationError(_("Choose a month between 2000 and this month."))
        return month


class RefreshForm(forms.Form):
    """A refresh asked for from a page: the day, and the page to go back to."""

    as_of = forms.DateField(required=True)
    back = forms.ChoiceField(choices=[("dashboard", "dashboard"), ("report", "report")], required=False)

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day < EARLIEST:
            raise forms.ValidationError(_("Figures start in 2000."))
        return day
