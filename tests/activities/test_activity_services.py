"""Services (activities) through their service functions: region, scope, pairs, history, coverage."""

import datetime as dt

import pytest
from django.utils import timezone

from activities import services
from activities.errors import WorkError
from activities.models import Activity
from activities.selectors import activities_for, organisations_served
from federation.models import OperationLog, Region
from tests.activities.factories import activity_type, make_activity
from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def wuda_organisation():
    return OrganisationFactory(name="乌达区测试企业", region=Region.objects.get(code="150304002"))


def test_a_service_lies_where_the_organisations_it_served_lie(district_officer):
    first = OrganisationFactory()
    second = OrganisationFactory(region=Region.objects.get(code="150302002"))
    activity = make_activity(district_officer, [first, second])
    assert activity.region.code == "150302"
    assert activity.unit == district_officer.unit  # defaults to the officer's own unit
    assert make_activity(district_officer, [first]).region.code == "150302001"
    assert make_activity(district_officer).region == district_officer.unit.region


def test_a_city_service_for_one_district_is_seen_by_that_district(
    city_officer, district_officer, other_district_officer
):
    activity = make_activity(city_officer, [OrganisationFactory()])
    assert activity.unit.name == "乌海市妇联"
    assert activities_for(district_officer).filter(pk=activity.pk).exists()
    assert not activities_for(other_district_officer).filter(pk=activity.pk).exists()


def test_district_officer_cannot_attach_another_districts_organisation(district_officer, wuda_organisation):
    with pytest.raises(WorkError):
        make_activity(district_officer, [OrganisationFactory(), wuda_organisation])
    assert not Activity.objects.exists()


def test_pairings_are_counts_and_other_services_keep_no_pairs(district_officer):
    with pytest.raises(WorkError):
        make_activity(district_officer, code="caring_mother", pairs=None)
    pairing = make_activity(district_officer, code="caring_mother", pairs=12, women_served=12)
    assert pairing.pairs == 12
    assert make_activity(district_officer, code="skills", pairs=5).pairs is None


def test_a_service_in_the_future_is_refused(district_officer):
    with pytest.raises(WorkError):
        make_activity(district_officer, date=timezone.localdate() + dt.timedelta(days=3))


def test_editing_a_service_keeps_history_and_logs_the_change(district_officer):
    organisation = OrganisationFactory()
    activity = make_activity(district_officer, [organisation])
    services.activity_update(
        by=district_officer,
        activity=activity,
        data={"title": "巾帼技能培训（第二期）", "women_served": 40},
        organisations=[organisation, OrganisationFactory()],
    )
    activity.refresh_from_db()
    assert activity.title == "巾帼技能培训（第二期）"
    assert activity.history.count() >= 2
    assert activity.history.first().history_user == district_officer
    log = OperationLog.objects.filter(action="activity.update").get()
    assert log.changes["women_served"] == ["25", "40"]
    assert log.changes["organisations"] == [1, 2]


def test_work_coverage_counts_organisations_served_in_the_period(
    district_officer, city_officer, other_district_officer, wuda_organisation
):
    served, later, through_alliance = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    OrganisationFactory()  # never served
    make_activity(district_officer, [served], date=dt.date(2025, 3, 8))
    make_activity(district_officer, [later], date=dt.date(2025, 9, 1))
    make_activity(city_officer, [wuda_organisation], date=dt.date(2025, 3, 9))
    alliance = services.alliance_create(
        by=district_officer, data={"name": "测试联盟", "lead": through_alliance}, members=[]
    )
    services.activity_create(
        by=district_officer,
        data={"type": activity_type("policy"), "date": dt.date(2025, 4, 1), "title": "进联盟宣讲"},
        alliances=[alliance],
    )
    start, end = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
    assert set(organisations_served(start, end)) == {served.pk, through_alliance.pk, wuda_organisation.pk}
    assert set(organisations_served(start, end, user=district_officer)) == {served.pk, through_alliance.pk}
    assert set(organisations_served(start, end, user=other_district_officer)) == {wuda_organisation.pk}
