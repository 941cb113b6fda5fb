"""An idle page warns before its session ends, keeps the user signed in on a click, and never loses what was
typed; the list of signed-in browsers."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BOTH_VIEWPORTS, assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_VIEWPORTS
def test_an_idle_page_warns_keeps_the_session_on_a_click_and_keeps_what_was_typed(
    page, live_server, sign_in_as, city_officer, shoot
):
    page.clock.install()
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/ledger/organisations/new/")
    page.fill("input[name=name]", "乌海市正在填写的新企业有限公司")
    warning = page.locator("#session-warning")
    expect(warning).to_be_hidden()

    page.clock.fast_forward("28:30")  # the browser's clock: nobody touched the page for 28½ minutes
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("两分钟后退出登录")
    assert_fits_width(page)
    shoot("session-warning")

    warning.get_by_role("button", name="保持登录").click()
    expect(warning).to_be_hidden()
    page.clock.fast_forward("20:00")
    expect(warning).to_be_hidden()  # the click started the 30 minutes again

    page.clock.fast_forward("11:00")
    expect(warning).to_contain_text("已退出登录")
    expect(page.locator("input[name=name]")).to_have_value("乌海市正在填写的新企业有限公司")
    shoot("session-ended")


def test_a_user_reads_their_signed_in_browsers(page, live_server, sign_in_as, city_officer, shoot):
    sign_in_as(city_officer)
    page.goto(f"{live_server.url}/accounts/sessions/")
    expect(page.get_by_text("本浏览器")).to_be_visible()
    assert_fits_width(page)
    shoot("sessions")
