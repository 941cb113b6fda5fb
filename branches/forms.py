"""Forms of the ledger; choices are narrowed to the user's area."""

from __future__ import annotations

import hashlib

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import (
    FORMED_STAGES,
    Branch,
    BranchKind,
    Category,
    ContactLog,
    Organisation,
    RegisterSource,
    SanxinField,
    Stage,
    UnitType,
)
from branches.names import name_normalise
from branches.selectors import SORTS, regions_for
from branches.widgets import PickMany
from federation import access
from federation.editing import SeenMixin
from federation.identifiers import mobile_mask, mobile_validate, uscc_validate
from federation.models import Region

# A browser's date picker takes ISO dates only, whatever the interface language formats dates as.
DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
YES_NO_UNKNOWN = [("", _("Any")), ("yes", _("Yes")), ("no", _("No")), ("unknown", _("Not known"))]
COVERAGE_CHOICES = [
    ("", _("Any")),
    ("target", _("Counted for coverage")),
    ("covered", _("Covered")),
    ("uncovered", _("Not covered")),
    ("contact_kept", _("Contact cadence kept")),
    ("contact_late", _("Contact overdue")),
]
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
        label=_("Field"), required=False, choices=[("", _("All fields")), *SanxinField.choices]
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
    # Coverage drill-down (the coverage dashboards link here): which figure, and on which day.
    coverage = forms.ChoiceField(label=_("Coverage"), required=False, choices=COVERAGE_CHOICES)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("Any")), *Stage.choices])
    as_of = forms.DateField(label=_("As of"), required=False, widget=DATE_INPUT)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(SORT_LABELS.items()))

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].queryset = regions_for(user, Region.Level.DISTRICT)  # checks a posted id
        self.fields["street"].queryset = regions_for(user, Region.Level.STREET)
        # The districts and streets of the user's area in one query: the choices, and the list's place names.
        levels = (Region.Level.DISTRICT, Region.Level.STREET)
        self.places = {region.pk: region for region in regions_for(user, levels)}
        for name, level, empty in (
            ("district", Region.Level.DISTRICT, _("All districts")),
            ("street", Region.Level.STREET, _("All streets")),
        ):
            self.fields[name].choices = [
                ("", empty),
                *((region.pk, region.name) for region in self.places.values() if region.level == level),
            ]
        self.fields["source"].empty_label = _("All registers")
        assert set(SORT_LABELS) == set(SORTS)

    def filters(self) -> dict:
        """Cleaned filters; an invalid value is dropped rather than failing the whole page."""
        if self.is_bound and not self.is_valid():
            return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return self.cleaned_data if self.is_bound else {}

    def active_count(self) -> int:
        ignored = {"sort", "status", "q", "as_of"}
        return sum(1 for name, value in self.filters().items() if value and name not in ignored)


class ListFilterForm(forms.Form):
    """A list's filters read from the query string; an invalid value is dropped rather than failing the page."""

    def filters(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}

    def shown(self) -> dict[str, str]:
        """The filters in force as the page's controls compare them (texts)."""
        return {name: "" if value is None else str(value) for name, value in self.filters().items()}


ID_FIELD = {"required": False, "min_value": 1, "max_value": 2**63 - 1}


class BranchFilterForm(ListFilterForm):
    """The filters of the list of women's organisations."""

    form = forms.ChoiceField(required=False, choices=[("", _("All forms")), *BranchKind.choices])
    stage = forms.ChoiceField(required=False, choices=[("", _("All stages")), *Stage.choices])
    district = forms.IntegerField(**ID_FIELD)
    term = forms.ChoiceField(required=False, choices=[("", _("Any")), ("90", _("Term ends within 90 days"))])


class ContactOverdueFilterForm(ListFilterForm):
    """The filters of the page of contacts overdue: a district, and an officer's id or "none"."""

    district = forms.IntegerField(**ID_FIELD)
    officer = forms.RegexField(required=False, regex=r"^(none|[1-9][0-9]{0,17})$")


DUPLICATE_REASON_LENGTH = 70  # with its prefix, within the history's reason column


class ModelIdsField(forms.ModelMultipleChoiceField):
    """Several rows chosen by id; an id past the database's 64-bit range is an invalid choice (SQLite raised
    OverflowError on it, a 500)."""

    def _check_values(self, value):
        for pk in value or ():
            text = str(pk).strip()
            if text.lstrip("-").isdecimal() and abs(int(text)) >= 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": text[:30]}
                )
        return super()._check_values(value)


