"""A step's form, built from its field specs: validated on the server whatever the browser sent.

Answers are stored as JSON: text and choices as strings, numbers as integers, dates as ISO strings, yes/no as
booleans, tables as lists of {column: value}, files as lists of attachment ids. A draft keeps the raw inputs
(even those not valid yet) so that nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Liaison, Organisation, Way
from federation.identifiers import mobile_mask, mobile_normalise, mobile_validate
from federation.models import User
from federation.uploads import docx_active_content_error, upload_archive_error, upload_size_error, upload_type

from .election import NOMINATION_STEP, election_check, nomination_check, planned_seats
from .models import FieldSpec, FieldType, FormationRun, StepEntry, StepTemplate, WorkflowTemplate
from .selectors import owners_for
from .wording import WAYS, form_words

MAX_ROWS = 300
MAX_CELL = 200
VOTE_NUMBERS = ("for", "against", "abstain")
# file name suffix → the content type its first bytes must show
ALLOWED_UPLOADS = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".docx": "application/zip",
    ".xlsx": "application/zip",
}
DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
BLANK = re.compile(r"\{(\w+)\}")
INLINE_TYPES = {FieldType.TEXT, FieldType.NUMBER, FieldType.DATE, FieldType.CHOICE}


class TableWidget(forms.Widget):
    """Rows of inputs named `<field>-<row>-<column>`; rows may be added and removed in the browser."""

    template_name = "workflows/widgets/table.html"

    def __init__(self, columns: list[tuple[str, str]], numeric: tuple[str, ...] = (), attrs=None):
        super().__init__(attrs)
        self.columns = columns
        self.numeric = numeric

    def value_from_datadict(self, data, files, name):
        pattern = re.compile(rf"^{re.escape(name)}-(\d+)-(\w+)$")
        names = {column for column, _label in self.columns}
        rows: dict[int, dict[str, str]] = {}
        for key in data:
            match = pattern.match(key)
            if match and match[2] in names and int(match[1]) < MAX_ROWS * 2:
                rows.setdefault(int(match[1]), {})[match[2]] = str(data.get(key, "")).strip()
        return [
            {column: row.get(column, "") for column in names}
            for _index, row in sorted(rows.items())
            if any(row.values())
        ]

    def value_omitted_from_data(self, data, files, name):
        return False

    def format_value(self, value):
        return value if isinstance(value, list) else []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = [row for row in (value or []) if isinstance(row, dict)]
        blank = {column: "" for column, _label in self.columns}
        rows = [*rows, *([blank] * max(1, 3 - len(rows)))]
        context["widget"].update(
            columns=self.columns,
            numeric=self.numeric,
            rows=[
                [(column, f"{name}-{index}-{column}", row.get(column, "")) for column, _label in self.columns]
                for index, row in enumerate(rows)
            ],
            next_index=len(rows),
        )
        return context


class TableField(forms.Field):
    widget = TableWidget
    default_error_messages = {
        "required": gettext_lazy("Fill in at least one row."),
        "too_many": gettext_lazy("At most %(max)s rows."),
    }

    def __init__(self, *, columns: list[tuple[str, str]], numeric: tuple[str, ...] = (), **kwargs):
        self.columns, self.numeric = columns, numeric
        kwargs.setdefault("widget", TableWidget(columns, numeric))
        super().__init__(**kwargs)

    def to_python(self, value):
        return value if isinstance(value, list) else []

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(value) > MAX_ROWS:
            raise ValidationError(self.error_messages["too_many"], params={"max": MAX_ROWS})

    def clean(self, value):
        rows = super().clean(value)
        labels = dict(self.columns)
        cleaned, errors = [], []
        for number, row in enumerate(rows, start=1):
            result = {}
            for column, _label in self.columns:
                cell = str(row.get(column, "")).strip()
                if len(cell) > MAX_CELL:
                    errors.append(
                        _("Row %(row)s, %(column)s: too long.") % {"row": number, "column": labels[column]}
                    )
                elif column in self.numeric:
                    try:
                        result[column] = int(cell or 0)
                        if result[column] < 0:
                            raise ValueError
                    except ValueError:
                        errors.append(
                            _("Row %(row)s, %(column)s: enter a whole number, 0 or more.")
                            % {"row": number, "column": labels[column]}
                        )
                elif column == "mobile" and cell:
                    try:
                        result[column] = mobile_validate(mobile_normalise(cell))
                    except ValidationError as error:
                        errors.append(
                            _("Row %(row)s, %(column)s: %(error)s")
                            % {"row": number, "column": labels[column], "error": " ".join(error.messages)}
                        )
                else:
                    result[column] = cell
            if "name" in labels and not result.get("name"):
                errors.append(_("Row %(row)s: the name is missing.") % {"row": number})
            cleaned.append(result)
        if errors:
            raise ValidationError(errors)
        return cleaned


def upload_check(upload) -> None:
    """Refuse files over the size limit or of a type other than PDF, images, Word and Excel."""
    error = upload_size_error(upload)
    if error:
        raise ValidationError(error)
    expected = ALLOWED_UPLOADS.get(Path(upload.name).suffix.lower())
    if expected is None or upload_type(upload, [expected]) is None:
        raise ValidationError(
            _("%(name)s is not a PDF, JPEG, PNG, Word (.docx) or Excel (.xlsx) file.") % {"name": upload.name}
        )
    error = upload_archive_error(upload)  # a Word or Excel file is a ZIP: refuse a damaged one or a zip bomb
    if error:
        raise ValidationError(error)
    error = docx_active_content_error(upload)  # staff and the higher federation open these papers in Word
    if error:
        raise ValidationError(error)


VOTE_COLUMNS = (
    ("name", gettext_lazy("Candidate")),
    ("for", gettext_lazy("For")),
    ("against", gettext_lazy("Against")),
    ("abstain", gettext_lazy("Abstain")),
)


def table_columns(spec: FieldSpec) -> list[tuple[str, str]]:
    """A table field's (name, label) columns; a vote table without its own columns gets the standard ones."""
    if spec.column_list:
        return spec.column_list
    return list(VOTE_COLUMNS) if spec.type == FieldType.VOTES else []


