"""Classification: what each row of a register is (new, update, unchanged, duplicate, repeated, invalid)."""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Collection
from concurrent.futures import Future
from typing import Any

from django.core.exceptions import ValidationError

from branches.models import Category, Organisation, RegisterPresence, SanxinField, UnitTypeCategory
from branches.names import name_normalise
from branches.registers import TEMPLATE_EXAMPLE_USCC, RegisterRow, RegisterTable
from branches.services.imports.background import Background, Cursor
from branches.services.imports.infer import DEFAULT, INFERRED, field_infer
from branches.services.imports.lookups import (
    _VALUE_COLUMNS,
    _Ledger,
    _Places,
    _Record,
    field_from_text,
    unit_type_from_text,
)
from branches.services.imports.rows import (
    _MATCHED,
    _batches,
    _no_cycle_collection,
    _Plan,
    _Repeats,
    _Row,
    _Writer,
)
from branches.services.imports.texts import (
    DUPLICATE,
    IMPORTED_FIELDS,
    INVALID,
    NEW,
    REPEATED,
    UNCHANGED,
    UPDATE,
    _text_entry,
    organisation_field,
)
from federation.identifiers import mobile_validate, uscc_normalise, uscc_validate
from federation.models import Region
from jobs.context import progress

NOT_IN_LATEST_SHOWN = 200  # names of absent organisations kept for the page; the count is exact
LOOKUP_BATCH = 5000  # rows whose records are looked up at once, while the next rows are read
MAX_COUNT = 1_000_000  # a head count above this is a typing error, not an organisation
_TEXT_FIELDS = ("industry", "address", "contact_name")


def _max_length(name: str) -> int:
    length = organisation_field(name).max_length
    assert length is not None  # the ledger's text fields are all bounded
    return length


_MAX_LENGTHS = {name: _max_length(name) for name in ("name", *_TEXT_FIELDS)}


