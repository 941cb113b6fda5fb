"""Long work off the request: a large register's upload and apply run as jobs, followed on the job page, with
the outcome in the inbox; a failure says why in the user's language and can be started again; a cancel writes
nothing; a job whose worker stopped is marked failed and retryable."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches.models import Organisation, RegisterImport
from federation.models import Notification
from jobs import services as job_services
from jobs.models import Job
from jobs.services import job_cancel, job_retry, jobs_for, jobs_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _large_files_are_jobs(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_INLINE_BYTES = 0  # every file counts as large here


def register(rows: int) -> bytes:
    lines = ["单位名称,所属区,单位类型,联系电话"]
    lines += [f"乌海市后台测试{i}协会,海勃湾区,社会团体,1394730{i:04d}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def upload(client, data: bytes, name: str = "名录.csv"):
    return client.post(
        reverse("branches:import_upload"), {"source": "民政局名录", "file": SimpleUploadedFile(name, data)}
    )


def test_a_large_register_is_previewed_and_applied_as_jobs_and_the_inbox_says_so(client, city_officer):
    client.force_login(city_officer)
    response = upload(client, register(120))

    job = Job.objects.get(kind=Job.Kind.IMPORT_PREVIEW)
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.DONE and job.rows_read == 120
    register_import = RegisterImport.objects.get(pk=job.outcome["import"])
    assert register_import.status == RegisterImport.Status.PREVIEWED
    page = client.get(response["Location"])
    assert "完成" in page.text and reverse("branches:import_detail", args=[register_import.pk]) in page.text
    assert "查看预览" in page.text
    assert not Organisation.objects.exists()  # a preview writes nothing

    applied = client.post(reverse("branches:import_apply", args=[register_import.pk]))
    job = Job.objects.get(kind=Job.Kind.IMPORT_APPLY)
    assert applied["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.DONE and job.rows_total == 120 and job.rows_read == 120
    assert job.outcome["counts"]["new"] == 120
    assert Organisation.objects.count() == 120
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.APPLIED

    messages = list(Notification.objects.filter(recipient=city_officer).order_by("pk"))
    assert [m.kind for m in messages] == ["job_done", "job_done"]
    assert messages[-1].url == reverse("jobs:detail", args=[job.pk])
    assert "完成" in messages[-1].title and "名录.csv" in messages[-1].title

    listing = client.get(reverse("jobs:list"))
    assert listing.text.count(reverse("jobs:detail", args=[job.pk])) == 1


def test_an_unreadable_file_fails_with_the_reason_in_chinese_keeps_nothing_and_can_be_retried(
    client, city_officer
):
    client.force_login(city_officer)
    upload(client, b"\x00\x01 not a register", name="坏文件.xlsx")
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.error and all(ord(c) < 128 for c in job.error) is False  # said in Chinese
    assert not RegisterImport.objects.exists()
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert job.error in page.text and "重新开始" in page.text
    (message,) = Notification.objects.filter(recipient=city_officer, kind="job_failed")
    assert job.error in message.body

    client.post(reverse("jobs:retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.attempts == 2  # ran again, same reason


def test_a_cancel_while_applying_writes_nothing_and_the_import_can_be_applied_after(
    client, city_officer, monkeypatch
):
    client.force_login(city_officer)
    upload(client, register(60))
    register_import = RegisterImport.objects.get()
    monkeypatch.setattr(job_services, "CHECK_SECONDS", 0)
    monkeypatch.setattr("branches.services.imports.classify.LOOKUP_BATCH", 10)
    update = job_services.Reporter.update

    def stopped_after_twenty(self, **kwargs):  # the owner presses 取消 while rows are being written
        if self.state["rows_read"] >= 20 and not cache.get(job_services._cancel_key(self.job_id)):
            job_cancel(job=Job.objects.get(pk=self.job_id), by=city_officer)
        update(self, **kwargs)

    monkeypatch.setattr(job_services.Reporter, "update", stopped_after_twenty)
    client.post(reverse("branches:import_apply", args=[register_import.pk]))

    job = Job.objects.get(kind=Job.Kind.IMPORT_APPLY)
    assert job.status == Job.Status.CANCELLED
    assert not Organisation.objects.exists()
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.PREVIEWED
    assert "没有保留" in client.get(reverse("jobs:detail", args=[job.pk])).text

    monkeypatch.setattr(job_services.Reporter, "update", update)
    job_retry(job=job, by=city_officer)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and Organisation.objects.count() == 60


def test_a_job_whose_worker_stopped_is_marked_failed_and_retryable(city_officer, settings):
    job = Job.objects.create(
        kind=Job.Kind.IMPORT_APPLY, label="名录.csv", owner=city_officer, unit=city_officer.unit,
        params={"import": 0}, status=Job.Status.RUNNING,
    )  # fmt: skip
    Job.objects.filter(pk=job.pk).update(heartbeat_at=job.created_at)
    settings.JOBS_STALE_MINUTES = 0
    assert jobs_sweep()["interrupted"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "服务器" in job.error
    # the message delivered again after the worker died finds the job no longer waiting: it does not run twice
    job_services.job_execute(job.pk, fast=True)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.attempts == 0


def test_staff_see_the_jobs_of_their_area_admins_all_and_only_the_owner_downloads(
    client, district_officer, other_district_officer, city_officer, admin_user
):
    from django.core.files.base import ContentFile

    job = Job.objects.create(
        kind=Job.Kind.LEDGER_EXPORT, label="台账", owner=district_officer, unit=district_officer.unit,
        status=Job.Status.DONE, result=ContentFile(b"a,b\n", name="ledger.csv"), result_name="台账.csv",
        result_size=4,
    )  # fmt: skip
    assert job in jobs_for(district_officer) and job in jobs_for(city_officer) and job in jobs_for(admin_user)
    assert job not in jobs_for(other_district_officer)
    client.force_login(district_officer)
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == b"a,b\n"
    client.force_login(city_officer)
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    assert "台账.csv" not in client.get(reverse("jobs:detail", args=[job.pk])).text  # no link for others


def test_the_jobs_list_costs_the_same_queries_at_any_length(
    client, city_officer, django_assert_max_num_queries
):
    client.force_login(city_officer)
    Job.objects.bulk_create(
        Job(kind=Job.Kind.IMPORT_PREVIEW, label=f"名录{i}.csv", owner=city_officer, unit=city_officer.unit)
        for i in range(55)
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("jobs:list"))  # what a first page of the session caches (the user's area)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("jobs:list"))
    Job.objects.bulk_create(
        Job(kind=Job.Kind.IMPORT_PREVIEW, label=f"名录{i}.csv", owner=city_officer, unit=city_officer.unit)
        for i in range(200)
    )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("jobs:list"))
    assert len(many) == len(few)


def test_a_large_export_is_written_as_a_job_and_downloaded_by_its_owner_with_the_disclosure_logged(
    client, city_officer, settings
):
    from federation.models import DisclosureLog
    from tests.branches.factories import OrganisationFactory

    settings.EXPORT_INLINE_ROWS = 2
    for n in range(3):
        OrganisationFactory(name=f"乌海市导出测试{n}有限公司", contact_mobile=f"1390473000{n}")
    client.force_login(city_officer)
    response = client.get(reverse("branches:organisation_export"), {"format": "csv", "q": "导出测试"})
    job = Job.objects.get(kind=Job.Kind.LEDGER_EXPORT)
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.DONE and job.rows_total == 3 and job.result_size
    (logged,) = DisclosureLog.objects.filter(user=city_officer, kind=DisclosureLog.Kind.EXPORT)
    assert logged.row_count == 3 and logged.params["q"] == "导出测试"
    page = client.get(response["Location"])
    assert reverse("jobs:download", args=[job.pk]) in page.text and "可下载至" in page.text
    text = b"".join(client.get(reverse("jobs:download", args=[job.pk])).streaming_content).decode("utf-8-sig")
    assert text.count("导出测试") == 3 and "13904730000" not in text  # masked, as the page's export
    # past its keeping time the file goes, and the page says so
    Job.objects.filter(pk=job.pk).update(expires_at=job.finished_at)
    assert jobs_sweep()["results_removed"] == 1
    assert "不再保留" in client.get(response["Location"]).text
