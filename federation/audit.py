"""Logs that last: append-only, sealed into a hash chain, kept for their time, exportable.

The login, operation, personal-data and job logs are written once. Inside the app their rows cannot be changed
or removed (the models and their querysets refuse; on PostgreSQL a trigger refuses as well, whoever connects),
except by the maintenance below. Every minute `audit_seal` gives each new entry the next place in its log's
chain and a SHA-256 digest over the entry and the digest before it, so that a changed, removed or inserted
entry breaks the chain from there on: `manage.py audit_verify` names the first broken entry. Entries older than
AUDIT_RETENTION_DAYS (at least 180) are removed from the start of the chain by `audit_purge`, which records
what it removed; the chain then starts after the last removed entry. `manage.py audit_export` writes a log as
JSON lines, and with AUDIT_SYSLOG set each sealed entry also goes to a central syslog server.

A removed account or unit empties the entry's reference to it; the chain keeps the account's name, so the
digest does not depend on those references.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import logging.handlers
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .models import AuditAnchor, DisclosureLog, JobRun, LoginEvent, OperationLog
from .services import operation_label_register, operation_record

operation_label_register("audit.purge", gettext_lazy("removed log entries past their keeping time"))

BATCH = 2000


@dataclass(frozen=True)
class Log:
    name: str
    model: type[models.Model]
    time_field: str
    fields: tuple[str, ...]  # what the digest covers, in this order


LOGS: dict[str, Log] = {
    log.name: log
    for log in (
        Log("logins", LoginEvent, "at", ("id", "at", "username", "success", "ip", "user_agent")),
        Log(
            "operations",
            OperationLog,
            "at",
            ("id", "at", "actor_name", "action", "object_id", "object_repr", "changes", "reason", "ip"),
        ),
        Log(
            "disclosures",
            DisclosureLog,
            "at",
            ("id", "at", "user_name", "kind", "what", "object_id", "params", "row_count", "ip"),
        ),
        Log(
            "jobs",
            JobRun,
            "started_at",
            ("id", "name", "started_at", "finished_at", "status", "sent", "failed", "details", "error"),
        ),
    )
}

_maintenance: ContextVar[bool] = ContextVar("audit_maintenance", default=False)


def in_maintenance() -> bool:
    return _maintenance.get()


@contextmanager
def maintenance() -> Iterator[None]:
    """Let this block change or remove log rows (sealing, removing old entries), in one transaction."""
    token = _maintenance.set(True)
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('sanxin.audit_maintenance', 'on', true)")
            yield
    finally:
        _maintenance.reset(token)


def canonical(log: Log, row: dict[str, Any]) -> str:
    """The entry as its digest reads it: the chosen fields as JSON, keys sorted, times in UTC."""
    values = {}
    for name in log.fields:
        value = row[name]
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).isoformat()
        values[name] = value
    return json.dumps(
        values, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )


def digest_of(previous: str, text: str) -> str:
    return hashlib.sha256(f"{previous}\n{text}".encode()).hexdigest()


def _open_rows(log: Log) -> models.QuerySet:
    rows = log.model.objects.filter(seq__isnull=True)  # type: ignore[attr-defined]
    if log.model is JobRun:
        rows = rows.exclude(status=JobRun.Status.RUNNING)
    return rows


def seal(names: tuple[str, ...] | None = None) -> dict[str, int]:
    """Give every unsealed entry its place in its log's chain; returns how many were sealed per log."""
    sealed = {}
    for log in (LOGS[name] for name in names or tuple(LOGS)):
        count = 0
        while True:
            with maintenance():
                anchor = AuditAnchor.objects.select_for_update().get_or_create(log=log.name)[0]
                rows = list(_open_rows(log).order_by("id").values(*log.fields)[:BATCH])
                if not rows:
                    break
                seq, digest = anchor.sealed_seq, anchor.sealed_digest
                updates = []
                for row in rows:
                    seq += 1
                    text = canonical(log, row)
                    digest = digest_of(digest, text)
                    updates.append(log.model(pk=row["id"], seq=seq, digest=digest))
                    _ship(log, seq, digest, text)
                log.model.objects.bulk_update(updates, ["seq", "digest"], batch_size=500)  # type: ignore[attr-defined]
                anchor.sealed_seq, anchor.sealed_digest = seq, digest
                anchor.save(update_fields=["sealed_seq", "sealed_digest"])
                count += len(rows)
        sealed[log.name] = count
    return sealed


@dataclass(frozen=True)
class Break:
    log: str
    seq: int
    entry_id: int | None
    what: str  # "changed", "missing", "extra"

    def __str__(self) -> str:
        return f"{self.log}: entry #{self.seq} (id {self.entry_id}) {self.what}"


def verify(names: tuple[str, ...] | None = None) -> tuple[dict[str, int], list[Break]]:
    """Recompute each chain from its start: how many entries were checked per log, and the first break of each."""
    checked: dict[str, int] = {}
    breaks: list[Break] = []
    for log in (LOGS[name] for name in names or tuple(LOGS)):
        anchor = AuditAnchor.objects.filter(log=log.name).first() or AuditAnchor(log=log.name)
        expected_seq, digest = anchor.start_seq, anchor.start_digest
        count = 0
        broken = None
        rows = (
            log.model.objects.filter(seq__gt=anchor.start_seq)  # type: ignore[attr-defined]
            .order_by("seq")
            .values("seq", "digest", *log.fields)
        )
        for row in rows.iterator(chunk_size=BATCH):
            expected_seq += 1
            if row["seq"] != expected_seq:
                broken = Break(log.name, expected_seq, None, "missing")
                break
            digest = digest_of(digest, canonical(log, row))
            if digest != row["digest"]:
                broken = Break(log.name, row["seq"], row["id"], "changed")
                break
            count += 1
        if broken is None and expected_seq != anchor.sealed_seq:
            broken = Break(log.name, expected_seq + 1, None, "missing")
        if broken:
            breaks.append(broken)
        checked[log.name] = count
    return checked, breaks