def answer_display(spec: FieldSpec, value, attachments, *, mask_mobiles: bool) -> dict:
    """One answer as a read-only page shows it: text (value for yes/no), a table, or the files attached.

    Staff pages mask mobiles (they are shown in full only in the papers, whose download is logged); the
    organisation sees its own as typed.
    """

    def shown(name: str, cell):
        return mobile_mask(cell) if mask_mobiles and "mobile" in name and isinstance(cell, str) else cell

    wide = spec.type in (FieldType.PEOPLE, FieldType.VOTES)
    item = {"label": spec.label, "type": spec.type, "value": shown(spec.name, value), "wide": wide}
    item.update(text="", columns=[], rows=[], files=[])
    if wide:
        columns = table_columns(spec)
        item["columns"] = [label for _name, label in columns]
        item["rows"] = [
            [shown(name, row.get(name, "")) for name, _label in columns]
            for row in (value if isinstance(value, list) else [])
            if isinstance(row, dict)
        ]
    elif spec.type == FieldType.FILE:
        ids = set(value) if isinstance(value, list) else set()
        item["files"] = [a for a in attachments if a.pk in ids or (not ids and a.field == spec.name)]
    elif spec.type == FieldType.BOOLEAN:
        item["text"] = "" if value is None else (_("Yes") if value else _("No"))
    else:
        item["text"] = "" if value is None else str(item["value"])
    return item


def _form_field(spec: FieldSpec) -> forms.Field:
    field = _bare_field(spec)
    css = {"choice": "form-select", "boolean": "form-check-input"}.get(spec.type, "form-control")
    if spec.type not in (FieldType.PEOPLE, FieldType.VOTES):
        field.widget.attrs.setdefault("class", css)
    if spec.type == FieldType.NUMBER:
        field.widget.attrs["inputmode"] = "numeric"
    return field


