"""Writing a classified register in the caller's transaction: new records, updates, categories, history rows,
presences.

On PostgreSQL the writer (_Copy) takes the rows batch by batch as classification settles them, and queues their
statements on the import's connection (imports.background), so that the server writes one batch while the next
is read: new records go in through COPY (their text made here), updates through one UPDATE per batch from a
COPYed scratch table, and the history rows (the records' and their categories') are copied from the written
rows by the database, one statement per batch and kind: what bulk_history_create would write, without building
50,000 model instances. Elsewhere (SQLite) _write does the same with Django's bulk operations, once every row is
classified.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from operator import attrgetter, itemgetter
from typing import Any, cast

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Organisation, RegisterImport, RegisterPresence, RegisterSource
from branches.services.imports.background import Background, Cursor
from branches.services.imports.classify import LOOKUP_BATCH, _Plan, _Row
from branches.services.imports.lookups import ID_CHUNK, _in_chunks
from branches.services.imports.texts import APPLIED_STATUSES, IMPORTED_FIELDS, organisation_field
from branches.services.organisations import district_of, organisation_derive
from federation.models import Region, User

BATCH = 1000  # rows per INSERT/UPDATE statement (Django lowers it further where SQLite needs)


def _stamp(source: RegisterSource, register_import: RegisterImport, now: dt.datetime) -> tuple[dict, str]:
    """(what value_sources records for each field the import sets, the history's change reason)."""
    stamp = {"source": source.name, "import": register_import.pk, "at": now.isoformat()}
    reason = _("Register import #%(id)s: %(source)s") % {"id": register_import.pk, "source": source.name}
    return stamp, reason


def _writer(
    *, background: Background, by: User, source: RegisterSource, register_import: RegisterImport
) -> _Copy | None:
    """The writer that classification hands each batch to, on PostgreSQL (elsewhere None: _write writes)."""
    if connection.vendor != "postgresql":
        return None
    now = timezone.now()
    stamp, reason = _stamp(source, register_import, now)
    return _Copy(background=background, by=by, now=now, stamp=stamp, reason=reason)


def _write(
    plan: _Plan,
    *,
    by: User,
    source: RegisterSource,
    register_import: RegisterImport,
    regions: dict[int, Region],
) -> None:
    """Write the plan with Django's bulk operations (SQLite): new records, updates, categories, history rows.
    The caller holds the transaction. On PostgreSQL the writer has written each batch as it was classified."""
    now = timezone.now()
    stamp, reason = _stamp(source, register_import, now)
    history = {
        "default_user": by,
        "default_change_reason": reason,
        "default_date": now,
        "batch_size": BATCH,
    }
    categories: dict[int, set[int]] = {}  # organisation → its categories after the import
    records = [
        *_create(plan, stamp=stamp, history=history, categories=categories),
        *_update(plan, stamp=stamp, history=history, categories=categories, regions=regions),
    ]
    _write_category_history(records, categories)


# --------------------------------------------------------------------------------------------------------
# PostgreSQL: COPY and set-based statements
# --------------------------------------------------------------------------------------------------------


class _Derived:
    """What organisation_derive reads and writes, without a model instance: the import derives the search
    columns with the very function every save uses, so they cannot drift apart."""

    __slots__ = ("name", "former_names", "region", "region_id", "district", "name_normalised", "search_text",
                 "search_grams", "sort_key")  # fmt: skip

    district: Region  # derived from the region, when there is one
    name_normalised: str
    search_text: str
    search_grams: str
    sort_key: str

    def __init__(self, name: str, former_names: list[str], region: Region | None) -> None:
        self.name, self.former_names = name, former_names
        self.region, self.region_id = region, region.pk if region is not None else None


# A GIN index merges entries faster in one large batch than in many small ones: 25,000 new organisations cost
# 2.2 s of index upkeep with the 256 kB pending list (the connection's setting, see settings.DATABASES), 0.8 s
# with this one and a single merge at the end.
PENDING_LIST_KB = 65536
COPY_CHUNK = 1000  # new organisations per COPY
COPIES_QUEUED = 3  # COPYs of new organisations that may wait in the queue
SEARCH_INDEX = "organisation_search_grams"
_DERIVED = ("name", "name_normalised", "search_text", "search_grams", "sort_key")
_UPDATES_TABLE = "register_import_updates"


class _Copy:
    """The import written on PostgreSQL, batch after batch as classification hands them over (see the module's
    docstring). Every statement is a job of the background thread: this thread derives the next rows meanwhile."""

    def __init__(
        self, *, background: Background, by: User, now: dt.datetime, stamp: dict, reason: str
    ) -> None:
        self.background, self.by, self.now, self.reason = background, by, now, reason
        self.stamp, self.stamp_json = stamp, json.dumps(stamp, ensure_ascii=False)
        self.sources_json: dict[tuple, str] = {}
        self.quote = connection.ops.quote_name
        self.table = self.quote(Organisation._meta.db_table)
        self.created: list[int] = []  # the new records' ids, batch after batch
        self._free: list[int] = []  # ids taken from the sequence and not used yet
        self._reserved: Future | None = None  # more of them, being taken
        self._batches = 0
        self._copies: deque[Future] = deque()  # COPYs of new records queued and maybe not run yet
        # New index entries wait in the search index's pending list, merged once at the end (see finish()).
        background.run(lambda cursor: cursor.execute(f"SET LOCAL gin_pending_list_limit = {PENDING_LIST_KB}"))

    def new_ids(self) -> str:
        """The ids of the records added so far, as an array literal (lookups leave them out)."""
        return _array(self.created)

    def write(self, creates: list[_Row], updates: list[tuple[_Row, list[str], list[str]]]) -> None:
        """Queue the writing of one classified batch: updates, new records, their categories and history."""
        background = self.background
        links: list[tuple[int, int]] = []
        self._batches += 1
        updated = self._update(updates, links)
        created = self._create(creates, self._ids(len(creates)), links)
        self.created.extend(created)
        if links:
            through = Organisation.categories.through._meta.db_table
            statement = self._copy_statement(through, ["organisation_id", "category_id"])
            background.run(_copy_bytes, statement, _copy_payload(f"{a}\t{b}" for a, b in links))
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            for ids, history_type in ((created, "+"), (updated, "~")):
                if ids:
                    background.run(self._history, ids, history_type)

    def finish(self) -> None:
        """Queue what follows the last batch: the search index's pending list merged into the index."""
        if self._batches:
            self.background.run(_merge_pending)

    def _ids(self, count: int) -> list[int]:
        """Ids for `count` new records. From the file's second batch on, a batch that adds records also takes
        the next batch's worth in advance, so that this thread need not wait for the queue; ids left unused are
        a gap in the sequence. A file that adds nothing takes none."""
        if not count:
            return []
        if len(self._free) < count and self._reserved is not None:
            self._free.extend(self._reserved.result())
            self._reserved = None
        if len(self._free) < count:
            self._free.extend(self.background.run(_take_ids, count - len(self._free)).result())
        ids, self._free = self._free[:count], self._free[count:]
        if count and self._batches > 1 and self._reserved is None and len(self._free) < LOOKUP_BATCH:
            self._reserved = self.background.run(_take_ids, LOOKUP_BATCH)
        return ids

    def _copy_statement(self, table: str, columns: list[str]) -> str:
        names = ", ".join(self.quote(column) for column in columns)
        return f"COPY {self.quote(table)} ({names}) FROM STDIN"

    def _sources(self, names: tuple[str, ...], marks: dict[str, dict], *, copy: bool = False) -> str:
        """value_sources of a row as JSON (with copy, as a field of COPY text): every field it wrote, from this
        import, with how a value was come by when it was not read from the row. A few shapes repeat: each is
        made once."""
        marked = tuple((name, tuple(marks[name].items())) for name in names if name in marks)
        text = self.sources_json.get((names, marked, copy))
        if text is None:
            stamps = {name: self.stamp_json for name in names}
            for name, mark in marked:
                stamps[name] = json.dumps({**self.stamp, **dict(mark)}, ensure_ascii=False)
            text = "{" + ", ".join(f"{json.dumps(name)}: {stamp}" for name, stamp in stamps.items()) + "}"
            text = self.sources_json[names, marked, copy] = _copy_text(text) if copy else text
        return text

    def _create(self, rows: list[_Row], ids: list[int], links: list[tuple[int, int]]) -> list[int]:
        """Derive the new organisations' rows and hand them to the background as COPY text; returns their ids."""
        if not rows:
            return []
        fields = Organisation._meta.concrete_fields
        at = {field.attname: index for index, field in enumerate(fields)}
        template = [_copy_value(field, field.get_default()) for field in fields]
        template[at["created_at"]] = template[at["updated_at"]] = self.now
        template = list(map(_copy_text, template))
        imported = [(name, at[organisation_field(name).attname]) for name in IMPORTED_FIELDS]
        derived = [(name, at[name]) for name in _DERIVED]
        region_at, district_at, sources_at, id_at = (
            at["region_id"],
            at["district_id"],
            at["value_sources"],
            at["id"],
        )
        statement = self._copy_statement(Organisation._meta.db_table, [field.column for field in fields])
        lines: list[str] = []
        for pk, row in zip(ids, rows, strict=True):
            data, value = row.values, template.copy()
            value[id_at] = str(pk)
            names = []
            for name, index in imported:
                if name in data:
                    names.append(name)
                    if index != region_at:  # the region is written by its id below
                        value[index] = _copy_text(data[name])
            region = data["region"]
            columns = _Derived(data["name"], [], region)
            # regions carry their parents: no query
            organisation_derive(cast(Organisation, columns), normalised=row.normalised)
            for name, index in derived:
                value[index] = _copy_text(getattr(columns, name))
            value[region_at], value[district_at] = str(region.pk), str(columns.district.pk)
            if row.categories:
                names.append("categories")
                links.extend((pk, category_id) for category_id in row.categories)
            value[sources_at] = self._sources(tuple(names), row.marks, copy=True)
            row.target = pk
            lines.append("\t".join(value))
            if len(lines) == COPY_CHUNK:
                self._queue_copy(statement, lines)
                lines = []
        if lines:
            self._queue_copy(statement, lines)
        return ids

    def _queue_copy(self, statement: str, lines: list[str]) -> None:
        """Queue a COPY of text lines, held as bytes until it runs. While the server is behind, this thread
        waits for the oldest COPY queued: at most a few chunks of rows wait in memory."""
        while len(self._copies) >= COPIES_QUEUED:
            self._copies.popleft().result()
        self._copies.append(self.background.run(_copy_bytes, statement, _copy_payload(lines)))

    def _update(
        self, updates: list[tuple[_Row, list[str], list[str]]], links: list[tuple[int, int]]
    ) -> list[int]:
        """Write the changed fields of the matched organisations: COPY them into a scratch table, one UPDATE.

        A row sets only what it changes (NULL keeps the value: a register never sets a field to NULL); its
        value_sources gain this import's stamp for those fields.
        """
        if not updates:
            return []
        columns: dict[str, None] = {}
        for _row, changed, _former_names in updates:
            for name in changed:
                if name == "name":
                    columns.update(dict.fromkeys(("name", "former_names", *_DERIVED[1:])))
                elif name == "region":
                    columns.update(dict.fromkeys(("region_id", "district_id")))
                elif name != "categories":
                    columns[organisation_field(name).column] = None
        fields = {field.column: field for field in Organisation._meta.concrete_fields}
        at = {column: index for index, column in enumerate(columns, start=1)}
        empty: list[Any] = [None] * (len(columns) + 2)

        def values() -> Iterator[list[Any]]:
            for row, changed, former_names in updates:
                value = empty.copy()
                value[0] = row.record_id
                for name in changed:
                    if name == "name":
                        _rename(row, former_names, value, at)
                    elif name == "region":
                        region = row.values["region"]
                        value[at["region_id"]], value[at["district_id"]] = region.pk, district_of(region).pk
                    elif name != "categories":
                        value[at[name]] = row.values[name]
                value[-1] = self._sources(tuple(changed), row.marks)
                links.extend((row.record_id, category_id) for category_id in row.categories)
                yield value

        quote = self.quote
        scratch = (
            f"CREATE TEMPORARY TABLE {_UPDATES_TABLE} (id bigint, "
            + "".join(f"{quote(column)} {fields[column].db_type(connection)}, " for column in columns)
            + "sources jsonb) ON COMMIT DROP"
        )
        assignments = "".join(f"{quote(c)} = COALESCE(u.{quote(c)}, t.{quote(c)}), " for c in columns)
        update = (
            f"UPDATE {self.table} AS t SET {assignments}"
            "value_sources = t.value_sources || u.sources, updated_at = %s "
            f"FROM {_UPDATES_TABLE} AS u WHERE t.id = u.id"
        )
        payload = _copy_payload("\t".join(map(_copy_text, value)) for value in values())
        copy = self._copy_statement(_UPDATES_TABLE, ["id", *columns, "sources"])

        def job(cursor: Cursor) -> None:
            cursor.execute(scratch)
            _copy_bytes(cursor, copy, payload)
            # Without statistics the planner guesses the scratch table's size and hashes the whole ledger instead.
            cursor.execute(f"ANALYZE {_UPDATES_TABLE}")
            cursor.execute(update, [self.now])
            cursor.execute(f"DROP TABLE {_UPDATES_TABLE}")

        self.background.run(job)
        return [row.record_id for row, _changed, _former_names in updates]

    def _history(self, cursor: Cursor, ids: list[int], history_type: str) -> None:
        """The historical records of the written organisations, copied from their rows as they are now, and the
        categories of each (like a save(), every record lists the organisation's categories at that moment)."""
        if not ids:
            return
        quote = self.quote
        history = Organisation.history.model
        categories = _categories_history_model()._meta.db_table
        through = Organisation.categories.through._meta.db_table
        tracked = ", ".join(quote(field.column) for field in history.tracked_fields)
        cursor.execute(
            f"WITH h AS (INSERT INTO {quote(history._meta.db_table)} ({tracked}, history_date, "
            "history_change_reason, history_type, history_user_id) "
            f"SELECT {tracked}, %s, %s, %s, %s FROM {self.table} WHERE id = ANY(%s::bigint[]) ORDER BY id "
            "RETURNING history_id, id) "
            f"INSERT INTO {quote(categories)} (id, history_id, organisation_id, category_id) "
            f"SELECT l.id, h.history_id, l.organisation_id, l.category_id FROM h JOIN {quote(through)} AS l "
            "ON l.organisation_id = h.id ORDER BY h.history_id, l.category_id",
            [self.now, self.reason, history_type, self.by.pk, _array(ids)],
        )


# COPY's text format: a field's backslash, tab, newline and carriage return are escaped; NULL is \N.
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def _copy_text(value: Any) -> str:
    """A value as a field of COPY's text format (the types an organisation's columns hold)."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        if _COPY_SPECIAL.search(value):  # rare: four passes in C beat a translation table
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):  # dates, and datetimes with their time zone
        return value.isoformat()
    raise TypeError(f"no COPY text for {type(value).__name__}")


def _take_ids(cursor: Cursor, count: int) -> list[int]:
    """`count` ids from the organisations' sequence (a background job)."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [Organisation._meta.db_table, count],
    )
    return [pk for (pk,) in cursor.fetchall()]


