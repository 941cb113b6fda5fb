"""benchmark_ledger: prints its table, writes every figure as JSON, and leaves nothing it generated behind."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from benchmarks.ledger import FIGURE_KEYS, IMPORT_KEYS, NAME_PREFIX, SOURCE_NAME, USER_PREFIX, benchmark_uscc
from branches.models import Organisation, RegisterImport, RegisterSource
from federation.identifiers import uscc_validate
from federation.models import DisclosureLog, OperationLog, User
from tests.conftest import need

TINY = ["--organisations", "300", "--rows", "200", "--repeat", "2"]


def test_generated_credit_codes_are_valid():
    for number in (0, 1, 30, 31, 99_999, 31**7 - 1):
        code = benchmark_uscc("91", "150302", "BJ", number)
        assert uscc_validate(code) == code and code[2:8] == "150302"


@pytest.mark.django_db
def test_it_refuses_anything_but_postgresql(settings, monkeypatch):
    from types import SimpleNamespace

    settings.DEBUG = True
    monkeypatch.setattr("benchmarks.command.connection", SimpleNamespace(vendor="sqlite"))
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("benchmark_ledger", *TINY, stdout=io.StringIO())


@pytest.mark.django_db
def test_it_refuses_to_run_with_debug_off_unless_forced(settings):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("benchmark_ledger", *TINY, stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_tiny_run_prints_the_table_writes_every_figure_and_cleans_up(settings, wuhai, tmp_path):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    settings.DEBUG = True
    before = Organisation.objects.count()
    path = tmp_path / "bench.json"
    out = io.StringIO()
    call_command("benchmark_ledger", *TINY, "--json", str(path), stdout=out)

    text = out.getvalue()
    assert "median ms" in text and "p95 ms" in text and "queries" in text and "floor" in text
    assert "rows/s" in text and "organisation_derive" in text
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data["figures"]) == set(FIGURE_KEYS)
    assert set(IMPORT_KEYS) <= set(data["import"])
    floor = data["figures"]["floor"]
    assert floor["status"] == 200 and floor["median_ms"] > 0 and floor["ratio"] == 1.0
    assert data["figures"]["admin_list"]["status"] == 200
    for key in FIGURE_KEYS:
        figure = data["figures"][key]
        assert {"median_ms", "p95_ms", "queries", "ratio", "status", "error"} <= set(figure)
    assert data["generation"]["organisations"] == 300
    assert data["import"]["import_read"]["rows"] == 200

    assert Organisation.objects.count() == before
    assert not Organisation.objects.filter(name__startswith=NAME_PREFIX).exists()
    assert not User.objects.filter(username__startswith=USER_PREFIX).exists()
    assert not RegisterSource.objects.filter(name=SOURCE_NAME).exists()
    assert not RegisterImport.objects.exists()
    assert not OperationLog.objects.filter(actor__isnull=True).exists()
    assert not DisclosureLog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_kept_data_blocks_the_next_run_until_cleaned(settings, wuhai):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    settings.DEBUG = True
    tiny = ["--organisations", "20", "--rows", "4", "--repeat", "1"]
    call_command("benchmark_ledger", *tiny, "--keep", stdout=io.StringIO())
    assert Organisation.objects.filter(name__startswith=NAME_PREFIX).count() >= 20
    with pytest.raises(CommandError, match="--clean"):
        call_command("benchmark_ledger", *tiny, stdout=io.StringIO())
    call_command("benchmark_ledger", "--clean", stdout=io.StringIO())
    assert not Organisation.objects.filter(name__startswith=NAME_PREFIX).exists()
    assert not User.objects.filter(username__startswith=USER_PREFIX).exists()
