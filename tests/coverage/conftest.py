"""A small world for the coverage figures, built by hand so that every number can be counted on paper.

All organisations were created on 2026-01-01; today is 2026-11-28. In 海勃湾区 凤凰岭街道 unless noted:

| org | field      | women | party | scope | branch (way)                                 | other                    |
|-----|------------|-------|-------|-------|----------------------------------------------|--------------------------|
| A   | economic   | 60    | yes   | in    | standalone, established 2026-03-01           | category 百强, enhancing  |
| B   | employment | 5     | no    | in    | industry-wide, established 2026-05-01, covers B, C, D | established stage |
| C   | employment | 5     | no    | in    | (covered by B's)                             | established stage        |
| D   | employment | 5     | no    | in    | (covered by B's)                             | established stage        |
| E   | economic   | 10    | no    | in    | established 2026-02-01, dissolved 2026-09-30 | surveying                |
| F   | economic   | 20    | no    | in    | established 2026-04-01                       | archived 2026-10-15      |
| G   | social     | 8     | no    | OUT   | established 2026-06-01                       |                          |
| H   | social     | 0     | no    | in    | —                                            | no women                 |
| I   | economic   | 30    | yes   | in    | —                                            | 乌达区, surveying         |
| J   | economic   | 12    | yes   | in    | —                                            | contact due 2026-10-01, liaison named, an open question |
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.cache import cache

from answers.models import Question
from branches.models import Branch, Category, Organisation
from federation.models import Region
from tests.branches.factories import OrganisationFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = dt.datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rendered dashboards are cached by snapshot; frozen time and reused ids must not leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def _branch(host, *, established, covers=(), dissolved=None, way="standalone", form="federation"):
    branch = Branch.objects.create(
        name=f"{host.name}妇联",
        organisation=host,
        region=host.region,
        form=form,
        way=way,
        established_on=established,
        dissolved_on=dissolved,
    )
    branch.covers.set([host, *covers])
    return branch


@pytest.fixture
def small_world(frozen, wuhai, liaison):
    wuda = Region.objects.get(code="150304")

    def org(name, **kwargs):
        return OrganisationFactory(name=f"乌海市覆盖测试{name}", **kwargs)

    a = org("甲", women=60, party_org=True, stage="enhancing")
    b = org("乙", field="employment", unit_type="express", women=5, employees=10, stage="established")
    c = org("丙", field="employment", unit_type="express", women=5, employees=10, stage="established")
    d = org("丁", field="employment", unit_type="express", women=5, employees=10, stage="established")
    e = org("戊", women=10, stage="surveying")
    f = org("己", women=20)
    g = org("庚", field="social", unit_type="association", women=8, in_scope=False)
    h = org("辛", field="social", unit_type="association", women=0)
    i = org("壬", women=30, party_org=True, region=wuda, stage="surveying")
    j = org("癸", women=12, party_org=True, stage="liaison_named")
    created = dt.datetime(2026, 1, 1, 9, 0, tzinfo=SHANGHAI)
    Organisation.objects.update(created_at=created)
    Organisation.objects.filter(pk=f.pk).update(archived_at=dt.datetime(2026, 10, 15, 10, 0, tzinfo=SHANGHAI))
    Organisation.objects.filter(pk=j.pk).update(contact_due_on=dt.date(2026, 10, 1))
    Organisation.objects.filter(pk__in=[a.pk, e.pk]).update(contact_due_on=dt.date(2026, 12, 1))
    top100 = Category.objects.order_by("order").first()
    a.categories.add(top100)
    _branch(a, established=dt.date(2026, 3, 1))
    _branch(b, established=dt.date(2026, 5, 1), covers=[c, d], way="industry")
    _branch(e, established=dt.date(2026, 2, 1), dissolved=dt.date(2026, 9, 30))
    _branch(f, established=dt.date(2026, 4, 1))
    _branch(g, established=dt.date(2026, 6, 1))
    question = Question.objects.create(organisation=j, asked_by=liaison, text="怎么开会？")
    Question.objects.filter(pk=question.pk).update(asked_at=dt.datetime(2026, 10, 5, 9, 0, tzinfo=SHANGHAI))
    return {
        "orgs": {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f, "G": g, "H": h, "I": i, "J": j},
        "top100": top100,
        "wuda": wuda,
    }
