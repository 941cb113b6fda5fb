"""Register import: a department's register file, previewed against the ledger, then applied all at once.

The flow lives in the database, one state per step: ``register_import_upload`` stores the file (status
uploaded); ``register_import_map`` settles columns the reader did not recognise; the preview (which every
row will be: new, update, unchanged, possible duplicate, repeated in the file, invalid) is stored on
``RegisterImport.summary``; ``register_import_apply`` recomputes it under locks and writes it in one
transaction, or ``register_import_discard`` drops it. ``register_import_run`` does it all in one call for the
``import_register`` command and the benchmark.

Matching a row to the ledger: by credit code first, else by normalised name when exactly one active record
has it and the codes do not conflict. A row that finds a merged record updates the record it was merged into;
a row that finds an archived record is a possible duplicate (staff restore the record first: an import never
brings an archived organisation back on its own).

Apply is built for tens of thousands of rows: the ledger's code and name maps are read in one query, targets in
chunks, writes go through bulk operations; no query runs per row.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.errors import LedgerError
from branches.identifiers import mobile_validate, uscc_normalise, uscc_validate
from branches.models import (
    UNIT_TYPE_FIELD,
    Category,
    Field,
    Organisation,
    RegisterImport,
    RegisterPresence,
    RegisterSource,
    UnitType,
)
from branches.names import name_normalise
from branches.registers import (
    FIELD_ALIASES,
    MAX_REGISTER_BYTES,
    TEMPLATE_EXAMPLE_USCC,
    RegisterError,
    RegisterRow,
    RegisterTable,
    read_register,
)
from branches.services.organisations import district_of, organisation_derive
from federation import access
from federation.models import Region, User
from federation.services import operation_label_register, operation_record

operation_label_register("register.import", gettext_lazy("imported a register"))
operation_label_register("register.discard", gettext_lazy("discarded a register import"))

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
_MATCHED = "matched"  # transient: a target was found, update or unchanged is decided by the diff

BATCH = 1000  # rows per INSERT/UPDATE statement (Django lowers it further where SQLite needs)
ID_CHUNK = 5000  # ids per IN (...) list
NOT_IN_LATEST_SHOWN = 200  # names of absent organisations kept for the page; the count is exact
MAX_COUNT = 1_000_000  # a head count above this is a typing error, not an organisation

# Fields a register may set, in the order the preview shows them.
IMPORTED_FIELDS = (
    "name",
    "uscc",
    "field",
    "unit_type",
    "industry",
    "region",
    "address",
    "employees",
    "women",
    "party_org",
    "trade_union",
    "contact_name",
    "contact_mobile",
)
_TEXT_FIELDS = ("industry", "address", "contact_name")
_MAX_LENGTHS = {name: Organisation._meta.get_field(name).max_length for name in ("name", *_TEXT_FIELDS)}

# --------------------------------------------------------------------------------------------------------
# Texts of the registers: the field (三新) and unit type columns
# --------------------------------------------------------------------------------------------------------


def _key(text: Any) -> str:
    """Comparable form of a cell: half-width, without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


FIELD_TEXTS: dict[str, str] = {
    _key(text): value
    for value, texts in {
        Field.ECONOMIC: ("新经济组织", "新经济", "经济", "经济组织", "非公有制经济组织", "非公经济组织"),
        Field.SOCIAL: ("新社会组织", "新社会", "社会", "社会组织"),
        Field.EMPLOYMENT: ("新就业群体", "新就业", "就业", "就业群体", "新就业形态", "新业态新就业群体"),
    }.items()
    for text in (*texts, value, value.label)
}
# Tried in order when the text is not one of the above; "两新" names two fields and stays unknown.
_FIELD_FRAGMENTS = (
    ("就业", Field.EMPLOYMENT),
    ("新业态", Field.EMPLOYMENT),
    ("经济", Field.ECONOMIC),
    ("社会", Field.SOCIAL),
)

UNIT_TYPE_TEXTS: dict[str, str] = {
    _key(text): value
    for value, texts in {
        UnitType.PRIVATE_ENTERPRISE: (
            "民营企业", "私营企业", "企业", "有限公司", "有限责任公司", "股份有限公司", "民营", "非公企业",
            "个体工商户", "个体户", "分支机构", "分公司",
        ),
        UnitType.ASSOCIATION: (
            "社会团体", "社团", "协会", "商会", "学会", "研究会", "联合会", "促进会", "行业协会", "行业协会商会",
            "社会团体(协会/商会)",
        ),
        UnitType.SOCIAL_SERVICE: ("民办非企业单位", "民办非企业", "民非", "社会服务机构"),
        UnitType.FOUNDATION: ("基金会",),
        UnitType.WOMEN_SOCIAL: ("女性社会组织", "妇女社会组织", "女性组织"),
        UnitType.EXPRESS: ("快递", "快递物流", "快递企业", "物流快递", "快递行业"),
        UnitType.FOOD_DELIVERY: ("外卖", "外卖配送", "外卖平台", "即时配送"),
        UnitType.RIDE_HAILING: ("网约车", "网约车平台", "网络预约出租汽车"),
        UnitType.BUSINESS_DISTRICT: (
            "商圈", "楼宇", "园区", "商圈/楼宇/园区", "商圈楼宇园区", "商圈市场", "商务楼宇", "产业园区", "市场",
        ),
        UnitType.OTHER: ("其他", "其它"),
    }.items()
    for text in (*texts, value, value.label)
}  # fmt: skip
_UNIT_TYPE_FRAGMENTS = (
    ("女性", UnitType.WOMEN_SOCIAL),
    ("快递", UnitType.EXPRESS),
    ("外卖", UnitType.FOOD_DELIVERY),
    ("网约车", UnitType.RIDE_HAILING),
    ("基金会", UnitType.FOUNDATION),
    ("民办非企业", UnitType.SOCIAL_SERVICE),
    ("社会服务机构", UnitType.SOCIAL_SERVICE),
    ("社会团体", UnitType.ASSOCIATION),
    ("协会", UnitType.ASSOCIATION),
    ("商会", UnitType.ASSOCIATION),
    ("商圈", UnitType.BUSINESS_DISTRICT),
    ("楼宇", UnitType.BUSINESS_DISTRICT),
    ("园区", UnitType.BUSINESS_DISTRICT),
    ("企业", UnitType.PRIVATE_ENTERPRISE),
    ("公司", UnitType.PRIVATE_ENTERPRISE),
)


