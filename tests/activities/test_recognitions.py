"""Recognitions: the minimum about a person, scope, filters, export on record."""

import io

import openpyxl
import pytest
from django.urls import reverse

from activities.errors import WorkError
from activities.models import Recognition
from federation.models import DisclosureLog, Region
from tests.activities.factories import make_recognition, title
from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_officer_records_an_individual_with_name_unit_and_post_only(client, district_officer):
    organisation = OrganisationFactory()
    client.force_login(district_officer)
    response = client.post(
        reverse("activities:recognition_create"),
        {
            "kind": "individual",
            "title": title("三八红旗手").pk,
            "year": "2024",
            "organisation": organisation.pk,
            "person_name": "王丽",
            "person_unit": organisation.name,
            "person_post": "车间主任",
            "collective_name": "不应保存",
        },
    )
    assert response.status_code == 302
    recognition = Recognition.objects.get()
    assert (recognition.person_name, recognition.person_post, recognition.collective_name) == (
        "王丽",
        "车间主任",
        "",
    )
    assert recognition.region == organisation.region
    assert recognition.history.count() == 1


def test_a_collective_keeps_no_persons_details(district_officer):
    recognition = make_recognition(
        district_officer, kind="collective", name="三八红旗集体", person_name="王丽", person_post="主任"
    )
    assert recognition.collective_name == "测试集体"
    assert (recognition.person_name, recognition.person_post) == ("", "")


def test_a_title_for_collectives_is_not_given_to_a_person(client, district_officer):
    with pytest.raises(WorkError):
        make_recognition(district_officer, kind="individual", name="三八红旗集体")
    client.force_login(district_officer)
    response = client.post(
        reverse("activities:recognition_create"),
        {"kind": "individual", "title": title("三八红旗集体").pk, "year": "2024", "person_name": "王丽"},
    )
    assert response.status_code == 200 and "title" in response.context["form"].errors
    for year in ("1800", "abc", "99999999999"):
        data = {"kind": "individual", "title": title().pk, "year": year, "person_name": "王丽"}
        assert client.post(reverse("activities:recognition_create"), data).status_code == 200
    assert not Recognition.objects.exists()


def test_the_list_filters_and_stays_in_the_officers_area(client, district_officer, other_district_officer):
    mine = make_recognition(district_officer, person_name="李娜", year=2024)
    make_recognition(
        district_officer, kind="collective", name="三八红旗集体", collective_name="海勃湾集体", year=2025
    )
    wuda = OrganisationFactory(region=Region.objects.get(code="150304002"))
    theirs = make_recognition(other_district_officer, person_name="张芳", organisation=wuda)
    assert theirs.region == wuda.region
    client.force_login(district_officer)
    page = client.get(reverse("activities:recognition_list")).content.decode()
    assert "李娜" in page and "海勃湾集体" in page and "张芳" not in page
    page = client.get(reverse("activities:recognition_list"), {"kind": "collective"}).content.decode()
    assert "李娜" not in page and "海勃湾集体" in page
    page = client.get(
        reverse("activities:recognition_list"), {"year": "2024", "title": title().pk}
    ).content.decode()
    assert "李娜" in page and "海勃湾集体" not in page
    assert client.get(reverse("activities:recognition_edit", args=[theirs.pk])).status_code == 404
    response = client.post(
        reverse("activities:recognition_edit", args=[mine.pk]),
        {"kind": "individual", "title": title("最美家庭").pk, "year": "2024", "person_name": "李娜"},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.title.name == "最美家庭" and mine.history.count() == 2


def test_export_names_individuals_so_it_is_logged(client, city_officer):
    make_recognition(city_officer, person_name="王丽", person_post="主任")
    make_recognition(city_officer, kind="collective", name="三八红旗集体")
    client.force_login(city_officer)
    response = client.get(reverse("activities:recognition_export"))
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert len(rows) == 3
    assert {row[3] for row in rows[1:]} == {"王丽", "测试集体"}
    log = DisclosureLog.objects.get()
    assert log.kind == "export" and log.row_count == 2 and log.user == city_officer


def test_the_list_costs_the_same_queries_at_3_and_30_rows(
    client, district_officer, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    organisation = OrganisationFactory()
    for n in range(3):
        make_recognition(district_officer, person_name=f"人{n}", organisation=organisation)
    client.force_login(district_officer)
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("activities:recognition_list"))
    for n in range(3, 30):
        make_recognition(district_officer, person_name=f"人{n}", organisation=organisation)
    with django_assert_max_num_queries(len(captured)):
        client.get(reverse("activities:recognition_list"))
