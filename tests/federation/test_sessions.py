"""Sessions end after 30 idle minutes or 12 hours; a user sees their browsers and signs the others out."""

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from federation.models import OperationLog, UserSession
from federation.sessions import SEEN_COOKIE

pytestmark = pytest.mark.django_db


def sign_in(client, user, settings, agent="Mozilla/5.0 (Windows NT 10.0) Chrome/120"):
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": settings.DEMO_PASSWORD},
        HTTP_USER_AGENT=agent,
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 302
    return client


def test_half_an_hour_without_a_request_signs_the_user_out_and_says_why(client, city_officer, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, city_officer, settings)
        assert client.get(reverse("branches:organisation_list")).status_code == 200
        assert SEEN_COOKIE in client.cookies
    with time_machine.travel(
        start + dt.timedelta(minutes=29), tick=False
    ):  # each request starts the 30 again
        assert client.get(reverse("branches:organisation_list")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=58), tick=False):
        assert client.get(reverse("branches:organisation_list")).status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=89), tick=False):
        response = client.get(reverse("branches:organisation_list"))
        assert response.status_code == 302 and "ended=idle" in response["Location"]
        page = client.get(response["Location"]).content.decode()
        assert "30 分钟无操作" in page
        assert client.get(reverse("branches:organisation_list"))["Location"].startswith(reverse("login"))
    session = UserSession.objects.get(user=city_officer)
    assert session.ending == UserSession.Ending.IDLE and session.ended_at is not None
    assert not Session.objects.filter(session_key=session.session_key).exists()


def test_an_active_session_still_ends_at_its_longest_time(client, city_officer, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, city_officer, settings)
    for minutes in range(29, 12 * 60, 29):  # busy all day
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("federation:inbox")).status_code == 200, minutes
            session = client.session  # a page that writes to the session renews Django's own expiry
            session["busy"] = minutes
            session.save()
    with time_machine.travel(start + dt.timedelta(hours=12, minutes=5), tick=False):
        response = client.get(reverse("federation:inbox"))
        assert "ended=expired" in response["Location"]
    assert UserSession.objects.get(user=city_officer).ending == UserSession.Ending.EXPIRED


def test_the_warning_and_its_keep_alive_are_on_every_signed_in_page(client, city_officer, settings):
    sign_in(client, city_officer, settings)
    page = client.get(reverse("federation:staff_home")).content.decode()
    assert 'id="session-warning"' in page and 'data-idle-seconds="1800"' in page and "保持登录" in page
    assert client.post(reverse("session_keep_alive")).status_code == 204
    assert "session-warning" not in Client().get(reverse("login")).content.decode()


def test_a_user_sees_their_browsers_and_signs_the_others_out(city_officer, settings):
    office = sign_in(Client(), city_officer, settings, agent="Mozilla/5.0 (Windows NT 10.0) Chrome/120")
    phone = sign_in(Client(), city_officer, settings, agent="Mozilla/5.0 (iPhone) MicroMessenger/8.0")
    page = office.get(reverse("session_list")).content.decode()
    assert "Windows NT" in page and "MicroMessenger" in page and "10.0.0.7" in page and "本浏览器" in page

    office.post(reverse("sessions_end_others"))
    assert phone.get(reverse("federation:staff_home"))["Location"].startswith(reverse("login"))
    assert office.get(reverse("federation:staff_home")).status_code == 200
    page = office.get(reverse("session_list")).content.decode()
    assert "MicroMessenger" not in page
    assert UserSession.objects.get(user_agent__contains="iPhone").ending == UserSession.Ending.ENDED_BY_USER
    assert OperationLog.objects.filter(action="sessions.end", actor=city_officer).exists()


def test_an_administrator_signs_a_user_out_everywhere_and_no_one_else_may(admin_user, city_officer, settings):
    officer = sign_in(Client(), city_officer, settings)
    admin = Client()
    admin.force_login(admin_user)
    response = admin.post(
        reverse("admin:federation_user_changelist"),
        {"action": "sessions_end", "_selected_action": [city_officer.pk]},
    )
    assert response.status_code == 302
    assert officer.get(reverse("federation:staff_home"))["Location"].startswith(reverse("login"))
    assert UserSession.objects.get(user=city_officer).ending == UserSession.Ending.ENDED_BY_ADMIN

    from django.core.exceptions import PermissionDenied

    from federation.sessions import sessions_end

    with pytest.raises(PermissionDenied):
        sessions_end(user=admin_user, by=city_officer, ending=UserSession.Ending.ENDED_BY_ADMIN)


def test_signing_out_closes_the_record(client, city_officer, settings):
    sign_in(client, city_officer, settings)
    client.post(reverse("logout"))
    assert UserSession.objects.get(user=city_officer).ending == UserSession.Ending.SIGNED_OUT


def test_signing_in_again_on_the_same_browser_counts_as_activity(client, city_officer, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, city_officer, settings)
        client.get(reverse("federation:staff_home"))
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        client.force_login(city_officer)  # the same session, signed in anew
        assert client.get(reverse("federation:staff_home")).status_code == 200
