"""Row statuses, the imported fields, and a row's reasons and warnings in the reader's language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from branches.models import Organisation
from branches.registers import FIELD_ALIASES
from branches.selectors import organisation_field
from federation.fieldcrypt import DigestField
from federation.identifiers import mobile_validate, uscc_validate

# --------------------------------------------------------------------------------------------------------
# Row statuses and counts
# --------------------------------------------------------------------------------------------------------

NEW, UPDATE, UNCHANGED, DUPLICATE, REPEATED, INVALID = (
    "new",
    "update",
    "unchanged",
    "duplicate",
    "repeated",
    "invalid",
)
ROW_STATUSES = (NEW, UPDATE, UNCHANGED, DUPLICATE, REPEATED, INVALID)
APPLIED_STATUSES = frozenset({NEW, UPDATE, UNCHANGED})
STATUS_LABELS = {
    NEW: gettext_lazy("New"),
    UPDATE: gettext_lazy("Update"),
    UNCHANGED: gettext_lazy("Unchanged"),
    DUPLICATE: gettext_lazy("Possible duplicate"),
    REPEATED: gettext_lazy("Repeated in the file"),
    INVALID: gettext_lazy("Invalid"),
}
# row status → key of the counts (the command prints them in this order, then not_in_latest)
COUNT_KEYS = {
    NEW: "new",
    UPDATE: "updated",
    UNCHANGED: "unchanged",
    DUPLICATE: "duplicates",
    REPEATED: "repeated",
    INVALID: "invalid",
}

# Fields a register may set, in the order the preview shows them.
IMPORTED_FIELDS = (
    "name",
    "uscc",
    "field",
    "unit_type",
    "industry",
    "region",
    "address",
    "founded_on",
    "employees",
    "women",
    "party_org",
    "trade_union",
    "contact_name",
    "contact_mobile",
)

# Imported fields with a digest beside them (a mobile looked up by its keyed hash): written with the field.
DIGESTS: dict[str, DigestField] = {
    field.source: field for field in Organisation._meta.concrete_fields if isinstance(field, DigestField)
}

# --------------------------------------------------------------------------------------------------------
# Reasons and warnings: stored as [code, params], rendered in the reader's language
# --------------------------------------------------------------------------------------------------------

REASONS: dict[str, Any] = {
    "template_example": gettext_lazy(
        "This is the example row of the import template: delete it from the file."
    ),
    "district_unknown": gettext_lazy("“%(text)s” is not a district of this city."),
    "district_missing": gettext_lazy(
        "The district could not be worked out: fill in the district, or a street or town."
    ),
    "outside_area": gettext_lazy("%(region)s is outside your area."),
    "field_unknown": gettext_lazy(
        "The field could not be worked out: fill in 新经济组织, 新社会组织 or 新就业群体, or a known unit type."
    ),
    "record_outside_area": gettext_lazy("The credit code belongs to an organisation outside your area."),
    "duplicate_code": gettext_lazy(
        "Same name as %(name)s in the ledger, but that record's credit code is %(uscc)s."
    ),
    "duplicate_district": gettext_lazy(
        "Same name as %(name)s in the ledger, but that record is in %(district)s."
    ),
    "duplicate_names": gettext_lazy("%(count)s records in the ledger have this name: say which one it is."),
    "duplicate_archived": gettext_lazy(
        "Matches the archived record %(name)s: restore it first if it is the same organisation."
    ),
    "duplicate_outside": gettext_lazy("An organisation with this name exists outside your area."),
    "repeated": gettext_lazy("Repeats row %(row)s of this file; only the first is imported."),
    "name_missing": gettext_lazy("The unit name is empty."),
    "name_too_long": gettext_lazy("The unit name is longer than %(max)s characters."),
    # warnings: the row is imported without the value
    "women_above_employees": gettext_lazy(
        "The number of women (%(women)s) is greater than the employees or members (%(employees)s): "
        "the number of women was left empty."
    ),
    "women_above_record": gettext_lazy(
        "The number of women (%(women)s) is greater than the record's employees or members (%(employees)s): "
        "the record's number of women was kept."
    ),
    "employees_below_record": gettext_lazy(
        "The employees or members (%(employees)s) are fewer than the record's women (%(women)s): "
        "the record's number of employees was kept."
    ),
    "uscc_accepted": gettext_lazy(
        "The credit code %(uscc)s fails the check, but the ledger holds it already, accepted with a reason."
    ),
    "mobile_invalid": gettext_lazy("The mobile number was left out: %(message)s"),
    "categories_unknown": gettext_lazy("Categories not in the ledger's list, left out: %(names)s."),
    "unit_type_unknown": gettext_lazy("The unit type “%(text)s” is not known and was left out."),
    "field_text_unknown": gettext_lazy("The field “%(text)s” is not known and was left out."),
    "street_unknown": gettext_lazy(
        "“%(text)s” is not a street or town of %(district)s; the district is recorded."
    ),
    "too_long": gettext_lazy("%(field)s is longer than %(max)s characters and was shortened."),
    "count_implausible": gettext_lazy("%(field)s (%(value)s) is not a plausible number and was left out."),
}


def reason_text(entry: list | tuple) -> str:
    """Render a stored reason or warning in the active language."""
    code, params = entry[0], entry[1] if len(entry) > 1 else {}
    if code == "text":  # a message of the register reader, kept in every language
        return params.get(translation.get_language() or "", "") or next(iter(params.values()), "")
    if code == "uscc_invalid":
        try:
            uscc_validate(params["uscc"])
        except ValidationError as error:
            return " ".join(error.messages)
        return ""
    if code == "mobile_invalid":
        try:
            mobile_validate(params["value"])
        except ValidationError as error:
            return str(REASONS[code]) % {"message": " ".join(error.messages)}
        return ""
    if code in ("too_long", "count_implausible"):
        params = {**params, "field": field_label(params["field"])}
    template = REASONS.get(code)
    if template is None:
        return code
    return str(template) % params if params else str(template)


def _text_entry(message: Any) -> list:
    """A lazily translated message of the register reader, rendered once per language for the stored preview."""
    texts = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts[language] = str(message)
    return ["text", texts]


def field_label(name: str) -> str | Promise:
    """The label of an imported field (the model's verbose name)."""
    return capfirst(organisation_field("region" if name == "street" else name).verbose_name)


def column_choices() -> list[tuple[str, str | Promise]]:
    """The ledger columns a register column can be mapped to, with their labels."""
    return [(key, field_label(key)) for key in FIELD_ALIASES]
