"""The start page's form: a run's template, way and owner, and its liaison — chosen among the organisation's
active liaisons, or, when it has none, named right there (name, post, mobile, and their consent to the notice)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Organisation
from federation.identifiers import mobile_validate

from .forms import RunStartForm
from .services import NewLiaison

NEW_LIAISON_FIELDS = ("liaison_name", "liaison_post", "liaison_mobile", "liaison_consent")


class RunStartInviteForm(RunStartForm):
    """RunStartForm, and when the organisation has no active liaison, the fields to name one. Left blank, the
    run starts without a liaison (one is named later, as before)."""

    liaison_name = forms.CharField(
        label=gettext_lazy("Liaison's name"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    liaison_post = forms.CharField(
        label=gettext_lazy("Liaison's post"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    liaison_mobile = forms.CharField(
        label=gettext_lazy("Liaison's mobile"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("The invitation link is sent to it by SMS."),
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel", "autocomplete": "off"}),
    )
    liaison_consent = forms.BooleanField(
        label=gettext_lazy("The liaison has read the notice above and agrees"), required=False
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, organisation=organisation, **kwargs)
        self.naming = not organisation.liaisons.filter(active=True).exists()
        if self.naming:
            del self.fields["liaison"]
        else:
            for name in NEW_LIAISON_FIELDS:
                del self.fields[name]

    def clean_liaison_mobile(self) -> str:
        value = self.cleaned_data.get("liaison_mobile", "").strip()
        return mobile_validate(value) if value else ""

    def clean(self):
        cleaned = super().clean()
        if not self.naming:
            return cleaned
        name = (cleaned.get("liaison_name") or "").strip()
        typed = any(str(self.data.get(field, "")).strip() for field in NEW_LIAISON_FIELDS[:3])
        if typed or cleaned.get("liaison_consent"):
            if not name:
                self.add_error("liaison_name", _("Enter the liaison's name."))
            if not cleaned.get("liaison_mobile") and "liaison_mobile" not in self.errors:
                self.add_error("liaison_mobile", _("Enter the liaison's mobile: the link is sent to it."))
            if not cleaned.get("liaison_consent"):
                self.add_error(
                    "liaison_consent",
                    _("The liaison must agree to the notice before their details are recorded."),
                )
        return cleaned

    def new_liaison(self) -> NewLiaison | None:
        """The liaison named on the page, if one was."""
        if not self.naming or not self.cleaned_data.get("liaison_name"):
            return None
        return NewLiaison(
            name=self.cleaned_data["liaison_name"].strip(),
            post=self.cleaned_data["liaison_post"].strip(),
            mobile=self.cleaned_data["liaison_mobile"],
            consent=bool(self.cleaned_data["liaison_consent"]),
        )

    def chosen_liaison(self):
        """The active liaison chosen, when the organisation has one."""
        return None if self.naming else self.cleaned_data.get("liaison")
