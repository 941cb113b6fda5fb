"""Alliances: members in scope, and the alliance's women's organisation covering exactly its members."""

import pytest
from django.urls import reverse

from activities import services
from activities.errors import WorkError
from activities.models import Alliance
from branches.models import Branch
from federation.models import OperationLog, Region
from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def _branch(organisation, name="商圈妇联"):
    branch = Branch.objects.create(
        name=name, organisation=organisation, region=organisation.region, form="federation", way="area"
    )
    branch.covers.add(organisation)
    return branch


def _covers(branch):
    return set(branch.covers.values_list("pk", flat=True))


def test_an_alliances_womens_organisation_covers_its_members(district_officer):
    lead, a, b, c = (OrganisationFactory() for _ in range(4))
    branch = _branch(lead)
    alliance = services.alliance_create(
        by=district_officer, data={"name": "万达商圈妇建联盟", "lead": lead, "branch": branch}, members=[a, b]
    )
    assert _covers(branch) == {lead.pk, a.pk, b.pk}  # the lead is a member too
    services.alliance_update(by=district_officer, alliance=alliance, data={}, members=[a, c])
    assert _covers(branch) == {lead.pk, a.pk, c.pk}
    assert OperationLog.objects.filter(action="alliance.covers_sync").count() == 2
    assert alliance.history.count() >= 2


def test_an_alliance_moving_to_another_womens_organisation_leaves_the_old_one(district_officer):
    lead, a, other_host = (OrganisationFactory() for _ in range(3))
    old, new = _branch(lead, "旧妇联"), _branch(other_host, "新妇联")
    alliance = services.alliance_create(
        by=district_officer, data={"name": "联盟", "lead": lead, "branch": old}, members=[a]
    )
    services.alliance_update(by=district_officer, alliance=alliance, data={"branch": new}, members=[a])
    assert _covers(old) == {lead.pk}  # its own organisation stays covered
    assert _covers(new) == {other_host.pk, lead.pk, a.pk}
    services.alliance_update(by=district_officer, alliance=alliance, data={"branch": None}, members=[a])
    assert _covers(new) == {other_host.pk}


def test_a_womens_organisation_serves_one_alliance(district_officer):
    lead = OrganisationFactory()
    branch = _branch(lead)
    services.alliance_create(by=district_officer, data={"name": "一", "lead": lead, "branch": branch})
    with pytest.raises(WorkError):
        services.alliance_create(by=district_officer, data={"name": "二", "lead": lead, "branch": branch})


def test_district_officer_cannot_add_another_districts_member(client, district_officer):
    lead = OrganisationFactory()
    wuda = OrganisationFactory(name="乌达区商户", region=Region.objects.get(code="150304002"))
    with pytest.raises(WorkError):
        services.alliance_create(by=district_officer, data={"name": "联盟", "lead": lead}, members=[wuda])
    client.force_login(district_officer)
    response = client.post(
        reverse("activities:alliance_create"), {"name": "联盟", "lead": lead.pk, "members": [wuda.pk]}
    )
    assert response.status_code == 200 and "members" in response.context["form"].errors
    assert not Alliance.objects.exists()


def test_alliance_pages(client, district_officer, other_district_officer):
    lead, member = OrganisationFactory(), OrganisationFactory()
    branch = _branch(lead)
    client.force_login(district_officer)
    response = client.post(
        reverse("activities:alliance_create"),
        {"name": "万达商圈妇建联盟", "lead": lead.pk, "members": [member.pk], "branch": branch.pk},
    )
    alliance = Alliance.objects.get()
    assert response["Location"] == reverse("activities:alliance_detail", args=[alliance.pk])
    assert _covers(branch) == {lead.pk, member.pk}
    page = client.get(reverse("activities:alliance_list")).content.decode()
    assert "万达商圈妇建联盟" in page
    page = client.get(response["Location"]).content.decode()
    assert member.name in page and branch.name in page
    client.force_login(other_district_officer)
    assert client.get(response["Location"]).status_code == 404
