"""Backups: the database and the uploaded files, with a manifest to check a restore against.

A backup is one directory, ``backup-YYYYmmdd-HHMMSS``, holding the database (``pg_dump -Fc`` on PostgreSQL, a
copy through SQLite's online backup API on SQLite), a tar.gz of MEDIA_ROOT and ``manifest.json``: when, which
database, the app's version and migrations, the row counts of the key tables and the sha256 of each file. It
is written under a ``.partial`` name and renamed when complete, so a failed run never looks like a backup.

A restore checks every checksum first, writes only into an empty database (unless forced), then counts the
key tables again and compares them with the manifest. Passwords travel in PGPASSWORD, never on a command line.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

MANIFEST = "manifest.json"
FORMAT = 1
# The tables whose row counts are recorded and compared after a restore (model labels).
KEY_MODELS = [
    "federation.User",
    "federation.FederationUnit",
    "branches.Organisation",
    "branches.Branch",
    "branches.Liaison",
    "branches.ContactLog",
    "branches.RegisterImport",
    "workflows.FormationRun",
    "workflows.StepEntry",
    "workflows.StepAttachment",
    "answers.Question",
    "federation.Notification",
    "federation.OperationLog",
]


class BackupError(Exception):
    """A backup or restore that cannot go on, for a reason the operator can act on; the message says which."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Outcome:
    """What a backup or a restore did: where, how long each part took, the counts compared."""

    path: Path
    manifest: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # label → (manifest, restored)


# --- helpers -------------------------------------------------------------------------------------------


def _engine(db: dict) -> str:
    engine = db.get("ENGINE", "")
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise BackupError(f"Backups support PostgreSQL and SQLite only, not {engine or 'an unknown engine'}.")


def _tables() -> dict[str, str]:
    from django.apps import apps

    return {label: apps.get_model(label)._meta.db_table for label in KEY_MODELS}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _app_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return ""


