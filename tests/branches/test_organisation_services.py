"""Ledger services: create, edit, archive, restore, merge, duplicate decisions, and search."""

import pytest

from branches.errors import LedgerError
from branches.models import Category, DuplicateDecision, Organisation, RegisterPresence
from branches.selectors import duplicate_candidates_for, organisation_search
from branches.services.organisations import (
    duplicate_mark_different,
    organisation_archive,
    organisation_create,
    organisation_merge,
    organisation_restore,
    organisation_update,
)
from federation.models import OperationLog, Region
from tests.branches.factories import OrganisationFactory, RegisterSourceFactory

pytestmark = pytest.mark.django_db


def region(code):
    return Region.objects.get(code=code)


def test_officer_adds_an_organisation_in_their_district(district_officer):
    organisation = organisation_create(
        by=district_officer,
        data={"name": " 乌海市爱心协会 ", "field": "social", "region": region("150302003")},
        categories=[Category.objects.get(name="女性社会组织")],
    )
    assert organisation.name == "乌海市爱心协会"
    assert organisation.district.code == "150302"
    assert "whsaxxh" in organisation.search_text
    assert organisation.history.filter(history_type="+").get().history_user == district_officer
    assert OperationLog.objects.filter(action="organisation.create", object_id=str(organisation.pk)).exists()


def test_officer_cannot_add_an_organisation_in_another_district(district_officer):
    with pytest.raises(LedgerError):
        organisation_create(
            by=district_officer, data={"name": "乌达某公司", "field": "economic", "region": region("150304")}
        )
    assert not Organisation.objects.exists()


def test_renaming_keeps_the_old_name_searchable(city_officer):
    organisation = OrganisationFactory(name="乌海市旧名有限公司")
    organisation_update(
        organisation=organisation, by=city_officer, data={"name": "乌海市新名有限公司"}, reason="更名"
    )
    organisation.refresh_from_db()
    assert organisation.former_names == ["乌海市旧名有限公司"]
    found = organisation_search(user=city_officer, filters={"q": "旧名"})
    assert list(found) == [organisation]
    latest = organisation.history.first()
    assert latest.history_change_reason == "更名" and latest.history_user == city_officer


def test_an_edit_that_changes_nothing_writes_no_history(city_officer):
    organisation = OrganisationFactory()
    organisation_update(
        organisation=organisation, by=city_officer, data={"name": organisation.name, "women": 60}
    )
    assert organisation.history.count() == 1


def test_a_persons_edit_replaces_what_the_register_said(city_officer):
    organisation = OrganisationFactory(
        value_sources={"women": {"source": "民政局"}, "address": {"source": "民政局"}}
    )
    organisation_update(organisation=organisation, by=city_officer, data={"women": 61})
    organisation.refresh_from_db()
    assert "women" not in organisation.value_sources and "address" in organisation.value_sources


def test_archive_needs_a_reason_and_restore_brings_it_back(city_officer):
    organisation = OrganisationFactory()
    with pytest.raises(LedgerError):
        organisation_archive(organisation=organisation, by=city_officer, reason="  ")
    organisation_archive(organisation=organisation, by=city_officer, reason="已注销")
    organisation.refresh_from_db()
    assert organisation.archived and organisation.archive_reason == "已注销"
    with pytest.raises(LedgerError):
        organisation_archive(organisation=organisation, by=city_officer, reason="again")
    organisation_restore(organisation=organisation, by=city_officer)
    organisation.refresh_from_db()
    assert not organisation.archived
    assert Organisation.objects.count() == 1


def test_merge_fills_blanks_carries_names_codes_categories_and_registers(city_officer):
    source = RegisterSourceFactory(name="民政局社会组织名录")
    keep = OrganisationFactory(name="乌海市爱心协会", uscc="", address="", employees=None, women=None)
    duplicate = OrganisationFactory(
        name="烏海市愛心協會", uscc="52150302MA01231036", address="海北街道1号", employees=30, women=20
    )
    duplicate.categories.add(Category.objects.get(name="女性社会组织"))
    RegisterPresence.objects.create(organisation=duplicate, source=source, in_latest=True)
    organisation_merge(keep=keep, duplicate=duplicate, by=city_officer, reason="同一协会")
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert keep.uscc == "52150302MA01231036" and keep.address == "海北街道1号" and keep.women == 20
    assert "烏海市愛心協會" in keep.former_names
    assert list(keep.categories.values_list("name", flat=True)) == ["女性社会组织"]
    assert RegisterPresence.objects.get(source=source).organisation == keep
    assert duplicate.merged_into == keep and duplicate.archived and duplicate.uscc == ""
    assert duplicate.history.count() >= 2 and keep.history.count() >= 2


def test_records_with_two_different_codes_are_never_merged(city_officer):
    keep = OrganisationFactory(uscc="91150302MA01231035")
    other = OrganisationFactory(uscc="52150303MA0123103L")
    with pytest.raises(LedgerError):
        organisation_merge(keep=keep, duplicate=other, by=city_officer)
    other.refresh_from_db()
    assert other.merged_into is None and not other.archived


def test_a_district_officer_cannot_merge_across_districts(district_officer):
    mine = OrganisationFactory()
    theirs = OrganisationFactory(region=region("150304002"))
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        organisation_merge(keep=mine, duplicate=theirs, by=district_officer)


def test_spelling_variants_are_proposed_as_duplicates_until_marked_different(city_officer):
    first = OrganisationFactory(name="乌海市某某物流有限责任公司")
    second = OrganisationFactory(name="乌海市某某物流有限公司")
    OrganisationFactory(name="乌海市另一家物流有限公司")
    pairs = duplicate_candidates_for(city_officer)
    assert [(a.pk, b.pk) for a, b, _ in pairs] == [(first.pk, second.pk)]
    duplicate_mark_different(first=second, second=first, by=city_officer, reason="两家")
    duplicate_mark_different(first=first, second=second, by=city_officer)
    assert DuplicateDecision.objects.count() == 1
    assert duplicate_candidates_for(city_officer) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("爱心", True),
        ("whsax", True),
        ("WHSAX", True),
        ("愛心協會", True),
        ("52150302", True),
        ("协会乌海", False),
    ],
)
def test_search_by_two_characters_pinyin_initials_traditional_spelling_and_code(
    city_officer, query, expected
):
    organisation = OrganisationFactory(name="乌海市爱心协会", uscc="52150302MA01231036", field="social")
    OrganisationFactory(name="乌海市某某化工有限公司")
    found = list(organisation_search(user=city_officer, filters={"q": query}))
    assert (found == [organisation]) is expected


def test_names_sort_in_pinyin_order(city_officer):
    for name in ["万达商圈", "安达物流", "北方快递", "阿拉善商会"]:
        OrganisationFactory(name=name)
    names = [o.name for o in organisation_search(user=city_officer, filters={})]
    assert names == ["阿拉善商会", "安达物流", "北方快递", "万达商圈"]


def test_a_district_officer_searches_only_their_district(district_officer):
    OrganisationFactory(name="海勃湾甲协会")
    OrganisationFactory(name="乌达乙协会", region=region("150304002"))
    assert [o.name for o in organisation_search(user=district_officer, filters={"q": "协会"})] == [
        "海勃湾甲协会"
    ]
