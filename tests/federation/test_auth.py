"""Signing in, the login log, throttling, password reset and change."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from federation.models import LoginEvent

pytestmark = pytest.mark.django_db


def sign_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_login_page_is_in_chinese_by_default(client):
    page = client.get(reverse("login")).content.decode()
    assert "登录" in page and 'lang="zh-hans"' in page


def test_officer_signs_in_and_reaches_the_staff_home(client, city_officer, settings):
    response = sign_in(client, "city_officer", settings.DEMO_PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    home = client.get(response["Location"], follow=True)
    assert home.resolver_match.view_name == "federation:staff_home"
    event = LoginEvent.objects.get()
    assert event.success and event.user == city_officer and event.ip == "10.1.2.3"


def test_wrong_password_and_unknown_user_get_the_same_generic_message(client, city_officer):
    wrong_password = sign_in(client, "city_officer", "not-the-password").content.decode()
    unknown_user = sign_in(client, "nobody_here", "not-the-password").content.decode()
    message = "请输入一个正确的"
    assert message in wrong_password and message in unknown_user
    assert LoginEvent.objects.filter(success=False).count() == 2


def test_repeated_failures_are_throttled_even_with_the_right_password(client, city_officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "city_officer", "wrong-password-1")
    locked = sign_in(client, "city_officer", settings.DEMO_PASSWORD)
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_does_not_reveal_whether_an_account_exists(client, city_officer):
    known = client.post(reverse("password_reset"), {"email": city_officer.email})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [city_officer.email]


def test_password_reset_link_lets_the_user_choose_a_new_password(client, city_officer):
    client.post(reverse("password_reset"), {"email": city_officer.email})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Fresh-Password-42", "new_password2": "Fresh-Password-42"},
    )
    assert done.status_code == 302
    city_officer.refresh_from_db()
    assert city_officer.check_password("Fresh-Password-42")


def test_signed_in_user_changes_their_password(client, district_officer, settings):
    client.force_login(district_officer)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": settings.DEMO_PASSWORD,
            "new_password1": "Another-Pass-77",
            "new_password2": "Another-Pass-77",
        },
    )
    assert response.status_code == 302
    district_officer.refresh_from_db()
    assert district_officer.check_password("Another-Pass-77")


def test_login_log_shows_failures_to_admins(client, admin_user, city_officer):
    sign_in(client, "city_officer", "wrong-password-2")
    client.force_login(admin_user)
    page = client.get(reverse("federation:login_log"), {"outcome": "failed"}).content.decode()
    assert "city_officer" in page and "失败" in page


def test_sign_out_needs_a_post(client, city_officer):
    client.force_login(city_officer)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session
