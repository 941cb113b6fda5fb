"""Language preference, the styled error pages, and the health endpoint."""

import json

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_signed_in_user_switches_to_english_and_keeps_it_on_their_account(client, city_officer):
    client.force_login(city_officer)
    response = client.post(reverse("federation:language_set"), {"language": "en", "next": "/staff/"})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    city_officer.refresh_from_db()
    assert city_officer.language == "en"
    # The preference follows the user to a fresh browser without the cookie.
    client.cookies.clear()
    client.force_login(city_officer)
    page = client.get(reverse("federation:staff_home")).content.decode()
    assert 'lang="en"' in page and "Hello," in page


def test_anonymous_visitor_switches_language_by_cookie(client):
    client.post(reverse("federation:language_set"), {"language": "en", "next": "/accounts/login/"})
    assert 'lang="en"' in client.get(reverse("login")).content.decode()


def test_unknown_language_is_refused_and_changes_nothing(client, city_officer):
    client.force_login(city_officer)
    response = client.post(reverse("federation:language_set"), {"language": "xx"})
    assert response.status_code == 400
    city_officer.refresh_from_db()
    assert city_officer.language == ""


def test_unknown_url_gets_the_styled_404(client, city_officer):
    client.force_login(city_officer)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() and "app-navbar" in response.content.decode()


def test_anonymous_unknown_url_is_a_404_not_a_login_loop(client):
    response = client.get("/definitely-missing/")
    assert response.status_code == 404


def test_wrong_role_gets_the_styled_403(client, liaison):
    client.force_login(liaison)
    response = client.get(reverse("federation:staff_home"))
    assert response.status_code == 403 and "无权" in response.content.decode()


def test_healthz_reports_database_and_in_process_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert json.loads(response.content) == {"database": "ok", "broker": "in-process", "status": "ok"}


def test_healthz_stays_up_but_degraded_when_redis_is_unreachable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert json.loads(response.content)["broker"] == "error"
    assert json.loads(response.content)["status"] == "degraded"


def test_healthz_reports_a_reachable_redis_broker(client, settings):
    import os

    from tests.conftest import need, redis_answers

    url = os.environ.get("REDIS_URL", "")
    need(bool(url) and redis_answers(url), "Redis (REDIS_URL)")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = url
    assert json.loads(client.get(reverse("healthz")).content) == {
        "database": "ok",
        "broker": "ok",
        "status": "ok",
    }


def test_staff_home_navigation_shows_admin_links_only_to_admins(client, admin_user, city_officer):
    client.force_login(city_officer)
    assert (
        reverse("federation:login_log") not in client.get(reverse("federation:staff_home")).content.decode()
    )
    client.force_login(admin_user)
    assert reverse("federation:login_log") in client.get(reverse("federation:staff_home")).content.decode()


def test_pages_cost_a_bounded_number_of_queries(client, admin_user, django_assert_max_num_queries):
    from federation.services import operation_record

    client.force_login(admin_user)
    for _ in range(60):
        operation_record(actor=admin_user, action="user.language", obj=admin_user)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("federation:operation_log")).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("federation:login_log")).status_code == 200


def test_server_error_page_is_styled_and_says_nothing_was_half_saved(rf):
    from federation.views import error_500

    with translation.override(settings.LANGUAGE_CODE):  # called outside the middleware: no request sets it
        response = error_500(rf.get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出现了问题" in page and "app-navbar" in page
