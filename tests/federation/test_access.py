"""The access module: roles, scopes, and the selectors built on them."""

import pytest
from django.core.exceptions import PermissionDenied

from federation import access
from federation.models import FederationUnit, Region
from federation.selectors import operation_logs_for, units_for
from federation.services import operation_record


def test_district_officer_sees_only_their_districts_units(district_officer):
    names = set(units_for(district_officer).values_list("name", flat=True))
    assert "海勃湾区妇联" in names and "凤凰岭街道妇联" in names
    assert "乌达区妇联" not in names and "乌海市妇联" not in names and "新达街道妇联" not in names


def test_city_officer_sees_every_unit_of_the_city(city_officer):
    assert units_for(city_officer).count() == FederationUnit.objects.count()


def test_region_scope_follows_the_division_tree(district_officer, other_district_officer):
    street = Region.objects.get(code="150302001")  # 凤凰岭街道 in 海勃湾区
    assert access.in_region_scope(district_officer, street)
    assert not access.in_region_scope(other_district_officer, street)
    assert not access.in_region_scope(district_officer, None)


def test_contacts_and_anonymous_see_no_staff_rows(liaison):
    from django.contrib.auth.models import AnonymousUser

    assert units_for(liaison).count() == 0
    assert units_for(AnonymousUser()).count() == 0


def test_wrong_role_is_refused_and_unknown_permission_is_a_programming_error(city_officer, liaison):
    with pytest.raises(PermissionDenied):
        access.require(city_officer, "logs.logins")
    assert access.has(liaison, "contact.home")
    assert not access.has(liaison, "staff.home")
    with pytest.raises(KeyError):
        access.has(city_officer, "no.such.permission")


def test_inactive_user_holds_no_permission(city_officer):
    city_officer.is_active = False
    assert not access.has(city_officer, "staff.home")


def test_staff_without_unit_holds_no_permission(city_officer):
    city_officer.unit = None
    assert access.actor(city_officer) is None
    assert not access.has(city_officer, "staff.home")


def test_manager_reads_operations_of_their_subtree_only(
    district_manager, district_officer, other_district_officer
):
    mine = operation_record(actor=district_officer, action="user.language", obj=district_officer)
    theirs = operation_record(
        actor=other_district_officer, action="user.language", obj=other_district_officer
    )
    seen = set(operation_logs_for(district_manager))
    assert mine in seen and theirs not in seen
    assert not operation_logs_for(district_officer).exists()


def test_only_admins_read_the_personal_data_log(client, admin_user, city_officer):
    from django.urls import reverse

    from federation.services import disclosure_record

    disclosure_record(user=city_officer, kind="reveal", what="联系人手机号", row_count=None)
    client.force_login(city_officer)
    assert client.get(reverse("federation:disclosure_log")).status_code == 403
    client.force_login(admin_user)
    page = client.get(reverse("federation:disclosure_log")).content.decode()
    assert "联系人手机号" in page and city_officer.display_name in page


def test_the_operation_log_filters_by_action(client, admin_user, city_officer):
    from django.urls import reverse

    from federation.services import operation_record

    operation_record(actor=city_officer, action="user.language", obj=city_officer, reason="换成英文")
    operation_record(actor=city_officer, action="organisation.archive", obj=city_officer, reason="已注销")
    client.force_login(admin_user)
    page = client.get(reverse("federation:operation_log"), {"action": "user.language"}).content.decode()
    assert '<option value="user.language" selected>' in page
    assert "换成英文" in page and "已注销" not in page


def test_an_area_is_remembered_between_requests_and_forgotten_when_a_division_changes(
    district_officer, django_assert_num_queries
):
    from django.contrib.auth import get_user_model

    from branches.selectors import organisations_for
    from tests.branches.factories import OrganisationFactory

    def fresh_officer():  # as each request loads its user afresh
        return get_user_model().objects.select_related("unit__region").get(pk=district_officer.pk)

    with django_assert_num_queries(3):  # the user, the area's regions, the organisations
        list(organisations_for(fresh_officer()))
    with django_assert_num_queries(2):  # the next request: the area is remembered
        list(organisations_for(fresh_officer()))
    district = Region.objects.get(code="150302")
    street = Region.objects.create(
        code="150302099",
        name="新设街道",
        level=Region.Level.STREET,
        parent=district,
        path=f"{district.path}150302099/",
    )
    organisation = OrganisationFactory(name="乌海市新设街道商会", region=street)
    assert organisation in organisations_for(fresh_officer())
