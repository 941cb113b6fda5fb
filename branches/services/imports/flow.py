"""The import's steps: upload, map the columns, preview, apply or discard; and the one-call run."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import Any

import psycopg
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.errors import LedgerError
from branches.models import Category, RegisterImport, RegisterSource, SanxinField
from branches.registers import FIELD_ALIASES, RegisterError, RegisterTable
from branches.services.follow import organisations_moved
from branches.services.imports.background import Background, Cursor
from branches.services.imports.classify import _Classifier
from branches.services.imports.files import (
    _read,
    _stored_limit,
    _stored_table,
    _table_info,
    upload_limit_bytes,
)
from branches.services.imports.rows import _Plan
from branches.services.imports.texts import APPLIED_STATUSES
from branches.services.imports.write import _write, _write_presences, _writer
from federation import access
from federation.models import Region, User
from federation.services import operation_label_register, operation_record
from jobs.context import progress, speedups

operation_label_register("register.import", gettext_lazy("imported a register"))
operation_label_register("register.discard", gettext_lazy("discarded a register import"))


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
        # Rows written with a value left out: the error report lists them after the rows not written.
        "applied_warnings": sum(1 for row in plan.rows if row.warnings and row.status in APPLIED_STATUSES),
        "rows": [row.compact() for row in plan.rows],
        "not_in_latest": plan.absent_names,
    }
    if same_file is not None:
        summary["same_file"] = {
            "id": same_file.pk,
            "at": same_file.applied_at.isoformat() if same_file.applied_at else "",
        }
    return summary


def _with_notes(summary: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    """The new summary, keeping what the upload noted about the file (the columns matched from memory)."""
    remembered = ((before or {}).get("table") or {}).get("remembered")
    if remembered:
        summary["table"]["remembered"] = remembered
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
        scope_root=_scope_root(register_import.uploaded_by),
        source_id=register_import.source_id,
        defaults=register_import.defaults,
    )
    plan = classifier.plan(table)
    register_import.summary = _with_notes(
        _summary(plan, table, same_file=_same_file(register_import)), register_import.summary
    )
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


def _remembered(source_name: str) -> dict[str, str]:
    """How people matched the columns of this register's earlier files (offered to this one)."""
    source = RegisterSource.objects.filter(name=" ".join(source_name.split())[:100]).only("mapping").first()
    return dict(source.mapping) if source is not None else {}


def _remember(source: RegisterSource, mapping: dict[str, str]) -> None:
    """Keep how a person matched columns for the register's next files (under the register's lock)."""
    source = RegisterSource.objects.select_for_update().get(pk=source.pk)
    source.mapping = {**source.mapping, **mapping}
    source.save(update_fields=["mapping"])


def _defaults(by: User, defaults: dict[str, Any] | None) -> dict[str, Any]:
    """The file's defaults as kept: a field of the list, a district of the user's area, existing categories."""
    defaults = defaults or {}
    kept: dict[str, Any] = {}
    if defaults.get("field"):
        if defaults["field"] not in SanxinField.values:
            raise LedgerError(_("Choose a field from the list."))
        kept["field"] = defaults["field"]
    if defaults.get("district"):
        district = Region.objects.filter(pk=defaults["district"], level=Region.Level.DISTRICT).first()
        if district is None or not access.in_region_scope(by, district):
            raise LedgerError(_("Choose a district of your area."))
        kept["district"] = district.pk
    if defaults.get("categories"):
        kept["categories"] = sorted(
            Category.objects.filter(pk__in=defaults["categories"]).values_list("pk", flat=True)
        )
    return kept


@contextmanager
def _new_import(
    *,
    by: User,
    data: bytes,
    file_name: str,
    source: RegisterSource,
    info: dict[str, Any],
    defaults: dict[str, Any] | None = None,
) -> Iterator[RegisterImport]:
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
        defaults=defaults or {},
        summary={"table": info},
    )
    try:
        yield register_import
    except BaseException:
        register_import.file.storage.delete(register_import.file.name)
        raise