def field_from_text(text: str) -> str | None:
    """The 三新 field a register's text names (新经济组织, 社会, 新就业群体 …), or None."""
    key = _key(text)
    if key in FIELD_TEXTS:
        return FIELD_TEXTS[key]
    if "两新" in key:
        return None
    return next((value for fragment, value in _FIELD_FRAGMENTS if fragment in key), None)


def unit_type_from_text(text: str) -> str | None:
    """The unit type a register's text names (民营企业, 社会团体, 快递物流 …), or None."""
    key = _key(text)
    if key in UNIT_TYPE_TEXTS:
        return UNIT_TYPE_TEXTS[key]
    return next((value for fragment, value in _UNIT_TYPE_FRAGMENTS if fragment in key), None)


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
    "women_above_employees": gettext_lazy(
        "With this row the record would have more women (%(women)s) than employees or members (%(employees)s)."
    ),
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
    "mobile_invalid": gettext_lazy("The mobile number was left out: %(message)s"),
    "categories_unknown": gettext_lazy("Categories not in the ledger's list, left out: %(names)s."),
    "unit_type_unknown": gettext_lazy("The unit type “%(text)s” is not known and was left out."),
    "field_text_unknown": gettext_lazy(
        "The field “%(text)s” is not known; it was worked out from the unit type."
    ),
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


def field_label(name: str) -> str:
    """The label of an imported field (the model's verbose name)."""
    return capfirst(Organisation._meta.get_field("region" if name == "street" else name).verbose_name)


def column_choices() -> list[tuple[str, str]]:
    """The ledger columns a register column can be mapped to, with their labels."""
    return [(key, field_label(key)) for key in FIELD_ALIASES]


# --------------------------------------------------------------------------------------------------------
# Places: districts and streets, by the spellings registers use
# --------------------------------------------------------------------------------------------------------

_DISTRICT_SUFFIXES = ("区", "县", "旗")
_STREET_SUFFIXES = ("街道办事处", "街道", "镇", "乡", "苏木")


class _Places:
    """Every region in memory (a few dozen rows), indexed by the names registers write."""

    def __init__(self) -> None:
        regions = list(Region.objects.all())
        self.by_id = by_id = {region.pk: region for region in regions}
        for region in regions:  # district_of() then walks parents without queries
            if region.parent_id:
                region.parent = by_id[region.parent_id]
        self.prefixes = sorted(
            {r.name for r in regions if r.level in (Region.Level.PROVINCE, Region.Level.CITY)},
            key=len,
            reverse=True,
        )
        self.districts: dict[str, Region] = {}
        self.district_codes: dict[str, Region] = {}
        self.streets: dict[tuple[int, str], Region] = {}
        self.streets_anywhere: dict[str, list[Region]] = {}
        for region in regions:
            if region.level == Region.Level.DISTRICT:
                self.district_codes[region.code] = region
                for key in self._district_keys(region.name):
                    self.districts.setdefault(key, region)
                self.districts.setdefault(region.code, region)
            elif region.level == Region.Level.STREET and region.parent_id:
                for key in self._street_keys(region.name):
                    self.streets.setdefault((region.parent_id, key), region)
                    self.streets_anywhere.setdefault(key, []).append(region)

    @staticmethod
    def _district_keys(name: str) -> set[str]:
        key = _key(name)
        keys = {key}
        if key.endswith(_DISTRICT_SUFFIXES) and len(key) > 2:
            keys.add(key[:-1])
        return keys

    @staticmethod
    def _street_keys(name: str) -> set[str]:
        key = _key(name)
        keys = {key}
        for suffix in _STREET_SUFFIXES:
            if key.endswith(suffix) and len(key) - len(suffix) >= 2:
                keys.add(key[: -len(suffix)])
                break
        return keys

    def _strip(self, key: str, extra: Iterable[str] = ()) -> str:
        for prefix in (*self.prefixes, *extra):
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix) :]
        return key

    def district(self, text: str) -> Region | None:
        key = self._strip(_key(text))
        return self.districts.get(key)

    def street(self, text: str, district: Region | None) -> Region | None:
        """The street or town a text names: inside the district when given, else the only one of that name."""
        key = _key(text)
        extra = [district.name] if district else []
        candidates = [key, self._strip(key, extra)]
        for candidate in list(candidates):
            for suffix in _STREET_SUFFIXES:
                if candidate.endswith(suffix) and len(candidate) - len(suffix) >= 2:
                    candidates.append(candidate[: -len(suffix)])
                    break
        if district is not None:
            for candidate in candidates:
                street = self.streets.get((district.pk, candidate))
                if street is not None:
                    return street
            return None
        for candidate in candidates:
            found = {street.pk: street for street in self.streets_anywhere.get(candidate, [])}
            if found:
                return next(iter(found.values())) if len(found) == 1 else None
        return None


# --------------------------------------------------------------------------------------------------------
# The ledger, as far as matching needs it: one query
# --------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Record:
    id: int
    name: str
    uscc: str
    archived: bool
    merged_into: int | None
    path: str
    values: tuple  # the imported fields' current values, in _VALUE_COLUMNS order


# What a row is compared with; read with the maps, so that matched records need no second query.
_VALUE_COLUMNS = (
    "name_normalised",
    "district_id",
    "region_id",
    *(f for f in IMPORTED_FIELDS if f != "region"),
)


class _Ledger:
    """Every organisation's code, normalised name, state, place and imported values, read in one query."""

    def __init__(self) -> None:
        self.records: dict[int, _Record] = {}
        self.by_uscc: dict[str, int] = {}
        self.active_by_name: dict[str, list[int]] = {}
        self.inactive_by_name: dict[str, list[int]] = {}
        rows = Organisation.objects.values_list(
            "id", "archived_at", "merged_into_id", "region__path", *_VALUE_COLUMNS
        ).order_by()
        name_at, uscc_at = _VALUE_COLUMNS.index("name"), _VALUE_COLUMNS.index("uscc")
        for pk, archived_at, merged_into, path, *values in rows.iterator(chunk_size=ID_CHUNK):
            normalised, name, uscc = values[0], values[name_at], values[uscc_at]
            self.records[pk] = _Record(
                pk, name, uscc, archived_at is not None, merged_into, path or "", tuple(values)
            )
            if uscc:
                self.by_uscc[uscc] = pk
            names = self.inactive_by_name if archived_at is not None else self.active_by_name
            names.setdefault(normalised, []).append(pk)

    def current(self, pk: int) -> dict[str, Any]:
        return dict(zip(_VALUE_COLUMNS, self.records[pk].values, strict=True))

    def final(self, pk: int) -> _Record:
        """The record a merged record ended up in (itself when it was not merged)."""
        record = self.records[pk]
        seen = {pk}
        while record.merged_into and record.merged_into in self.records and record.merged_into not in seen:
            seen.add(record.merged_into)
            record = self.records[record.merged_into]
        return record


