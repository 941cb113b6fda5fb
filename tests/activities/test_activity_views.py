"""Service pages through the test client: list, filters, create, scope, photos, export, query counts."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity, ActivityPhoto
from federation.models import DisclosureLog, Region
from tests.activities.factories import JPEG, PNG, activity_type, make_activity, photo_upload
from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _post_data(**extra):
    return {
        "type": activity_type("health").pk,
        "date": "2025-03-08",
        "title": "三八节义诊",
        "participants": "50",
        "women_served": "45",
        **extra,
    }


def test_officer_records_a_service_for_organisations_in_their_district(client, district_officer):
    organisation = OrganisationFactory()
    client.force_login(district_officer)
    assert client.get(reverse("activities:activity_create")).status_code == 200
    response = client.post(reverse("activities:activity_create"), _post_data(organisations=[organisation.pk]))
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "activities:activity_detail", args=[activity.pk]
    )
    assert list(activity.organisations.all()) == [organisation]
    assert activity.unit == district_officer.unit and activity.created_by == district_officer
    page = client.get(response["Location"]).content.decode()
    assert "三八节义诊" in page and organisation.name in page


def test_a_forged_organisation_of_another_district_is_refused(client, district_officer):
    other = OrganisationFactory(name="乌达区某企业", region=Region.objects.get(code="150304002"))
    client.force_login(district_officer)
    page = client.get(reverse("activities:activity_create")).content.decode()
    assert other.name not in page  # never offered
    response = client.post(reverse("activities:activity_create"), _post_data(organisations=[other.pk]))
    assert response.status_code == 200 and not Activity.objects.exists()
    assert "organisations" in response.context["form"].errors


def test_bad_input_gives_form_errors_not_a_server_error(client, district_officer):
    client.force_login(district_officer)
    for data in (
        _post_data(date="2025-13-45"),
        _post_data(type="not-a-number"),
        _post_data(participants="-3"),
        _post_data(type=activity_type("caring_mother").pk),  # pairs missing
        _post_data(date=(timezone.localdate() + dt.timedelta(days=5)).isoformat()),
        {},
    ):
        assert client.post(reverse("activities:activity_create"), data).status_code == 200
    assert not Activity.objects.exists()
    junk = "?type=x&start=yesterday&district=abc&partner=-1&organisation=99999999&after=zz"
    assert client.get(reverse("activities:activity_list") + junk).status_code == 200
    assert client.get(reverse("activities:activity_export") + junk).status_code == 200


def test_the_list_shows_only_the_officers_area_and_filters(client, district_officer, other_district_officer):
    mine = make_activity(district_officer, [OrganisationFactory()], title="海勃湾区的培训")
    theirs = make_activity(
        other_district_officer,
        [OrganisationFactory(region=Region.objects.get(code="150304002"))],
        title="乌达区的培训",
    )
    client.force_login(district_officer)
    page = client.get(reverse("activities:activity_list")).content.decode()
    assert mine.title in page and theirs.title not in page
    assert client.get(reverse("activities:activity_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("activities:activity_edit", args=[theirs.pk])).status_code == 404
    health = make_activity(district_officer, code="health", title="社区女职工体检", date=dt.date(2024, 5, 1))
    page = client.get(
        reverse("activities:activity_list"), {"type": activity_type("health").pk}
    ).content.decode()
    assert health.title in page and mine.title not in page
    page = client.get(reverse("activities:activity_list"), {"start": "2025-01-01"}).content.decode()
    assert health.title not in page and mine.title in page


def test_a_viewer_sees_services_but_may_not_record_one(client, city_viewer):
    client.force_login(city_viewer)
    assert client.get(reverse("activities:activity_list")).status_code == 200
    assert client.get(reverse("activities:activity_create")).status_code == 403


def test_the_list_costs_the_same_queries_at_3_and_30_services(
    client, district_officer, django_assert_max_num_queries
):
    organisations = [OrganisationFactory() for _ in range(3)]
    client.force_login(district_officer)

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("activities:activity_list")).status_code == 200
        return len(captured)

    for n in range(3):
        make_activity(district_officer, organisations, title=f"服务{n}")
    at_three = count_queries()
    for n in range(3, 30):
        make_activity(district_officer, organisations, title=f"服务{n}")
    with django_assert_max_num_queries(at_three):
        client.get(reverse("activities:activity_list"))


def test_export_opens_in_openpyxl_with_the_filtered_rows_and_logs_no_personal_data(client, district_officer):
    organisation = OrganisationFactory()
    make_activity(district_officer, [organisation], title="=HYPERLINK(危险)")
    make_activity(district_officer, [organisation], code="health", title="义诊")
    client.force_login(district_officer)
    response = client.get(reverse("activities:activity_export"), {"type": activity_type("skills").pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # the header and the one skills training
    assert rows[1][2] == "'=HYPERLINK(危险)"  # never run as a formula
    assert rows[1][5] == organisation.name
    assert not DisclosureLog.objects.exists()


def test_photos_are_jpeg_or_png_within_the_size_limit(client, district_officer, settings, media):
    activity = make_activity(district_officer)
    client.force_login(district_officer)
    url = reverse("activities:activity_photo_add", args=[activity.pk])
    client.post(url, {"photo": photo_upload("a.png", PNG)})
    client.post(url, {"photo": photo_upload("b.jpg", JPEG)})
    client.post(url, {"photo": photo_upload("fake.png", b"<html><script>alert(1)</script>")})
    client.post(url, {"photo": photo_upload("doc.pdf", b"%PDF-1.4 not a photo")})
    settings.UPLOAD_MAX_MB = 1
    client.post(url, {"photo": photo_upload("big.png", PNG + bytes(1024 * 1024))})
    photos = list(ActivityPhoto.objects.order_by("id"))
    assert [p.content_type for p in photos] == ["image/png", "image/jpeg"]
    assert [p.file.name.rsplit(".", 1)[1] for p in photos] == ["png", "jpg"]
    response = client.get(reverse("activities:activity_photo", args=[photos[0].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    page = client.get(reverse("activities:activity_detail", args=[activity.pk])).content.decode()
    assert page.count('class="img-thumbnail') == 2


def test_another_districts_officer_cannot_see_or_remove_a_photo(
    client, district_officer, other_district_officer, media
):
    from activities import services

    activity = make_activity(district_officer, [OrganisationFactory()])
    photo = services.activity_photo_add(by=district_officer, activity=activity, upload=photo_upload())
    client.force_login(other_district_officer)
    assert client.get(reverse("activities:activity_photo", args=[photo.pk])).status_code == 404
    assert client.post(reverse("activities:activity_photo_remove", args=[photo.pk])).status_code == 404
    client.force_login(district_officer)
    assert client.post(reverse("activities:activity_photo_remove", args=[photo.pk])).status_code == 302
    assert not ActivityPhoto.objects.exists()


def test_a_district_officer_edits_a_city_service_for_their_organisations(
    client, city_officer, district_officer
):
    organisation = OrganisationFactory()
    activity = make_activity(city_officer, [organisation])
    client.force_login(district_officer)
    url = reverse("activities:activity_edit", args=[activity.pk])
    assert client.get(url).status_code == 200
    data = _post_data(unit=activity.unit_id, organisations=[organisation.pk], title="市妇联义诊（补充）")
    assert client.post(url, data).status_code == 302
    activity.refresh_from_db()
    assert activity.title == "市妇联义诊（补充）" and activity.unit.name == "乌海市妇联"


def test_an_id_past_the_databases_range_is_an_invalid_choice_not_an_error(client, district_officer):
    # SQLite raised OverflowError on such an id in a multiple choice (a 500); now it is a form error.
    from activities.models import Activity

    client.force_login(district_officer)
    huge = str(2**70)
    response = client.post(
        reverse("activities:activity_create"),
        {"type": activity_type("skills").pk, "date": "2025-03-08", "title": "培训", "organisations": [huge],
         "partners": [huge], "participants": 3, "women_served": 2},
    )  # fmt: skip
    assert response.status_code == 200
    assert "organisations" in response.context["form"].errors
    assert not Activity.objects.filter(title="培训").exists()
