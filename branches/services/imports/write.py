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
from operator import attrgetter, itemgetter
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Organisation, RegisterImport, RegisterPresence, RegisterSource
from branches.services.imports.background import Background
from branches.services.imports.lookups import ID_CHUNK, _in_chunks
from branches.services.imports.pgcopy import _categories_history_model, _Copy, _copy_bytes, _copy_payload
from branches.services.imports.rows import _Plan
from branches.services.imports.texts import APPLIED_STATUSES, DIGESTS, IMPORTED_FIELDS, organisation_field
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


# Elsewhere (SQLite): Django's bulk operations, once every row is classified.


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
                if name in DIGESTS:  # bulk writes skip save(): the digest is set with its field
                    digest = DIGESTS[name]
                    setattr(organisation, digest.attname, digest.for_value(row.values[name]))
                    written.add(digest.attname)
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