class OrganisationForm(SeenMixin, forms.ModelForm):
    """Create or edit an organisation; the credit code and mobile are checked as the standards say."""

    force_uscc = forms.BooleanField(
        label=_("Accept this credit code although it fails the check"),
        required=False,
        help_text=_("Only for codes copied exactly from an official register; say why below."),
    )
    reason = forms.CharField(
        label=_("Reason for the change"), required=False, max_length=500, widget=forms.TextInput()
    )
    # Second step when the record looks like others: what the warning was about (see lookalikes_accepted),
    # and why it is saved all the same (kept in the organisation's history).
    checked = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
    duplicate_reason = forms.CharField(
        label=_("Why is this a different organisation?"),
        required=False,
        max_length=DUPLICATE_REASON_LENGTH,
        widget=forms.TextInput(),
        help_text=_("Kept in the organisation's history."),
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
            "founded_on",
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
        field_classes = {"categories": ModelIdsField}
        widgets = {
            "categories": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "uscc_override": forms.TextInput(),
            "founded_on": DATE_INPUT,
            "party_org": forms.Select(choices=[("", "—"), (True, _("Yes")), (False, _("No"))]),
            "trade_union": forms.Select(choices=[("", "—"), (True, _("Yes")), (False, _("No"))]),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        regions = regions_for(user, Region.Level.DISTRICT) | regions_for(user, Region.Level.STREET)
        # A retired division is offered no more, but to the organisation that still lies in it (it keeps its
        # place until someone moves it); a street's choice is labelled "district · street".
        regions = regions.filter(Q(retired_on__isnull=True) | Q(pk=self.instance.region_id or 0))
        self.fields["region"].queryset = regions.select_related("parent").order_by("path")
        self.fields["region"].label_from_instance = lambda r: (
            r.name if r.level == Region.Level.DISTRICT else f"{r.parent.name} · {r.name}"
        )
        self.fields["region"].label = _("District or street")
        self.fields["categories"].queryset = Category.objects.filter(active=True)
        self.seen_track(self.instance)  # a save over someone else's newer one is refused
        # As saved (validation copies the posted values onto the instance).
        self.saved_identity = (self.instance.name_normalised, self.instance.uscc)
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["contact_mobile"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        # The saved mobile is shown masked, as everywhere; left as shown, it is kept (see clean_contact_mobile).
        self.saved_mobile = self.instance.contact_mobile if self.instance.pk else ""
        if self.saved_mobile:
            self.initial["contact_mobile"] = mobile_mask(self.saved_mobile)
            self.fields["contact_mobile"].help_text = _("Shown masked. Type a new number to change it.")
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

        from federation.identifiers import uscc_normalise

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
        if self.saved_mobile and value.strip() == mobile_mask(self.saved_mobile):
            return self.saved_mobile
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
            clash = (
                Organisation.objects.filter(uscc=code)
                .exclude(pk=self.instance.pk)
                .select_related("region")
                .first()
            )
            if clash and access.in_region_scope(self.user, clash.region):
                self.add_error(
                    "uscc", _("Another organisation already has this code: %(name)s.") % {"name": clash.name}
                )
            elif clash:
                self.add_error("uscc", _("An organisation outside your area already has this code."))
        return cleaned

    def lookalikes_needed(self) -> bool:
        """Whether to look for records like this one: always for a new record; for an edit, when the name
        or the credit code changes (an edit of the address does not ask again about a name kept)."""
        if not self.instance.pk:
            return True
        name, code = self.cleaned_data.get("name"), self.cleaned_data.get("uscc")
        saved_name, saved_code = self.saved_identity
        renamed = name is not None and name_normalise(name)[:200] != saved_name
        recoded = bool(code) and code != saved_code
        return renamed or recoded

    def lookalikes_accepted(self, lookalikes) -> bool:
        """Whether saving may go ahead: nothing looks alike, or the user was shown these very records (the
        hidden `checked` field) and said why this is a different organisation. Otherwise the form comes back
        with the warning, ready for that second step."""
        if not lookalikes:
            return True
        shown = [item["organisation"].pk for item in lookalikes.items]
        fingerprint = "|".join(
            [name_normalise(self.cleaned_data.get("name", "")), self.cleaned_data.get("uscc", "")]
            + [str(pk) for pk in shown]
            + [str(lookalikes.outside)]
        )
        key = hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
        if self.cleaned_data.get("checked") == key:
            if self.cleaned_data.get("duplicate_reason", "").strip():
                return True
            self.add_error(
                "duplicate_reason",
                _("Say why this is a different organisation, or open the existing record instead."),
            )
            return False
        self.data = self.data.copy()
        self.data[self.add_prefix("checked")] = key
        return False

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


class LiaisonForm(forms.Form):
    """Name a liaison; the notice is shown and their agreement recorded (个人信息保护法)."""

    name = forms.CharField(label=_("Name"), max_length=50)
    post = forms.CharField(label=_("Post"), max_length=100, required=False)
    mobile = forms.CharField(
        label=_("Mobile"), max_length=30, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    consent = forms.BooleanField(label=_("The liaison has read the notice above and agrees"), required=True)

    def clean_mobile(self):
        return mobile_validate(self.cleaned_data["mobile"])


class LiaisonEditForm(SeenMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    post = forms.CharField(label=_("Post"), max_length=100, required=False)
    mobile = forms.CharField(
        label=_("Mobile"), max_length=30, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    active = forms.BooleanField(label=_("Still the liaison"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)

    def __init__(self, *args, liaison=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen_track(liaison)

    def clean_mobile(self):
        return mobile_validate(self.cleaned_data["mobile"])


class ContactForm(forms.Form):
    """Log a contact in one step (on a phone too)."""

    contacted_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    channel = forms.ChoiceField(label=_("Channel"), choices=ContactLog.Channel.choices)
    summary = forms.CharField(
        label=_("What was discussed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_follow_up = forms.DateField(label=_("Next follow-up"), required=False, widget=DATE_INPUT)

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        if cleaned.get("contacted_on") and cleaned["contacted_on"] > today:
            self.add_error("contacted_on", _("A contact cannot be logged for a future date."))
        if (
            cleaned.get("next_follow_up")
            and cleaned.get("contacted_on")
            and cleaned["next_follow_up"] < cleaned["contacted_on"]
        ):
            self.add_error("next_follow_up", _("The next follow-up cannot be before the contact."))
        return cleaned


class FormHelperForm(forms.Form):
    """The short questionnaire behind the form recommendation."""

    PLACES = [
        ("unit", _("An enterprise or social organisation")),
        ("township", _("A township, street, village or community")),
        ("organ", _("A government organ or public institution")),
    ]
    place = forms.ChoiceField(
        label=_("What kind of unit is it?"), choices=PLACES, initial="unit", widget=forms.RadioSelect
    )
    unit_type = forms.ChoiceField(
        label=_("Unit type"), choices=[("", "—"), *UnitType.choices], required=False
    )
    women = forms.IntegerField(
        label=_("How many women work there or are members?"), min_value=0, max_value=1_000_000, required=False
    )
    party_org = forms.TypedChoiceField(
        label=_("Has it set up a party organisation?"),
        choices=[("", _("Not known")), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        required=False,
    )
    scattered = forms.BooleanField(
        label=_("Its people work in scattered outlets of one industry (express, delivery)"), required=False
    )


class BranchForm(SeenMixin, forms.ModelForm):
    """Record or edit a women's organisation; the form and way default to the recommendation."""

    covers = ModelIdsField(
        label=_("Also covers"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("For an industry-wide or area-wide organisation: the other organisations it covers."),
        widget=PickMany(),
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=500, required=False)

    class Meta:
        model = Branch
        fields = [
            "name",
            "form",
            "way",
            "established_on",
            "approval_number",
            "approving_unit",
            "seats",
            "term_number",
            "term_ends_on",
            "dissolved_on",
        ]
        widgets = {
            "established_on": DATE_INPUT,
            "term_ends_on": DATE_INPUT,
            "dissolved_on": DATE_INPUT,
        }

    def __init__(self, *args, user, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        from branches.selectors import organisations_for

        self.fields["covers"].queryset = (
            organisations_for(user)
            .filter(archived_at__isnull=True)
            .exclude(pk=organisation.pk)
            .order_by("sort_key")
        )
        self.fields["term_ends_on"].help_text = _(
            "Left empty, it is the date of establishment plus the term length."
        )
        self.seen_track(self.instance)

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        established = cleaned.get("established_on")
        if established and established > today:
            self.add_error("established_on", _("The date of establishment cannot be in the future."))
        ends = cleaned.get("term_ends_on")
        if established and ends and ends <= established:
            self.add_error("term_ends_on", _("The term must end after the date of establishment."))
        return cleaned


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=[(s.value, s.label) for s in FORMED_STAGES])
    reason = forms.CharField(label=_("Reason"), max_length=500)