class _Classifier:
    """Decides what each row of a register is, against the ledger as it is now, in the uploader's area."""

    def __init__(
        self, *, scope_root: Region | None, source_id: int | None, defaults: dict[str, Any] | None = None
    ) -> None:
        self.root_path = scope_root.path if scope_root is not None else ""
        self.source_id = source_id
        self.places = _Places()
        categories = list(Category.objects.all())
        self.category_names = {category.pk: category.name for category in categories}
        # The file's defaults (a register of one department): what a row that does not say takes.
        defaults = defaults or {}
        self.default_field = defaults.get("field") if defaults.get("field") in SanxinField.values else None
        district_id = defaults.get("district")
        district = self.places.by_id.get(district_id) if district_id is not None else None
        self.default_district = (
            district
            if district is not None
            and district.level == Region.Level.DISTRICT
            and self.in_area(district.path)
            else None
        )
        self.default_categories = [pk for pk in defaults.get("categories") or [] if pk in self.category_names]
        self.categories: dict[str, int] = {}
        self.labels: dict[str, int | None] = {}
        for category in categories:
            self.categories.setdefault(name_normalise(category.name), category.pk)
            self.categories.setdefault(name_normalise(category.code), category.pk)
        self.type_categories: dict[
            str, list[int]
        ] = {}  # unit type → the categories it brings (admin's table)
        for unit_type, category_id in UnitTypeCategory.objects.filter(category__active=True).values_list(
            "unit_type", "category_id"
        ):
            self.type_categories.setdefault(unit_type, []).append(category_id)
        self.ledger: _Ledger | None = None  # read by plan(), for the codes and names of its file
        self._place_cache: dict[tuple[str, str, str], tuple] = {}
        self._kind_cache: dict[tuple[str, str, str], tuple] = {}

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
        if not name:  # without a name a row names no organisation: the one thing that refuses it outright
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
        if data.get("women", -1) > data.get("employees", MAX_COUNT + 1):
            # The row is kept: the women's count is the doubtful one (it is the smaller column of a register).
            women = data.pop("women")
            result.warnings.append(
                ["women_above_employees", {"women": women, "employees": data["employees"]}]
            )
        for key in ("party_org", "trade_union", "founded_on"):
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
        for pk in self.type_categories.get(data.get("unit_type") or "", ()):
            if pk not in result.categories:
                result.categories.append(pk)
                result.category_marks[pk] = {"how": INFERRED, "from": "unit_type"}
        for pk in self.default_categories:
            if pk not in result.categories:
                result.categories.append(pk)
                result.category_marks[pk] = {"how": DEFAULT}
        if result.reasons:
            result.status = INVALID
        return result

    def _resolve_place(self, row: RegisterRow, result: _Row) -> None:
        # Registers repeat a few dozen places: each spelling is resolved once.
        key = (
            str(row.values.get("district") or "").strip(),
            str(row.values.get("street") or "").strip(),
            result.uscc[2:8],
        )
        found = self._place_cache.get(key)
        if found is None:
            found = self._place_cache[key] = self._place(*key)
        reasons, warnings, district, region, defaulted = found
        if reasons == [["district_missing", {}]]:
            reasons = []  # needed by a new record only (see _new): a row of a known organisation may leave it out
        result.reasons.extend(reasons)
        result.warnings.extend(warnings)
        if region is not None:
            result.district = district
            if defaulted:  # the file's district: for a new record only, it never moves one
                result.fills["region"] = region
                result.marks["region"] = {"how": DEFAULT}
            else:
                result.values["region"] = region

    def _place(
        self, district_text: str, street_text: str, code: str
    ) -> tuple[list, list, Region | None, Region | None, bool]:
        """(reasons, warnings, district, region, whether it is the file's default) of a row's district and street,
        else the file's default district, else the district of the code's characters 3-8."""
        district = street = None
        warnings = []
        if not district_text and not street_text and self.default_district is not None:
            return [], [], self.default_district, self.default_district, True
        if district_text:
            district = self.places.district(district_text)
            if district is None:
                return [["district_unknown", {"text": district_text}]], [], None, None, False
        if street_text:
            street = self.places.street(street_text, district)
            if street is None and district is not None:
                warnings.append(["street_unknown", {"text": street_text, "district": district.name}])
            elif street is not None and district is None:
                district = street.parent
        if district is None and code in self.places.district_codes:
            district = self.places.district_codes[code]
        if district is None:
            return [["district_missing", {}]], warnings, None, None, False
        region = street or district
        if not self.in_area(region.path):
            return [["outside_area", {"region": region.name}]], warnings, None, None, False
        return [], warnings, district, region, False

    def _resolve_kind(self, row: RegisterRow, result: _Row) -> None:
        key = (
            str(row.values.get("field") or "").strip(),
            str(row.values.get("unit_type") or "").strip(),
            result.uscc[:2],
        )
        found = self._kind_cache.get(key)
        if found is None:
            found = self._kind_cache[key] = self._kind(*key)
        warnings, unit_type, field_value, inferred = found
        result.warnings.extend(warnings)
        if unit_type:
            result.values["unit_type"] = unit_type
        # The row's own field; a new-employment unit type (the field's own rule, whatever the file); the file's
        # default (a person's word on the file beats what a code implies); what the row's code or type implies.
        if field_value:
            result.values["field"] = field_value
        elif self.default_field and (not inferred or inferred[0] != SanxinField.EMPLOYMENT):
            result.fills["field"] = self.default_field
            result.marks["field"] = {"how": DEFAULT}
        elif inferred:
            result.fills["field"] = inferred[0]
            result.marks["field"] = {"how": INFERRED, "from": inferred[1]}

    @staticmethod
    def _kind(
        field_text: str, type_text: str, kind: str
    ) -> tuple[list, str | None, str | None, tuple[str, str] | None]:
        """(warnings, unit type, field, (field, column) worked out) of a row's two texts and its code's kind."""
        warnings = []
        unit_type = unit_type_from_text(type_text) if type_text else None
        if type_text and unit_type is None:
            warnings.append(["unit_type_unknown", {"text": type_text}])
        if field_text:
            value = field_from_text(field_text)
            if value:
                return warnings, unit_type, value, None
            warnings.append(["field_text_unknown", {"text": field_text}])
        # A worked-out field is used for a new record only: it never overrides a record.
        return warnings, unit_type, None, field_infer(unit_type=unit_type, uscc=kind)

    # --- the row against the ledger --------------------------------------------------------------------

    def _reading(self) -> _Ledger:
        """The ledger's records read so far (only while the rows are classified)."""
        assert self.ledger is not None, "read by plan()"
        return self.ledger

    def match(self, row: _Row) -> None:
        ledger = self._reading()
        accepted = row.reasons == [["uscc_invalid", {"uscc": row.uscc}]] and row.uscc in ledger.by_uscc
        if row.status == INVALID and accepted:
            # The ledger holds this failing code: someone accepted it with a recorded reason (the form asks for
            # one), so the row is that organisation's like any other.
            row.status, row.reasons = "", []
            row.values["uscc"] = row.uscc
            row.warnings.append(["uscc_accepted", {"uscc": row.uscc}])
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

    def plan(
        self, table: RegisterTable, *, background: Background | None = None, writer: _Writer | None = None
    ) -> _Plan:
        """Classify every row of the table, a batch of rows at a time.

        The database looks up the records that a batch names while the next batch is read. With a writer (an
        import being applied on PostgreSQL), each batch's new and changed records are handed to it as soon as
        the batch is classified, and the database writes them while the rows after them are read; writes and
        lookups go through one background queue (the writer's), in the order they were given.
        """
        with _no_cycle_collection(), contextlib.ExitStack() as stack:
            if background is None:
                background = stack.enter_context(Background())
            return self._plan_rows(table, background, writer)

    def _plan_rows(self, table: RegisterTable, background: Background, writer: _Writer | None) -> _Plan:
        self.ledger = _Ledger(paths={pk: region.path or "" for pk, region in self.places.by_id.items()})
        self._seen = _Repeats()
        self._plan = plan = _Plan(
            rows=[], creates=[], updates=[], present=set(), absent=[], absent_names=[], existing_presences={},
            categories=self.category_names, target_categories={}, root_path=self.root_path,
        )  # fmt: skip
        presences = background.run(self._presence_rows, self._presences_query())
        looked_up: deque[tuple[list[_Row], Future]] = deque()
        reporter = progress()
        reporter.update(phase="reading")
        for batch in _batches(table.rows, LOOKUP_BATCH):
            rows = [self.resolve(register_row) for register_row in batch]
            plan.rows.extend(rows)
            reporter.update(read=len(plan.rows))
            # An invalid row still names its record by its code (it is listed in the register).
            usccs = [row.uscc for row in rows if row.uscc]
            names = [row.normalised for row in rows if row.status != INVALID]
            new_ids = writer.new_ids() if writer is not None else "{}"
            looked_up.append((rows, background.run(self._reading().fetch, usccs, names, new_ids)))
            if len(looked_up) > 1:  # classify the batch before this one, whose records have been read by now
                self._settle(*looked_up.popleft(), background=background, writer=writer)
        while looked_up:
            self._settle(*looked_up.popleft(), background=background, writer=writer)
        reporter.update(phase="finishing", read=len(plan.rows))
        present = {
            row.target for row in plan.rows if row.status in (UPDATE, UNCHANGED, REPEATED) and row.target
        }
        plan.present = present | {row.seen_id for row in plan.rows if row.seen_id}
        plan.existing_presences, plan.absent = self._presences(presences.result(), plan.present)
        shown = [organisation_id for _id, organisation_id, _in_latest in plan.absent[:NOT_IN_LATEST_SHOWN]]
        if shown:
            background.wait()  # the writer's statements first: this thread's query would wait for them anyway
            shown_names = dict(Organisation.objects.filter(pk__in=shown).values_list("pk", "name"))
            plan.absent_names = [[organisation_id, shown_names[organisation_id]] for organisation_id in shown]
        self.ledger = None  # tens of thousands of records, of no use once the rows are classified
        return plan

    def _settle(
        self, rows: list[_Row], lookup: Future, *, background: Background, writer: _Writer | None
    ) -> None:
        """Decide what each row of a batch is, once its records are read; hand the batch to the writer."""
        ledger = self._reading()
        ledger.take(lookup.result())
        if ledger.unknown_merge_targets():  # rare: records merged into records not read yet
            background.run(ledger.follow_merges).result()
        for row in rows:
            self.match(row)
        self._seen.mark(rows)
        plan = self._plan
        creates, updates = [], []
        for row in rows:
            if row.status == NEW:
                self._new(row)
                if row.status == NEW:
                    creates.append(row)
            elif row.status == _MATCHED:
                assert row.target is not None  # a matched row has its record
                record = ledger.records[row.target]
                changed = self._diff(row, ledger.current(row.target), record.categories)
                if row.status == UPDATE:
                    updates.append((row, changed, record.former_names))
                    plan.target_categories[row.target] = set(record.categories)
        plan.creates.extend(creates)
        plan.updates.extend((row, changed) for row, changed, _former in updates)
        if writer is not None:
            writer.write(creates, updates)
            progress().update(add_written=len(creates) + len(updates))
        for row in rows:
            if writer is not None or row.status not in (NEW, UPDATE):
                row.values = {}  # only rows still to be written need their values

    def _new(self, row: _Row) -> None:
        for name, value in row.fills.items():
            row.values.setdefault(name, value)
        if "region" not in row.values:
            row.status, row.reasons = INVALID, [["district_missing", {}]]
            return
        if "field" not in row.values:
            row.status, row.reasons = INVALID, [["field_unknown", {}]]
            return
        self._mark_categories(row)
        row.target = None

    @staticmethod
    def _mark_categories(row: _Row) -> None:
        """Keep the marks of the values written; the categories a row adds are marked when every one of them
        was come by the same way (worked out, or the file's default)."""
        marks = {name: mark for name, mark in row.marks.items() if name in row.values}
        how = {str(row.category_marks.get(pk)) for pk in row.categories}
        if row.categories and len(how) == 1 and row.categories[0] in row.category_marks:
            marks["categories"] = row.category_marks[row.categories[0]]
        row.marks = marks

    def _diff(self, row: _Row, current: dict[str, Any], categories: Collection[int]) -> list[str]:
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
                if name == "founded_on":  # the preview is stored as JSON
                    row.diff[name] = [old.isoformat() if old else None, new.isoformat()]
                else:
                    row.diff[name] = [old, new]
                changed.append(name)
        employees = data.get("employees", current["employees"])
        women = data.get("women", current["women"])
        if employees is not None and women is not None and women > employees:
            # Against the record's other count: the row's own count is left out, the rest of the row applies.
            name = "women" if "women" in data else "employees"
            data.pop(name)
            row.diff.pop(name, None)
            if name in changed:
                changed.remove(name)
            code = "women_above_record" if name == "women" else "employees_below_record"
            row.warnings.append([code, {"women": women, "employees": employees}])
        added = [pk for pk in row.categories if pk not in categories]
        if added:
            before = sorted(self.category_names[pk] for pk in categories)
            row.diff["categories"] = [before, sorted([*before, *(self.category_names[pk] for pk in added)])]
            changed.append("categories")
        row.categories = added
        self._mark_categories(row)
        row.status = UPDATE if changed else UNCHANGED
        return changed

    def _presences_query(self) -> tuple[str, tuple] | None:
        """The query of this register's presences in the area (id, organisation, in latest, last import),
        made here: a background job only runs it (Django's connection belongs to this thread)."""
        if self.source_id is None:
            return None
        presences = RegisterPresence.objects.filter(source_id=self.source_id)
        if self.root_path:
            presences = presences.filter(organisation__region__path__startswith=self.root_path)
        query = presences.values_list("id", "organisation_id", "in_latest", "last_import_id").order_by(
            "organisation_id"
        )
        return query.query.sql_with_params()

    @staticmethod
    def _presence_rows(
        cursor: Cursor, query: tuple[str, tuple] | None
    ) -> list[tuple[int, int, bool, int | None]]:
        """A background job: the presences' rows."""
        if query is None:
            return []
        cursor.execute(*query)
        return cursor.fetchall()

    @staticmethod
    def _presences(
        rows: list[tuple[int, int, bool, int | None]], present: set[int]
    ) -> tuple[dict[int, tuple[int, bool, int | None]], list]:
        """Those presences listed now, and those the file no longer lists."""
        existing, absent = {}, []
        for pk, organisation_id, in_latest, last_import in rows:
            existing[organisation_id] = (pk, in_latest, last_import)
            if organisation_id not in present:
                absent.append((pk, organisation_id, in_latest))
        return existing, absent
