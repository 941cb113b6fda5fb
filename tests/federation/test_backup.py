"""manage.py backup and restore: the data and the uploaded files come back, checked; bad cases stop cleanly."""

from __future__ import annotations

import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from branches.models import Branch, Organisation
from federation import backups
from tests.branches.factories import OrganisationFactory
from tests.conftest import need
from workflows.models import FormationRun, StepAttachment

# pg_dump and pg_restore read what is committed, in their own connections
committed = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Some tests commit: content types cached by earlier tests, inside rolled-back transactions, may be gone.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def pg_tools_found() -> bool:
    try:
        backups.pg_tool("pg_dump"), backups.pg_tool("pg_restore")
    except backups.BackupError:
        return False
    return True


def need_backup_tools() -> None:
    if connection.vendor == "postgresql":
        need(pg_tools_found(), "pg_dump and pg_restore (apt-get install postgresql-client)")


def back_up(tmp_path: Path) -> Path:
    out = io.StringIO()
    call_command("backup", output=tmp_path / "backups", stdout=out)
    (made,) = (tmp_path / "backups").iterdir()
    assert f"backup written to {made}" in out.getvalue()
    return made


def restore(directory: Path, **options) -> str:
    out = io.StringIO()
    call_command("restore", str(directory), yes=True, stdout=out, **options)
    return out.getvalue()


def pg_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@committed
def test_a_postgresql_backup_restores_into_an_empty_database_with_its_files(world, tmp_path):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    need_backup_tools()
    import psycopg

    attachment = StepAttachment.objects.get(pk=world["attachment"].pk)
    made = back_up(tmp_path)
    manifest = json.loads((made / "manifest.json").read_text())
    assert manifest["engine"] == "postgresql" and manifest["database"] == connection.settings_dict["NAME"]
    assert manifest["counts"]["branches.Organisation"] == Organisation.objects.count() == 2
    assert (
        manifest["migrations"]["workflows"] and manifest["media_files"] >= 2
    )  # the attachment, the register
    assert "--no-password" not in str(manifest) and "PASSWORD" not in str(manifest)

    # sx_conc_restore_… locally, sanxin_restore_… in CI: beside the test database, never one of the app's
    name = f"{connection.settings_dict['NAME'].removeprefix('test_')}_restore_{secrets.token_hex(4)}"
    admin = psycopg.connect(pg_url("postgres"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        printed = restore(made, database_url=pg_url(name), media_root=tmp_path / "restored")
        assert "every row count matches the backup" in printed
        with psycopg.connect(pg_url(name)) as restored:
            organisations = sorted(
                row[0] for row in restored.execute("SELECT name FROM branches_organisation")
            )
            branches = [row[0] for row in restored.execute("SELECT name FROM branches_branch")]
            runs = list(restored.execute("SELECT id, status FROM workflows_formationrun"))
            files = [row[0] for row in restored.execute("SELECT file FROM workflows_stepattachment")]
        assert organisations == sorted(Organisation.objects.values_list("name", flat=True))
        assert branches == list(Branch.objects.values_list("name", flat=True)) == ["测试商会妇联"]
        assert runs == list(FormationRun.objects.values_list("id", "status"))
        assert files == [attachment.file.name]
        assert (tmp_path / "restored" / attachment.file.name).read_bytes() == b"%PDF-1.4 test"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


SQLITE_DATA = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from tests.branches.factories import OrganisationFactory
OrganisationFactory(name="乌海市备份测试协会")
OrganisationFactory(name="乌海市备份测试商会")
default_storage.save("steps/盖章请示.pdf", ContentFile(b"%PDF-1.4 test"))
"""


def test_a_sqlite_backup_restores_into_a_new_file_with_its_files(tmp_path):
    # A laptop's set-up (SQLite, files under MEDIA_ROOT), in processes of its own whatever the tests' database.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL"}}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'app.sqlite3'}", MEDIA_ROOT=str(tmp_path / "media"))

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip

    for step in (
        ("migrate", "-v0"),
        ("load_divisions", "150300"),  # the installation's area
        ("shell", "-v0", "-c", SQLITE_DATA),
        ("backup", "--output", str(tmp_path / "b")),
    ):
        done = manage(*step)
        assert done.returncode == 0, done.stderr
    (made,) = (tmp_path / "b").iterdir()
    assert json.loads((made / "manifest.json").read_text())["engine"] == "sqlite"
    target = tmp_path / "restored.sqlite3"

    restored_run = manage("restore", str(made), "--database-url", f"sqlite:///{target}",
                          "--media-root", str(tmp_path / "restored"), "--yes")  # fmt: skip

    assert restored_run.returncode == 0, restored_run.stderr
    assert "every row count matches the backup" in restored_run.stdout
    restored = sqlite3.connect(target)
    try:
        organisations = sorted(row[0] for row in restored.execute("SELECT name FROM branches_organisation"))
    finally:
        restored.close()
    assert organisations == ["乌海市备份测试协会", "乌海市备份测试商会"]
    assert (tmp_path / "restored" / "steps" / "盖章请示.pdf").read_bytes() == b"%PDF-1.4 test"
    again = manage("restore", str(made), "--database-url", f"sqlite:///{target}",
                   "--media-root", str(tmp_path / "again"), "--yes")  # fmt: skip
    assert again.returncode != 0 and "is not empty" in again.stdout + again.stderr


# On SQLite the backup reads through the test's own connection, which must not hold a transaction open.
@pytest.mark.django_db(transaction=settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"))
def test_a_restore_refuses_a_database_with_data_and_a_damaged_backup(wuhai, tmp_path):
    need_backup_tools()
    made = back_up(tmp_path)
    OrganisationFactory(name="乌海市备份后新增协会")

    with pytest.raises(CommandError, match=r"is not empty \(it has \d+ tables\).*--force"):
        restore(made, media_root=tmp_path / "restored")
    assert Organisation.objects.filter(
        name="乌海市备份后新增协会"
    ).exists()  # the app's database is left alone
    assert not (tmp_path / "restored").exists()

    media = next(made.glob("media-*.tar.gz"))
    media.write_bytes(media.read_bytes() + b"x")
    with pytest.raises(CommandError, match=f"{media.name} does not match the checksum"):
        restore(made, database_url=f"sqlite:///{tmp_path / 'new.sqlite3'}")


def test_backup_errors_are_a_clear_message_and_a_failing_exit(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(CommandError, match="Cannot create the backup directory"):
        call_command("backup", output=blocker / "backups")

    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    monkeypatch.setattr(backups.glob, "glob", lambda pattern: [])
    with pytest.raises(backups.BackupError, match="pg_dump was not found"):
        backups.pg_tool("pg_dump")

    (tmp_path / "empty").mkdir()
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path / "empty"), "--yes"],
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "No backup in" in result.stderr and "Traceback" not in result.stderr
