"""More long work as jobs, each through its page as a user meets it: the monthly report of a large area, the
papers package of a run with heavy attachments, and a backup started by an administrator. The exports are
logged as the pages log them; a backup stays on the server and is checked against its manifest."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from federation import backups
from federation.models import DisclosureLog, Notification
from jobs.models import Job
from jobs.services import jobs_for
from tests.conftest import need

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    cache.clear()  # rendered figures are cached by snapshot: frozen time and reused ids must not leak
    yield
    cache.clear()


def _download(client, job: Job) -> bytes:
    response = client.get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


# --- the monthly report ------------------------------------------------------------------------------------


def test_a_large_areas_monthly_report_is_written_as_a_job_and_logged_as_the_page_logs_it(
    small_world, client_as, city_officer, settings
):
    settings.EXPORT_INLINE_ROWS = 6  # the report's ledger sheet lists seven organisations
    client = client_as(city_officer)
    response = client.get(reverse("coverage:report_export"), {"month": "2026-10"})

    job = Job.objects.get(kind=Job.Kind.MONTHLY_REPORT)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.DONE and job.rows_total == 7 and job.rows_read == 7
    assert job.result_name.endswith(".xlsx") and "2026-10" in job.result_name
    (logged,) = DisclosureLog.objects.filter(user=city_officer, kind=DisclosureLog.Kind.EXPORT)
    assert logged.row_count == 7 and logged.params == {"month": "2026-10", "format": "xlsx", "reveal": "0"}
    assert "2026-10" in logged.what

    page = client.get(response["Location"])
    assert "完成" in page.text and reverse("jobs:download", args=[job.pk]) in page.text
    assert reverse("coverage:report") + "?month=2026-10" in page.text
    workbook = load_workbook(io.BytesIO(_download(client, job)), read_only=True)
    summary = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert summary[2][1:5] == (7, 4, 57.1, 3)  # the same figures as the page's own download
    assert len(list(workbook.worksheets[-1].iter_rows(values_only=True))) == 1 + 7
    assert DisclosureLog.objects.count() == 1  # downloading the kept file discloses nothing more
    assert Notification.objects.filter(recipient=city_officer, kind="job_done").exists()


def test_a_small_areas_report_is_still_sent_at_once(small_world, client_as, city_officer, settings):
    settings.EXPORT_INLINE_ROWS = 7
    response = client_as(city_officer).get(reverse("coverage:report_export"), {"month": "2026-10"})
    assert response.status_code == 200 and not Job.objects.exists()
    assert DisclosureLog.objects.get().row_count == 7


def test_out_of_date_figures_send_the_user_back_to_the_report_and_start_no_job(
    small_world, client_as, city_officer, settings, monkeypatch
):
    from coverage import views
    from coverage.services import PageFigures

    settings.EXPORT_INLINE_ROWS = 0
    monkeypatch.setattr(
        views, "figures_for_page", lambda as_of: PageFigures(batch=None, as_of=as_of, current=False)
    )
    response = client_as(city_officer).get(reverse("coverage:report_export"), {"month": "2026-10"})
    assert response.status_code == 302 and response["Location"].endswith("?month=2026-10")
    assert not Job.objects.exists() and not DisclosureLog.objects.exists()


def test_figures_gone_out_of_date_before_the_job_writes_are_read_again_or_the_job_says_why(
    small_world, client_as, city_officer, settings, monkeypatch
):
    from coverage import jobs as coverage_jobs

    settings.EXPORT_INLINE_ROWS = 0
    client = client_as(city_officer)
    calls = []
    build = coverage_jobs.report_build_current

    def stale_at_first(**kwargs):  # a change lands between the page's check and the job's snapshot
        calls.append(kwargs["batch"].pk)
        return None if len(calls) == 1 else build(**kwargs)

    monkeypatch.setattr(coverage_jobs, "report_build_current", stale_at_first)
    client.get(reverse("coverage:report_export"), {"month": "2026-10"})
    job = Job.objects.get(kind=Job.Kind.MONTHLY_REPORT)
    assert job.status == Job.Status.DONE and len(calls) == 2
    assert DisclosureLog.objects.get().row_count == 7

    monkeypatch.setattr(coverage_jobs, "report_build_current", lambda **kwargs: None)  # edited without pause
    client.get(reverse("coverage:report_export"), {"month": "2026-10"})
    failed = Job.objects.filter(kind=Job.Kind.MONTHLY_REPORT).latest("pk")
    assert failed.status == Job.Status.FAILED and "重新开始" in failed.error and not failed.result
    assert DisclosureLog.objects.count() == 1  # nothing written, nothing disclosed


# --- a run's papers package ----------------------------------------------------------------------------------


def test_a_heavy_package_is_zipped_as_a_job_for_staff_and_at_once_for_the_liaison(world, client_as, settings):
    settings.PACKAGE_INLINE_BYTES = 0  # every attachment counts as heavy here
    run, officer = world["run"], world["people"]["district_officer"]
    url = reverse("workflows:package_download", kwargs={"pk": run.pk})

    client = client_as(officer)
    response = client.get(url)
    job = Job.objects.get(kind=Job.Kind.RUN_PACKAGE)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.DONE and job.result_name.endswith(".zip")
    (logged,) = DisclosureLog.objects.filter(user=officer, kind=DisclosureLog.Kind.EXPORT)
    assert logged.object_id == str(run.pk) and run.organisation.name in logged.what
    page = client.get(response["Location"])
    assert reverse("workflows:run_detail", args=[run.pk]) in page.text
    names = zipfile.ZipFile(io.BytesIO(_download(client, job))).namelist()
    assert any(name.endswith(".txt") and "/" not in name for name in names)  # the checklist
    assert any(name.endswith(world["attachment"].original_name) for name in names)

    liaison = client_as(world["people"]["liaison"]).get(url)  # no job pages for a liaison: sent at once
    assert liaison.status_code == 200 and liaison["Content-Type"] == "application/zip"
    assert Job.objects.filter(kind=Job.Kind.RUN_PACKAGE).count() == 1
    assert DisclosureLog.objects.filter(user=world["people"]["liaison"], object_id=str(run.pk)).exists()


def test_a_package_job_for_a_run_out_of_the_owners_area_fails_saying_why(world, client_as, settings):
    from workflows.jobs import run_package_start

    settings.PACKAGE_INLINE_BYTES = 0
    job = run_package_start(by=world["people"]["other_district_officer"], run=world["run"])
    assert job.status == Job.Status.FAILED and "区域" in job.error
    assert not job.result and not DisclosureLog.objects.exists()


# --- backups -------------------------------------------------------------------------------------------------


def test_the_backup_page_is_for_administrators_only(client_as, people):
    for person in ("district_officer", "city_officer", "liaison"):
        client = client_as(people[person])
        assert client.get(reverse("jobs:backup")).status_code == 403
        assert client.post(reverse("jobs:backup")).status_code == 403
    assert not Job.objects.exists()
    page = client_as(people["admin"]).get(reverse("jobs:backup"))
    assert page.status_code == 200 and "备份" in page.text
    assert reverse("jobs:backup") in page.text  # the admin menu leads here


def need_backup_tools() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        try:
            backups.pg_tool("pg_dump")
        except backups.BackupError:
            need(False, "pg_dump (apt-get install postgresql-client)")


# The backup reads committed data (pg_dump's own connection; SQLite's backup through the test's connection,
# which must hold no transaction open).
@pytest.mark.django_db(transaction=True)
def test_an_administrators_backup_job_leaves_a_verified_backup_on_the_server(
    wuhai, client_as, admin_user, city_officer, settings
):
    need_backup_tools()
    client = client_as(admin_user)
    response = client.post(reverse("jobs:backup"))

    job = Job.objects.get(kind=Job.Kind.BACKUP)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.DONE, job.error
    made = Path(job.outcome["path"])
    assert made.parent == Path(settings.BACKUP_DIR)
    manifest = backups.backup_verify(made)
    assert job.outcome["counts"] == {k: v for k, v in manifest["counts"].items() if v is not None}
    assert job.outcome["size"] == sum(entry["size"] for entry in manifest["files"].values())
    assert not job.result  # nothing to download: it stays on the server
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404

    page = client.get(response["Location"])
    assert str(made) in page.text and reverse("jobs:download", args=[job.pk]) not in page.text
    listing = client.get(reverse("jobs:backup"))
    assert str(made) in listing.text and reverse("jobs:detail", args=[job.pk]) in listing.text
    # other staff do not see where backups lie
    assert not jobs_for(city_officer).filter(kind=Job.Kind.BACKUP).exists()


def test_a_backup_that_cannot_be_written_fails_with_the_reason(client_as, admin_user, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.BACKUP_DIR = blocker / "backups"
    client_as(admin_user).post(reverse("jobs:backup"))
    job = Job.objects.get(kind=Job.Kind.BACKUP)
    assert job.status == Job.Status.FAILED and "备份" in job.error and "Cannot create" in job.error


def test_a_second_backup_is_not_started_while_one_is_under_way(client_as, admin_user):
    running = Job.objects.create(
        kind=Job.Kind.BACKUP, label="备份", owner=admin_user, status=Job.Status.RUNNING
    )
    client = client_as(admin_user)
    response = client.post(reverse("jobs:backup"))
    assert response["Location"] == reverse("jobs:detail", args=[running.pk])
    assert Job.objects.count() == 1
    assert reverse("jobs:detail", args=[running.pk]) in client.get(reverse("jobs:backup")).text


def test_a_cancel_asked_once_the_backup_is_written_leaves_it_done_and_the_page_offers_no_cancel(
    client_as, admin_user, monkeypatch, tmp_path
):
    from jobs import backups as backup_jobs
    from jobs import services as job_services

    monkeypatch.setattr(job_services, "CHECK_SECONDS", 0)
    client = client_as(admin_user)

    def written_then_cancelled(output):
        job = Job.objects.get(kind=Job.Kind.BACKUP)
        page = client.get(reverse("jobs:detail", args=[job.pk])).text
        assert 'data-status="running"' in page and reverse("jobs:cancel", args=[job.pk]) not in page
        job_services.job_cancel(job=job, by=admin_user)
        files = {
            "database": {"name": "d", "size": 2, "sha256": ""},
            "media": {"name": "m", "size": 1, "sha256": ""},
        }
        manifest = {"files": files, "counts": {"federation.User": 1}, "media_files": 0}
        return backups.Outcome(path=output / "backup-x", manifest=manifest)

    monkeypatch.setattr(backup_jobs, "backup_create", written_then_cancelled)
    client.post(reverse("jobs:backup"))
    job = Job.objects.get(kind=Job.Kind.BACKUP)
    assert job.status == Job.Status.DONE and job.outcome["size"] == 3
