"""Each kind of user signs in through the real form, on a desktop and a 390 px phone."""

import pytest

from tests.browser.conftest import BOTH_VIEWPORTS, assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@BOTH_VIEWPORTS
def test_login_page_is_chinese_and_fits_a_phone(page, live_server, shoot, viewport):
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    assert_fits_width(page)
    shoot("login")


@BOTH_VIEWPORTS
@pytest.mark.parametrize("who", ["city_officer", "district_officer", "admin_user", "liaison"])
def test_each_kind_of_user_signs_in_and_reaches_their_home(who, request, page, sign_in_as, shoot, viewport):
    user = request.getfixturevalue(who)
    sign_in_as(user)
    heading = page.locator("h1").inner_text()
    assert user.display_name in heading
    if who == "liaison":
        assert page.url.endswith("/my/")
    else:
        assert page.url.endswith("/staff/")
    assert_fits_width(page)
    shoot(f"home-{who}")
    if viewport == "phone":
        page.click(".navbar-toggler")
        page.locator("#main-nav.show").wait_for(state="visible")
        assert_fits_width(page)
        shoot(f"menu-{who}")


def test_wrong_password_shows_one_generic_message(page, live_server, city_officer, shoot, viewport):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "city_officer")
    page.fill("input[name=password]", "wrong-password")
    page.click("main form button[type=submit]")
    assert "请输入一个正确的" in page.locator(".alert-danger").inner_text()
    shoot("login-failed")


@BOTH_VIEWPORTS
def test_switching_to_english_and_back(page, sign_in_as, city_officer, viewport):
    sign_in_as(city_officer)
    if viewport == "phone":
        page.click(".navbar-toggler")
    with page.expect_navigation():  # the switcher submits itself on change
        page.select_option("#language-nav", "en")
    assert "Hello" in page.locator("h1").inner_text()
    if viewport == "phone":
        page.click(".navbar-toggler")
    with page.expect_navigation():
        page.select_option("#language-nav", "zh-hans")
    assert "您好" in page.locator("h1").inner_text()


def test_admin_reads_the_login_log(page, sign_in_as, admin_user, live_server, shoot, viewport):
    sign_in_as(admin_user)
    page.goto(f"{live_server.url}/logs/logins/")
    assert page.locator("table tbody tr").count() >= 1
    assert_fits_width(page)
    shoot("login-log")