def register_import_upload(
    *, by: User, data: bytes, file_name: str, source_name: str, defaults: dict[str, Any] | None = None
) -> RegisterImport:
    """Keep an uploaded register and preview it (or wait for its unknown columns to be mapped, or for the
    uploader to point at its header row when none was found).

    ``defaults`` (field, district id, category ids) are what a row that does not say takes. The columns are
    matched as people matched them for this register's earlier files. A file that cannot be read raises
    RegisterError and nothing is stored.
    """
    access.require(by, "ledger.import")
    defaults = _defaults(by, defaults)
    remembered = _remembered(source_name)
    try:
        table = _read(data, file_name, remembered, max_bytes=upload_limit_bytes())
    except RegisterError as error:
        if error.code != "no_header" or not error.head:
            raise
        table = None  # kept all the same: the uploader points at the header row and says what columns hold
    if table is not None:
        _check_columns(table)
        info = _table_info(table)
        info["remembered"] = [header for header in table.mapping if header in remembered]
    else:
        info = {**_NO_TABLE, "needs_header": True}
    with transaction.atomic():
        source = _source(source_name)
        with _new_import(
            by=by, data=data, file_name=file_name, source=source, info=info, defaults=defaults
        ) as new:
            if remembered:
                new.mapping = remembered
                new.save(update_fields=["mapping"])
            if table is not None and not table.unknown_headers:
                _preview(new, table)
    return new


_NO_TABLE = {"headers": [], "mapping": {}, "unknown": [], "missing": [], "rows": 0, "skipped": 0}


def register_import_header(
    *, register_import: RegisterImport, by: User, header_row: int, columns: dict[int, str]
) -> RegisterImport:
    """Say which row of the file holds the headers and what each column holds (column index → ledger column,
    "" to leave it out), then preview the rows; the register remembers the matching for its next files."""
    access.require(by, "ledger.import")
    for key in columns.values():
        if key and key not in FIELD_ALIASES:
            raise LedgerError(_("Choose a ledger column from the list."))
    chosen = [key for key in columns.values() if key]
    if "name" not in chosen:
        raise LedgerError(_("Choose which column holds the unit name."))
    if len(chosen) != len(set(chosen)):
        raise LedgerError(_("Each ledger column can be read from one column of the file only."))
    with transaction.atomic():
        register_import = RegisterImport.objects.select_for_update().get(pk=register_import.pk)
        if register_import.status != RegisterImport.Status.UPLOADED:
            raise LedgerError(_("This import is finished; its columns can no longer be changed."))
        register_import.header_row, register_import.mapping = header_row, {}
        headers = _stored_table(
            register_import
        ).headers  # the row's texts, blank ones named after their column
        register_import.mapping = {header: columns.get(index, "") for index, header in enumerate(headers)}
        register_import.save(update_fields=["header_row", "mapping"])
        _remember(register_import.source, register_import.mapping)
        table = _stored_table(register_import)
        register_import.summary = {**(register_import.summary or {}), "table": _table_info(table)}
        return _preview(register_import, table)


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
        _remember(register_import.source, mapping)
        table = _stored_table(register_import)
        if "name" not in table.mapping.values():
            raise LedgerError(_("Choose which column holds the unit name."))
        return _preview(register_import, table)


# Any number 0 < n < 2**63 that no other advisory lock of the app uses.
_IMPORT_LOCK = 0x5A4E_1A7E


