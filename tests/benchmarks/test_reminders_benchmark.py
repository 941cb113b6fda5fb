"""benchmark_reminders: prints its tables, writes its figures as JSON, and leaves nothing it generated behind."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from benchmarks.sweep import MARKER, NAME_PREFIX, SELECTION_KEYS, USER_PREFIX
from branches.models import Branch, ContactLog, Organisation
from federation.models import JobRun, Notification, Reminder, User
from tests.conftest import need

TINY = ["--organisations", "300", "--contacts", "3000", "--due", "5"]


@pytest.mark.django_db
def test_it_refuses_anything_but_postgresql(settings, monkeypatch):
    from types import SimpleNamespace

    settings.DEBUG = True
    monkeypatch.setattr("benchmarks.command.connection", SimpleNamespace(vendor="sqlite"))
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("benchmark_reminders", *TINY, stdout=io.StringIO())


@pytest.mark.django_db
def test_it_refuses_to_run_with_debug_off_unless_forced(settings):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("benchmark_reminders", *TINY, stdout=io.StringIO())


@pytest.mark.django_db
def test_it_refuses_a_database_whose_people_the_sweep_would_remind(settings, district_officer):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="database of its own"):
        call_command("benchmark_reminders", *TINY, stdout=io.StringIO())
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_it_refuses_more_due_rows_than_it_can_draw_from(settings, wuhai):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--due"):
        call_command("benchmark_reminders", "--organisations", "300", "--contacts", "3000", "--due", "5,290")


@pytest.mark.django_db(transaction=True)
def test_a_tiny_run_prints_the_tables_writes_the_figures_and_cleans_up(settings, wuhai, tmp_path):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    settings.DEBUG = True
    path = tmp_path / "sweep.json"
    out = io.StringIO()
    call_command("benchmark_reminders", *TINY, "--json", str(path), stdout=out)

    text = out.getvalue()
    for heading in ("stored contacts", "due rows", "first-run ms", "second-run ms", "queries 1st/2nd"):
        assert heading in text
    assert "contact_open_follow_up" in text and "organisation_contact_due" in text
    assert "Execution Time" in text
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"meta", "generation", "measurements", "cleanup"} <= set(data)
    assert data["generation"]["organisations"] == 300
    measurements = data["measurements"]
    assert [m["stored_contacts"] for m in measurements] == [300, 3000]  # a tenth of the log, then all of it
    for m in measurements:
        assert {
            "stored_contacts",
            "stored_reminders",
            "organisations",
            "due",
            "first",
            "second",
            "explain",
        } <= set(m)
        assert m["due"] == {"follow_ups": 5, "cadence": 5, "terms": 1, "total": 11}
        assert {"ms", "sent", "queries", "db_ms", "by_job"} <= set(m["first"])
        # 5 follow-ups (and the escalation of the overdue one), 5 organisations, 1 term, 5 weekly digests
        assert m["first"]["sent"] >= 16 and m["first"]["queries"] > m["second"]["queries"] > 0
        assert m["second"]["sent"] == 0
        assert {"follow_ups", "cadence"} <= set(m["explain"]) <= set(SELECTION_KEYS)
        for entry in m["explain"].values():
            assert entry["key_lines"] and entry["execution_ms"] is not None
    assert measurements[1]["stored_reminders"] > measurements[0]["stored_reminders"] > 0

    assert not Organisation.objects.filter(name__startswith=NAME_PREFIX).exists()
    assert not ContactLog.objects.exists() and not Branch.objects.exists()
    assert not User.objects.filter(username__startswith=USER_PREFIX).exists()
    assert not Reminder.objects.exists() and not Notification.objects.exists()
    assert not JobRun.objects.filter(details__benchmark=MARKER).exists()


@pytest.mark.django_db(transaction=True)
def test_kept_data_blocks_the_next_run_until_cleaned(settings, wuhai):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    settings.DEBUG = True
    tiny = ["--organisations", "100", "--contacts", "1000", "--due", "2"]
    call_command("benchmark_reminders", *tiny, "--keep", stdout=io.StringIO())
    assert Organisation.objects.filter(name__startswith=NAME_PREFIX, notes=MARKER).count() == 100
    assert JobRun.objects.filter(details__benchmark=MARKER).exists()
    with pytest.raises(CommandError, match="--clean"):
        call_command("benchmark_reminders", *tiny, stdout=io.StringIO())
    call_command("benchmark_reminders", "--clean", stdout=io.StringIO())
    assert not Organisation.objects.exists() and not ContactLog.objects.exists()
    assert not User.objects.filter(username__startswith=USER_PREFIX).exists()
    assert not Reminder.objects.exists() and not JobRun.objects.filter(details__benchmark=MARKER).exists()
