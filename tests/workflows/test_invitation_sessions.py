"""A link's sessions end with the link: revoked, expired or its run cancelled, whoever it signed in is signed out,
a password set through it goes with it, and an account whose every link is withdrawn cannot sign in by
password. Contacts' user names cannot be guessed; staff who open a contact's link are asked first."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
import time_machine
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from branches.models import Liaison
from federation.models import User
from tests.branches.factories import OrganisationFactory
from workflows import services
from workflows.models import InvitationUse, WorkflowTemplate

pytestmark = pytest.mark.django_db

usernames_migration = importlib.import_module("workflows.migrations.0007_contact_usernames_random")
sessions_migration = importlib.import_module("workflows.migrations.0008_contact_sessions_ended")
PASSWORD = "Wuhai-Women-2026"


@pytest.fixture
def officer(people):
    return people["district_officer"]


@pytest.fixture
def liaison_record(wuhai):
    """A liaison who has never signed in: the link makes her account."""
    organisation = OrganisationFactory(name="乌海市海勃湾区巾帼商会")
    return Liaison.objects.create(organisation=organisation, name="王芳", mobile="13904731234")


@pytest.fixture
def run(liaison_record, officer):
    template = WorkflowTemplate.objects.get(key="federation", status="published")
    return services.run_start(
        by=officer,
        organisation=liaison_record.organisation,
        template=template,
        owner=officer,
        liaison=liaison_record,
    )


def link(invitation) -> str:
    return reverse("workflows:invitation_open", args=[services.invitation_token(invitation)])


def run_url(run) -> str:
    return reverse("workflows:portal_run", args=[run.pk])


def signed_in_as(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def open_link(invitation) -> Client:
    """A phone that opens the link, signed in by it."""
    phone = Client()
    assert phone.get(link(invitation)).status_code == 302
    return phone


def set_password(phone: Client, password: str = PASSWORD) -> None:
    data = {"new_password1": password, "new_password2": password}
    assert phone.post(reverse("workflows:portal_password"), data).status_code == 302


def password_sign_in(username: str, password: str = PASSWORD) -> Client:
    browser = Client()
    browser.post(reverse("login"), {"username": username, "password": password})
    return browser


def assert_signed_out(phone: Client, run) -> None:
    for url in (run_url(run), reverse("workflows:portal_password")):
        response = phone.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url
    response = phone.post(
        reverse("workflows:portal_password"), {"new_password1": "Another-Pass-77", "new_password2": ""}
    )
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- revoking ends the sessions the link opened ---------------------------------------------------------------


def test_revoking_a_link_signs_out_the_phone_it_opened(run, officer):
    invitation = services.invitation_create(by=officer, run=run)
    phone = open_link(invitation)
    assert phone.get(run_url(run)).status_code == 200

    services.invitation_revoke(by=officer, invitation=invitation)

    assert_signed_out(phone, run)
    assert signed_in_as(phone) is None


def test_revoking_one_link_leaves_the_sessions_of_another(run, officer):
    old = services.invitation_create(by=officer, run=run)
    new = services.invitation_create(by=officer, run=run)
    by_old, by_new = open_link(old), open_link(new)

    services.invitation_revoke(by=officer, invitation=old)

    assert_signed_out(by_old, run)
    assert by_new.get(run_url(run)).status_code == 200


def test_revoking_through_the_staff_page_signs_out_the_phone(run, officer, client):
    invitation = services.invitation_create(by=officer, run=run)
    phone = open_link(invitation)
    client.force_login(officer)
    response = client.post(reverse("workflows:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    assert_signed_out(phone, run)


def test_cancelling_the_run_signs_out_the_phones_its_links_opened(run, officer):
    phone = open_link(services.invitation_create(by=officer, run=run))
    services.run_cancel(by=officer, run=run, reason="单位已注销")
    assert phone.get(run_url(run)).status_code == 302
    assert signed_in_as(phone) is None


def test_a_session_that_set_a_password_ends_with_the_link_and_the_password_goes_too(run, officer):
    invitation = services.invitation_create(by=officer, run=run)
    phone = open_link(invitation)
    set_password(phone)  # the session continues under a new key
    assert phone.get(run_url(run)).status_code == 200
    username = User.objects.get(pk=signed_in_as(phone)).username
    by_password = password_sign_in(username)
    assert signed_in_as(by_password) is not None

    services.invitation_revoke(by=officer, invitation=invitation)

    assert_signed_out(phone, run)
    assert by_password.get(run_url(run)).status_code == 302  # its password sessions end as well
    fresh = services.invitation_create(by=officer, run=run)  # the federation sends the liaison a new link
    assert signed_in_as(password_sign_in(username)) is None  # and the password set by the old one is gone
    assert open_link(fresh).get(run_url(run)).status_code == 200


def test_a_password_the_liaison_set_again_through_a_newer_link_survives_the_old_links_revocation(
    run, officer
):
    old = services.invitation_create(by=officer, run=run)
    set_password(open_link(old))
    new = services.invitation_create(by=officer, run=run)
    set_password(open_link(new), "Wuhai-Women-2027")  # a new one: a recent password is not taken again
    username = Liaison.objects.get().user.username

    services.invitation_revoke(by=officer, invitation=old)

    assert signed_in_as(password_sign_in(username, "Wuhai-Women-2027")) is not None


# --- expiry ---------------------------------------------------------------------------------------------------


def test_a_session_opened_by_a_link_ends_when_the_link_expires(run, officer, settings):
    settings.SESSION_IDLE_MINUTES = 24 * 60  # the link's end, not the idle limit, is what this is about
    invitation = services.invitation_create(by=officer, run=run, days=1)
    invitation.expires_at = timezone.now() + dt.timedelta(hours=2)  # sooner than a session's usual end
    type(invitation).objects.filter(pk=invitation.pk).update(expires_at=invitation.expires_at)
    phone = open_link(invitation)
    assert phone.get(run_url(run)).status_code == 200
    with time_machine.travel(invitation.expires_at - dt.timedelta(minutes=1)):
        assert phone.get(run_url(run)).status_code == 200
    with time_machine.travel(invitation.expires_at + dt.timedelta(minutes=1)):
        assert_signed_out(phone, run)


# --- signing in by password -----------------------------------------------------------------------------------


def test_an_account_whose_every_link_is_revoked_cannot_sign_in_by_password(run, officer):
    first = services.invitation_create(by=officer, run=run)
    second = services.invitation_create(by=officer, run=run)
    open_link(first)
    contact = Liaison.objects.get().user
    contact.set_password(PASSWORD)  # set some other way than through a link (by an administrator)
    contact.save()

    services.invitation_revoke(by=officer, invitation=first)
    assert signed_in_as(password_sign_in(contact.username)) == contact.pk  # one link is still live

    services.invitation_revoke(by=officer, invitation=second)
    browser = password_sign_in(contact.username)
    assert signed_in_as(browser) is None
    contact.refresh_from_db()
    assert contact.check_password(PASSWORD)  # refused for the links, not for a wrong password


def test_an_expired_link_still_lets_its_account_sign_in_by_password(run, officer):
    invitation = services.invitation_create(by=officer, run=run)
    set_password(open_link(invitation))
    username = Liaison.objects.get().user.username
    type(invitation).objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert signed_in_as(password_sign_in(username)) is not None


def test_staff_and_contacts_without_links_sign_in_as_before(people):
    for user in (people["district_officer"], people["liaison"]):
        user.set_password(PASSWORD)
        user.save()
        assert signed_in_as(password_sign_in(user.username)) == user.pk


# --- user names -----------------------------------------------------------------------------------------------


def test_a_contacts_user_name_says_nothing_about_them(run, officer, liaison_record):
    open_link(services.invitation_create(by=officer, run=run))
    liaison_record.refresh_from_db()
    username = liaison_record.user.username
    assert re.fullmatch(r"c-[a-z2-9]{10}", username)
    assert not User.objects.filter(username__startswith="liaison-").exists()


def test_the_migration_renames_guessable_user_names_and_its_reverse_restores_them(liaison_record, people):
    old = User.objects.create(username=f"liaison-{liaison_record.pk}", kind="contact", full_name="王芳")
    Liaison.objects.filter(pk=liaison_record.pk).update(user=old)
    staff_named_alike = people["district_officer"]

    usernames_migration.usernames_randomise(apps, None)

    old.refresh_from_db()
    assert re.fullmatch(r"c-[a-z2-9]{10}", old.username)
    assert User.objects.get(pk=people["liaison"].pk).username == people["liaison"].username
    assert User.objects.get(pk=staff_named_alike.pk).username == staff_named_alike.username

    usernames_migration.usernames_by_liaison(apps, None)

    old.refresh_from_db()
    assert old.username == f"liaison-{liaison_record.pk}"


def test_contacts_sessions_from_before_are_ended_once_and_staff_stay_signed_in(people, officer):
    contact, staff = Client(), Client()
    contact.force_login(people["liaison"])  # opened before links recorded their sessions
    staff.force_login(officer)

    sessions_migration.contact_sessions_end(apps, None)

    assert contact.get(reverse("federation:contact_home")).status_code == 302
    assert signed_in_as(contact) is None
    assert signed_in_as(staff) == officer.pk


# --- staff who open a contact's link --------------------------------------------------------------------------


def test_staff_who_open_a_contacts_link_are_asked_before_being_signed_out(client, run, officer):
    invitation = services.invitation_create(by=officer, run=run)
    client.force_login(officer)

    page = client.get(link(invitation))

    assert page.status_code == 200
    content = page.content.decode()
    assert f"你当前以工作人员 {officer.display_name} 登录，继续将退出并以联系人身份打开" in content
    assert 'method="post"' in content and reverse("federation:home") in content
    assert signed_in_as(client) == officer.pk  # nothing changed yet
    assert not InvitationUse.objects.exists()

    response = client.post(link(invitation))

    assert response.status_code == 302 and response.url == run_url(run)
    contact = Liaison.objects.get().user
    assert signed_in_as(client) == contact.pk
    assert client.get(run_url(run)).status_code == 200
    assert InvitationUse.objects.get().outcome == InvitationUse.Outcome.OPENED


def test_staff_who_cancel_stay_signed_in(client, run, officer):
    invitation = services.invitation_create(by=officer, run=run)
    client.force_login(officer)
    client.get(link(invitation))
    assert client.get(reverse("federation:home"), follow=True).status_code == 200
    assert signed_in_as(client) == officer.pk


def test_staff_opening_a_spoiled_link_see_what_is_wrong_without_being_asked(client, run, officer):
    invitation = services.invitation_create(by=officer, run=run)
    services.invitation_revoke(by=officer, invitation=invitation)
    client.force_login(officer)
    response = client.get(link(invitation), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    assert "no longer valid" in response.content.decode()
    assert signed_in_as(client) == officer.pk


def test_the_confirmation_needs_the_forms_token(run, officer):
    invitation = services.invitation_create(by=officer, run=run)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer)
    assert browser.post(link(invitation)).status_code == 403
    assert signed_in_as(browser) == officer.pk
