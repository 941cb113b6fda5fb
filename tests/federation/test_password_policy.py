"""The password policy: kinds of character, no reuse, expiry for staff, a change when someone else set it."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from federation.models import PasswordRecord, User
from tests.factories import ContactFactory, StaffFactory

pytestmark = pytest.mark.django_db


def change(client, old, new):
    return client.post(
        reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


def test_a_password_of_two_kinds_of_character_is_refused_in_chinese_with_the_numbers(
    client, city_officer, settings
):
    client.force_login(city_officer)
    page = change(client, settings.DEMO_PASSWORD, "wuhaishifulian2026").content.decode()
    assert "用了 2 种" in page and "至少需要 3 种" in page
    city_officer.refresh_from_db()
    assert city_officer.check_password(settings.DEMO_PASSWORD)  # nothing changed
    assert change(client, settings.DEMO_PASSWORD, "Wuhaishifulian2026").status_code == 302


def test_none_of_the_last_five_passwords_may_come_back(client, city_officer, settings):
    client.force_login(city_officer)
    passwords = [settings.DEMO_PASSWORD, *(f"Jiaoliu-{n}-Mima" for n in range(1, 6))]
    for old, new in zip(passwords, passwords[1:], strict=False):
        assert change(client, old, new).status_code == 302, new
    current = passwords[-1]
    for earlier in passwords[1:]:  # the last five, the current one included
        page = change(client, current, earlier).content.decode()
        assert "最近用过" in page and "5" in page, earlier
    assert change(client, current, passwords[0]).status_code == 302  # the sixth before: allowed again
    assert PasswordRecord.objects.filter(user=city_officer).count() == 5


def test_an_account_an_administrator_made_changes_its_password_before_anything_else(
    client, admin_user, wuhai
):
    client.force_login(admin_user)
    added = client.post(
        reverse("admin:federation_user_add"),
        {
            "username": "new_officer",
            "password1": "Chushi-Mima-2026",
            "password2": "Chushi-Mima-2026",
            "full_name": "新干事",
            "kind": "staff",
            "role": "officer",
            "unit": wuhai["海勃湾区妇联"].pk,
        },
    )
    assert added.status_code == 302
    officer = User.objects.get(username="new_officer")
    assert officer.password_change_required

    client.logout()
    signed_in = client.post(reverse("login"), {"username": "new_officer", "password": "Chushi-Mima-2026"})
    page = client.get(signed_in["Location"], follow=True)
    assert page.resolver_match.view_name == "password_change"
    assert "由他人设置" in page.content.decode()
    assert client.get(reverse("branches:organisation_list"))["Location"] == reverse("password_change")

    assert change(client, "Chushi-Mima-2026", "Ziji-Xuande-77").status_code == 302
    assert client.get(reverse("branches:organisation_list")).status_code == 200
    officer.refresh_from_db()
    assert not officer.password_change_required and officer.password_changed_at is not None


def test_a_staff_password_older_than_ninety_days_must_be_changed_a_contacts_need_not(client, settings):
    settings.PASSWORD_EXPIRY_DAYS = 90
    staff = StaffFactory(username="old_password_staff")
    contact = ContactFactory(username="old_password_contact")
    User.objects.update(password_changed_at=timezone.now() - dt.timedelta(days=91))

    client.force_login(staff)
    page = client.get(reverse("federation:staff_home"), follow=True)
    assert page.resolver_match.view_name == "password_change" and "超过 90 天" in page.content.decode()
    client.force_login(contact)
    assert client.get(reverse("federation:contact_home")).status_code == 200

    settings.PASSWORD_EXPIRY_DAYS = 0
    client.force_login(staff)
    assert client.get(reverse("federation:staff_home")).status_code == 200


def test_a_new_password_starts_the_ninety_days_again(client, city_officer, settings):
    settings.PASSWORD_EXPIRY_DAYS = 90
    with time_machine.travel(timezone.now() + dt.timedelta(days=100)):
        client.force_login(city_officer)
        assert client.get(reverse("federation:staff_home"))["Location"] == reverse("password_change")
        assert change(client, settings.DEMO_PASSWORD, "Xin-Mima-2027").status_code == 302
        assert client.get(reverse("federation:staff_home")).status_code == 200