def pg_tool(name: str) -> str:
    """The path of pg_dump or pg_restore: on PATH, else the newest in Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdecimal() else 0,
    )
    if versions:
        return versions[-1]
    raise BackupError(
        f"{name} was not found. Install the PostgreSQL client (apt-get install postgresql-client)."
    )


def _pg_env(db: dict) -> dict[str, str]:
    """The connection for pg_dump/pg_restore as libpq variables: the password never shows in a process list."""
    env = {**os.environ}
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    if (db.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    return env


def _run(command: list[str], *, env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as error:
        raise BackupError(f"{what} could not be started: {error}") from error
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or f'exit status {result.returncode}'}")


def _psycopg_connect(db: dict):
    import psycopg

    params = {"dbname": db["NAME"], "connect_timeout": 5}
    for key, name in (("HOST", "host"), ("PORT", "port"), ("USER", "user"), ("PASSWORD", "password")):
        if db.get(key):
            params[name] = db[key]
    try:
        return psycopg.connect(**params, autocommit=True)
    except psycopg.Error as error:
        raise BackupError(f"Cannot connect to the database {db['NAME']!r}: {str(error).strip()}") from error


def _counts(cursor, tables: dict[str, str], *, engine: str) -> dict[str, int | None]:
    """Rows per key table (None for a table the database does not have)."""
    if engine == "postgresql":
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    else:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    present = {row[0] for row in cursor.fetchall()}
    counts: dict[str, int | None] = {}
    for label, table in tables.items():
        counts[label] = None
        if table in present:
            cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # table names from our models
            counts[label] = cursor.fetchone()[0]
    return counts


def _migrations(cursor) -> dict[str, str]:
    """The last applied migration of each app (names are numbered, so the greatest is the head)."""
    cursor.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app ORDER BY app")
    return dict(cursor.fetchall())


def _pg_dump(db: dict, path: Path, tables: dict[str, str]) -> tuple[dict, dict]:
    """pg_dump -Fc into `path`; the key tables are counted in the very snapshot it dumps, so that a restore
    can be checked against them while the app keeps writing."""
    from psycopg import IsolationLevel

    pg_dump = pg_tool("pg_dump")
    with _psycopg_connect(db) as snapshot:
        snapshot.isolation_level = IsolationLevel.REPEATABLE_READ
        snapshot.read_only = True
        with snapshot.transaction(), snapshot.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            exported = cursor.fetchone()[0]
            counts = _counts(cursor, tables, engine="postgresql")
            migrations = _migrations(cursor)
            _run(
                [pg_dump, "--format=custom", "--no-owner", "--no-privileges", "--snapshot", exported,
                 "--file", str(path), "--dbname", db["NAME"]],
                env=_pg_env(db), what="pg_dump",
            )  # fmt: skip
    return counts, migrations


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- backup --------------------------------------------------------------------------------------------


def backup_create(*, output: Path, alias: str = "default", media_root: Path | None = None) -> Outcome:
    """Write a backup of the database and the uploaded files into a new directory under `output`."""
    connection = connections[alias]
    db = connection.settings_dict
    engine = _engine(db)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            f"Cannot create the backup directory {output}: {error.strerror or error}"
        ) from error
    if not os.access(output, os.W_OK | os.X_OK):
        raise BackupError(f"The backup directory {output} is not writable.")
    now = timezone.localtime()
    stamp = now.strftime("%Y%m%d-%H%M%S")
    name, n = f"backup-{stamp}", 1
    while (output / name).exists():
        n += 1
        name = f"backup-{stamp}-{n}"
    partial = output / f"{name}.partial"
    partial.mkdir()
    seconds: dict[str, float] = {}
    try:
        tables = _tables()
        started = time.monotonic()
        if engine == "postgresql":
            database_file = partial / f"database-{stamp}.dump"
            counts, migrations = _pg_dump(db, database_file, tables)
        else:
            database_file = partial / f"database-{stamp}.sqlite3"
            connection.ensure_connection()
            try:
                copy = sqlite3.connect(database_file)
                try:
                    connection.connection.backup(copy)  # a consistent copy even while the app writes
                    counts = _counts(copy.cursor(), tables, engine="sqlite")  # counted in the copy itself
                    migrations = _migrations(copy.cursor())
                finally:
                    copy.close()
            except sqlite3.Error as error:
                raise BackupError(f"The SQLite backup failed: {error}") from error
        seconds["database"] = time.monotonic() - started
        started = time.monotonic()
        media_file = partial / f"media-{stamp}.tar.gz"
        media_count = 0
        with tarfile.open(media_file, "w:gz") as archive:
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file():
                        archive.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                        media_count += 1
        seconds["media"] = time.monotonic() - started
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "engine": engine,
            "database": db["NAME"] if engine == "postgresql" else Path(str(db["NAME"])).name,
            "app_version": _app_version(),
            "migrations": migrations,
            "counts": counts,
            "media_files": media_count,
            "files": {
                kind: {"name": path.name, "size": path.stat().st_size, "sha256": _sha256(path)}
                for kind, path in (("database", database_file), ("media", media_file))
            },
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        final = output / name
        partial.rename(final)
    except BaseException as error:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(error, OSError):  # a full disk, a file that vanished under MEDIA_ROOT …
            raise BackupError(f"The backup could not be written in {output}: {error}") from error
        raise
    return Outcome(path=final, manifest=manifest, seconds=seconds)


# --- restore -------------------------------------------------------------------------------------------


def backup_find(path: Path) -> Path:
    """The backup directory: `path` itself, or the newest complete backup inside it."""
    if (path / MANIFEST).is_file():
        return path
    if not path.is_dir():
        raise BackupError(f"{path} is not a directory.")
    found = sorted(
        p.parent for p in path.glob(f"backup-*/{MANIFEST}") if not p.parent.name.endswith(".partial")
    )
    if not found:
        raise BackupError(f"No backup in {path}: a backup directory holds {MANIFEST}.")
    return found[-1]


def backup_verify(path: Path) -> dict[str, Any]:
    """Read the manifest and check every file against its checksum; returns the manifest."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(f"The manifest {path / MANIFEST} cannot be read: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"This backup has format {manifest.get('format')!r}; this version reads format {FORMAT}."
        )
    for entry in files.values():
        file = path / entry["name"]
        if not file.is_file():
            raise BackupError(f"{file} is missing from the backup.")
        if _sha256(file) != entry["sha256"]:
            raise BackupError(
                f"{file.name} does not match the checksum in the manifest: the backup is damaged or was changed."
            )
    return manifest