def _copy_payload(lines: Iterable[str]) -> bytes:
    """Rows in COPY's text format, one line each, as the bytes to send."""
    return "".join(f"{line}\n" for line in lines).encode()


def _copy_bytes(cursor: Cursor, statement: str, payload: bytes) -> None:
    """COPY rows already in the text format (_copy_payload): a background job, or on a cursor of this thread."""
    with cursor.copy(statement) as copy:
        copy.write(payload)


def _array(ids: list[int]) -> str:
    """Ids as one PostgreSQL array literal: a single text to send, not a parameter of 50,000 numbers."""
    return "{" + ",".join(map(str, ids)) + "}"


def _merge_pending(cursor: Cursor) -> None:
    """Merge the search index's pending list into the index (a background job), so that the next search does
    not read the whole list. Only the index's owner may; otherwise the next writes or autovacuum merge it."""
    cursor.execute(
        "SELECT gin_clean_pending_list(c.oid) FROM pg_class c "
        "WHERE c.relname = %s AND pg_has_role(c.relowner, 'USAGE')",
        [SEARCH_INDEX],
    )


def _rename(row: _Row, former_names: list[str], value: list, at: dict[str, int]) -> None:
    """A new name keeps the old one among the former names, and the search columns follow."""
    old, new = row.target_name, row.values["name"]
    names = [*(name for name in former_names if name not in (old, new)), old]
    columns = _Derived(new, names, None)
    organisation_derive(cast(Organisation, columns), normalised=row.normalised)
    value[at["former_names"]] = json.dumps(names)
    for name in _DERIVED:
        value[at[name]] = getattr(columns, name)


