"""A fresh installation holds no one's area or people: its migrations leave the divisions empty, its own area is
loaded with load_divisions (the demo loads Wuhai that way), and until then its pages answer without an error."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from federation.models import FederationUnit, Region, User

ROOT = Path(__file__).resolve().parents[2]


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_migrations_load_no_area_and_load_divisions_brings_the_installations_own(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "1",
        "VAR_DIR": str(tmp_path),
    }
    manage(env, "migrate", "--noinput", "-v0")
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM federation_region").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM federation_federationunit").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM federation_user").fetchone() == (0,)
        # the option lists an installation reviews come with it (they are no one's data)
        assert db.execute("SELECT count(*) FROM branches_category").fetchone()[0] > 0

    manage(env, "load_divisions", "150200")  # 包头市
    with sqlite3.connect(database) as db:
        names = {name for (name,) in db.execute("SELECT name FROM federation_region WHERE level='district'")}
        assert "昆都仑区" in names and not any("乌海" in name for name in names)
        assert db.execute(
            "SELECT count(*) FROM federation_federationunit WHERE name='包头市妇联'"
        ).fetchone() == (1,)


@pytest.mark.django_db
def test_before_any_area_is_loaded_the_first_administrators_pages_answer(client):
    while FederationUnit.objects.exists():  # leaves first: a unit protects its parent
        FederationUnit.objects.filter(children__isnull=True).delete()
    while Region.objects.exists():
        Region.objects.filter(children__isnull=True).delete()
    admin = User.objects.create_superuser("first_admin", "first@example.org", "Kq7#first-admin-2026")
    client.force_login(admin)
    for name in [
        "federation:staff_home",
        "branches:organisation_list",
        "branches:organisation_create",
        "branches:import_list",
        "branches:import_upload",
        "branches:reminder_upcoming",
        "branches:contact_overdue",
        "coverage:dashboard",
        "coverage:report",
        "jobs:list",
        "workflows:run_list",
    ]:
        assert client.get(reverse(name)).status_code == 200, name