def _target_tables(db: dict, engine: str) -> int:
    """How many tables the target database holds already (0: empty)."""
    if engine == "postgresql":
        with _psycopg_connect(db) as target:
            return target.execute(
                "SELECT COUNT(*) FROM information_schema.tables"
                " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            ).fetchone()[0]
    name = str(db["NAME"])
    if not name.startswith("file:") and not Path(name).exists():
        return 0
    try:
        target = sqlite3.connect(name, uri=name.startswith("file:"))
        try:
            return target.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        finally:
            target.close()
    except sqlite3.Error as error:
        raise BackupError(f"Cannot open the SQLite database {name}: {error}") from error


def backup_restore(*, path: Path, db: dict, media_root: Path, force: bool = False) -> Outcome:
    """Restore a backup into an empty database (any database with `force`) and its files into `media_root`;
    the key tables are counted again and compared with the manifest."""
    path = backup_find(path)
    started = time.monotonic()
    manifest = backup_verify(path)
    seconds = {"verify": time.monotonic() - started}
    engine = _engine(db)
    if engine != manifest.get("engine"):
        raise BackupError(f"This is a {manifest.get('engine')} backup; the target database is {engine}.")
    existing = _target_tables(db, engine)
    if existing and not force:
        raise BackupError(
            f"The target database {db['NAME']!r} is not empty (it has {existing} tables). Restore into a new, "
            "empty database (createdb NAME, then --database-url), or pass --force to replace its contents."
        )
    database_file = path / manifest["files"]["database"]["name"]
    started = time.monotonic()
    if engine == "postgresql":
        command = [
            pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
        ]
        if existing:
            command += ["--clean", "--if-exists"]
        _run([*command, "--dbname", db["NAME"], str(database_file)], env=_pg_env(db), what="pg_restore")
    else:
        name = str(db["NAME"])
        try:
            source, target = (
                sqlite3.connect(database_file),
                sqlite3.connect(name, uri=name.startswith("file:")),
            )
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        except sqlite3.Error as error:
            raise BackupError(f"The database could not be restored into {name}: {error}") from error
    seconds["database"] = time.monotonic() - started
    started = time.monotonic()
    try:
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(path / manifest["files"]["media"]["name"], "r:gz") as archive:
            archive.extractall(media_root, filter="data")  # no absolute paths, no "..", no devices
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"The uploaded files could not be restored into {media_root}: {error}") from error
    seconds["media"] = time.monotonic() - started
    tables = _tables()
    if engine == "postgresql":
        with _psycopg_connect(db) as target, target.cursor() as cursor:
            restored = _counts(cursor, tables, engine=engine)
    else:
        target = sqlite3.connect(str(db["NAME"]), uri=str(db["NAME"]).startswith("file:"))
        try:
            restored = _counts(target.cursor(), tables, engine=engine)
        finally:
            target.close()
    counts = {label: (manifest["counts"].get(label), restored.get(label)) for label in tables}
    return Outcome(path=path, manifest=manifest, seconds=seconds, counts=counts)


def database_from_url(url: str) -> dict:
    """A DATABASES entry from a postgres:// or sqlite:/// URL."""
    import environ

    try:
        db = environ.Env.db_url_config(url)
    except Exception as error:  # django-environ raises several types for a malformed URL
        raise BackupError(f"--database-url is not a valid database URL: {error}") from error
    _engine(db)
    return db
