"""Ledger pages through the test client: scope, roles, bad input, query counts."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from branches.models import Category, Organisation
from federation.models import DisclosureLog, Region
from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def region(code):
    return Region.objects.get(code=code)


def make_many(count, **kwargs):
    top = Category.objects.get(name="百强民营企业")
    for n in range(count):
        organisation = OrganisationFactory(name=f"乌海市第{n:05d}号企业有限公司", **kwargs)
        organisation.categories.add(top)


@pytest.mark.parametrize("rows", [10, 120])
def test_ledger_list_costs_the_same_queries_at_any_size(
    client, city_officer, rows, django_assert_max_num_queries
):
    make_many(rows)
    client.force_login(city_officer)
    # session, user (with unit and region), the area's region ids, rows (with the capped total), their
    # categories, the area's districts and streets, categories, registers, the inbox count
    with django_assert_max_num_queries(9):
        response = client.get(
            reverse("branches:organisation_list"), {"q": "企业", "category": "", "sort": "name"}
        )
    assert response.status_code == 200
    with django_assert_max_num_queries(9):
        last = client.get(reverse("branches:organisation_list"), {"last": "1"})
    assert f"乌海市第{rows - 1:05d}号企业有限公司" in last.content.decode()


def test_paging_forward_reaches_every_row_once(client, city_officer):
    make_many(120)
    client.force_login(city_officer)
    seen, url = [], reverse("branches:organisation_list")
    params = {}
    while True:
        page = client.get(url, params).context["page"]
        seen += [o.pk for o in page.rows]
        if not page.has_next:
            break
        params = {"after": page.last_pk}
    assert sorted(seen) == sorted(Organisation.objects.values_list("pk", flat=True)) and len(seen) == 120


def test_district_officer_sees_only_their_district_and_gets_404_elsewhere(client, district_officer):
    mine = OrganisationFactory(name="海勃湾区甲商会")
    theirs = OrganisationFactory(name="乌达区乙商会", region=region("150304002"))
    client.force_login(district_officer)
    page = client.get(reverse("branches:organisation_list")).content.decode()
    assert mine.name in page and theirs.name not in page
    assert client.get(reverse("branches:organisation_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("branches:organisation_edit", args=[theirs.pk])).status_code == 404


def test_hostile_search_input_is_harmless(client, city_officer):
    OrganisationFactory(name="乌海市爱心协会")
    client.force_login(city_officer)
    for query in ["x" * 5000, "\x00\x01", "<script>alert(1)</script>", "' OR 1=1 --", "%_%"]:
        response = client.get(
            reverse("branches:organisation_list"), {"q": query, "district": "abc", "after": "-1"}
        )
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_officer_adds_an_organisation_through_the_form(client, district_officer):
    client.force_login(district_officer)
    response = client.post(
        reverse("branches:organisation_create"),
        {
            "name": "乌海市巾帼家政服务中心",
            "uscc": "52150302MA01231036",
            "field": "social",
            "unit_type": "social_service",
            "region": region("150302002").pk,
            "employees": "40",
            "women": "35",
            "contact_name": "王芳",
            "contact_mobile": "+86 139-0473-1234",
            "in_scope": "on",
        },
    )
    organisation = Organisation.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{organisation.pk}/")
    assert organisation.contact_mobile == "13904731234" and organisation.district.code == "150302"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("uscc", "91150302MA01231036", "校验不通过"),
        ("uscc", "91150302MA0123103", "应为 18 位"),
        ("contact_mobile", "12345", "不是有效的大陆手机号码"),
        ("women", "500", "女性人数不能多于"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(client, district_officer, field, value, message):
    client.force_login(district_officer)
    data = {
        "name": "乌海市某协会",
        "field": "social",
        "region": region("150302").pk,
        "employees": "40",
        field: value,
    }
    response = client.post(reverse("branches:organisation_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Organisation.objects.exists()


def test_district_officer_cannot_post_an_organisation_into_another_district(client, district_officer):
    client.force_login(district_officer)
    response = client.post(
        reverse("branches:organisation_create"),
        {"name": "乌达某协会", "field": "social", "region": region("150304").pk},
    )
    assert response.status_code == 200 and not Organisation.objects.exists()


def test_only_an_admin_may_accept_a_failing_credit_code_and_must_say_why(client, admin_user, city_officer):
    data = {
        "name": "乌海市老登记企业",
        "field": "economic",
        "region": region("150302").pk,
        "uscc": "91150302MA01231036",
    }
    client.force_login(city_officer)
    client.post(
        reverse("branches:organisation_create"), {**data, "force_uscc": "on", "uscc_override": "原件"}
    )
    assert not Organisation.objects.exists()
    client.force_login(admin_user)
    response = client.post(reverse("branches:organisation_create"), {**data, "force_uscc": "on"})
    assert response.status_code == 200 and not Organisation.objects.exists()
    client.post(
        reverse("branches:organisation_create"),
        {**data, "force_uscc": "on", "uscc_override": "与营业执照一致"},
    )
    assert Organisation.objects.get().uscc_override == "与营业执照一致"


def test_mobile_is_masked_and_revealing_it_is_logged(client, city_officer, city_viewer):
    organisation = OrganisationFactory(contact_name="王芳", contact_mobile="13904731234")
    client.force_login(city_viewer)
    page = client.get(reverse("branches:organisation_detail", args=[organisation.pk])).content.decode()
    assert "139****1234" in page and "13904731234" not in page
    assert client.post(reverse("branches:organisation_reveal", args=[organisation.pk])).status_code == 403
    client.force_login(city_officer)
    response = client.post(
        reverse("branches:organisation_reveal", args=[organisation.pk]), HTTP_HX_REQUEST="true"
    )
    assert "13904731234" in response.content.decode()
    log = DisclosureLog.objects.get()
    assert log.user == city_officer and log.kind == "reveal" and log.object_id == str(organisation.pk)


def test_detail_page_costs_the_same_queries_with_a_long_history(
    client, city_officer, django_assert_max_num_queries
):
    from branches.services.organisations import organisation_update

    organisation = OrganisationFactory()
    client.force_login(city_officer)
    with django_assert_max_num_queries(20) as short:
        client.get(reverse("branches:organisation_detail", args=[organisation.pk]))
    for n in range(40):
        organisation_update(
            organisation=organisation, by=city_officer, data={"women": n, "address": f"{n}号"}
        )
    with django_assert_max_num_queries(len(short.captured_queries)):
        page = client.get(reverse("branches:organisation_detail", args=[organisation.pk])).content.decode()
    assert "39号" in page


def test_archive_restore_and_merge_through_the_pages(client, city_officer):
    keep = OrganisationFactory(name="乌海市爱心协会", uscc="")
    duplicate = OrganisationFactory(name="烏海市愛心協會", uscc="52150302MA01231036")
    client.force_login(city_officer)
    duplicates = client.get(reverse("branches:duplicate_list")).content.decode()
    assert "烏海市愛心協會" in duplicates
    compare = client.get(reverse("branches:organisation_merge", args=[keep.pk]), {"other": duplicate.pk})
    assert compare.status_code == 200 and "52150302MA01231036" in compare.content.decode()
    client.post(
        reverse("branches:organisation_merge", args=[keep.pk]), {"other": duplicate.pk, "keep": "this"}
    )
    keep.refresh_from_db()
    assert keep.uscc == "52150302MA01231036"
    assert client.get(reverse("branches:duplicate_list")).context["pairs"] == []
    client.post(reverse("branches:organisation_archive", args=[keep.pk]), {"reason": "已注销"})
    keep.refresh_from_db()
    assert keep.archived
    client.post(reverse("branches:organisation_restore", args=[keep.pk]))
    keep.refresh_from_db()
    assert not keep.archived


def test_marking_a_pair_different_removes_it_from_the_duplicates(client, city_officer):
    first = OrganisationFactory(name="乌海市某某物流有限公司")
    second = OrganisationFactory(name="乌海市某某物流有限责任公司")
    client.force_login(city_officer)
    client.post(reverse("branches:duplicate_different"), {"first": first.pk, "second": second.pk})
    assert client.get(reverse("branches:duplicate_list")).context["pairs"] == []
    assert (
        client.post(reverse("branches:duplicate_different"), {"first": "x", "second": ""}).status_code == 404
    )


def test_a_reason_longer_than_the_historys_column_archives_and_restores(client, city_officer):
    # The form takes 500 characters; the history keeps 100 of them, the operation log all (a 500 before).
    from federation.models import OperationLog

    organisation = OrganisationFactory(name="乌海市长理由测试协会")
    reason = "单位已注销，" * 50
    client.force_login(city_officer)

    archived = client.post(
        reverse("branches:organisation_archive", args=[organisation.pk]), {"reason": reason}
    )
    restored = client.post(
        reverse("branches:organisation_restore", args=[organisation.pk]), {"reason": reason}
    )

    assert archived.status_code == 302 and restored.status_code == 302
    organisation.refresh_from_db()
    assert not organisation.archived
    assert organisation.history.first().history_change_reason == reason[:100]
    assert OperationLog.objects.filter(action="organisation.archive", reason=reason).exists()


def test_a_save_over_someone_elses_newer_save_is_refused_and_changes_nothing(
    client, city_officer, admin_user
):
    import re

    from branches.services.organisations import organisation_update

    organisation = OrganisationFactory(name="乌海市并发编辑协会", employees=10, women=5)
    client.force_login(city_officer)
    page = client.get(reverse("branches:organisation_edit", args=[organisation.pk])).content.decode()
    seen = re.search(r'name="seen" value="([^"]+)"', page).group(1)
    # meanwhile an admin changes the number of women
    organisation_update(organisation=organisation, by=admin_user, data={"women": 8})
    mine = {
        "name": "乌海市并发编辑协会",
        "field": organisation.field,
        "unit_type": organisation.unit_type,
        "region": organisation.region_id,
        "employees": "12",
        "women": "5",
        "in_scope": "on",
        "seen": seen,
    }
    url = reverse("branches:organisation_edit", args=[organisation.pk])
    refused = client.post(url, mine, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 200
    assert "在您打开此页面之后" in refused.content.decode()
    organisation.refresh_from_db()
    assert (organisation.employees, organisation.women) == (10, 8)
    # opened again, the page carries the new version and the save goes through
    page = client.get(url).content.decode()
    saved = client.post(
        url, {**mine, "women": "8", "seen": re.search(r'name="seen" value="([^"]+)"', page).group(1)}
    )
    assert saved.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.employees, organisation.women) == (12, 8)


def test_a_retired_street_is_offered_only_to_the_organisation_still_in_it(client, city_officer):
    retired = Region.objects.filter(level=Region.Level.STREET).order_by("code").first()
    Region.objects.filter(pk=retired.pk).update(retired_on=dt.date(2026, 1, 1))
    staying = OrganisationFactory(name="乌海市仍在旧街道的公司", region=retired)
    client.force_login(city_officer)

    def region_choices(url):
        page = client.get(url).content.decode()
        return re.search(r'<select name="region".*?</select>', page, re.S).group(0)

    assert f'value="{retired.pk}"' not in region_choices(reverse("branches:organisation_create"))
    kept = region_choices(reverse("branches:organisation_edit", args=[staying.pk]))
    assert f'value="{retired.pk}" selected' in kept
