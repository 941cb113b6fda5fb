"""Liaison, contact and women's-organisation pages through the test client."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import Branch, ContactLog, Liaison, Stage, StageChecklistItem
from branches.services.contacts import contact_add
from federation.models import DisclosureLog, Region
from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_officer_names_a_liaison_only_with_consent(client, district_officer):
    organisation = OrganisationFactory()
    client.force_login(district_officer)
    url = reverse("branches:liaison_add", args=[organisation.pk])
    page = client.get(url).content.decode()
    assert "仅用于" in page  # the notice is shown before anything is collected
    client.post(url, {"name": "王芳", "post": "办公室主任", "mobile": "13904731234"})
    assert not Liaison.objects.exists()
    client.post(url, {"name": "王芳", "post": "办公室主任", "mobile": "13904731234", "consent": "on"})
    liaison = Liaison.objects.get()
    assert liaison.consent_at is not None
    detail = client.get(reverse("branches:organisation_detail", args=[organisation.pk])).content.decode()
    assert "139****1234" in detail and "13904731234" not in detail


def test_revealing_a_liaisons_mobile_is_logged(client, district_officer):
    organisation = OrganisationFactory()
    liaison = Liaison.objects.create(organisation=organisation, name="王芳", mobile="13904731234")
    client.force_login(district_officer)
    response = client.post(reverse("branches:liaison_reveal", args=[liaison.pk]), HTTP_HX_REQUEST="true")
    assert "13904731234" in response.content.decode()
    assert DisclosureLog.objects.get().object_id == str(liaison.pk)


def test_a_contact_is_logged_in_one_step_from_the_organisation_page(client, district_officer):
    organisation = OrganisationFactory()
    client.force_login(district_officer)
    today = timezone.localdate()
    response = client.post(
        reverse("branches:contact_add", args=[organisation.pk]),
        {
            "contacted_on": today.isoformat(),
            "channel": "visit",
            "summary": "上门走访",
            "next_follow_up": (today + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 302
    contact = ContactLog.objects.get()
    assert contact.staff == district_officer and contact.next_follow_up == today + dt.timedelta(days=1)


def test_a_contact_with_bad_dates_is_refused_with_a_message(client, district_officer):
    organisation = OrganisationFactory()
    client.force_login(district_officer)
    today = timezone.localdate()
    response = client.post(
        reverse("branches:contact_add", args=[organisation.pk]),
        {"contacted_on": (today + dt.timedelta(days=3)).isoformat(), "channel": "visit", "summary": "x"},
    )
    assert response.status_code == 200 and "未来" in response.content.decode()
    assert not ContactLog.objects.exists()


def test_follow_ups_show_on_the_staff_home_and_done_clears_them(client, district_officer):
    organisation = OrganisationFactory(name="乌海市某某物流有限公司")
    today = timezone.localdate()
    contact = contact_add(
        by=district_officer,
        organisation=organisation,
        contacted_on=today,
        channel="phone",
        summary="回访",
        next_follow_up=today,
    )
    client.force_login(district_officer)
    assert "乌海市某某物流有限公司" in client.get(reverse("federation:staff_home")).content.decode()
    client.post(
        reverse("branches:contact_done", args=[contact.pk]), {"next": reverse("federation:staff_home")}
    )
    assert "乌海市某某物流有限公司" not in client.get(reverse("federation:staff_home")).content.decode()


def test_overdue_contacts_are_listed_by_district_within_scope(client, district_officer):
    mine = OrganisationFactory(name="海勃湾逾期协会")
    theirs = OrganisationFactory(name="乌达逾期协会", region=Region.objects.get(code="150304002"))
    past = timezone.localdate() - dt.timedelta(days=3)
    type(mine).objects.filter(pk__in=[mine.pk, theirs.pk]).update(contact_due_on=past)
    client.force_login(district_officer)
    page = client.get(reverse("branches:contact_overdue")).content.decode()
    assert "海勃湾逾期协会" in page and "乌达逾期协会" not in page


def test_a_contact_person_uses_the_form_helper(client, liaison):
    client.force_login(liaison)
    page = client.get(
        reverse("branches:form_helper"), {"place": "unit", "unit_type": "express", "women": "30"}
    ).content.decode()
    assert "行业" in page and "4" in page


def test_recording_an_industry_wide_federation_and_moving_its_stage(client, city_officer):
    association = OrganisationFactory(name="乌海市快递行业协会", unit_type="association", field="social")
    outlet = OrganisationFactory(name="中通快递乌海网点", unit_type="express", field="employment")
    client.force_login(city_officer)
    form = client.get(reverse("branches:branch_create", args=[association.pk])).content.decode()
    assert "乌海市快递行业协会妇女" in form
    client.post(
        reverse("branches:branch_create", args=[association.pk]),
        {
            "name": "乌海市快递行业妇联",
            "form": "federation",
            "way": "industry",
            "established_on": "2024-03-08",
            "term_number": "1",
            "covers": [outlet.pk],
            "reason": "行业党委牵头统建",
        },
    )
    branch = Branch.objects.get()
    outlet.refresh_from_db()
    assert branch.term_ends_on == dt.date(2029, 3, 8) and outlet.stage == Stage.ESTABLISHED
    client.post(
        reverse("branches:branch_stage", args=[branch.pk]), {"stage": "consolidating", "reason": "委员配齐"}
    )
    branch.refresh_from_db()
    assert branch.stage == Stage.ESTABLISHED  # refused: the checklist is not ticked
    for item in StageChecklistItem.objects.filter(stage="consolidating"):
        client.post(reverse("branches:branch_checklist", args=[branch.pk]), {"item": item.pk, "ticked": "1"})
    client.post(
        reverse("branches:branch_stage", args=[branch.pk]), {"stage": "consolidating", "reason": "委员配齐"}
    )
    branch.refresh_from_db()
    assert branch.stage == Stage.CONSOLIDATING
    page = client.get(reverse("branches:branch_detail", args=[branch.pk])).content.decode()
    assert "中通快递乌海网点" in page and "委员配齐" in page


def test_branch_list_is_scoped_and_costs_bounded_queries(
    client, district_officer, city_officer, django_assert_max_num_queries
):
    from branches.services.branches import branch_create

    for n in range(15):
        region = Region.objects.get(code="150302001" if n % 2 else "150304002")
        organisation = OrganisationFactory(region=region)
        branch_create(
            by=city_officer, organisation=organisation, data={"name": f"第{n}妇联", "form": "federation"}
        )
    client.force_login(district_officer)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("branches:branch_list"))
    names = [b.name for b in page.context["page"].rows]
    assert len(names) == 7


def test_a_contact_sees_their_own_organisation_on_their_home(client, liaison, other_liaison):
    organisation = OrganisationFactory(name="乌海市爱心协会")
    Liaison.objects.create(organisation=organisation, name="联系人甲", mobile="13904731234", user=liaison)
    client.force_login(liaison)
    assert "乌海市爱心协会" in client.get(reverse("federation:contact_home")).content.decode()
    client.force_login(other_liaison)
    assert "乌海市爱心协会" not in client.get(reverse("federation:contact_home")).content.decode()


def test_choosing_another_form_than_suggested_needs_a_reason(client, city_officer):
    organisation = OrganisationFactory(
        name="乌海市某大型企业", women=120, party_org=True
    )  # rule 6: 妇联 (or 妇委会)
    client.force_login(city_officer)
    url = reverse("branches:branch_create", args=[organisation.pk])
    data = {"name": "乌海市某大型企业妇女小组", "form": "group", "way": "standalone", "term_number": "1"}
    response = client.post(url, data)
    assert response.status_code == 200 and not Branch.objects.exists()
    client.post(url, {**data, "reason": "女职工分散在外地项目部，先建小组"})
    branch = Branch.objects.get()
    assert branch.history.first().history_change_reason == "女职工分散在外地项目部，先建小组"


def test_the_overdue_filters_take_any_number_without_an_error(client, district_officer):
    # An id past 64 bits overflowed SQLite (a 500); it now filters nothing.
    client.force_login(district_officer)
    huge = str(2**70)
    response = client.get(reverse("branches:contact_overdue"), {"district": huge, "officer": huge})
    assert response.status_code == 200


def test_the_branch_list_district_filter_takes_any_number_without_an_error(client, district_officer):
    client.force_login(district_officer)
    response = client.get(reverse("branches:branch_list"), {"district": str(2**70)})
    assert response.status_code == 200


def test_the_branch_list_filters_by_form_and_district_and_ignores_unknown_values(client, city_officer):
    from branches.services.branches import branch_create

    hbw = OrganisationFactory(name="海勃湾甲单位", region=Region.objects.get(code="150302001"))
    wd = OrganisationFactory(name="乌达乙单位", region=Region.objects.get(code="150304002"))
    branch_create(by=city_officer, organisation=hbw, data={"name": "甲妇联", "form": "federation"})
    branch_create(by=city_officer, organisation=wd, data={"name": "乙妇委会", "form": "committee"})
    client.force_login(city_officer)

    def names(**query) -> set[str]:
        return {b.name for b in client.get(reverse("branches:branch_list"), query).context["page"].rows}

    assert names(form="federation") == {"甲妇联"}
    assert names(district=str(Region.objects.get(code="150304").pk)) == {"乙妇委会"}
    assert names(form="no-such-form", stage="none", term="7") == {"甲妇联", "乙妇委会"}


def test_overdue_contacts_filter_by_officer_or_by_having_none(client, district_officer):
    kept = OrganisationFactory(name="有干事逾期协会", officer=district_officer)
    orphan = OrganisationFactory(name="无干事逾期协会")
    past = timezone.localdate() - dt.timedelta(days=3)
    type(kept).objects.filter(pk__in=[kept.pk, orphan.pk]).update(contact_due_on=past)
    client.force_login(district_officer)
    url = reverse("branches:contact_overdue")
    page = client.get(url, {"officer": "none"}).content.decode()
    assert "无干事逾期协会" in page and "有干事逾期协会" not in page
    page = client.get(url, {"officer": str(district_officer.pk)}).content.decode()
    assert "有干事逾期协会" in page and "无干事逾期协会" not in page
