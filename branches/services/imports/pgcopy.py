"""The import written on PostgreSQL, batch after batch as classification settles them: new records through
COPY (their text made here), updates through one UPDATE per batch from a COPYed scratch table, and the history
rows copied from the written rows by the database (see branches.services.imports.write)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any, cast

from django.conf import settings
from django.db import connection, models

from branches.models import Organisation
from branches.services.imports.background import Background, Cursor
from branches.services.imports.classify import LOOKUP_BATCH
from branches.services.imports.rows import _Row
from branches.services.imports.texts import DIGESTS, IMPORTED_FIELDS, organisation_field
from branches.services.organisations import district_of, organisation_derive
from federation.fieldcrypt import EncryptedCharField
from federation.models import Region, User


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
        digests = {name: at[field.attname] for name, field in DIGESTS.items()}
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
                        value[index] = _copy_text(
                            _SEALERS[name](data[name]) if name in _SEALERS else data[name]
                        )
                    if name in digests:
                        value[digests[name]] = DIGESTS[name].for_value(data[name])
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
                    if name in DIGESTS:
                        columns[DIGESTS[name].column] = None
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
                        plain = row.values[name]
                        value[at[name]] = _SEALERS[name](plain) if name in _SEALERS else plain
                        if name in DIGESTS:
                            value[at[DIGESTS[name].column]] = DIGESTS[name].for_value(plain)
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


# Imported fields stored encrypted → what turns a plain value into the stored one (COPY bypasses the ORM).
_SEALERS: dict[str, Callable[[Any], Any]] = {
    name: field.sealed
    for name in IMPORTED_FIELDS
    if isinstance(field := organisation_field(name), EncryptedCharField)
}


def _copy_value(field: models.Field, value: Any) -> Any:
    """A model default as COPY takes it."""
    if field.get_internal_type() == "JSONField":
        return json.dumps(value)
    if isinstance(value, str):
        return str(value)  # a TextChoices member
    return value


def _categories_history_model() -> type[models.Model]:
    from simple_history.models import HistoricalRecords

    return HistoricalRecords.m2m_models[Organisation._meta.get_field("categories")]
