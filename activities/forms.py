"""Forms of federation work; every choice is narrowed to the user's area (the services check again)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.errors import WorkError
from activities.models import (
    Activity,
    ActivityType,
    Alliance,
    Partner,
    Recognition,
    RecognitionKind,
    RecognitionTitle,
)
from activities.selectors import (
    alliances_for,
    organisations_choosable,
    partners_choosable,
    units_choosable,
)
from activities.services import photo_content_type
from branches.forms import ModelIdsField
from branches.models import Branch, Organisation
from branches.selectors import branches_for, organisations_for, regions_for
from branches.widgets import PickMany, PickOne
from federation.editing import SeenMixin
from federation.forms import FilterForm
from federation.models import FederationUnit, Region

DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ActivityFilterForm(FilterForm):
    """The list's filters; the same form drives the list and the export."""

    type = forms.ModelChoiceField(label=_("Type"), required=False, queryset=ActivityType.objects.all())
    start = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    district = forms.ModelChoiceField(label=_("District"), required=False, queryset=Region.objects.none())
    partner = forms.ModelChoiceField(label=_("Partner"), required=False, queryset=Partner.objects.all())
    # Set by links from an organisation (too many to offer in a list): the services it received.
    organisation = forms.ModelChoiceField(
        required=False, queryset=Organisation.objects.none(), widget=forms.HiddenInput
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["type"].empty_label = _("All types")
        self.fields["district"].queryset = regions_for(user, Region.Level.DISTRICT)
        self.fields["district"].empty_label = _("All districts")
        self.fields["partner"].empty_label = _("All partners")
        self.fields["organisation"].queryset = organisations_for(user)


class ActivityForm(SeenMixin, forms.ModelForm):
    """Record or edit a service."""

    class Meta:
        model = Activity
        fields = [
            "type",
            "date",
            "title",
            "unit",
            "organisations",
            "partners",
            "alliances",
            "participants",
            "women_served",
            "pairs",
            "notes",
        ]
        widgets = {
            "date": DATE_INPUT,
            "organisations": PickMany(),
            "partners": forms.SelectMultiple(attrs={"size": 4}),
            "alliances": forms.SelectMultiple(attrs={"size": 4}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = dict.fromkeys(["organisations", "partners", "alliances"], ModelIdsField)
        help_texts = {
            "organisations": _("Only organisations in your area can be chosen."),
            "pairs": _("爱心妈妈结对 only: the number of pairs. Never record a child's name."),
            "women_served": _("Women who took part or were helped."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        types = ActivityType.objects.filter(active=True)
        if self.instance.pk:  # a type retired since stays on the services that used it
            types = ActivityType.objects.filter(pk=self.instance.type_id) | types
        self.fields["type"].queryset = types
        units = units_choosable(user)
        if self.instance.pk:  # the city's unit stays choosable on its service that a district edits
            units = units | FederationUnit.objects.filter(pk=self.instance.unit_id)
        self.fields["unit"].queryset = units
        self.fields["unit"].required = False
        self.fields["unit"].help_text = _("Left empty, your own unit.")
        self.fields["organisations"].queryset = organisations_choosable(user)
        self.fields["partners"].queryset = partners_choosable()
        self.fields["alliances"].queryset = alliances_for(user)
        if not self.instance.pk:
            self.fields["date"].initial = timezone.localdate()
            if user.unit_id:
                self.fields["unit"].initial = user.unit_id
        for name in ("participants", "women_served", "pairs"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"
        self.seen_track(self.instance)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date and date > timezone.localdate():
            raise ValidationError(
                _("A service is recorded once it has taken place: the date cannot be in the future.")
            )
        return date

    def clean(self):
        cleaned = super().clean()
        activity_type = cleaned.get("type")
        if activity_type is not None and activity_type.counts_pairs and not cleaned.get("pairs"):
            self.add_error("pairs", _("Enter the number of pairs."))
        return cleaned


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )

    def clean_photo(self):
        upload = self.cleaned_data["photo"]
        try:
            photo_content_type(upload)
        except WorkError as error:
            raise ValidationError(error.message) from None
        return upload


class RecognitionFilterForm(FilterForm):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1950, max_value=2100)
    title = forms.ModelChoiceField(label=_("Title"), required=False, queryset=RecognitionTitle.objects.all())
    kind = forms.ChoiceField(
        label=_("Awarded to"),
        required=False,
        choices=[("", _("Individuals and collectives")), *RecognitionKind.choices],
    )
    district = forms.ModelChoiceField(label=_("District"), required=False, queryset=Region.objects.none())

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["title"].empty_label = _("All titles")
        self.fields["district"].queryset = regions_for(user, Region.Level.DISTRICT)
        self.fields["district"].empty_label = _("All districts")


class RecognitionForm(SeenMixin, forms.ModelForm):
    """A recognition: for a person only the name, unit and post (collect the minimum)."""

    class Meta:
        model = Recognition
        fields = [
            "kind",
            "title",
            "year",
            "organisation",
            "person_name",
            "person_unit",
            "person_post",
            "collective_name",
        ]
        widgets = {"kind": forms.RadioSelect, "organisation": PickOne()}
        help_texts = {
            "organisation": _("Optional for an individual."),
            "person_name": _("Individuals only. Name, unit and post: nothing else is recorded."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        titles = RecognitionTitle.objects.filter(active=True)
        if self.instance.pk:
            titles = RecognitionTitle.objects.filter(pk=self.instance.title_id) | titles
        self.fields["title"].queryset = titles
        self.fields["organisation"].queryset = organisations_choosable(user)
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year
            self.fields["kind"].initial = RecognitionKind.INDIVIDUAL
        self.fields["year"].widget.attrs["inputmode"] = "numeric"
        self.seen_track(self.instance)

    def clean(self):
        cleaned = super().clean()
        kind, title = cleaned.get("kind"), cleaned.get("title")
        if kind and title and title.kind != kind:
            self.add_error("title", _("This title is not awarded to that kind of recipient."))
        if kind == RecognitionKind.INDIVIDUAL:
            cleaned["collective_name"] = ""
            if not (cleaned.get("person_name") or "").strip():
                self.add_error("person_name", _("Enter the person's name."))
        if kind == RecognitionKind.COLLECTIVE:
            # A collective keeps no person's details, whatever was typed before switching.
            cleaned["person_name"] = cleaned["person_unit"] = cleaned["person_post"] = ""
            if not (cleaned.get("collective_name") or "").strip():
                self.add_error("collective_name", _("Enter the collective's name."))
        year = cleaned.get("year")
        if year is not None and not 1950 <= year <= timezone.localdate().year:
            self.add_error(
                "year", _("Enter a year between 1950 and %(year)s.") % {"year": timezone.localdate().year}
            )
        return cleaned


class AllianceForm(SeenMixin, forms.ModelForm):
    """An alliance and its members; its women's organisation then covers them."""

    class Meta:
        model = Alliance
        fields = ["name", "lead", "members", "branch", "notes"]
        widgets = {
            "lead": PickOne(),
            "members": PickMany(),
            "branch": PickOne(source="branches:branch_pick"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"members": ModelIdsField}
        help_texts = {
            "members": _("The lead unit is a member too."),
            "branch": _("An area-based women's federation: it will cover every member."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = organisations_choosable(user)
        self.fields["lead"].queryset = organisations
        self.fields["members"].queryset = organisations
        self.fields["branch"].queryset = branches_for(user).filter(dissolved_on__isnull=True).order_by("name")
        self.fields["branch"].required = False
        self.seen_track(self.instance)

    def clean_branch(self):
        branch: Branch | None = self.cleaned_data.get("branch")
        if branch is not None:
            taken = Alliance.objects.filter(branch=branch).exclude(pk=self.instance.pk)
            if taken.exists():
                raise ValidationError(_("That women's organisation belongs to another alliance already."))
        return branch
