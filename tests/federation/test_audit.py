"""Logs that last: append-only, chained by hashes, verified, kept 180 days, exported, shipped to syslog."""

import datetime as dt
import json
import socket

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from federation import audit
from federation.models import AuditAnchor, DisclosureLog, JobRun, LoginEvent, OperationLog
from federation.notifications import job_run
from federation.services import disclosure_record, operation_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(city_officer, district_officer):
    """Five operations, a personal-data export and a finished job, as the app writes them."""
    operations = [
        operation_record(
            actor=city_officer, action="organisation.update", reason=f"第{n}次修改", changes={"n": n}
        )
        for n in range(5)
    ]
    disclosure_record(user=district_officer, kind="export", what="台账导出", row_count=12)
    with job_run("reminders.contacts"):
        pass
    return operations


def test_nothing_in_the_app_changes_or_removes_a_log_entry(entries):
    entry = entries[0]
    entry.reason = "改写"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        OperationLog.objects.filter(pk=entry.pk).update(reason="改写")
    with pytest.raises(PermissionError):
        DisclosureLog.objects.all().delete()
    finished = JobRun.objects.get()
    finished.sent = 99
    with pytest.raises(PermissionError):
        finished.save()
    assert OperationLog.objects.get(pk=entry.pk).reason == "第0次修改"


@pytest.mark.postgres
def test_on_postgresql_the_database_itself_refuses_whoever_connects(entries, city_officer):
    for statement in (
        "UPDATE federation_operationlog SET reason = 'x' WHERE id = %s",
        "DELETE FROM federation_operationlog WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entries[0].pk])
    # a removed account empties its reference, and the chain still holds (it keeps the name)
    audit.seal()
    someone = type(city_officer).objects.create(username="leaver", kind="staff", role="viewer")
    operation_record(actor=someone, action="user.language")
    audit.seal()
    someone.delete()
    assert OperationLog.objects.get(actor_name="leaver").actor is None
    assert audit.verify()[1] == []


def test_sealed_entries_form_a_chain_that_names_the_first_changed_or_missing_entry(entries):
    sealed = audit.seal()
    assert sealed["operations"] == 5 and sealed["disclosures"] == 1 and sealed["jobs"] == 1
    checked, breaks = audit.verify()
    assert checked["operations"] == 5 and breaks == []

    third = OperationLog.objects.get(pk=entries[2].pk)
    with audit.maintenance():  # as someone with the database's own password might
        OperationLog.objects.filter(pk=third.pk).update(reason="改过的理由")
    _, breaks = audit.verify()
    assert [(b.log, b.seq, b.entry_id, b.what) for b in breaks] == [
        ("operations", third.seq, third.pk, "changed")
    ]
    with pytest.raises(CommandError):
        call_command("audit_verify", "--no-seal")

    with audit.maintenance():
        OperationLog.objects.filter(pk=third.pk).update(reason="第2次修改")  # put back
        OperationLog.objects.filter(pk=entries[1].pk).delete()
    _, breaks = audit.verify()
    assert [(b.log, b.seq, b.what) for b in breaks] == [("operations", third.seq - 1, "missing")]


def test_new_entries_join_the_chain_each_time_it_is_sealed(entries, city_officer, capsys):
    audit.seal()
    operation_record(actor=city_officer, action="organisation.archive", reason="注销")
    LoginEvent.objects.create(username="city_officer", user=city_officer, success=True)
    call_command("audit_verify")
    assert "every chain is whole" in capsys.readouterr().out
    assert AuditAnchor.objects.get(log="operations").sealed_seq == 6
    assert not OperationLog.objects.filter(seq__isnull=True).exists()


def test_entries_past_their_keeping_time_go_from_the_start_of_the_chain_and_the_removal_is_logged(
    entries, settings
):
    assert settings.AUDIT_RETENTION_DAYS == 180
    old = timezone.now() - dt.timedelta(days=181)
    with audit.maintenance():
        OperationLog.objects.filter(pk__in=[e.pk for e in entries[:2]]).update(at=old)
    removed = audit.purge()
    assert removed["operations"] == 2
    assert set(OperationLog.objects.values_list("reason", flat=True)) >= {
        "第2次修改",
        "第3次修改",
        "第4次修改",
    }
    purge = OperationLog.objects.get(action="audit.purge")
    assert purge.changes["removed"]["operations"] == 2
    audit.seal()
    assert audit.verify()[1] == []  # the chain now starts after the last removed entry
    assert audit.purge()["operations"] == 0  # nothing more to remove


def test_a_log_exports_as_json_lines_with_each_entrys_place_and_digest(entries, tmp_path):
    audit.seal()
    target = tmp_path / "operations.jsonl"
    call_command("audit_export", "operations", "--output", str(target))
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["reason"] for line in lines] == [f"第{n}次修改" for n in range(5)]
    assert all(
        line["seq"] and len(line["digest"]) == 64 and line["actor_name"] == "city_officer" for line in lines
    )


def test_each_sealed_entry_reaches_a_central_syslog_server(entries, settings):
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(5)
    settings.AUDIT_SYSLOG = f"127.0.0.1:{server.getsockname()[1]}"
    try:
        audit.seal(("operations",))
        received = [server.recv(65536).decode() for _ in range(5)]
    finally:
        server.close()
    assert all("sanxin-audit:" in message for message in received)
    first = json.loads(received[0].split("sanxin-audit: ", 1)[1].rstrip("\x00"))
    assert first["log"] == "operations" and first["seq"] == 1 and first["entry"]["reason"] == "第0次修改"
