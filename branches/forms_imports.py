"""Forms of the register import: the upload, and the mapping of columns the reader did not recognise."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from branches.forms import ModelIdsField
from branches.models import Category, RegisterSource, SanxinField
from branches.registers import ALIAS_INDEX, RegisterError, column_letter, normalize_header
from branches.selectors import regions_for
from branches.services.imports import column_choices, field_label, upload_limit_bytes
from branches.services.imports.texts import ROW_STATUSES, STATUS_LABELS
from federation.models import Region

ACCEPTED_FILES = ".xlsx,.xls,.xlsm,.ods,.csv,.txt"


class RegisterUploadForm(forms.Form):
    """Which register a file is, and the file; the file's contents are checked by the import service."""

    source = forms.CharField(
        label=_("Register"),
        max_length=100,
        help_text=_(
            "The department's register this file is, e.g. 民政局社会组织名录. "
            "A later file of the same register shows which organisations are no longer listed."
        ),
    )
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    # Defaults of the file: what a row that does not say takes (a register that comes from one department).
    default_field = forms.ChoiceField(
        label=_("Field of rows that do not say"),
        choices=[("", _("— work it out from each row —")), *SanxinField.choices],
        required=False,
    )
    default_district = forms.ModelChoiceField(
        label=_("District of rows that do not say"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("— from each row —"),
    )
    default_categories = ModelIdsField(
        label=_("Categories of every row"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Added to every organisation of the file, besides the categories its own row gives."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_district"].queryset = regions_for(user, Region.Level.DISTRICT).order_by("path")
        self.fields["default_categories"].queryset = Category.objects.filter(active=True)
        self.fields["source"].widget.attrs.update({"list": "register-sources", "autocomplete": "off"})
        self.fields["file"].widget.attrs["accept"] = ACCEPTED_FILES
        self.fields["file"].help_text = _(
            "An Excel workbook (.xlsx, .xls) or a CSV file, at most %(limit)s MB. "
            "Title rows above the header, blank rows and totals rows are skipped."
        ) % {"limit": settings.UPLOAD_MAX_MB}
        self.sources = list(RegisterSource.objects.values_list("name", flat=True))

    def clean_source(self):
        name = " ".join(self.cleaned_data["source"].split())
        if not name:
            raise forms.ValidationError(_("Say which register this file is."))
        return name

    def defaults(self) -> dict:
        """The file's defaults as the import keeps them: field, district id, category ids (empty ones left out)."""
        data = self.cleaned_data
        defaults = {
            "field": data.get("default_field") or "",
            "district": data["default_district"].pk if data.get("default_district") else None,
            "categories": sorted(category.pk for category in data.get("default_categories") or []),
        }
        return {key: value for key, value in defaults.items() if value}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > upload_limit_bytes():
            raise forms.ValidationError(RegisterError("too_large", limit=settings.UPLOAD_MAX_MB).message)
        return upload


class ColumnMappingForm(forms.Form):
    """For each column the reader did not recognise: the ledger column it holds, or "leave it out"."""

    def __init__(self, data=None, *, unknown: list[str], known: dict[str, str], mapping: dict[str, str]):
        super().__init__(data)
        self.unknown = unknown
        self.known = known
        choices = [("", _("— leave this column out —")), *column_choices()]
        for index, header in enumerate(unknown):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=mapping.get(header, "")
            )

    def clean(self):
        cleaned = super().clean()
        used = {key: header for header, key in self.known.items() if key}
        for index, header in enumerate(self.unknown):
            key = cleaned.get(f"column_{index}")
            if not key:
                continue
            if key in used:
                self.add_error(
                    f"column_{index}",
                    _("%(column)s is already read from the column “%(header)s”.")
                    % {"column": field_label(key), "header": used[key]},
                )
            else:
                used[key] = header
        if "name" not in used and not self.errors:
            raise forms.ValidationError(_("Choose which column holds the unit name."))
        return cleaned

    def mapping(self) -> dict[str, str]:
        """Header → ledger column ("" for a column left out)."""
        return {
            header: self.cleaned_data.get(f"column_{index}") or ""
            for index, header in enumerate(self.unknown)
        }


class HeaderRowForm(forms.Form):
    """For a file whose header row was not found: which of its first rows holds the headers, and what each
    column holds (a select per column, over the ledger's columns)."""

    def __init__(self, data=None, *, head: list[tuple[int, list[str]]], mapping: dict[str, str]):
        super().__init__(data)
        self.head = head
        width = max((len(texts) for _number, texts in head), default=0)
        self.fields["header_row"] = forms.TypedChoiceField(
            label=_("Row with the headers"),
            choices=[(number, str(number)) for number, _texts in head],
            coerce=int,
            widget=forms.RadioSelect,
        )

        # A column is offered what its header text was matched to before (this register's earlier files) or the
        # column a known header names, read off the row most likely to be the header.
        def known(text: str) -> str:
            return mapping.get(text) or ALIAS_INDEX.get(normalize_header(text), "") if text else ""

        first = max((texts for _number, texts in head), key=lambda texts: sum(map(bool, map(known, texts))))
        choices = [("", _("— leave out —")), *column_choices()]
        for index in range(width):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=_("Column %(letter)s") % {"letter": column_letter(index)},
                choices=choices,
                required=False,
                initial=known(first[index]) if index < len(first) else "",
            )
            self.fields[f"column_{index}"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        cleaned = super().clean()
        used: dict[str, int] = {}
        for name, key in cleaned.items():
            if not name.startswith("column_") or not key:
                continue
            if key in used:
                self.add_error(name, _("%(column)s is already read from another column.") % {
                    "column": field_label(key)
                })  # fmt: skip
            used[key] = int(name.removeprefix("column_"))
        if "name" not in used and not self.errors:
            raise forms.ValidationError(_("Choose which column holds the unit name."))
        return cleaned

    def columns(self) -> dict[int, str]:
        """Column index → ledger column ("" for a column left out)."""
        return {
            int(name.removeprefix("column_")): key or ""
            for name, key in self.cleaned_data.items()
            if name.startswith("column_")
        }

    def column_fields(self) -> list:
        return [self[name] for name in self.fields if name.startswith("column_")]


WARNINGS = "warnings"  # the tab of rows imported with a warning


class ImportRowsFilterForm(forms.Form):
    """Which rows of an import's preview to show: a status, or those with a warning (all when none is valid)."""

    status = forms.ChoiceField(
        required=False,
        choices=[("", _("All rows")), *((status, STATUS_LABELS[status]) for status in ROW_STATUSES),
                 (WARNINGS, _("With warnings"))],
    )  # fmt: skip

    def shown(self) -> str:
        return self.cleaned_data["status"] if self.is_bound and self.is_valid() else ""
