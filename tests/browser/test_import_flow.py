"""A district officer imports a register through the pages, on a desktop and a 390 px phone."""

from pathlib import Path

import pytest

from branches.models import Organisation, RegisterImport
from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO = Path(__file__).resolve().parents[2] / "branches" / "demo" / "registers"
CIVIL_AFFAIRS = DEMO / "民政局_社会组织名录.csv"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_district_officer_imports_the_civil_affairs_register(
    page, live_server, sign_in_as, district_officer, shoot, viewport
):
    sign_in_as(district_officer)
    page.goto(f"{live_server.url}/ledger/imports/")
    assert_fits_width(page)
    shoot("import-list-empty")

    page.click("a[href='/ledger/imports/new/']")
    page.fill("input[name=source]", "民政局社会组织名录")
    page.set_input_files("input[name=file]", str(CIVIL_AFFAIRS))
    assert_fits_width(page)
    shoot("import-upload")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")

    register_import = RegisterImport.objects.get()
    assert page.url.endswith(f"/ledger/imports/{register_import.pk}/")
    assert page.locator("h1").inner_text() == "民政局社会组织名录"
    assert page.locator(".list-group-item .badge").count() == 40
    assert_fits_width(page)
    shoot("import-preview")

    page.click("#import-rows a[href='?status=invalid']")
    page.wait_for_url("**status=invalid")
    page.locator("#import-rows a[href='?status=invalid'][aria-current=page]").wait_for()
    invalid = register_import.summary["counts"]["invalid"]
    assert page.locator("#import-rows .list-group-item").count() == invalid
    assert "乌海市青年创业促进会" in page.locator("#import-rows").inner_text()  # 乌达区: outside the area
    assert_fits_width(page)
    shoot("import-preview-invalid")

    page.click("form[action$='/apply/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".alert-success").count() >= 1
    assert not page.locator("form[action$='/apply/']").count()
    assert_fits_width(page)
    shoot("import-result")
    assert Organisation.objects.count() == register_import.summary["counts"]["new"]
    assert set(Organisation.objects.values_list("district__name", flat=True)) == {"海勃湾区"}

    page.goto(f"{live_server.url}/ledger/imports/")
    assert page.locator("table tbody tr").count() == 1
    assert_fits_width(page)
    shoot("import-list")


def test_a_bad_file_is_refused_on_the_upload_form(
    page, live_server, sign_in_as, city_officer, shoot, viewport, tmp_path
):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/ledger/imports/new/")
    page.fill("input[name=source]", "民政局社会组织名录")
    page.set_input_files("input[name=file]", str(empty))
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".invalid-feedback").count() == 1
    assert not RegisterImport.objects.exists()
    assert_fits_width(page)
    shoot("import-upload-error")


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_unknown_columns_are_matched_on_a_phone(
    page, live_server, sign_in_as, city_officer, shoot, viewport, tmp_path
):
    register = tmp_path / "register.csv"
    register.write_text(
        "单位名称,所属区,单位类型,负责人手机\n乌海市甲协会,海勃湾区,协会,13947300000\n", encoding="utf-8"
    )
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/ledger/imports/new/")
    page.fill("input[name=source]", "自制名录")
    page.set_input_files("input[name=file]", str(register))
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.select_option("select[name=column_0]", "contact_mobile")
    assert_fits_width(page)
    shoot("import-mapping")
    page.click("form[action$='/mapping/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert RegisterImport.objects.get().status == RegisterImport.Status.PREVIEWED
    assert page.locator("form[action$='/apply/']").count() == 1


def test_updates_show_what_changes(page, live_server, sign_in_as, city_officer, shoot, viewport):
    from branches.services.imports import register_import_run

    register_import_run(
        by=city_officer, data=CIVIL_AFFAIRS.read_bytes(), file_name=CIVIL_AFFAIRS.name, source_name="民政局",
        dry_run=False,
    )  # fmt: skip
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/ledger/imports/new/")
    page.fill("input[name=source]", "社工部两新组织台账")
    page.set_input_files("input[name=file]", str(DEMO / "社工部_两新组织台账.xlsx"))
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.click("#import-rows a[href='?status=update']")
    page.locator("#import-rows a[href='?status=update'][aria-current=page]").wait_for()
    assert page.locator("#import-rows .list-group-item").count() == 10
    assert "海勃湾区巾帼志愿者协会" in page.locator("#import-rows del").all_inner_texts()
    assert_fits_width(page)
    shoot("import-preview-updates")
