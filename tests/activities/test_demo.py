"""The demo's federation work: Wuhai's reported figures, the alliance covering its members, idempotent."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

from activities.demo import demo_load
from activities.models import Activity, Alliance, Partner, Recognition

pytestmark = pytest.mark.django_db


def test_demo_work_matches_the_reported_figures_once(settings, wuhai):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    demo_load(stdout=io.StringIO())
    demo_load(stdout=io.StringIO())
    assert Recognition.objects.filter(kind="individual").count() == 12
    assert Recognition.objects.filter(kind="collective").count() == 8
    pairings = Activity.objects.filter(type__code="caring_mother")
    assert pairings.aggregate(women=Sum("pairs"))["women"] == 24
    assert Partner.objects.filter(name="乌海市女企业家协会", kind="association").exists()
    assert Partner.objects.filter(kind="company").exists()
    assert Activity.objects.values("type").distinct().count() >= 8
    assert Activity.objects.values("region__path").distinct().count() >= 3
    alliance = Alliance.objects.get(name="万达商圈妇建联盟")
    assert alliance.members.count() == 8
    assert alliance.branch is not None and alliance.branch.way == "area"
    covered = set(alliance.branch.covers.values_list("pk", flat=True))
    assert set(alliance.members.values_list("pk", flat=True)) <= covered