def _one_at_a_time() -> None:
    """Applied imports are written one after another (PostgreSQL: a lock held until the transaction ends).

    Registers of different departments name the same organisations, often without a credit code that a unique
    index could guard: two imports classifying at once would both find an organisation new and add it twice.
    The second waits here, then classifies against the ledger the first has written. Imports are rare and take
    seconds; SQLite writes one transaction at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])


def register_import_apply(*, register_import: RegisterImport, by: User) -> dict[str, int]:
    """Write a previewed import into the ledger, all or nothing; the rows are classified again first."""
    access.require(by, "ledger.import")
    try:
        with transaction.atomic():
            _one_at_a_time()
            # Lock the import, then its register: a second apply, or another import of the same register,
            # waits here and then finds the import applied or the ledger already changed.
            register_import = RegisterImport.objects.select_for_update().get(pk=register_import.pk)
            source = RegisterSource.objects.select_for_update().get(pk=register_import.source_id)
            if register_import.status != RegisterImport.Status.PREVIEWED:
                raise LedgerError(_status_refusal(register_import))
            table = _stored_table(register_import, stream=True)
            classifier = _Classifier(
                scope_root=_scope_root(register_import.uploaded_by),
                source_id=source.pk,
                defaults=register_import.defaults,
            )
            try:
                return _apply(register_import, table, classifier, by=by, source=source)
            except RegisterError as error:  # the stored file's rows, read as they are classified
                raise LedgerError(error.message) from error
    except (IntegrityError, connection.Database.IntegrityError) as error:  # type: ignore[attr-defined]  # every backend has Database; COPY raises the driver's own errors
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
    register_import: RegisterImport,
    table: RegisterTable,
    classifier: _Classifier,
    *,
    by: User,
    source: RegisterSource,
) -> dict[str, int]:
    """Classify the rows and write them: on PostgreSQL batch by batch while the next rows are read."""
    with Background() as background:
        writer = _writer(background=background, by=by, source=source, register_import=register_import)
        plan = classifier.plan(table, background=background, writer=writer)
        if writer is not None:
            writer.finish()
        else:
            progress().update(phase="writing")
            _write(
                plan, by=by, source=source, register_import=register_import, regions=classifier.places.by_id
            )
        # Made while the database writes the last batches, and stored after them.
        register_import.summary = _with_notes(_summary(plan, table), register_import.summary)
        _save_summary(register_import, background)
    _write_presences(plan, source=source, register_import=register_import)
    # Records the register places elsewhere take along what keeps a copy of their place (on PostgreSQL too,
    # where the writer has moved them with COPY and UPDATE: this runs once every batch is written).
    organisations_moved(
        ids=[row.target for row, changed in plan.updates if "region" in changed and row.target is not None],
        by=by,
        reason=_("Register import #%(id)s: %(source)s") % {"id": register_import.pk, "source": source.name},
    )
    counts = plan.counts()
    register_import.status = RegisterImport.Status.APPLIED
    register_import.applied_at = timezone.now()
    register_import.applied_by = by
    register_import.save(update_fields=["status", "applied_at", "applied_by"])
    operation_record(actor=by, action="register.import", obj=register_import, changes=counts)
    return counts


def _save_summary(register_import: RegisterImport, background: Background) -> None:
    """Store a summary of tens of thousands of rows. On PostgreSQL it goes as one JSON text bound on the
    server (a background job): quoting megabytes into the statement, as the app's cursors do, takes longer
    than the server takes to parse them."""
    if connection.vendor != "postgresql":
        register_import.save(update_fields=["summary"])
        return
    statement = "UPDATE {} SET {} = %s::jsonb WHERE id = %s".format(
        connection.ops.quote_name(RegisterImport._meta.db_table), connection.ops.quote_name("summary")
    )
    text = json.dumps(register_import.summary, ensure_ascii=False, separators=(",", ":"))

    def job(cursor: Cursor) -> None:
        with psycopg.Cursor(cursor.connection) as bound:
            bound.execute(statement, [text, register_import.pk])

    background.run(job)


def register_import_discard(*, register_import: RegisterImport, by: User) -> RegisterImport:
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
        operation_record(actor=by, action="register.discard", obj=register_import)
        if stored:
            transaction.on_commit(lambda: storage.delete(stored))
    return register_import


def register_import_run(**kwargs: Any) -> dict[str, int]:
    """Read, classify and (unless dry_run) apply a register in one go; returns the counts. For the
    import_register command and the benchmark, which are not web processes: the import may change process-wide
    settings for speed, as a job in the worker does (see jobs.context)."""
    with speedups():
        return _register_import_run(**kwargs)


def _register_import_run(
    *,
    by: User,
    data: bytes,
    file_name: str,
    source_name: str,
    dry_run: bool,
    defaults: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Columns the reader does not know are left out. A dry run writes nothing at all, not even the import."""
    access.require(by, "ledger.import")
    defaults = _defaults(by, defaults)
    table = _read(data, file_name, _remembered(source_name), max_bytes=_stored_limit(), stream=True)
    _check_columns(table, strict=True)
    if dry_run:
        source = RegisterSource.objects.filter(name=" ".join(source_name.split())).first()
        classifier = _Classifier(
            scope_root=_scope_root(by), source_id=source.pk if source else None, defaults=defaults
        )
        return classifier.plan(table).counts()
    with transaction.atomic():
        _one_at_a_time()
        source = RegisterSource.objects.select_for_update().get(pk=_source(source_name).pk)
        classifier = _Classifier(scope_root=_scope_root(by), source_id=source.pk, defaults=defaults)
        with _new_import(
            by=by, data=data, file_name=file_name, source=source, info=_table_info(table), defaults=defaults
        ) as new:
            return _apply(new, table, classifier, by=by, source=source)
