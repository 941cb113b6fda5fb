"""Liaisons, the contact log and cadence, women's organisations, stages and their checklist."""

import datetime as dt

import pytest
import time_machine

from branches.errors import LedgerError
from branches.models import Category, ContactLog, Liaison, Stage, StageChange, StageChecklistItem
from branches.services.branches import (
    branch_checklist_tick,
    branch_create,
    branch_stage_set,
    branch_update,
    term_end,
)
from branches.services.contacts import contact_add, contact_follow_up_done, liaison_add, liaison_update
from federation.models import Region
from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_naming_a_liaison_records_consent_and_moves_the_organisation_on(district_officer):
    organisation = OrganisationFactory()
    with pytest.raises(LedgerError):
        liaison_add(
            by=district_officer, organisation=organisation, name="王芳", mobile="13904731234", consent=False
        )
    liaison = liaison_add(
        by=district_officer, organisation=organisation, name="王芳", mobile="139 0473 1234", consent=True
    )
    organisation.refresh_from_db()
    assert liaison.mobile == "13904731234" and liaison.consent_at and "脱敏" in liaison.consent_notice
    assert organisation.stage == Stage.LIAISON_NAMED
    assert StageChange.objects.get().by == district_officer


def test_a_bad_mobile_is_refused_and_nothing_is_written(district_officer):
    from django.core.exceptions import ValidationError

    organisation = OrganisationFactory()
    with pytest.raises(ValidationError):
        liaison_add(by=district_officer, organisation=organisation, name="王芳", mobile="12345", consent=True)
    assert not Liaison.objects.exists()


def test_deactivating_a_liaison_keeps_the_old_values_in_history(district_officer):
    liaison = liaison_add(
        by=district_officer,
        organisation=OrganisationFactory(),
        name="王芳",
        mobile="13904731234",
        consent=True,
    )
    liaison_update(by=district_officer, liaison=liaison, data={"active": False}, reason="离职")
    liaison.refresh_from_db()
    assert not liaison.active and liaison.history.first().history_change_reason == "离职"


def test_a_contact_restarts_the_cadence_from_the_categorys_interval(district_officer):
    express = Category.objects.get(name="快递行业")
    express.contact_interval_days = 14
    express.save()
    organisation = OrganisationFactory()
    organisation.categories.add(express)
    contact_add(
        by=district_officer, organisation=organisation, contacted_on=TODAY, channel="visit", summary="走访"
    )
    organisation.refresh_from_db()
    assert organisation.last_contact_on == TODAY and organisation.contact_due_on == TODAY + dt.timedelta(
        days=14
    )
    assert organisation.officer == district_officer


def test_a_contact_cannot_be_in_the_future_and_needs_a_summary(district_officer):
    organisation = OrganisationFactory()
    with pytest.raises(LedgerError):
        contact_add(
            by=district_officer,
            organisation=organisation,
            contacted_on=TODAY + dt.timedelta(days=1),
            channel="phone",
            summary="x",
        )
    with pytest.raises(LedgerError):
        contact_add(
            by=district_officer, organisation=organisation, contacted_on=TODAY, channel="phone", summary=" "
        )
    assert not ContactLog.objects.exists()


def test_a_new_contact_settles_earlier_follow_ups_and_done_closes_one(district_officer):
    organisation = OrganisationFactory()
    first = contact_add(
        by=district_officer, organisation=organisation, contacted_on=TODAY - dt.timedelta(days=5), channel="phone",
        summary="约定走访", next_follow_up=TODAY - dt.timedelta(days=1),
    )  # fmt: skip
    second = contact_add(
        by=district_officer, organisation=organisation, contacted_on=TODAY, channel="visit", summary="已走访",
        next_follow_up=TODAY + dt.timedelta(days=7),
    )  # fmt: skip
    first.refresh_from_db()
    assert first.done and not ContactLog.objects.get(pk=second.pk).done
    contact_follow_up_done(by=district_officer, contact=second)
    with pytest.raises(LedgerError):
        contact_follow_up_done(by=district_officer, contact=second)


