"""A second factor at sign-in: enrolment from a QR code, codes, recovery codes, lockout, and who needs it."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from federation.models import LoginEvent, OperationLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins_need_it(settings):
    settings.TWO_FACTOR_FOR = "admins"
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait between tries here; the wait is tested on its own
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def sign_in(client, user, settings):
    response = client.post(reverse("login"), {"username": user.username, "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302
    return client.get(response["Location"], follow=True)


def code_now(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def enrol(client, user, settings) -> list[str]:
    page = sign_in(client, user, settings)
    assert page.resolver_match.view_name == "two_factor_setup"
    body = page.content.decode()
    assert "<svg" in body and "身份验证器" in body
    done = client.post(
        reverse("two_factor_setup"), {"code": code_now(user), "next": "/admin/"}
    ).content.decode()
    return re.findall(r'user-select-all">([a-z2-7]{8})<', done)


def test_an_administrator_enrols_from_a_qr_code_and_keeps_ten_recovery_codes(
    client, admin_user, settings, admins_need_it
):
    assert sign_in(client, admin_user, settings).resolver_match.view_name == "two_factor_setup"
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("two_factor_verify"))
    wrong = client.post(reverse("two_factor_setup"), {"code": "000000"}).content.decode()
    assert "验证码不正确" in wrong
    codes = enrol(client, admin_user, settings)
    assert len(codes) == 10
    assert client.get(reverse("admin:index")).status_code == 200
    assert OperationLog.objects.filter(action="two_factor.enrol", actor=admin_user).exists()


def test_next_time_the_code_is_asked_after_the_password_and_a_recovery_code_works_once(
    client, admin_user, settings, admins_need_it
):
    codes = enrol(client, admin_user, settings)
    client.post(reverse("logout"))
    assert sign_in(client, admin_user, settings).resolver_match.view_name == "two_factor_verify"
    assert client.post(reverse("two_factor_verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200

    client.post(reverse("logout"))
    sign_in(client, admin_user, settings)
    again = client.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert again.status_code == 200 and "验证码不正确" in again.content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31)):  # a code is good once: the next one
        assert client.post(reverse("two_factor_verify"), {"code": code_now(admin_user)}).status_code == 302


def test_wrong_codes_are_failed_sign_ins_and_enough_of_them_sign_the_user_out_and_lock_the_name(
    client, admin_user, settings, admins_need_it
):
    enrol(client, admin_user, settings)
    client.post(reverse("logout"))
    sign_in(client, admin_user, settings)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("two_factor_verify"), {"code": "123456"})
    assert client.get(reverse("federation:staff_home"))["Location"].startswith(reverse("login"))
    assert LoginEvent.objects.filter(user=admin_user, success=False).count() == settings.AXES_FAILURE_LIMIT
    locked = client.post(
        reverse("login"), {"username": admin_user.username, "password": settings.DEMO_PASSWORD}
    )
    assert locked.status_code != 302  # the right password no longer opens the account for now


def test_officers_need_it_only_where_the_installation_says_so_and_contacts_never(
    client, city_officer, liaison, settings, admins_need_it
):
    assert sign_in(client, city_officer, settings).resolver_match.view_name == "federation:staff_home"
    client.post(reverse("logout"))
    settings.TWO_FACTOR_FOR = "staff"
    assert sign_in(client, city_officer, settings).resolver_match.view_name == "two_factor_setup"
    client.force_login(liaison)
    assert client.get(reverse("federation:contact_home")).status_code == 200
    assert client.get(reverse("two_factor_setup")).status_code == 403


def test_an_administrator_removes_a_lost_phone_and_the_user_enrols_again(
    client, admin_user, city_officer, settings, admins_need_it
):
    settings.TWO_FACTOR_FOR = "staff"
    enrol(client, city_officer, settings)
    client.post(reverse("logout"))
    enrol(client, admin_user, settings)
    client.post(
        reverse("admin:federation_user_changelist"),
        {"action": "two_factor_reset", "_selected_action": [city_officer.pk]},
    )
    assert not TOTPDevice.objects.filter(user=city_officer).exists()
    assert OperationLog.objects.filter(action="two_factor.reset", actor=admin_user).exists()
    client.post(reverse("logout"))
    assert sign_in(client, city_officer, settings).resolver_match.view_name == "two_factor_setup"


def test_tries_in_quick_succession_are_slowed_down(client, admin_user, settings, admins_need_it):
    enrol(client, admin_user, settings)
    client.post(reverse("logout"))
    sign_in(client, admin_user, settings)
    settings.OTP_TOTP_THROTTLE_FACTOR = 30
    client.post(reverse("two_factor_verify"), {"code": "123456"})
    page = client.post(reverse("two_factor_verify"), {"code": code_now(admin_user)}).content.decode()
    assert "请等待" in page and "秒" in page  # even the right code waits