# --------------------------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    number: int
    name: str
    normalised: str
    uscc: str
    status: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    categories: list[int] = field(default_factory=list)
    district: Region | None = None
    field_derived: str | None = None
    target: int | None = None
    target_name: str = ""
    seen_id: int | None = None  # the record an invalid row names by its code (it is in the register)
    reasons: list[list] = field(default_factory=list)
    warnings: list[list] = field(default_factory=list)
    diff: dict[str, list] = field(default_factory=dict)

    def compact(self) -> dict[str, Any]:
        """The row as stored in the preview (short keys, empty parts left out)."""
        entry: dict[str, Any] = {"n": self.number, "s": self.status, "name": self.name}
        if self.uscc:
            entry["uscc"] = self.uscc
        if self.target:
            entry["o"] = self.target
            entry["on"] = self.target_name
        if self.diff:
            entry["d"] = self.diff
        if self.reasons:
            entry["r"] = self.reasons
        if self.warnings:
            entry["w"] = self.warnings
        return entry


@dataclass
class _Plan:
    rows: list[_Row]
    creates: list[_Row]
    updates: list[tuple[_Row, list[str]]]  # (row, fields it changes)
    present: set[int]
    absent: list[tuple[int, int, bool]]  # (presence id, organisation id, in_latest now)
    absent_names: list[list]
    existing_presences: dict[
        int, tuple[int, bool, int | None]
    ]  # organisation id → (id, in_latest, last_import)
    categories: dict[int, str]
    target_categories: dict[int, set[int]]
    root_path: str

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(COUNT_KEYS.values(), 0)
        for row in self.rows:
            counts[COUNT_KEYS[row.status]] += 1
        counts["not_in_latest"] = len(self.absent)
        return counts