def _bare_field(spec: FieldSpec) -> forms.Field:
    common = {"label": spec.label, "required": spec.required, "help_text": spec.help_text}
    match spec.type:
        case FieldType.TEXTAREA:
            return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), **common)
        case FieldType.NUMBER:
            return forms.IntegerField(min_value=spec.min_value, max_value=spec.max_value, **common)
        case FieldType.DATE:
            return forms.DateField(widget=DATE_INPUT, **common)
        case FieldType.CHOICE:
            choices = [("", "—"), *((choice, choice) for choice in spec.choice_list)]
            return forms.ChoiceField(choices=choices, **common)
        case FieldType.BOOLEAN:
            return forms.TypedChoiceField(
                choices=[("yes", _("Yes")), ("no", _("No"))],
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
                **common,
            )
        case FieldType.PEOPLE:
            return TableField(columns=spec.column_list, **common)
        case FieldType.VOTES:
            return TableField(columns=table_columns(spec), numeric=VOTE_NUMBERS, **common)
        case FieldType.FILE:
            return forms.FileField(**{**common, "required": False})
        case _:
            return forms.CharField(max_length=200, **common)


def _to_json(spec: FieldSpec, value):
    if value in (None, ""):
        return None if spec.type not in (FieldType.PEOPLE, FieldType.VOTES) else []
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _to_initial(spec: FieldSpec, value):
    if spec.type == FieldType.BOOLEAN and isinstance(value, bool):
        return "yes" if value else "no"
    return value


