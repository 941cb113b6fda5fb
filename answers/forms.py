"""Forms of questions and the FAQ; they validate and narrow choices, the services write."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from branches.models import BranchKind, Organisation
from federation.editing import SeenMixin

from .models import FAQCategory, FAQEntry
from .search import QUERY_MAX
from .services import ANSWER_MAX, FAQ_ANSWER_MAX, FAQ_QUESTION_MAX, QUESTION_MAX

STATUS_CHOICES = [("open", _("Open")), ("answered", _("Answered")), ("all", _("All"))]


def step_choices() -> list[tuple[str, str]]:
    """The steps of the published procedures, by code (one title per code, in procedure order)."""
    from workflows.models import StepTemplate, WorkflowTemplate

    choices: dict[str, str] = {}
    for code, title in (
        StepTemplate.objects.filter(template__status=WorkflowTemplate.Status.PUBLISHED)
        .order_by("template__key", "order")
        .values_list("code", "title")
    ):
        choices.setdefault(code, title)
    return list(choices.items())


class FAQFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=QUERY_MAX)
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=FAQCategory.objects.all(), empty_label=_("All")
    )


class FAQSearchForm(forms.Form):
    """The search for FAQ entries beside a question being answered."""

    q = forms.CharField(label=_("Search"), required=False, max_length=QUERY_MAX)

    def query(self) -> str:
        """The words searched for; none when the search does not fit."""
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class QuestionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write the answer first.")},
    )


class AskForm(forms.Form):
    """A contact's question from their home; the organisation is asked only of a liaison of several."""

    organisation = forms.ModelChoiceField(label=_("For"), queryset=None, empty_label=None)
    text = forms.CharField(
        label=_("Your question"),
        max_length=QUESTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write your question first.")},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        # the template lists `organisations` itself; the queryset is read only to validate a POST
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=[o.pk for o in organisations]
        )
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0]
            self.fields["organisation"].widget = forms.HiddenInput()


class FAQEntryForm(SeenMixin, forms.ModelForm):
    step_codes = forms.MultipleChoiceField(
        label=_("Shown on the steps"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("The entry appears on these steps in every organisation's portal."),
    )
    applies_to = forms.MultipleChoiceField(
        label=_("For the forms"),
        required=False,
        choices=[
            (form.value, form.label)
            for form in (BranchKind.FEDERATION, BranchKind.COMMITTEE, BranchKind.GROUP)
        ],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("Shown only on the runs forming these; none ticked: on every run."),
    )
    related_fields = forms.CharField(
        label=_("Related fields"),
        required=False,
        max_length=400,
        help_text=_(
            "Optional: the names of the step fields it explains, separated by commas (seats, women)."
        ),
    )

    class Meta:
        model = FAQEntry
        fields = ["question", "answer", "category", "order", "published"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].validators.append(MaxLengthValidator(FAQ_QUESTION_MAX))
        self.fields["answer"].validators.append(MaxLengthValidator(FAQ_ANSWER_MAX))
        self.fields["step_codes"].choices = step_choices()
        if not self.is_bound and self.instance.pk:
            self.initial["step_codes"] = self.instance.step_codes
            self.initial["applies_to"] = self.instance.forms
            self.initial["related_fields"] = ", ".join(self.instance.fields or [])
        self.seen_track(self.instance)

    def clean_related_fields(self):
        raw = self.cleaned_data.get("related_fields") or ""
        return [name.strip() for name in raw.replace("，", ",").split(",") if name.strip()]

    def values(self) -> dict:
        """What the services take."""
        data = self.cleaned_data
        return {name: data.get(name) for name in ("question", "answer", "category", "order", "published")} | {
            "step_codes": data.get("step_codes") or [],
            "forms": data.get("applies_to") or [],
            "fields": data.get("related_fields") or [],
        }


class FAQProposalForm(forms.Form):
    """A change proposed to an entry the user does not keep: the new wording and why."""

    question = forms.CharField(label=_("Question"), max_length=FAQ_QUESTION_MAX)
    answer = forms.CharField(
        label=_("Answer"), max_length=FAQ_ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 6})
    )
    reason = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What is wrong or missing now (a new rule, a district's practice…)."),
    )


class ProposalDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
    note = forms.CharField(label=_("Note to the proposer"), required=False, max_length=1000)