class _Classifier:
    """Decides what each row of a register is, against the ledger as it is now, in the uploader's area."""

    def __init__(self, *, scope_root: Region | None, source_id: int | None) -> None:
        self.root_path = scope_root.path if scope_root is not None else ""
        self.source_id = source_id
        self.places = _Places()
        categories = list(Category.objects.all())
        self.category_names = {category.pk: category.name for category in categories}
        self.categories: dict[str, int] = {}
        self.labels: dict[str, int | None] = {}
        for category in categories:
            self.categories.setdefault(name_normalise(category.name), category.pk)
            self.categories.setdefault(name_normalise(category.code), category.pk)
        self.ledger = _Ledger()

    def in_area(self, path: str) -> bool:
        return path.startswith(self.root_path)

    # --- one row on its own ----------------------------------------------------------------------------

    def resolve(self, row: RegisterRow) -> _Row:
        values = row.values
        name = " ".join(str(values.get("name") or "").split())
        result = _Row(
            number=row.number,
            name=name,
            normalised=name_normalise(name),
            uscc=uscc_normalise(values.get("uscc") or ""),
        )
        employees, women = values.get("employees"), values.get("women")
        if not name or (employees is not None and women is not None and women > employees):
            # The reader's own messages say precisely which column is wrong.
            result.reasons = [_text_entry(problem) for problem in row.problems] or [["name_missing", {}]]
            result.status = INVALID
            return result
        result.warnings = [_text_entry(problem) for problem in row.problems]
        if len(name) > _MAX_LENGTHS["name"]:
            result.reasons.append(["name_too_long", {"max": _MAX_LENGTHS["name"]}])
        data = result.values
        data["name"] = name
        if result.uscc:
            if result.uscc == TEMPLATE_EXAMPLE_USCC:
                result.reasons.append(["template_example", {}])
            else:
                try:
                    data["uscc"] = uscc_validate(result.uscc)
                except ValidationError:
                    result.reasons.append(["uscc_invalid", {"uscc": result.uscc}])
        self._resolve_place(row, result)
        self._resolve_kind(row, result)
        for key in _TEXT_FIELDS:
            text = " ".join(str(values.get(key) or "").split())
            if text:
                limit = _MAX_LENGTHS[key]
                if len(text) > limit:
                    result.warnings.append(["too_long", {"field": key, "max": limit}])
                    text = text[:limit]
                data[key] = text
        for key in ("employees", "women"):
            if values.get(key) is not None:
                if values[key] > MAX_COUNT:
                    result.warnings.append(["count_implausible", {"field": key, "value": values[key]}])
                else:
                    data[key] = values[key]
        for key in ("party_org", "trade_union"):
            if values.get(key) is not None:
                data[key] = values[key]
        mobile = str(values.get("contact_mobile") or "").strip()
        if mobile:
            try:
                data["contact_mobile"] = mobile_validate(mobile)
            except ValidationError:
                result.warnings.append(["mobile_invalid", {"value": mobile}])
        unknown = []
        for label in values.get("categories") or []:
            if label not in self.labels:  # labels repeat from row to row: normalise each once
                self.labels[label] = self.categories.get(name_normalise(label))
            pk = self.labels[label]
            if pk is None:
                unknown.append(label)
            elif pk not in result.categories:
                result.categories.append(pk)
        if unknown:
            result.warnings.append(["categories_unknown", {"names": "、".join(unknown)}])
        if result.reasons:
            result.status = INVALID
        return result

    def _resolve_place(self, row: RegisterRow, result: _Row) -> None:
        district_text = str(row.values.get("district") or "").strip()
        street_text = str(row.values.get("street") or "").strip()
        district = street = None
        if district_text:
            district = self.places.district(district_text)
            if district is None:
                result.reasons.append(["district_unknown", {"text": district_text}])
                return
        if street_text:
            street = self.places.street(street_text, district)
            if street is None and district is not None:
                result.warnings.append(["street_unknown", {"text": street_text, "district": district.name}])
            elif street is not None and district is None:
                district = street.parent
        if district is None and result.uscc[2:8] in self.places.district_codes:
            district = self.places.district_codes[result.uscc[2:8]]
        if district is None:
            result.reasons.append(["district_missing", {}])
            return
        region = street or district
        if not self.in_area(region.path):
            result.reasons.append(["outside_area", {"region": region.name}])
            return
        result.district = district
        result.values["region"] = region

    def _resolve_kind(self, row: RegisterRow, result: _Row) -> None:
        field_text = str(row.values.get("field") or "").strip()
        type_text = str(row.values.get("unit_type") or "").strip()
        unit_type = unit_type_from_text(type_text) if type_text else None
        if type_text and unit_type is None:
            result.warnings.append(["unit_type_unknown", {"text": type_text}])
        if unit_type:
            result.values["unit_type"] = unit_type
        if field_text:
            value = field_from_text(field_text)
            if value:
                result.values["field"] = value
                return
            result.warnings.append(["field_text_unknown", {"text": field_text}])
        # Worked out from the unit type, the field is used for a new record only: it never overrides a record.
        result.field_derived = UNIT_TYPE_FIELD.get(unit_type) if unit_type else None

    # --- the row against the ledger --------------------------------------------------------------------

    def match(self, row: _Row) -> None:
        ledger = self.ledger
        if row.status == INVALID:
            if row.uscc in ledger.by_uscc:  # listed in the register although not importable
                record = ledger.final(ledger.by_uscc[row.uscc])
                row.seen_id = record.id if self.in_area(record.path) else None
            return
        if row.uscc and row.uscc in ledger.by_uscc:
            self._matched(row, ledger.final(ledger.by_uscc[row.uscc]))
            return
        active = ledger.active_by_name.get(row.normalised, [])
        if len(active) > 1:
            self._duplicate(row, "duplicate_names", {"count": len(active)}, None)
            return
        if len(active) == 1:
            self._by_name(row, ledger.records[active[0]])
            return
        finals = {
            ledger.final(pk).id: ledger.final(pk) for pk in ledger.inactive_by_name.get(row.normalised, [])
        }
        merged = [record for record in finals.values() if not record.archived]
        if len(merged) == 1:
            self._by_name(row, merged[0])
        elif merged:
            self._duplicate(row, "duplicate_names", {"count": len(merged)}, None)
        elif finals:
            record = next(iter(finals.values()))
            self._duplicate(row, "duplicate_archived", {"name": record.name}, record)
        else:
            row.status = NEW

    def _by_name(self, row: _Row, record: _Record) -> None:
        """A name is weaker than a code: another code, or another district, makes it only a possible duplicate."""
        district_id = record.values[_VALUE_COLUMNS.index("district_id")]
        if row.uscc and record.uscc and record.uscc != row.uscc:
            self._duplicate(row, "duplicate_code", {"name": record.name, "uscc": record.uscc}, record)
        elif row.district is not None and district_id != row.district.pk:
            district = self.places.by_id.get(district_id)
            self._duplicate(
                row,
                "duplicate_district",
                {"name": record.name, "district": district.name if district else ""},
                record,
            )
        else:
            self._matched(row, record)

    def _matched(self, row: _Row, record: _Record) -> None:
        if not self.in_area(record.path):
            row.status, row.reasons = INVALID, [["record_outside_area", {}]]
        elif record.archived:
            self._duplicate(row, "duplicate_archived", {"name": record.name}, record)
        else:
            row.status, row.target, row.target_name = _MATCHED, record.id, record.name

    def _duplicate(self, row: _Row, code: str, params: dict, record: _Record | None) -> None:
        row.status = DUPLICATE
        if record is not None and not self.in_area(record.path):
            row.reasons = [["duplicate_outside", {}]]
            return
        if record is not None:
            row.target, row.target_name = record.id, record.name
        row.reasons = [[code, params]]

    # --- the whole file --------------------------------------------------------------------------------

    def plan(self, table: RegisterTable) -> _Plan:
        rows = [self.resolve(register_row) for register_row in table.rows]
        for row in rows:
            self.match(row)
        self._mark_repeats(rows)
        targets, target_categories = self._load_targets(
            {row.target for row in rows if row.status == _MATCHED}
        )
        creates, updates = [], []
        for row in rows:
            if row.status == NEW:
                self._new(row)
                if row.status == NEW:
                    creates.append(row)
            elif row.status == _MATCHED:
                changed = self._diff(row, targets[row.target], target_categories.get(row.target, set()))
                if row.status == UPDATE:
                    updates.append((row, changed))
        present = {row.target for row in rows if row.status in (UPDATE, UNCHANGED, REPEATED) and row.target}
        present |= {row.seen_id for row in rows if row.seen_id}
        existing, absent = self._presences(present)
        absent_names = [
            [organisation_id, self.ledger.records[organisation_id].name]
            for _id, organisation_id, _in_latest in absent[:NOT_IN_LATEST_SHOWN]
            if organisation_id in self.ledger.records
        ]
        return _Plan(
            rows=rows,
            creates=creates,
            updates=updates,
            present=present,
            absent=absent,
            absent_names=absent_names,
            existing_presences=existing,
            categories=self.category_names,
            target_categories=target_categories,
            root_path=self.root_path,
        )

    def _mark_repeats(self, rows: list[_Row]) -> None:
        """A later row naming the same organisation as an earlier one (same record, code, or name) repeats it."""
        by_target: dict[int, int] = {}
        by_uscc: dict[str, int] = {}
        by_name: dict[str, list[tuple[int, str, Region | None]]] = {}
        for row in rows:
            if row.status not in (NEW, _MATCHED):
                continue
            uscc = row.values.get("uscc") or ""
            first = None
            if row.target and row.target in by_target:
                first = by_target[row.target]
            elif uscc and uscc in by_uscc:
                first = by_uscc[uscc]
            else:
                for number, other, district in by_name.get(row.normalised, []):
                    if (not other or not uscc or other == uscc) and district == row.district:
                        first = number
                        break
            if first is not None:
                row.status, row.reasons = REPEATED, [["repeated", {"row": first}]]
                continue
            if row.target:
                by_target[row.target] = row.number
            if uscc:
                by_uscc[uscc] = row.number
            by_name.setdefault(row.normalised, []).append((row.number, uscc, row.district))

    def _load_targets(self, ids: set[int]) -> tuple[dict[int, dict[str, Any]], dict[int, set[int]]]:
        """The current values of the matched records, and their categories."""
        categories: dict[int, set[int]] = {}
        for organisation_id, category_id in _in_chunks(
            Organisation.categories.through.objects.values_list("organisation_id", "category_id"),
            "organisation_id",
            ids,
            key=itemgetter(0),
        ):
            categories.setdefault(organisation_id, set()).add(category_id)
        return {pk: self.ledger.current(pk) for pk in ids}, categories

    def _new(self, row: _Row) -> None:
        if "field" not in row.values:
            if not row.field_derived:
                row.status, row.reasons = INVALID, [["field_unknown", {}]]
                return
            row.values["field"] = row.field_derived
        row.target = None

    def _diff(self, row: _Row, current: dict[str, Any], categories: set[int]) -> list[str]:
        """Fill row.diff with what the register would change; blank cells never erase. Returns changed fields."""
        data = row.values
        changed = []
        for name in IMPORTED_FIELDS:
            if name not in data:
                continue
            new = data[name]
            if name == "name":
                if row.normalised == current["name_normalised"]:
                    continue  # a spelling variant (繁体, full-width brackets) is the same name
                old = current["name"]
            elif name == "region":
                if current["region_id"] == new.pk or (
                    new.level == Region.Level.DISTRICT and current["district_id"] == new.pk
                ):
                    continue  # when the register knows only the district, the more precise street stays
                old, new = self.places.by_id[current["region_id"]].name, new.name
            else:
                old = current[name]
            if old != new:
                row.diff[name] = [old, new]
                changed.append(name)
        employees = data.get("employees", current["employees"])
        women = data.get("women", current["women"])
        if employees is not None and women is not None and women > employees:
            row.status, row.diff = INVALID, {}
            row.reasons = [["women_above_employees", {"women": women, "employees": employees}]]
            return []
        added = [pk for pk in row.categories if pk not in categories]
        if added:
            before = sorted(self.category_names[pk] for pk in categories)
            row.diff["categories"] = [before, sorted([*before, *(self.category_names[pk] for pk in added)])]
            changed.append("categories")
        row.categories = added
        row.status = UPDATE if changed else UNCHANGED
        return changed

    def _presences(self, present: set[int]) -> tuple[dict[int, tuple[int, bool, int | None]], list]:
        """This register's presences in the area: those listed now, and those the file no longer lists."""
        if self.source_id is None:
            return {}, []
        presences = RegisterPresence.objects.filter(source_id=self.source_id)
        if self.root_path:
            presences = presences.filter(organisation__region__path__startswith=self.root_path)
        existing, absent = {}, []
        for pk, organisation_id, in_latest, last_import in presences.values_list(
            "id", "organisation_id", "in_latest", "last_import_id"
        ).order_by("organisation_id"):
            existing[organisation_id] = (pk, in_latest, last_import)
            if organisation_id not in present:
                absent.append((pk, organisation_id, in_latest))
        return existing, absent


