"""The demo command: idempotent, and never with DEBUG off."""

import io

import pytest
from django.core.management import CommandError, call_command

from federation.models import User

pytestmark = pytest.mark.django_db


def test_load_demo_creates_each_kind_of_user_once_and_changes_nothing_the_second_time(settings, wuhai):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    first = {u.username: (u.password, u.unit_id, u.role, u.kind) for u in User.objects.all()}
    call_command("load_demo", stdout=io.StringIO())
    second = {u.username: (u.password, u.unit_id, u.role, u.kind) for u in User.objects.all()}
    assert first == second
    assert {"admin", "city", "haibowan", "wuda", "liaison"} <= set(first)
    assert User.objects.get(username="haibowan").unit.name == "海勃湾区妇联"
    assert User.objects.get(username="liaison").kind == User.Kind.CONTACT
    assert User.objects.get(username="city").check_password(settings.DEMO_PASSWORD)


def test_load_demo_is_refused_when_debug_is_off(settings, wuhai):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not User.objects.filter(username="admin").exists()