class StepForm(forms.Form):
    """The fields of one step, shown as fill-in sentences where the step has them."""

    # ticked by the user to hand in despite the template's warnings (the 差额 rule when it only warns)
    accept_warnings = forms.BooleanField(
        label=gettext_lazy("I have read the warning above: hand the step in anyway."),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(
        self,
        *args,
        entry: StepEntry,
        step: StepTemplate | None = None,
        initial=None,
        earlier: dict | None = None,
        **kwargs,
    ):
        self.entry = entry
        self.step = step or entry.step
        self.specs = list(self.step.fields.all())
        self._earlier = earlier
        self.warnings: list[str] = []
        super().__init__(*args, initial=initial, **kwargs)
        for spec in self.specs:
            self.fields[spec.name] = _form_field(spec)
            if spec.type == FieldType.FILE and spec.required:
                self.fields[spec.name].widget.is_required = True
        # Mobiles kept (prefilled from the ledger or answered before) are shown masked; left as shown, the
        # number kept is what is saved (see _mobiles_kept).
        for spec in self._mobile_specs():
            value = self.initial.get(spec.name)
            if isinstance(value, str) and value and "*" not in value:
                self.initial[spec.name] = mobile_mask(value)
                field = self.fields[spec.name]
                note = _("Shown masked. Type a new number to change it.")
                field.help_text = f"{field.help_text} {note}" if field.help_text else note
        self.attachments = {
            spec.name: [a for a in self._attachments() if a.field == spec.name]
            for spec in self.specs
            if spec.type == FieldType.FILE
        }

    def _attachments(self):
        if not self.entry.pk:
            return []
        if not hasattr(self, "_attachment_list"):
            self._attachment_list = list(self.entry.attachments.filter(removed_at__isnull=True))
        return self._attachment_list

    def _mobile_specs(self) -> list[FieldSpec]:
        return [spec for spec in self.specs if spec.type == FieldType.TEXT and "mobile" in spec.name]

    def _mobiles_kept(self, cleaned: dict) -> None:
        """A masked mobile left as shown stands for the number kept: the step's answer, else its prefill."""
        for spec in self._mobile_specs():
            typed = cleaned.get(spec.name)
            if not isinstance(typed, str) or "*" not in typed:
                continue
            kept = [self.entry.answers.get(spec.name)] if self.entry.answers else []
            if self.entry.run_id is not None:
                kept.append(prefill_value(self.entry, spec, earlier=self.earlier()))
            full = next(
                (v for v in kept if isinstance(v, str) and "*" not in v and v and mobile_mask(v) == typed),
                None,
            )
            if full is None:
                self.add_error(spec.name, _("Type the full mobile number."))
            else:
                cleaned[spec.name] = full

    def clean(self):
        cleaned = super().clean()
        self._mobiles_kept(cleaned)
        for spec in self.specs:
            if spec.type == FieldType.FILE:
                upload = cleaned.get(spec.name)
                if upload:
                    try:
                        upload_check(upload)
                    except ValidationError as error:
                        self.add_error(spec.name, error)
                elif spec.required and not self.attachments.get(spec.name):
                    self.add_error(spec.name, _("Attach a file."))
        template = self.step.template
        outcome = None
        if self.step.election and not self.errors:
            outcome = election_check(
                self.answers(),
                numerator=template.quorum_numerator,
                denominator=template.quorum_denominator,
                extra_percent=template.min_extra_candidates_percent,
                competitive=template.competitive_rule,
            )
        elif self.step.code == NOMINATION_STEP and not self.errors:
            outcome = nomination_check(
                self.candidate_rows(),
                seats=planned_seats(self.earlier()),
                extra_percent=template.min_extra_candidates_percent,
                competitive=template.competitive_rule,
            )
        if outcome is not None:
            for problem in outcome.problems:
                self.add_error(None, problem)
            self.warnings = outcome.warnings
            if self.warnings and not outcome.problems and not cleaned.get("accept_warnings"):
                self.add_error("accept_warnings", _("Tick the box to hand the step in despite the warning."))
        return cleaned

    def candidate_rows(self) -> list:
        """The candidates named on this step (see candidate_rows)."""
        return candidate_rows(self.specs, self.cleaned_data)

    def earlier(self) -> dict[str, dict]:
        """The answers of the run's earlier steps by step code (given by the view, else read once)."""
        if self._earlier is None and self.entry.run_id is None:  # a template's preview has no run
            self._earlier = {}
        if self._earlier is None:
            entries = self.entry.run.entries.filter(order__lt=self.entry.order).select_related("step")
            self._earlier = {entry.step.code: entry.answers for entry in entries}
        return self._earlier

    def answers(self) -> dict:
        """The cleaned answers as JSON (file fields hold the ids of the attachments already kept)."""
        result = {}
        for spec in self.specs:
            if spec.type == FieldType.FILE:
                result[spec.name] = [a.pk for a in self.attachments.get(spec.name, [])]
            else:
                result[spec.name] = _to_json(spec, self.cleaned_data.get(spec.name))
        return result

    def uploads(self) -> dict:
        """Field name → uploaded file, for the file fields that received one."""
        return {
            spec.name: self.cleaned_data[spec.name]
            for spec in self.specs
            if spec.type == FieldType.FILE and self.cleaned_data.get(spec.name)
        }

    def raw(self) -> dict:
        """What the inputs hold now, valid or not, as a draft."""
        result = {}
        for spec in self.specs:
            if spec.type == FieldType.FILE:
                continue
            field = self.fields[spec.name]
            value = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(spec.name))
            if isinstance(value, str):
                value = value[:5000]
            result[spec.name] = value
        return result

    def sentence_segments(self) -> list[tuple[str, object]]:
        """The fill-in sentences as ("text", str) and ("field", bound field) parts."""
        names = self.in_sentences()
        segments: list[tuple[str, object]] = []
        position = 0
        for match in BLANK.finditer(self.step.sentences):
            if match[1] not in names:
                continue
            segments.append(("text", self.step.sentences[position : match.start()]))
            segments.append(("field", self[match[1]]))
            position = match.end()
        if segments:
            segments.append(("text", self.step.sentences[position:]))
        return segments

    def in_sentences(self) -> set[str]:
        """The fields shown as blanks: short inputs named in the sentences (tables and files stay below)."""
        inline = {spec.name for spec in self.specs if spec.type in INLINE_TYPES}
        return {name for name in BLANK.findall(self.step.sentences) if name in inline}

    def other_fields(self) -> list[dict]:
        """The fields not shown as blanks in the sentences, in their order: bound field, type, attachments."""
        shown = self.in_sentences()
        return [
            {"bound": self[spec.name], "type": spec.type, "attachments": self.attachments.get(spec.name, [])}
            for spec in self.specs
            if spec.name not in shown
        ]


def candidate_rows(specs: list[FieldSpec], answers: dict) -> list:
    """The candidates of a nomination step: its table called candidates, else its first people table."""
    tables = [spec for spec in specs if spec.type == FieldType.PEOPLE]
    chosen = next((spec for spec in tables if spec.name == "candidates"), tables[0] if tables else None)
    value = answers.get(chosen.name) if chosen else None
    return value if isinstance(value, list) else []