def purge(*, today: dt.date | None = None) -> dict[str, int]:
    """Remove entries older than AUDIT_RETENTION_DAYS from the start of each chain (sealing what is new first),
    and record how many went."""
    seal()
    cutoff = timezone.now() - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    removed = {}
    for log in LOGS.values():
        with maintenance():
            anchor = AuditAnchor.objects.select_for_update().get_or_create(log=log.name)[0]
            sealed = log.model.objects.filter(seq__isnull=False)  # type: ignore[attr-defined]
            newer = (
                sealed.filter(**{f"{log.time_field}__gte": cutoff})
                .order_by("seq")
                .values_list("seq", flat=True)
            )
            first_kept = newer.first()
            last_removed = (first_kept - 1) if first_kept is not None else anchor.sealed_seq
            if last_removed <= anchor.start_seq:
                removed[log.name] = 0
                continue
            last = sealed.filter(seq=last_removed).values_list("digest", flat=True).first() or ""
            removed[log.name] = sealed.filter(seq__lte=last_removed).delete()[0]
            anchor.start_seq, anchor.start_digest = last_removed, last
            anchor.save(update_fields=["start_seq", "start_digest"])
    if any(removed.values()):
        operation_record(
            actor=None,
            action="audit.purge",
            changes={"removed": removed, "before": cutoff.isoformat(), "days": settings.AUDIT_RETENTION_DAYS},
        )
    return removed


def entries(log: Log, *, since: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
    """A log's entries as JSON-ready dicts (sealed ones with their place and digest), oldest first."""
    rows = log.model.objects.order_by("id")  # type: ignore[attr-defined]
    if since is not None:
        rows = rows.filter(**{f"{log.time_field}__gte": since})
    for row in rows.values("seq", "digest", *log.fields).iterator(chunk_size=BATCH):
        yield {"log": log.name, **json.loads(canonical(log, row)), "seq": row["seq"], "digest": row["digest"]}


_syslog: logging.Logger | None = None


def _ship(log: Log, seq: int, digest: str, text: str) -> None:
    """Send a sealed entry to the central syslog server, when AUDIT_SYSLOG names one."""
    global _syslog
    address = settings.AUDIT_SYSLOG
    if not address:
        return
    if _syslog is None or getattr(_syslog, "address", None) != address:
        host, _, port = address.rpartition(":")
        handler = logging.handlers.SysLogHandler(address=(host or "127.0.0.1", int(port or 514)))
        handler.setFormatter(logging.Formatter("sanxin-audit: %(message)s"))
        _syslog = logging.getLogger("sanxin.audit.syslog")
        _syslog.handlers = [handler]
        _syslog.propagate = False
        _syslog.setLevel(logging.INFO)
        _syslog.address = address  # type: ignore[attr-defined]
    _syslog.info(
        json.dumps(
            {"log": log.name, "seq": seq, "digest": digest, "entry": json.loads(text)}, ensure_ascii=False
        )
    )


# PostgreSQL refuses a change or removal of a log row outside the maintenance above, whoever connects; a removed
# account or unit may still empty the reference to it, and a running job may still be completed.
APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION sanxin_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k text;
  new_row jsonb;
  old_row jsonb;
BEGIN
  IF coalesce(current_setting('sanxin.audit_maintenance', true), '') = 'on' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    old_row := to_jsonb(OLD);
    new_row := to_jsonb(NEW);
    IF TG_TABLE_NAME = 'federation_jobrun' AND old_row->>'status' = 'running' THEN RETURN NEW; END IF;
    IF TG_NARGS > 0 THEN
      FOREACH k IN ARRAY TG_ARGV LOOP
        IF new_row->k <> 'null'::jsonb AND new_row->k IS DISTINCT FROM old_row->k THEN
          RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END IF;
        new_row := new_row - k;
        old_row := old_row - k;
      END LOOP;
    END IF;
    IF new_row = old_row THEN RETURN NEW; END IF;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
"""
APPEND_ONLY_TABLES = {
    "federation_loginevent": ("user_id",),
    "federation_operationlog": ("actor_id", "unit_id", "content_type_id"),
    "federation_disclosurelog": ("user_id", "unit_id", "content_type_id"),
    "federation_jobrun": (),
}


def append_only_install(schema_editor: Any) -> None:
    """Create the PostgreSQL function and a trigger on each log table (nothing on SQLite)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(APPEND_ONLY_SQL, params=None)  # its RAISE holds a literal %
    for table, references in APPEND_ONLY_TABLES.items():
        arguments = ", ".join(f"'{name}'" for name in references)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS sanxin_append_only ON {table}")
        schema_editor.execute(
            f"CREATE TRIGGER sanxin_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION sanxin_audit_append_only({arguments})"
        )


def append_only_remove(schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS sanxin_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS sanxin_audit_append_only()")