def test_another_districts_officer_cannot_log_a_contact(other_district_officer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        contact_add(
            by=other_district_officer,
            organisation=OrganisationFactory(),
            contacted_on=TODAY,
            channel="phone",
            summary="x",
        )


def test_an_industry_wide_federation_covers_many_and_sets_their_stage(city_officer):
    association = OrganisationFactory(name="乌海市快递行业协会", unit_type="association", field="social")
    outlets = [
        OrganisationFactory(name=f"乌海中通快递第{n}网点", unit_type="express", field="employment")
        for n in range(3)
    ]
    branch = branch_create(
        by=city_officer,
        organisation=association,
        data={
            "name": "乌海市快递行业妇联",
            "form": "federation",
            "way": "industry",
            "established_on": dt.date(2024, 3, 8),
        },
        covers=outlets,
        members=[{"name": "李娜", "post": "chair"}, {"name": "张敏", "post": "vice_chair"}],
    )
    assert branch.term_ends_on == dt.date(2029, 3, 8)
    assert set(branch.covers.all()) == {association, *outlets}
    for organisation in [association, *outlets]:
        organisation.refresh_from_db()
        assert organisation.stage == Stage.ESTABLISHED
    assert branch.members.count() == 2


def test_moving_up_a_stage_needs_its_checklist_and_a_reason(city_officer):
    organisation = OrganisationFactory()
    branch = branch_create(
        by=city_officer, organisation=organisation, data={"name": "某公司妇委会", "form": "committee"}
    )
    with pytest.raises(LedgerError) as refused:
        branch_stage_set(by=city_officer, branch=branch, stage=Stage.CONSOLIDATING, reason="委员配齐")
    assert "执委会" in str(refused.value.message)
    for item in StageChecklistItem.objects.filter(stage=Stage.CONSOLIDATING):
        branch = branch_checklist_tick(by=city_officer, branch=branch, item=item, ticked=True)
    with pytest.raises(LedgerError):
        branch_stage_set(by=city_officer, branch=branch, stage=Stage.CONSOLIDATING, reason="")
    branch_stage_set(by=city_officer, branch=branch, stage=Stage.CONSOLIDATING, reason="委员配齐")
    organisation.refresh_from_db()
    assert organisation.stage == Stage.CONSOLIDATING
    change = StageChange.objects.filter(organisation=organisation).first()
    assert (change.from_stage, change.to_stage, change.by, change.reason) == (
        "established",
        "consolidating",
        city_officer,
        "委员配齐",
    )


def test_re_election_ends_the_term_due_stage(city_officer):
    branch = branch_create(
        by=city_officer,
        organisation=OrganisationFactory(),
        data={"name": "某妇联", "form": "federation", "established_on": dt.date(2021, 12, 1)},
    )
    branch_stage_set(by=city_officer, branch=branch, stage=Stage.TERM_DUE, reason="届满前")
    branch_update(
        by=city_officer,
        branch=branch,
        data={"term_number": 2, "term_ends_on": dt.date(2031, 12, 1)},
        reason="换届",
    )
    branch.refresh_from_db()
    assert branch.stage == Stage.ESTABLISHED and branch.term_number == 2


def test_term_end_handles_a_leap_day():
    assert term_end(dt.date(2024, 2, 29), 5) == dt.date(2029, 2, 28)


def test_a_district_officer_cannot_cover_another_districts_organisation(district_officer):
    from django.core.exceptions import PermissionDenied

    theirs = OrganisationFactory(region=Region.objects.get(code="150304002"))
    with pytest.raises(PermissionDenied):
        branch_create(
            by=district_officer,
            organisation=OrganisationFactory(),
            data={"name": "x", "form": "federation"},
            covers=[theirs],
        )


def test_changing_a_categorys_interval_moves_its_organisations_due_dates(district_officer):
    from branches.services.contacts import contact_cadence_recompute

    express = Category.objects.get(name="快递行业")
    organisation = OrganisationFactory()
    organisation.categories.add(express)
    contact_add(
        by=district_officer, organisation=organisation, contacted_on=TODAY, channel="visit", summary="走访"
    )
    express.contact_interval_days = 7
    express.save()
    assert contact_cadence_recompute(category=express) == 1
    organisation.refresh_from_db()
    assert organisation.contact_due_on == TODAY + dt.timedelta(days=7)