def initial_answers(entry: StepEntry, *, organisation=None, earlier: dict | None = None) -> dict:
    """What the form starts with: the draft, else the answers given, else the prefills."""
    step = entry.step
    specs = list(step.fields.all())
    if entry.draft:
        return {spec.name: _to_initial(spec, entry.draft.get(spec.name)) for spec in specs}
    if entry.answers:
        return {spec.name: _to_initial(spec, entry.answers.get(spec.name)) for spec in specs}
    organisation = organisation or entry.run.organisation
    result = {}
    for spec in specs:
        value = prefill_value(entry, spec, organisation=organisation, earlier=earlier)
        if value not in (None, ""):
            result[spec.name] = _to_initial(spec, value)
    return result


def prefill_value(entry: StepEntry, spec: FieldSpec, *, organisation=None, earlier: dict | None = None):
    """What a field is prefilled with: from the run, the organisation's record or an earlier step."""
    if not spec.prefill:
        return None
    source, _dot, name = spec.prefill.partition(".")
    if source == "run":
        value = run_value(entry.run, name, organisation=organisation)
        if spec.type == FieldType.CHOICE and value not in spec.choice_list:
            value = None  # an admin's own choices without the word: leave the choice to the user
        return value
    if source == "organisation":
        if name == "federation_unit":
            unit = getattr(entry.run.owner, "unit", None)
            return unit.name if unit else ""
        return getattr(organisation or entry.run.organisation, name, None)
    return (earlier or {}).get(source, {}).get(name)


def run_value(run, name: str, *, organisation=None) -> str | None:
    """What the run was started with, in the words the steps use: `way` is the way of forming as the
    organisation writes it (单独建立 …), `women_org` the organisation's name with its form (…妇女委员会)."""
    if name == "way":
        return WAYS.get(run.way)
    if name == "women_org":
        organisation = organisation or run.organisation
        return f"{organisation.name}{form_words(run.form)['full']}" if organisation.name else None
    return None


# --- the staff pages' forms -------------------------------------------------------------------------------


class _OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} · {obj.unit}" if obj.unit_id else obj.display_name


class _TemplateField(forms.ModelChoiceField):
    def label_from_instance(self, obj: WorkflowTemplate) -> str:
        return f"{obj.name} v{obj.version} · {obj.get_form_display()}"


class RunStartForm(forms.Form):
    """Start a run on an organisation: the template, the way, the owner (who may own it) and the liaison."""

    template = _TemplateField(
        label=gettext_lazy("Template"),
        queryset=WorkflowTemplate.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    way = forms.ChoiceField(
        label=gettext_lazy("Way of forming"),
        choices=Way.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    owner = _OwnerField(
        label=gettext_lazy("Owner"),
        queryset=User.objects.none(),
        help_text=gettext_lazy("The officer who follows the run and is told when a step is handed in."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    liaison = forms.ModelChoiceField(
        label=gettext_lazy("Liaison"),
        queryset=Liaison.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "The organisation's liaison receives the invitation link to fill in the steps."
        ),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = WorkflowTemplate.objects.filter(
            status=WorkflowTemplate.Status.PUBLISHED
        ).order_by("form", "key", "-version")
        self.fields["owner"].queryset = owners_for(organisation)
        self.fields["liaison"].queryset = organisation.liaisons.filter(active=True).order_by("pk")
        self.fields["liaison"].empty_label = _("Name one later")


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the run cancelled?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class RunFilterForm(forms.Form):
    """The run list's filters; a value that does not fit is left out, the others still apply."""

    status = forms.ChoiceField(required=False, choices=[("", ""), *FormationRun.Status.choices])
    template = forms.CharField(required=False, max_length=40)  # a template's key, whatever its version
    district = forms.IntegerField(required=False, min_value=1, max_value=999_999_999)
    overdue = forms.BooleanField(required=False)

    def filters(self) -> dict:
        """The filters that were given and fit (the list is scoped to the user's area whatever they say)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", False)}
