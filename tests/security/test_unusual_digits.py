"""Characters Python calls digits that int() refuses (superscripts, circled numbers) are input like any other:
never a 500."""

import pytest
from django.urls import reverse

from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ODD = "²"  # str.isdigit() says yes, int() says no


def test_a_page_anchor_of_odd_digits_is_ignored(client_as, city_officer):
    OrganisationFactory()
    client = client_as(city_officer)
    for name in ("branches:organisation_list", "branches:branch_list", "workflows:run_list"):
        assert client.get(reverse(name), {"after": ODD * 3, "before": ODD}).status_code == 200, name


def test_chosen_rows_given_as_odd_digits_are_refused_with_a_message(client_as, city_officer):
    response = client_as(city_officer).post(
        reverse("activities:activity_create"),
        {"title": "走访", "organisations": [ODD], "partners": ODD + "1"},
    )
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()


def test_a_second_factor_code_of_odd_digits_is_just_wrong(client, admin_user, settings):
    settings.TWO_FACTOR_FOR = "admins"
    client.force_login(admin_user)
    client.get(reverse("two_factor_setup"))  # an authenticator is being set up
    response = client.post(reverse("two_factor_setup"), {"code": ODD * 6})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()


def test_a_category_id_past_any_key_is_refused_with_a_message(client_as, city_officer):
    response = client_as(city_officer).post(
        reverse("branches:organisation_create"),
        {"name": "乌海市某公司", "categories": ["1180591620717411303424"]},
    )
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