# --------------------------------------------------------------------------------------------------------
# Writing a plan
# --------------------------------------------------------------------------------------------------------


def _write(
    plan: _Plan,
    *,
    by: User,
    source: RegisterSource,
    register_import: RegisterImport,
    regions: dict[int, Region],
) -> None:
    """Write the plan: new records, updates, categories, history rows, presences. The caller holds the transaction."""
    now = timezone.now()
    stamp = {"source": source.name, "import": register_import.pk, "at": now.isoformat()}
    history = {
        "default_user": by,
        "default_change_reason": _("Register import #%(id)s: %(source)s")
        % {"id": register_import.pk, "source": source.name},
        "default_date": now,
        "batch_size": BATCH,
    }
    categories: dict[int, set[int]] = {}  # organisation → its categories after the import
    records = [
        *_create(plan, stamp=stamp, history=history, categories=categories),
        *_update(plan, stamp=stamp, history=history, categories=categories, regions=regions),
    ]
    _write_category_history(records, categories)
    _write_presences(plan, source=source, register_import=register_import)


def _create(plan: _Plan, *, stamp: dict, history: dict, categories: dict[int, set[int]]) -> list:
    """Insert the new organisations and their history; returns the historical records."""
    organisations = []
    for row in plan.creates:
        organisation = Organisation(
            **{name: row.values[name] for name in IMPORTED_FIELDS if name in row.values}
        )
        organisation.value_sources = {name: stamp for name in IMPORTED_FIELDS if name in row.values}
        if row.categories:
            organisation.value_sources["categories"] = stamp
        organisation_derive(organisation)  # the regions carry their parents: no query
        organisations.append(organisation)
    if not organisations:
        return []
    Organisation.objects.bulk_create(organisations, batch_size=BATCH)
    # bulk_create_with_history, with the historical rows kept: their ids are what the categories' history needs.
    records = Organisation.history.bulk_history_create(organisations, **history)
    links = []
    for organisation, row in zip(organisations, plan.creates, strict=True):
        row.target = organisation.pk
        if row.categories:
            categories[organisation.pk] = set(row.categories)
            links += [_link(organisation.pk, category_id) for category_id in row.categories]
    Organisation.categories.through.objects.bulk_create(links, batch_size=BATCH)
    return records


def _update(
    plan: _Plan, *, stamp: dict, history: dict, categories: dict[int, set[int]], regions: dict[int, Region]
) -> list:
    """Write the changed fields of the updated organisations and their history; returns the historical records."""
    organisations = _organisations({row.target for row, _changed in plan.updates}, regions=regions)
    updated, written, links = [], {"value_sources", "updated_at"}, []
    for row, changed in plan.updates:
        organisation = organisations[row.target]
        for name in changed:
            if name == "name":
                old, new = organisation.name, row.values["name"]
                organisation.name = new
                organisation.former_names = [
                    *(n for n in organisation.former_names if n not in (old, new)),
                    old,
                ]
                organisation_derive(organisation)
                written |= {"name", "former_names", "name_normalised", "search_text", "sort_key"}
            elif name == "region":
                organisation.region = row.values["region"]
                organisation.district = district_of(organisation.region)
                written |= {"region", "district"}
            elif name != "categories":
                setattr(organisation, name, row.values[name])
                written.add(name)
            organisation.value_sources[name] = stamp
        links += [_link(organisation.pk, category_id) for category_id in row.categories]
        categories[organisation.pk] = plan.target_categories.get(organisation.pk, set()) | set(row.categories)
        organisation.updated_at = history["default_date"]
        updated.append(organisation)
    if not updated:
        return []
    _bulk_update(updated, sorted(written))
    Organisation.categories.through.objects.bulk_create(links, batch_size=BATCH)
    # bulk_update_with_history, with the historical rows kept (see _create).
    return Organisation.history.bulk_history_create(updated, update=True, **history)