def _copy_value(field: models.Field, value: Any) -> Any:
    """A model default as COPY takes it."""
    if field.get_internal_type() == "JSONField":
        return json.dumps(value)
    if isinstance(value, str):
        return str(value)  # a TextChoices member
    return value


# --------------------------------------------------------------------------------------------------------
# Elsewhere: Django's bulk operations
# --------------------------------------------------------------------------------------------------------


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
        for name, mark in row.marks.items():
            if name in organisation.value_sources:
                organisation.value_sources[name] = {**stamp, **mark}
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
    organisations = _organisations({row.record_id for row, _changed in plan.updates}, regions=regions)
    updated, written, links = [], {"value_sources", "updated_at"}, []
    for row, changed in plan.updates:
        organisation = organisations[row.record_id]
        for name in changed:
            if name == "name":
                old, new = organisation.name, row.values["name"]
                organisation.name = new
                organisation.former_names = [
                    *(n for n in organisation.former_names if n not in (old, new)),
                    old,
                ]
                organisation_derive(organisation)
                written |= {
                    "name",
                    "former_names",
                    "name_normalised",
                    "search_text",
                    "search_grams",
                    "sort_key",
                }
            elif name == "region":
                organisation.region = row.values["region"]
                organisation.district = district_of(organisation.region)
                written |= {"region", "district"}
            elif name != "categories":
                setattr(organisation, name, row.values[name])
                written.add(name)
            organisation.value_sources[name] = {**stamp, **row.marks[name]} if name in row.marks else stamp
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
    fields = [organisation_field(name) for name in names]
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


