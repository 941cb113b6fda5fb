"""The logs learn the client's address from the request being served, not from each service's arguments."""

import pytest
from django.urls import reverse

from branches.services.organisations import organisation_archive
from federation.context import current_ip
from federation.models import OperationLog
from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_an_archive_done_in_the_browser_logs_the_address_it_came_from(client_as, city_officer):
    organisation = OrganisationFactory()
    response = client_as(city_officer).post(
        reverse("branches:organisation_archive", args=[organisation.pk]),
        {"reason": "已注销"},
        REMOTE_ADDR="10.4.5.6",
    )
    assert response.status_code == 302
    entry = OperationLog.objects.get(action="organisation.archive", object_id=str(organisation.pk))
    assert entry.actor == city_officer and entry.ip == "10.4.5.6"
    assert current_ip() is None  # the address does not outlive its request


def test_a_service_called_outside_a_request_logs_no_address(city_officer):
    organisation = OrganisationFactory()
    organisation_archive(organisation=organisation, by=city_officer, reason="已注销")
    assert OperationLog.objects.get(action="organisation.archive").ip is None