def _bulk_update(organisations: list[Organisation], names: list[str]) -> None:
    """bulk_update; on PostgreSQL as one UPDATE … FROM unnest(…) per chunk, because Django's form (a CASE WHEN
    per row and column) takes tens of seconds at 50,000 rows."""
    if connection.vendor != "postgresql":
        Organisation.objects.bulk_update(organisations, names, batch_size=BATCH)
        return
    quote = connection.ops.quote_name
    fields = [Organisation._meta.get_field(name) for name in names]
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    sql = (
        f"UPDATE {quote(Organisation._meta.db_table)} AS t "
        f"SET {', '.join(f'{quote(f.column)} = v.{quote(f.column)}' for f in fields)} "
        f"FROM unnest(%s::bigint[], {arrays}) AS v(id, {', '.join(quote(f.column) for f in fields)}) "
        f"WHERE t.{quote(Organisation._meta.pk.column)} = v.id"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(organisations), ID_CHUNK):
            chunk = organisations[start : start + ID_CHUNK]
            params = [[organisation.pk for organisation in chunk]]
            params += [
                [
                    field.get_db_prep_save(getattr(organisation, field.attname), connection)
                    for organisation in chunk
                ]
                for field in fields
            ]
            cursor.execute(sql, params)


def _link(organisation_id: int, category_id: int):
    return Organisation.categories.through(organisation_id=organisation_id, category_id=category_id)


def _write_category_history(records: list, categories: dict[int, set[int]]) -> None:
    """Like a save() would, every historical record lists the organisation's categories at that moment."""
    wanted = {record.id: categories[record.id] for record in records if categories.get(record.id)}
    if not wanted:
        return
    link_ids = _link_ids(wanted)
    model = _categories_history_model()
    model.objects.bulk_create(
        [
            model(id=link_ids[(record.id, pk)], history=record, organisation_id=record.id, category_id=pk)
            for record in records
            for pk in sorted(wanted.get(record.id, ()))
        ],
        batch_size=BATCH,
    )


def _link_ids(final_categories: dict[int, set[int]]) -> dict[tuple[int, int], int]:
    """(organisation, category) → id of the link row, for the organisations given."""
    rows = Organisation.categories.through.objects.values_list("organisation_id", "category_id", "id")
    return {
        (organisation_id, category_id): pk
        for organisation_id, category_id, pk in _in_chunks(
            rows, "organisation_id", final_categories, key=itemgetter(0)
        )
    }


def _in_chunks(
    queryset: QuerySet, field_name: str, ids: Iterable[int], *, key: Callable[[Any], int]
) -> Iterable:
    """The rows of the queryset whose field_name is among ids: filtered in chunks, or, for many ids, every row
    read once and picked by key(row) (an IN list of thousands of ids costs more than reading the table)."""
    wanted = set(ids)
    if len(wanted) > ID_CHUNK:
        yield from (item for item in queryset.order_by().iterator(chunk_size=ID_CHUNK) if key(item) in wanted)
        return
    ordered = sorted(wanted)
    for start in range(0, len(ordered), ID_CHUNK):
        yield from queryset.filter(**{f"{field_name}__in": ordered[start : start + ID_CHUNK]}).order_by()


def _organisations(ids: set[int], *, regions: dict[int, Region]) -> dict[int, Organisation]:
    """The records an import updates, their regions taken from memory."""
    organisations: dict[int, Organisation] = {}
    for organisation in _in_chunks(Organisation.objects.all(), "pk", ids, key=attrgetter("pk")):
        organisation.region = regions[organisation.region_id]
        organisations[organisation.pk] = organisation
    return organisations


def _categories_history_model():
    from simple_history.models import HistoricalRecords

    return HistoricalRecords.m2m_models[Organisation._meta.get_field("categories")]


def _write_presences(plan: _Plan, *, source: RegisterSource, register_import: RegisterImport) -> None:
    """Listed now: in the latest register; no longer listed: flagged "not in latest", never deleted."""
    listed = {row.target for row in plan.rows if row.status in APPLIED_STATUSES and row.target} | plan.present
    RegisterPresence.objects.bulk_create(
        [
            RegisterPresence(
                organisation_id=organisation_id,
                source=source,
                first_import=register_import,
                last_import=register_import,
            )
            for organisation_id in sorted(listed - set(plan.existing_presences))
        ],
        batch_size=BATCH,
    )
    back = [
        pk
        for organisation_id, (pk, in_latest, _last) in plan.existing_presences.items()
        if not in_latest and organisation_id in listed
    ]
    gone = [pk for pk, _organisation_id, in_latest in plan.absent if in_latest]
    for ids, in_latest in ((back, True), (gone, False)):
        for start in range(0, len(ids), ID_CHUNK):
            RegisterPresence.objects.filter(pk__in=ids[start : start + ID_CHUNK]).update(in_latest=in_latest)
    # Now exactly the listed organisations of the area are in the latest register: one statement dates them.
    present = RegisterPresence.objects.filter(source=source, in_latest=True).exclude(
        last_import=register_import
    )
    if plan.root_path:
        present = present.filter(organisation__region__path__startswith=plan.root_path)
    present.update(last_import=register_import)


# --------------------------------------------------------------------------------------------------------
# Reading a stored import
# --------------------------------------------------------------------------------------------------------


def upload_limit_bytes() -> int:
    """The largest file the upload page takes (settings.UPLOAD_MAX_MB)."""
    return settings.UPLOAD_MAX_MB * 1024 * 1024


def _read(data: bytes, file_name: str, mapping: dict[str, str] | None, *, max_bytes: int) -> RegisterTable:
    return read_register(data, file_name, mapping=mapping or None, max_bytes=max_bytes)


