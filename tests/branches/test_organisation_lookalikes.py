"""Records that look like the one being added or edited are shown before saving; saving anyway needs a reason,
which the organisation's history keeps."""

import pytest
from django.urls import reverse

from branches.models import Organisation
from branches.names import name_core
from federation.models import OperationLog, Region
from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def region(code):
    return Region.objects.get(code=code)


def form_data(**overrides):
    data = {
        "name": "乌海市爱心协会",
        "field": "social",
        "unit_type": "association",
        "region": region("150302001").pk,
        "employees": "10",
        "women": "6",
        "in_scope": "on",
    }
    data.update(overrides)
    return data


def test_name_core_drops_place_names_and_legal_form():
    places = ["内蒙古自治区", "乌海市", "海勃湾区"]
    assert name_core("乌海市顺达快递有限公司", places) == "顺达快递"
    assert name_core("海勃湾区顺达快递公司", places) == "顺达快递"
    assert name_core("乌海顺达快递股份有限公司", places) == "顺达快递"
    assert name_core("乌海市", places) == "乌海市"  # nothing left: the name stays whole
    assert name_core("", places) == ""


@pytest.mark.parametrize(
    "typed",
    ["乌海市爱心协会", "烏海市愛心協會", "乌海市 爱心协会", "乌海市·爱心协会"],
)
def test_adding_a_record_with_the_same_name_warns_and_saves_nothing(client, district_officer, typed):
    existing = OrganisationFactory(name="乌海市爱心协会", uscc="")
    client.force_login(district_officer)
    response = client.post(reverse("branches:organisation_create"), form_data(name=typed))
    page = response.content.decode()
    assert response.status_code == 200
    assert "可能已在台账中" in page and "名称相同" in page
    assert reverse("branches:organisation_detail", args=[existing.pk]) in page
    assert 'name="duplicate_reason"' in page and 'name="checked"' in page
    assert Organisation.objects.count() == 1


def test_a_limited_company_spelt_with_youxianzeren_is_the_same_name(client, district_officer):
    OrganisationFactory(name="乌海市顺达快递有限公司", uscc="")
    client.force_login(district_officer)
    page = client.post(
        reverse("branches:organisation_create"),
        form_data(name="乌海市顺達快遞有限責任公司", field="economic"),
    ).content.decode()
    assert "名称相同" in page and Organisation.objects.count() == 1


def test_a_near_name_is_listed_as_similar(client, district_officer):
    existing = OrganisationFactory(name="海勃湾区顺达快递公司", uscc="")
    client.force_login(district_officer)
    page = client.post(
        reverse("branches:organisation_create"), form_data(name="乌海顺达快递有限公司", field="economic")
    ).content.decode()
    assert "名称相近" in page and existing.name in page
    assert Organisation.objects.count() == 1


def test_a_record_with_the_same_credit_code_is_linked_and_refused(client, district_officer):
    existing = OrganisationFactory(name="乌海市巾帼家政服务中心", uscc="52150302MA01231036")
    client.force_login(district_officer)
    page = client.post(
        reverse("branches:organisation_create"), form_data(name="巾帼家政", uscc="52150302MA0123103-6")
    ).content.decode()
    assert "统一社会信用代码相同" in page
    assert reverse("branches:organisation_detail", args=[existing.pk]) in page
    assert Organisation.objects.count() == 1


def test_records_outside_the_area_are_counted_not_named(client, district_officer):
    OrganisationFactory(name="乌海市爱心协会", uscc="", region=region("150304002"))
    client.force_login(district_officer)
    page = client.post(reverse("branches:organisation_create"), form_data()).content.decode()
    assert "1 条相似记录在您的辖区之外" in page
    assert "乌达区" not in page
    assert Organisation.objects.count() == 1


def test_saving_anyway_needs_a_reason_and_the_history_keeps_it(client, district_officer):
    existing = OrganisationFactory(name="乌海市爱心协会", uscc="")
    client.force_login(district_officer)
    url = reverse("branches:organisation_create")
    first = client.post(url, form_data(name="烏海市愛心協會"))
    checked = first.context["form"]["checked"].value()
    assert checked

    without_reason = client.post(url, form_data(name="烏海市愛心協會", checked=checked))
    assert "请说明" in without_reason.content.decode() and Organisation.objects.count() == 1

    saved = client.post(
        url, form_data(name="烏海市愛心協會", checked=checked, duplicate_reason="同名的两个协会，地址不同")
    )
    organisation = Organisation.objects.exclude(pk=existing.pk).get()
    assert saved.status_code == 302
    record = organisation.history.get()
    assert record.history_change_reason == "并非重复：同名的两个协会，地址不同"
    log = OperationLog.objects.get(action="organisation.create")
    assert log.reason == "并非重复：同名的两个协会，地址不同"
    assert log.changes["lookalikes"][1] == [[existing.pk, existing.name]]
    detail = client.get(reverse("branches:organisation_detail", args=[organisation.pk])).content.decode()
    assert "并非重复：同名的两个协会，地址不同" in detail


