"""The search boxes that choose organisations and women's organisations on forms (branches/widgets.py)."""

import pytest
from django.urls import reverse

from activities.forms import ActivityForm
from branches.models import Branch
from federation.models import Region
from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

PICK = reverse("branches:organisation_pick")


def _ids(response):
    assert response.status_code == 200
    return [item["id"] for item in response.json()["results"]]


def test_matches_in_the_area_by_two_characters_initials_and_code(client_as, district_officer):
    bakery = OrganisationFactory(name="乌海市海勃湾区甜蜜烘焙有限公司", uscc="91150302MA0TEST12X")
    OrganisationFactory(name="乌海市海勃湾区钢铁有限公司")
    elsewhere = OrganisationFactory(
        name="乌海市乌达区甜蜜烘焙有限公司", region=Region.objects.get(code="150304")
    )
    client = client_as(district_officer)
    assert _ids(client.get(PICK, {"q": "烘焙"})) == [bakery.pk]  # not the other district's bakery
    assert _ids(client.get(PICK, {"q": "tmhb"})) == [bakery.pk]
    assert _ids(client.get(PICK, {"q": "91150302MA0T"})) == [bakery.pk]
    assert elsewhere.pk not in _ids(client.get(PICK, {"q": "甜蜜"}))


def test_archived_organisations_and_empty_queries_find_nothing(client_as, district_officer):
    archived = OrganisationFactory(name="乌海市海勃湾区旧厂有限公司")
    archived.archived_at = archived.created_at
    archived.save(update_fields=["archived_at"])
    client = client_as(district_officer)
    assert _ids(client.get(PICK, {"q": "旧厂"})) == []
    assert _ids(client.get(PICK, {"q": "   "})) == []
    assert _ids(client.get(PICK)) == []


def test_answers_at_most_twenty_in_pinyin_order_with_the_district(client_as, city_officer):
    for n in range(25):
        OrganisationFactory(name=f"乌海市测试服务{n:02d}有限公司")
    response = client_as(city_officer).get(PICK, {"q": "测试服务"})
    results = response.json()["results"]
    assert len(results) == 20
    assert results[0] == {
        "id": results[0]["id"],
        "label": "乌海市测试服务00有限公司",
        "hint": "海勃湾区",
    }


def test_a_search_costs_the_same_queries_at_any_size(client_as, city_officer, django_assert_max_num_queries):
    client = client_as(city_officer)
    for n in range(3):
        OrganisationFactory(name=f"乌海市计数{n}有限公司")
    client.get(PICK, {"q": "计数"})
    with django_assert_max_num_queries(6) as small:
        client.get(PICK, {"q": "计数"})
    for n in range(3, 40):
        OrganisationFactory(name=f"乌海市计数{n}有限公司")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(PICK, {"q": "计数"})


def test_long_hostile_queries_answer_json(client_as, city_officer):
    response = client_as(city_officer).get(PICK, {"q": "<script>' OR 1=1 --" * 500})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"results": []}


def test_women_organisations_are_found_by_name_in_the_area(
    client_as, district_officer, other_district_officer
):
    host = OrganisationFactory(name="乌海市海勃湾区物流园")
    branch = Branch.objects.create(
        name="物流园区妇联", organisation=host, region=host.region, form="federation"
    )
    Branch.objects.create(
        name="物流园区旧妇联",
        organisation=host,
        region=host.region,
        form="federation",
        dissolved_on="2025-01-01",
    )
    url = reverse("branches:branch_pick")
    assert _ids(client_as(district_officer).get(url, {"q": "物流"})) == [branch.pk]
    assert _ids(client_as(other_district_officer).get(url, {"q": "物流"})) == []


def test_the_form_renders_only_what_is_chosen(district_officer):
    organisations = [OrganisationFactory(name=f"乌海市海勃湾区服务对象{n}有限公司") for n in range(30)]
    form = ActivityForm(user=district_officer, initial={"organisations": [organisations[3].pk]})
    html = str(form["organisations"])
    assert html.count("<option") == 1
    assert organisations[3].name in html and organisations[4].name not in html
    assert 'data-source="/ledger/organisations/pick/"' in html