def _stored_limit() -> int:
    # A stored file passed a limit when it came in (the page's, or the reader's for the command).
    return max(upload_limit_bytes(), MAX_REGISTER_BYTES)


def _stored_bytes(register_import: RegisterImport) -> bytes:
    if not register_import.file:
        raise LedgerError(_("The file of this import is no longer kept; upload it again."))
    try:
        with register_import.file.open("rb") as handle:
            return handle.read()
    except OSError as error:
        raise LedgerError(_("The file of this import is no longer kept; upload it again.")) from error


def _stored_table(register_import: RegisterImport) -> RegisterTable:
    try:
        return _read(
            _stored_bytes(register_import),
            register_import.file_name,
            register_import.mapping,
            max_bytes=_stored_limit(),
        )
    except RegisterError as error:
        raise LedgerError(error.message) from error


def _table_info(table: RegisterTable) -> dict[str, Any]:
    return {
        "file_type": table.file_type,
        "encoding": table.encoding,
        "sheet": table.sheet_name,
        "header_row": table.header_row,
        "headers": list(dict.fromkeys(table.headers)),
        "mapping": table.mapping,
        "unknown": table.unknown_headers,
        "missing": table.missing_required,
        "rows": len(table.rows),
        "skipped": len(table.skipped),
    }


def register_import_table(register_import: RegisterImport) -> dict[str, Any]:
    """What the reader found in the file (headers, mapping, unknown columns): stored, or read again."""
    table = (register_import.summary or {}).get("table")
    if table:
        return table
    try:
        return _table_info(_stored_table(register_import))
    except LedgerError:
        return {"headers": [], "mapping": {}, "unknown": [], "missing": [], "rows": 0, "skipped": 0}


def _scope_root(user: User) -> Region | None:
    """The area whose rows an import may write: the uploader's (None: every district)."""
    try:
        return access.scope_region(user)
    except PermissionDenied:
        raise LedgerError(_("The person who uploaded this file can no longer import registers.")) from None


def _summary(plan: _Plan, table: RegisterTable, *, same_file: RegisterImport | None = None) -> dict[str, Any]:
    counts = plan.counts()
    summary: dict[str, Any] = {
        "version": 1,
        "table": _table_info(table),
        "counts": counts,
        "warnings": sum(1 for row in plan.rows if row.warnings),
        "rows": [row.compact() for row in plan.rows],
        "not_in_latest": plan.absent_names,
    }
    if same_file is not None:
        summary["same_file"] = {
            "id": same_file.pk,
            "at": same_file.applied_at.isoformat() if same_file.applied_at else "",
        }
    return summary


def _same_file(register_import: RegisterImport) -> RegisterImport | None:
    return (
        RegisterImport.objects.filter(
            source_id=register_import.source_id,
            sha256=register_import.sha256,
            status=RegisterImport.Status.APPLIED,
        )
        .exclude(pk=register_import.pk)
        .order_by("-applied_at")
        .first()
    )


# --------------------------------------------------------------------------------------------------------
# The services
# --------------------------------------------------------------------------------------------------------


def register_imports_for(user: User) -> QuerySet[RegisterImport]:
    """The imports uploaded in the user's area (by the uploader's unit); admins see all of them."""
    imports = RegisterImport.objects.select_related("source", "uploaded_by", "applied_by", "unit")
    return access.scope(user, imports, region_field="unit__region")


def _preview(register_import: RegisterImport, table: RegisterTable) -> RegisterImport:
    classifier = _Classifier(
        scope_root=_scope_root(register_import.uploaded_by), source_id=register_import.source_id
    )
    plan = classifier.plan(table)
    register_import.summary = _summary(plan, table, same_file=_same_file(register_import))
    register_import.status = RegisterImport.Status.PREVIEWED
    register_import.save(update_fields=["summary", "status"])
    return register_import


def _check_columns(table: RegisterTable, *, strict: bool = False) -> None:
    """A file without a unit-name column can go on only if the user can map one of its unknown columns."""
    if "name" not in table.mapping.values() and (strict or not table.unknown_headers):
        raise RegisterError(
            "no_header",
            gettext_lazy(
                "No column holds the unit name (单位名称). Add that column and upload the file again."
            ),
        )


def _source(name: str) -> RegisterSource:
    name = " ".join(name.split())[:100]
    if not name:
        raise LedgerError(_("Say which register this file is."))
    return RegisterSource.objects.get_or_create(name=name)[0]


@contextmanager
def _new_import(*, by: User, data: bytes, file_name: str, source: RegisterSource, table: RegisterTable):
    """Create an import and its stored file inside the caller's transaction; if that fails, no file stays."""
    digest = hashlib.sha256(data).hexdigest()
    register_import = RegisterImport.objects.create(
        source=source,
        # Stored under its digest: the original (often long, Chinese) name is kept in file_name.
        file=ContentFile(data, name=digest[:24] + PurePath(file_name).suffix.lower()[:8]),
        file_name=PurePath(file_name or "register").name[:200],
        sha256=digest,
        size=len(data),
        uploaded_by=by,
        unit=by.unit,
        summary={"table": _table_info(table)},
    )
    try:
        yield register_import
    except BaseException:
        register_import.file.storage.delete(register_import.file.name)
        raise


def register_import_upload(*, by: User, data: bytes, file_name: str, source_name: str) -> RegisterImport:
    """Keep an uploaded register and preview it (or wait for its unknown columns to be mapped).

    A file that cannot be read raises RegisterError and nothing is stored.
    """
    access.require(by, "ledger.import")
    table = _read(data, file_name, None, max_bytes=upload_limit_bytes())
    _check_columns(table)
    with (
        transaction.atomic(),
        _new_import(by=by, data=data, file_name=file_name, source=_source(source_name), table=table) as new,
    ):
        if not table.unknown_headers:
            _preview(new, table)
    return new


