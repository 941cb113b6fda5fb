"""A large register's preview runs as a job the officer watches: the bar moves, a cancel stops it with nothing
kept, starting it again finishes it; a large export is downloaded from its job's page (1280 px and 390 px)."""

import time

import pytest
from playwright.sync_api import expect

from branches.models import Organisation, RegisterImport
from jobs import services as job_services
from jobs.models import Job
from tests.browser.conftest import BOTH_VIEWPORTS, assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = 3000


@pytest.fixture(autouse=True)
def _jobs_in_a_thread(settings, tmp_path, monkeypatch):
    """As on a laptop without a broker: the job runs in a thread of the web process, slowed a little so that
    a person can watch it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JOBS_RUNNER = "thread"
    settings.IMPORT_INLINE_BYTES = 0
    monkeypatch.setattr("branches.services.imports.classify.LOOKUP_BATCH", 100)
    update = job_services.Reporter.update

    def slowly(self, **kwargs):
        time.sleep(0.08)
        update(self, **kwargs)

    monkeypatch.setattr(job_services.Reporter, "update", slowly)


def register_file(tmp_path):
    lines = ["单位名称,所属区,单位类型,联系电话"]
    lines += [f"乌海市进度测试{i}协会,海勃湾区,社会团体,1394730{i:04d}" for i in range(ROWS)]
    path = tmp_path / "大名录.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@BOTH_VIEWPORTS
def test_an_officer_watches_a_preview_cancels_it_and_starts_it_again(
    page, live_server, sign_in_as, city_officer, shoot, tmp_path
):
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/ledger/imports/new/")
    page.fill("input[name=source]", "民政局名录")
    page.set_input_files("input[name=file]", str(register_file(tmp_path)))
    started = time.monotonic()
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text("大名录.csv")
    assert time.monotonic() - started < 5  # the page answers at once; the work goes on behind it

    bar = page.locator("progress.job-progress")
    expect(page.locator("#job-state")).to_contain_text("已读取")
    page.wait_for_function(
        "() => Number(document.querySelector('[data-rows-read]')?.dataset.rowsRead || 0) > 0", timeout=20_000
    )
    expect(bar).to_be_visible()
    assert_fits_width(page)
    shoot("job-running")

    page.get_by_role("button", name="取消").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "cancelled", timeout=20_000)
    expect(page.locator("#job-state")).to_contain_text("已取消")
    assert not RegisterImport.objects.exists() and not Organisation.objects.exists()
    shoot("job-cancelled")

    page.get_by_role("button", name="重新开始").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "done", timeout=60_000)
    assert_fits_width(page)
    shoot("job-done")
    page.get_by_role("link", name="查看预览").click()
    register_import = RegisterImport.objects.get()
    assert page.url.endswith(f"/ledger/imports/{register_import.pk}/")
    assert register_import.summary["counts"]["new"] == ROWS
    job = Job.objects.get()
    assert job.attempts == 2 and job.status == Job.Status.DONE


@BOTH_VIEWPORTS
def test_a_large_export_is_downloaded_from_its_jobs_page(
    page, live_server, sign_in_as, city_officer, shoot, settings
):
    from tests.branches.factories import OrganisationFactory

    settings.EXPORT_INLINE_ROWS = 1
    for n in range(3):
        OrganisationFactory(name=f"乌海市下载测试{n}有限公司")
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/ledger/organisations/export/?format=csv")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "done", timeout=30_000)
    expect(page.locator("#job-state")).to_contain_text("共 3 行")
    link = page.locator("a[href$='/download/']")
    expect(link).to_contain_text(".csv")
    assert_fits_width(page)
    shoot("job-download")
    with page.expect_download() as download:
        link.click()
    content = download.value.path().read_text(encoding="utf-8-sig")
    assert content.count("下载测试") == 3