def test_a_stale_confirmation_warns_again(client, district_officer):
    OrganisationFactory(name="乌海市爱心协会", uscc="")
    client.force_login(district_officer)
    url = reverse("branches:organisation_create")
    response = client.post(url, form_data(checked="0" * 32, duplicate_reason="不是同一家"))
    assert "可能已在台账中" in response.content.decode() and Organisation.objects.count() == 1


def test_editing_without_changing_the_name_does_not_warn_about_itself(client, district_officer):
    organisation = OrganisationFactory(name="乌海市爱心协会", uscc="")
    OrganisationFactory(name="乌海市爱心协会志愿服务队", uscc="")
    client.force_login(district_officer)
    response = client.post(
        reverse("branches:organisation_edit", args=[organisation.pk]),
        form_data(address="新华街道1号", seen=organisation.updated_at.isoformat()),
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.address == "新华街道1号"


def test_renaming_to_anothers_name_warns_but_not_about_itself(client, district_officer):
    organisation = OrganisationFactory(name="乌海市爱心协会", uscc="")
    other = OrganisationFactory(name="乌海市巾帼志愿者协会", uscc="")
    client.force_login(district_officer)
    url = reverse("branches:organisation_edit", args=[organisation.pk])
    response = client.post(
        url, form_data(name="烏海市巾幗志願者協會", seen=organisation.updated_at.isoformat())
    )
    page = response.content.decode()
    assert response.status_code == 200 and "名称相同" in page
    assert reverse("branches:organisation_detail", args=[other.pk]) in page
    warning = page.split('id="lookalikes"')[1].split("</section>")[0]
    assert reverse("branches:organisation_detail", args=[organisation.pk]) not in warning
    checked = response.context["form"]["checked"].value()
    saved = client.post(
        url,
        form_data(
            name="烏海市巾幗志願者協會",
            seen=organisation.updated_at.isoformat(),
            checked=checked,
            duplicate_reason="更名后与另一协会同名",
            reason="登记证书已更名",
        ),
    )
    assert saved.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "烏海市巾幗志願者協會"
    assert (
        organisation.history.first().history_change_reason == "并非重复：更名后与另一协会同名；登记证书已更名"
    )


def test_hostile_names_never_fail(client, city_officer):
    OrganisationFactory(name="乌海市爱心协会", uscc="")
    client.force_login(city_officer)
    for name in ["x" * 5000, "\x00", "爱心\x00协会", "%_%", "' OR 1=1 --", "有限公司", "乌海市", "(", "　"]:
        response = client.post(reverse("branches:organisation_create"), form_data(name=name, uscc="9115\x00"))
        assert response.status_code in {200, 302}
        live = client.get(
            reverse("branches:organisation_create"), {"name": name, "uscc": "\x00%"}, HTTP_HX_REQUEST="true"
        )
        assert live.status_code == 200


@pytest.mark.parametrize("others", [1, 30])
def test_the_warning_costs_the_same_queries_however_many_records_look_alike(
    client, city_officer, others, django_assert_max_num_queries
):
    for n in range(others):
        OrganisationFactory(name=f"乌海市爱心协会第{n}分会", uscc="")
    client.force_login(city_officer)
    client.get(reverse("branches:organisation_create"))
    data = form_data()
    # session, user, the choices' regions (twice: checked, then shown), the region's scope, two constraint
    # checks in savepoints (4 statements), the place names, the look-alikes, inbox count, categories
    with django_assert_max_num_queries(15):
        response = client.post(reverse("branches:organisation_create"), data)
    assert "可能已在台账中" in response.content.decode()


def test_the_form_page_costs_the_same_queries(client, city_officer, django_assert_max_num_queries):
    client.force_login(city_officer)
    client.get(reverse("branches:organisation_create"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("branches:organisation_create")).status_code == 200


def test_with_htmx_the_warning_comes_as_the_name_is_typed(client, district_officer, other_district_officer):
    existing = OrganisationFactory(name="乌海市爱心协会", uscc="")
    client.force_login(district_officer)
    url = reverse("branches:organisation_create")
    live = client.get(url, {"name": "烏海市愛心協會", "uscc": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert "名称相同" in live and reverse("branches:organisation_detail", args=[existing.pk]) in live
    assert 'id="lookalikes-live-panel"' in live and "duplicate_reason" not in live and "<html" not in live
    assert client.get(url, {"name": "乌"}, HTTP_HX_REQUEST="true").content == b""
    assert client.get(url, {"name": "乌海市巾帼家政服务中心"}, HTTP_HX_REQUEST="true").content == b""
    edit = reverse("branches:organisation_edit", args=[existing.pk])
    assert client.get(edit, {"name": "乌海市爱心协会"}, HTTP_HX_REQUEST="true").content == b""
    client.force_login(other_district_officer)
    assert client.get(edit, {"name": "乌海市爱心协会"}, HTTP_HX_REQUEST="true").status_code == 404
