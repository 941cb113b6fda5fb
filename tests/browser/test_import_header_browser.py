"""A register whose header row the app does not recognise: the officer points at it among the first rows and says
what each column holds, on a desktop and a 390 px phone; the register's next file is matched without asking."""

import pytest

from branches.models import Organisation, RegisterImport
from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REGISTER = (
    "2024年个体私营企业名录（市场监管局）,,,,,\n"
    "企业全称,注册地,统一代码,从业人数,类型,备注\n"
    "乌海市甲商贸有限公司,海勃湾区,,12,民营企业,\n"
    "乌海市顺达快递网点,海勃湾区,,8,快递物流,新设网点\n"
    "乌海市乙物流有限公司,乌达区,,30,民营企业,\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_an_officer_points_at_the_header_row_and_matches_the_columns(
    page, live_server, sign_in_as, city_officer, shoot, viewport, tmp_path
):
    register = tmp_path / "市场监管局名录.csv"
    register.write_text(REGISTER, encoding="utf-8")
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/ledger/imports/new/")
    page.fill("input[name=source]", "市场监管局名录")
    page.set_input_files("input[name=file]", str(register))
    page.locator("details summary").first.click()
    page.select_option("select[name=default_field]", "economic")
    assert_fits_width(page)
    shoot("import-upload-defaults")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")

    register_import = RegisterImport.objects.get()
    assert register_import.status == RegisterImport.Status.UPLOADED
    assert page.locator("#header-title").is_visible()
    assert page.locator(".import-head tbody tr").count() == 5  # the title, the header and three rows
    page.check("#header-row-2")
    page.select_option("select[name=column_0]", "name")
    page.select_option("select[name=column_1]", "district")
    page.select_option("select[name=column_3]", "employees")
    assert page.locator("select[name=column_4]").input_value() == "unit_type"  # 类型: a header the app knows
    assert_fits_width(page)
    shoot("import-header-pick")
    page.click("form[action$='/header/'] button[type=submit]")
    page.wait_for_load_state("networkidle")

    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.PREVIEWED
    assert register_import.summary["counts"]["new"] == 3
    assert page.locator("#import-rows .list-group-item").count() == 3
    assert_fits_width(page)
    shoot("import-header-preview")
    page.click("form[action$='/apply/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    outlet = Organisation.objects.get(name="乌海市顺达快递网点")
    assert (outlet.field, [c.name for c in outlet.categories.all()]) == ("employment", ["快递行业"])

    # The register's next file: its header row is found by the names matched last time.
    page.goto(f"{live_server.url}/ledger/imports/new/")
    page.fill("input[name=source]", "市场监管局名录")
    page.set_input_files("input[name=file]", str(register))
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert RegisterImport.objects.order_by("-pk").first().status == RegisterImport.Status.PREVIEWED
    page.locator("details summary", has_text="您对应的列").click()
    assert page.get_by_text("以下列已按这份名录以前的文件对应").is_visible()
    assert_fits_width(page)
    shoot("import-header-remembered")
