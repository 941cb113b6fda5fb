"""An administrator enrols an authenticator app on a phone-sized screen and signs in with it next time."""

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(secret: str, *, ahead: int = 0) -> str:
    """What an authenticator app shows for the key on the page (`ahead` time steps later)."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * ahead
    return f"{totp.token():06d}"


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_an_administrator_enrols_on_a_phone_and_signs_in_with_the_code(
    page, live_server, sign_in_as, admin_user, settings, shoot
):
    settings.TWO_FACTOR_FOR = "admins"
    sign_in_as(admin_user)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/setup/"))
    expect(page.locator(".two-factor-qr svg")).to_be_visible()
    assert_fits_width(page)
    shoot("two-factor-setup")

    secret = page.locator("code.user-select-all").inner_text()
    page.fill("input[name=code]", "000000" if code_for(secret) != "000000" else "111111")
    page.get_by_role("button", name="确认").click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()  # a wrong code: try again

    page.wait_for_timeout(1200)  # after a wrong code the next try waits a second (then two, four…)
    page.fill("input[name=code]", code_for(secret))
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_role("heading", name="恢复码")).to_be_visible()
    assert_fits_width(page)
    shoot("two-factor-recovery-codes")
    page.get_by_role("link", name="已妥善保存，继续").click()
    expect(page).to_have_url(f"{live_server.url}/staff/")

    page.context.clear_cookies()  # the next working day, signed out
    sign_in_as(admin_user)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?"))
    page.fill("input[name=code]", code_for(secret, ahead=1))  # a code not used before (each is good once)
    page.get_by_role("button", name="继续", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/staff/")
    expect(page.locator("main")).not_to_contain_text("第二重验证")
    shoot("two-factor-signed-in")