def _link(organisation_id: int, category_id: int) -> Any:  # the categories' link model has no name to import
    return Organisation.categories.through(organisation_id=organisation_id, category_id=category_id)


def _write_category_history(records: list, categories: dict[int, set[int]]) -> None:
    """Like a save() would, every historical record lists the organisation's categories at that moment."""
    wanted = {record.id: categories[record.id] for record in records if categories.get(record.id)}
    if not wanted:
        return
    link_ids = _link_ids(wanted)
    model = _categories_history_model()
    model._default_manager.bulk_create(
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


def _organisations(ids: set[int], *, regions: dict[int, Region]) -> dict[int, Organisation]:
    """The records an import updates, their regions taken from memory."""
    organisations: dict[int, Organisation] = {}
    for organisation in _in_chunks(Organisation.objects.all(), "pk", ids, key=attrgetter("pk")):
        organisation.region = regions[organisation.region_id]
        organisations[organisation.pk] = organisation
    return organisations


def _categories_history_model() -> type[models.Model]:
    from simple_history.models import HistoricalRecords

    return HistoricalRecords.m2m_models[Organisation._meta.get_field("categories")]


def _write_presences(plan: _Plan, *, source: RegisterSource, register_import: RegisterImport) -> None:
    """Listed now: in the latest register; no longer listed: flagged "not in latest", never deleted."""
    listed = {row.target for row in plan.rows if row.status in APPLIED_STATUSES and row.target} | plan.present
    new = sorted(listed - set(plan.existing_presences))
    if connection.vendor == "postgresql":
        columns = ["organisation_id", "source_id", "first_import_id", "last_import_id", "in_latest"]
        rest = f"\t{source.pk}\t{register_import.pk}\t{register_import.pk}\tt"
        with connection.cursor() as cursor:
            _copy_bytes(
                cursor.cursor,
                f"COPY {RegisterPresence._meta.db_table} ({', '.join(columns)}) FROM STDIN",
                _copy_payload(f"{organisation_id}{rest}" for organisation_id in new),
            )
    else:
        RegisterPresence.objects.bulk_create(
            [
                RegisterPresence(
                    organisation_id=organisation_id,
                    source=source,
                    first_import=register_import,
                    last_import=register_import,
                )
                for organisation_id in new
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
