"""Yes/no values read 是/否 wherever a page prints them as text: never Python's True/False."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from branches.services.organisations import organisation_update
from tests.branches.factories import OrganisationFactory


def _render(value) -> str:
    return Template("{% load cells %}{{ value|as_text }}").render(Context({"value": value}))


def test_as_text_prints_yes_no_and_a_dash_for_nothing():
    assert _render(True) == "是"
    assert _render(False) == "否"
    assert _render(None) == "—"
    assert _render("") == "—"
    assert _render(0) == "0"  # a count of nothing is a number, not a blank
    assert _render("乌海市") == "乌海市"


@pytest.mark.django_db
def test_the_merge_page_compares_party_organisation_and_union_as_yes_or_no(client, city_officer):
    keep = OrganisationFactory(name="乌海市爱心协会", uscc="", party_org=True, trade_union=False)
    other = OrganisationFactory(
        name="烏海市愛心協會", uscc="52150302MA01231036", party_org=False, trade_union=None
    )
    client.force_login(city_officer)

    page = client.get(reverse("branches:organisation_merge", args=[keep.pk]), {"other": other.pk})

    assert page.status_code == 200
    html = page.content.decode()
    assert "True" not in html and "False" not in html
    assert "<td>是</td><td>否</td>" in html  # 党组织: this record yes, the other no
    assert "<td>否</td><td>—</td>" in html  # 工会: no, and unknown


@pytest.mark.django_db
def test_the_organisation_history_shows_a_changed_yes_no_as_shi_and_fou(client, city_officer):
    organisation = OrganisationFactory(name="乌海市某某商贸有限公司", party_org=False)
    organisation_update(organisation=organisation, by=city_officer, data={"party_org": True}, reason="核实")
    client.force_login(city_officer)

    html = client.get(reverse("branches:organisation_detail", args=[organisation.pk])).content.decode()

    assert '<del class="text-body-secondary">否</del> → 是' in html
    assert "True" not in html
