"""The demo's women's organisations, liaisons and contacts: there, scoped to the demo officers, idempotent."""

import io

import pytest
from django.core.management import call_command

from branches.models import Branch, ContactLog, Liaison, Way
from federation.models import User

pytestmark = pytest.mark.django_db


def test_load_demo_records_women_organisations_liaisons_and_contacts_once(settings, wuhai):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    counts = (Branch.objects.count(), Liaison.objects.count(), ContactLog.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Branch.objects.count(), Liaison.objects.count(), ContactLog.objects.count()) == counts
    assert counts[0] > 20 and counts[1] > 50 and counts[2] > 30
    industry = Branch.objects.get(way=Way.INDUSTRY)
    assert industry.covers.count() > 5
    assert Liaison.objects.filter(user__username="liaison").exists()
    haibowan = User.objects.get(username="haibowan")
    assert (
        ContactLog.objects.filter(staff=haibowan).exclude(organisation__district__code="150302").count() == 0
    )
