"""manage.py benchmark: one run measures every page, the import and the sweep; the floor page stays private."""

import importlib.util
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import Resolver404, resolve

from benchmarks.ledger import IMPORT_KEYS, NAME_PREFIX, USER_PREFIX
from benchmarks.run import FIGURE_KEYS, PAGES
from branches.models import Organisation
from federation.models import Notification, Reminder, User
from tests.conftest import need
from workflows.models import FormationRun

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--scale", "300", "--rows", "500", "--repeat", "2"]


def _root_urlconf(monkeypatch, value: str | None) -> str:
    """The ROOT_URLCONF that federation/settings.py computes with BENCHMARK_URLS set to `value` (None: unset)."""
    if value is None:
        monkeypatch.delenv("BENCHMARK_URLS", raising=False)
    else:
        monkeypatch.setenv("BENCHMARK_URLS", value)
    spec = importlib.util.spec_from_file_location("settings_probe", ROOT / "federation" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ROOT_URLCONF


def test_the_floor_page_is_served_only_when_the_load_test_turns_it_on(monkeypatch):
    assert _root_urlconf(monkeypatch, None) == "federation.urls"
    assert _root_urlconf(monkeypatch, "0") == "federation.urls"
    assert _root_urlconf(monkeypatch, "1") == "benchmarks.urls"
    with pytest.raises(Resolver404):
        resolve("/benchmark/floor/", urlconf="federation.urls")
    assert resolve("/benchmark/floor/", urlconf="benchmarks.urls").url_name == "benchmark_floor"


@pytest.mark.django_db
def test_it_refuses_anything_but_postgresql(monkeypatch):
    monkeypatch.setattr(
        "benchmarks.management.commands.benchmark.connection", SimpleNamespace(vendor="sqlite")
    )
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("benchmark", *TINY, stdout=io.StringIO())


@pytest.mark.django_db
def test_it_refuses_a_database_with_people_it_did_not_make(wuhai):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    User.objects.create(username="someone", kind=User.Kind.STAFF, role=User.Role.OFFICER)
    with pytest.raises(CommandError, match="did not make"):
        call_command("benchmark", *TINY, stdout=io.StringIO())
    assert not Organisation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_tiny_run_prints_every_figure_writes_the_json_and_reuses_its_data(wuhai, tmp_path):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    path = tmp_path / "benchmark.json"
    out = io.StringIO()
    call_command("benchmark", *TINY, "--json", str(path), stdout=out)

    text = out.getvalue()
    for label in [page.label for page in PAGES] + ["coverage dashboard (cache miss)", "reminder sweep"]:
        assert label in text
    assert "import end to end" in text and "raw COPY of the parsed rows" in text and "generation:" in text
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data["figures"]) == FIGURE_KEYS
    for key, figure in data["figures"].items():
        assert figure["status"] == 200, (key, figure["error"])
        assert figure["median_ms"] > 0 and figure["p95_ms"] >= figure["median_ms"] and figure["queries"] > 0
        assert figure["ratio"] > 0
    assert data["figures"]["floor"]["ratio"] == 1.0
    assert set(IMPORT_KEYS) <= set(data["import"])
    run = data["import"]["import_run"]
    assert "error" not in run, run.get("error")
    assert run["rows"] == 500 and run["rows_per_second"] > 0 and "peak_memory_mb" in run
    assert data["import"]["import_copy"]["rows"] == 500
    assert data["sweep"]["first"]["sent"] > 0 and data["sweep"]["second"]["sent"] == 0
    generation = data["generation"]
    assert generation["reused"] is False and generation["organisations"]["organisations"] == 300
    assert generation["formation_runs"]["seconds"] >= 0 and generation["seconds"] > 0

    # What the import created and what the sweep sent are undone: the next run finds the same ledger and day.
    assert Organisation.objects.count() == 300 and FormationRun.objects.exists()
    assert not Reminder.objects.exists() and not Notification.objects.exists()
    out = io.StringIO()
    call_command("benchmark", *TINY, "--reuse", "--repeat", "1", stdout=out)
    assert "reused the data already there" in out.getvalue()
    assert Organisation.objects.count() == 300

    with pytest.raises(CommandError, match="--reuse"):
        call_command("benchmark", *TINY, stdout=io.StringIO())
    call_command("benchmark", "--clean", stdout=io.StringIO())
    assert not Organisation.objects.filter(name__startswith=NAME_PREFIX).exists()
    assert not User.objects.filter(username__startswith=USER_PREFIX).exists()
    assert not FormationRun.objects.exists()
