"""Changes to accounts are in the append-only operation log, whoever makes them and however: an administrator in
the admin (a new account, a role, a password set), a user changing their own password; expired sessions do not
stay stored."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from federation.models import FederationUnit, OperationLog, User
from federation.tasks import sessions_clear

pytestmark = pytest.mark.django_db


def logged(action: str, user: User) -> list[OperationLog]:
    return list(OperationLog.objects.filter(action=action, object_id=str(user.pk)).order_by("pk"))


def test_an_administrator_adding_an_account_and_changing_its_role_and_password_is_logged(
    client, admin_user, wuhai, settings
):
    client.force_login(admin_user)
    unit = FederationUnit.objects.filter(level=FederationUnit.Level.DISTRICT).order_by("pk").first()
    password = "Xq7#newStaff2026"
    added = client.post(
        reverse("admin:federation_user_add"),
        {
            "username": "new_officer",
            "password1": password,
            "password2": password,
            "full_name": "新干事",
            "kind": "staff",
            "role": "officer",
            "unit": unit.pk,
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    user = User.objects.get(username="new_officer")
    (add,) = logged("user.add", user)
    assert add.actor == admin_user
    assert add.changes["role"] == [None, "officer"] and add.changes["unit"] == [None, str(unit)]
    assert all("password" not in key for key in add.changes)
    (password_set,) = logged("user.password_set", user)
    assert password_set.actor == admin_user

    change_url = reverse("admin:federation_user_change", args=[user.pk])
    form = client.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "unit": unit.pk,
            "role": "manager",
            "mobile": "13904731234",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        }
    )
    data.pop("is_staff", None), data.pop("is_superuser", None), data.pop("password", None)
    changed = client.post(change_url, data)
    assert changed.status_code == 302, changed.content.decode()[:3000]
    (change,) = logged("user.change", user)
    assert change.changes["role"] == ["officer", "manager"]
    assert "mobile" in change.changes and "13904731234" not in str(change.changes)  # masked

    reset = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "Yz8$another2026", "password2": "Yz8$another2026", "usable_password": "true"},
    )
    assert reset.status_code == 302, reset.content.decode()[:2000]
    assert [entry.actor for entry in logged("user.password_set", user)] == [admin_user, admin_user]


def test_a_user_changing_their_own_password_is_logged_as_their_own_change(client, city_officer, settings):
    client.force_login(city_officer)
    new = "Wuhai#Fulian2027"
    page = client.post(
        reverse("password_change"),
        {"old_password": settings.DEMO_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert page.status_code == 302
    (entry,) = logged("user.password_change", city_officer)
    assert entry.actor == city_officer
    assert not logged("user.password_set", city_officer)


def test_expired_sessions_are_removed_and_live_ones_kept(client, city_officer):
    client.force_login(city_officer)
    live = client.session.session_key
    Session.objects.create(
        session_key="x" * 32, session_data="e30:1", expire_date=timezone.now() - dt.timedelta(minutes=1)
    )
    assert sessions_clear() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