def register_import_map(
    *, register_import: RegisterImport, by: User, mapping: dict[str, str]
) -> RegisterImport:
    """Say what the unknown columns hold (or that they are ignored), then preview the rows again."""
    access.require(by, "ledger.import")
    for key in mapping.values():
        if key and key not in FIELD_ALIASES:
            raise LedgerError(_("Choose a ledger column from the list."))
    with transaction.atomic():
        register_import = RegisterImport.objects.select_for_update().get(pk=register_import.pk)
        if register_import.status not in (RegisterImport.Status.UPLOADED, RegisterImport.Status.PREVIEWED):
            raise LedgerError(_("This import is finished; its columns can no longer be changed."))
        register_import.mapping = {**register_import.mapping, **mapping}
        register_import.save(update_fields=["mapping"])
        table = _stored_table(register_import)
        if "name" not in table.mapping.values():
            raise LedgerError(_("Choose which column holds the unit name."))
        return _preview(register_import, table)


def register_import_apply(*, register_import: RegisterImport, by: User, request=None) -> dict[str, int]:
    """Write a previewed import into the ledger, all or nothing; the rows are classified again first."""
    access.require(by, "ledger.import")
    try:
        with transaction.atomic():
            # Lock the import, then its register: a second apply, or another import of the same register,
            # waits here and then finds the import applied or the ledger already changed.
            register_import = RegisterImport.objects.select_for_update().get(pk=register_import.pk)
            source = RegisterSource.objects.select_for_update().get(pk=register_import.source_id)
            if register_import.status != RegisterImport.Status.PREVIEWED:
                raise LedgerError(_status_refusal(register_import))
            table = _stored_table(register_import)
            return _apply(register_import, table, by=by, source=source, request=request)
    except IntegrityError as error:
        raise LedgerError(
            _(
                "The ledger changed while this import was written, so nothing was written. Please apply it again."
            )
        ) from error


def _status_refusal(register_import: RegisterImport) -> str:
    if register_import.status == RegisterImport.Status.APPLIED:
        return _("This import has already been applied.")
    if register_import.status == RegisterImport.Status.DISCARDED:
        return _("This import was discarded.")
    return _("Map the file's columns first.")


def _apply(
    register_import: RegisterImport, table: RegisterTable, *, by: User, source: RegisterSource, request=None
) -> dict[str, int]:
    classifier = _Classifier(scope_root=_scope_root(register_import.uploaded_by), source_id=source.pk)
    plan = classifier.plan(table)
    _write(plan, by=by, source=source, register_import=register_import, regions=classifier.places.by_id)
    counts = plan.counts()
    register_import.summary = _summary(plan, table)
    register_import.status = RegisterImport.Status.APPLIED
    register_import.applied_at = timezone.now()
    register_import.applied_by = by
    register_import.save(update_fields=["summary", "status", "applied_at", "applied_by"])
    operation_record(actor=by, action="register.import", obj=register_import, changes=counts, request=request)
    return counts


def register_import_discard(*, register_import: RegisterImport, by: User, request=None) -> RegisterImport:
    """Drop an import that was not applied; its file (personal data) is deleted once the change is committed."""
    access.require(by, "ledger.import")
    with transaction.atomic():
        register_import = RegisterImport.objects.select_for_update().get(pk=register_import.pk)
        if register_import.status not in (RegisterImport.Status.UPLOADED, RegisterImport.Status.PREVIEWED):
            raise LedgerError(_status_refusal(register_import))
        stored = register_import.file.name
        storage = register_import.file.storage
        register_import.status = RegisterImport.Status.DISCARDED
        summary = register_import.summary or {}
        register_import.summary = {key: summary[key] for key in ("table", "counts") if key in summary}
        register_import.file = ""
        register_import.save(update_fields=["status", "summary", "file"])
        operation_record(actor=by, action="register.discard", obj=register_import, request=request)
        if stored:
            transaction.on_commit(lambda: storage.delete(stored))
    return register_import


def register_import_run(
    *, by: User, data: bytes, file_name: str, source_name: str, dry_run: bool
) -> dict[str, int]:
    """Read, classify and (unless dry_run) apply a register in one go; returns the counts.

    Columns the reader does not know are left out. A dry run writes nothing at all, not even the import.
    """
    access.require(by, "ledger.import")
    table = _read(data, file_name, None, max_bytes=_stored_limit())
    _check_columns(table, strict=True)
    if dry_run:
        source = RegisterSource.objects.filter(name=" ".join(source_name.split())).first()
        classifier = _Classifier(scope_root=_scope_root(by), source_id=source.pk if source else None)
        return classifier.plan(table).counts()
    with transaction.atomic():
        source = RegisterSource.objects.select_for_update().get(pk=_source(source_name).pk)
        with _new_import(by=by, data=data, file_name=file_name, source=source, table=table) as new:
            return _apply(new, table, by=by, source=source)


# --------------------------------------------------------------------------------------------------------
# The error report
# --------------------------------------------------------------------------------------------------------


def register_import_errors_xlsx(*, register_import: RegisterImport) -> bytes:
    """The rows that were not (or will not be) applied: their original columns, the status and the reason."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    summary = register_import.summary or {}
    rows = [row for row in summary.get("rows", []) if row["s"] not in APPLIED_STATUSES]
    raw: dict[int, dict[str, str]] = {}
    info = summary.get("table") or {}
    headers: list[str] = list(info.get("headers", []))
    name_header = next((header for header, key in info.get("mapping", {}).items() if key == "name"), None)
    try:
        table = _stored_table(register_import)
        headers = list(dict.fromkeys(table.headers))
        if rows:
            wanted = {row["n"] for row in rows}
            raw = {row.number: row.raw for row in table.rows if row.number in wanted}
    except LedgerError:
        pass  # the file was discarded: the report keeps what the preview knew
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Rows not imported")[:31])
    bold = Font(bold=True)
    heading = [*headers, _("Row"), _("Status"), _("Reason")]
    sheet.append([_header_cell(sheet, text, bold) for text in heading])
    for row in rows:
        original = raw.get(row["n"]) or {name_header: row.get("name", "")}
        cells = [_text_cell(sheet, original.get(header, "")) for header in headers]
        reasons = [reason_text(entry) for entry in [*row.get("r", []), *row.get("w", [])]]
        sheet.append([*cells, row["n"], str(STATUS_LABELS[row["s"]]), "\n".join(reasons)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(sheet, text: str):
    """A cell of the register as text: "=…" stays text, it never becomes a formula in someone's Excel."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    if text.startswith("="):
        cell.data_type = "s"
    return cell


def _header_cell(sheet, text: str, font):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.font = font
    return cell
