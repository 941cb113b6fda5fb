"""An officer keeps in touch from the organisation page, on a desktop and a 390 px phone."""

import datetime as dt

import pytest
from django.utils import timezone

from branches.models import ContactLog, Liaison
from branches.services.branches import branch_create
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_names_a_liaison_and_logs_a_contact_with_a_follow_up(
    page, sign_in_as, district_officer, live_server, shoot, viewport
):
    organisation = OrganisationFactory(
        name="乌海市巾帼家政服务有限公司", women=80, employees=120, party_org=True
    )
    branch_create(
        by=district_officer,
        organisation=organisation,
        data={
            "name": "乌海市巾帼家政服务有限公司妇女联合会",
            "form": "federation",
            "established_on": dt.date(2023, 3, 8),
        },
        members=[{"name": "李娜", "post": "chair"}],
    )
    sign_in_as(district_officer)
    page.goto(f"{live_server.url}/ledger/organisations/{organisation.pk}/liaisons/new/")
    page.fill("#id_name", "王芳")
    page.fill("#id_post", "工会主席")
    page.fill("#id_mobile", "139 0473 1234")
    page.check("#id_consent")
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert Liaison.objects.filter(organisation=organisation).count() == 1
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.fill("#id_summary", "电话沟通三八节活动安排")
    page.fill("#id_next_follow_up", tomorrow.isoformat())
    page.select_option("#id_channel", "phone")
    page.click("text=登记联系")
    page.wait_for_load_state("networkidle")
    assert ContactLog.objects.get().next_follow_up == tomorrow
    assert "139****1234" in page.content()
    assert_fits_width(page)
    shoot("organisation-with-branch-liaison-contacts")
