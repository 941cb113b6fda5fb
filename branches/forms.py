"""Forms of the ledger; choices are narrowed to the user's area."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.identifiers import mobile_validate, uscc_validate
from branches.models import Category, Field, Organisation, RegisterSource, UnitType
from branches.selectors import SORTS, regions_for
from federation import access
from federation.models import Region

YES_NO_UNKNOWN = [("", _("Any")), ("yes", _("Yes")), ("no", _("No")), ("unknown", _("Not known"))]
STATUS_CHOICES = [("active", _("In the ledger")), ("archived", _("Archived")), ("all", _("All"))]
SORT_LABELS = {
    "name": _("Name (pinyin)"),
    "-updated": _("Recently updated"),
    "-women": _("Most women"),
    "-employees": _("Most employees"),
}


class OrganisationFilterForm(forms.Form):
    """The ledger's filters; the same form drives the list and the export."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    field = forms.ChoiceField(
        label=_("Field"), required=False, choices=[("", _("All fields")), *Field.choices]
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.filter(active=True),
        empty_label=_("All"),
    )
    district = forms.ModelChoiceField(label=_("District"), required=False, queryset=Region.objects.none())
    street = forms.ModelChoiceField(label=_("Street or town"), required=False, queryset=Region.objects.none())
    unit_type = forms.ChoiceField(
        label=_("Unit type"), required=False, choices=[("", _("All types")), *UnitType.choices]
    )
    party_org = forms.ChoiceField(label=_("Party organisation"), required=False, choices=YES_NO_UNKNOWN)
    trade_union = forms.ChoiceField(label=_("Trade union"), required=False, choices=YES_NO_UNKNOWN)
    in_scope = forms.ChoiceField(label=_("In scope"), required=False, choices=YES_NO_UNKNOWN[:3])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    source = forms.ModelChoiceField(
        label=_("Register"), required=False, queryset=RegisterSource.objects.all()
    )
    not_in_latest = forms.BooleanField(label=_("Not in the latest register"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(SORT_LABELS.items()))

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].queryset = regions_for(user, Region.Level.DISTRICT)
        self.fields["district"].empty_label = _("All districts")
        self.fields["street"].queryset = regions_for(user, Region.Level.STREET)
        self.fields["street"].empty_label = _("All streets")
        self.fields["source"].empty_label = _("All registers")
        assert set(SORT_LABELS) == set(SORTS)

    def filters(self) -> dict:
        """Cleaned filters; an invalid value is dropped rather than failing the whole page."""
        if self.is_bound and not self.is_valid():
            return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return self.cleaned_data if self.is_bound else {}

    def active_count(self) -> int:
        ignored = {"sort", "status", "q"}
        return sum(1 for name, value in self.filters().items() if value and name not in ignored)


class OrganisationForm(forms.ModelForm):
    """Create or edit an organisation; the credit code and mobile are checked as the standards say."""

    force_uscc = forms.BooleanField(
        label=_("Accept this credit code although it fails the check"),
        required=False,
        help_text=_("Only for codes copied exactly from an official register; say why below."),
    )
    reason = forms.CharField(
        label=_("Reason for the change"), required=False, max_length=500, widget=forms.TextInput()
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "uscc",
            "field",
            "unit_type",
            "industry",
            "categories",
            "region",
            "address",
            "employees",
            "women",
            "party_org",
            "trade_union",
            "contact_name",
            "contact_mobile",
            "in_scope",
            "notes",
            "uscc_override",
        ]
        widgets = {
            "categories": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "uscc_override": forms.TextInput(),
            "party_org": forms.Select(choices=[("", "—"), (True, _("Yes")), (False, _("No"))]),
            "trade_union": forms.Select(choices=[("", "—"), (True, _("Yes")), (False, _("No"))]),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        regions = regions_for(user, Region.Level.DISTRICT) | regions_for(user, Region.Level.STREET)
        self.fields["region"].queryset = regions.order_by("path")
        self.fields["region"].label_from_instance = lambda r: (
            r.name if r.level == Region.Level.DISTRICT else f"{r.parent.name} · {r.name}"
        )
        self.fields["region"].label = _("District or street")
        self.fields["categories"].queryset = Category.objects.filter(active=True)
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["contact_mobile"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["uscc"].widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})
        if not access.has(user, "ledger.force_uscc"):
            del self.fields["force_uscc"]
            del self.fields["uscc_override"]

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter the unit name."))
        return name

    def clean_uscc(self):
        from django.core.exceptions import ValidationError

        from branches.identifiers import uscc_normalise

        raw = self.cleaned_data.get("uscc", "")
        if not raw.strip():
            return ""
        code = uscc_normalise(raw)
        if code == self.instance.uscc and self.instance.uscc_override:
            return code  # accepted earlier by an admin, with the reason on record
        try:
            return uscc_validate(code)
        except ValidationError as error:
            if (
                error.code == "uscc_check"
                and self.data.get(self.add_prefix("force_uscc"))
                and "force_uscc" in self.fields
            ):
                return code  # an admin accepts a failing check with a recorded reason (checked in clean)
            raise

    def clean_contact_mobile(self):
        value = self.cleaned_data.get("contact_mobile", "")
        return mobile_validate(value) if value.strip() else ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("force_uscc") and not (cleaned.get("uscc_override") or "").strip():
            self.add_error("uscc_override", _("Say why a code that fails the check is accepted."))
        women, employees = cleaned.get("women"), cleaned.get("employees")
        if women is not None and employees is not None and women > employees:
            self.add_error("women", _("There cannot be more women than employees or members."))
        code = cleaned.get("uscc")
        if code:
            clash = Organisation.objects.filter(uscc=code).exclude(pk=self.instance.pk).first()
            if clash:
                self.add_error(
                    "uscc", _("Another organisation already has this code: %(name)s.") % {"name": clash.name}
                )
        return cleaned

    def service_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}
        data.pop("categories", None)
        if "uscc_override" not in self.fields or not self.cleaned_data.get("force_uscc"):
            data.pop("uscc_override", None)
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
