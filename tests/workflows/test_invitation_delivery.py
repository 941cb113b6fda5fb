"""Inviting a liaison: a run started and its liaison named on one page, the link sent to the inbox and through
the SMS and WeCom channels (against the local fake providers), every sending recorded with its outcome, the link
shown again with its QR code (each showing logged) and sent again, and refused to those who may not."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from django.urls import reverse

from branches.models import Liaison, Way
from federation.models import DisclosureLog, Notification
from tests.federation import test_channels_http as channels_http
from tests.federation.test_channels_http import (
    KEY_ID,
    MASKED,
    MOBILE,
    SECRET,
    SIGN_NAME,
    SITE,
    SMS,
    TEMPLATE,
    Answer,
    form,
    signature_recomputed,
)
from workflows import services
from workflows.models import FormationRun, Invitation, InvitationSend, WorkflowTemplate

pytestmark = pytest.mark.django_db

# the fake WeCom and Alibaba Cloud SMS servers of the channels' tests
provider = channels_http.provider
sms = channels_http.sms
wecom = channels_http.wecom

NEW_MOBILE = "13904735678"
NEW_MASKED = "139****5678"


def start_data(world, **extra) -> dict:
    template = WorkflowTemplate.objects.get(key="federation", status="published")
    return {
        "template": template.pk,
        "way": Way.STANDALONE,
        "owner": world["people"]["district_officer"].pk,
        **extra,
    }


def outcomes(invitation: Invitation) -> dict[str, str]:
    return {send.channel: send.outcome for send in InvitationSend.objects.filter(invitation=invitation)}


def resend(client, invitation: Invitation):
    return client.post(reverse("workflows:invitation_resend", args=[invitation.pk]), follow=True)


# --- one page to start and invite -------------------------------------------------------------------------


def test_starting_a_run_names_the_liaison_and_texts_them_the_link(client, world, sms):
    organisation = world["twin"]  # no liaison yet
    officer = world["people"]["district_officer"]
    client.force_login(officer)
    page = client.get(reverse("workflows:run_start", args=[organisation.pk]))
    assert page.context["form"].naming and "liaison_mobile" in page.content.decode()

    response = client.post(
        reverse("workflows:run_start", args=[organisation.pk]),
        start_data(
            world,
            liaison_name="李娜",
            liaison_post="办公室主任",
            liaison_mobile=NEW_MOBILE,
            liaison_consent="on",
        ),
    )
    liaison = Liaison.objects.get(organisation=organisation)
    assert liaison.name == "李娜" and liaison.mobile == NEW_MOBILE and liaison.consent_at is not None
    run = FormationRun.objects.get(organisation=organisation, status=FormationRun.Status.ACTIVE)
    invitation = Invitation.objects.get(run=run)
    assert run.liaison == liaison and invitation.liaison == liaison
    assert response.status_code == 302
    assert response["Location"] == reverse("workflows:invitation_detail", args=[invitation.pk])
    # no account yet: the inbox is skipped, the SMS goes to the mobile
    assert outcomes(invitation) == {"inbox": "skipped", "sms": "sent"}

    [request] = sms.received
    params = form(request)
    assert params["Signature"] == signature_recomputed(params, SECRET, "POST")
    assert params["TemplateCode"] == TEMPLATE and params["SignName"] == SIGN_NAME
    assert params["AccessKeyId"] == KEY_ID and params["PhoneNumbers"] == NEW_MOBILE
    link = json.loads(params["TemplateParam"])["link"]
    assert link == f"{SITE}/i/{invitation.code}" and len(link) <= 35
    # the short link leads to the signed one
    opened = client.get(link.removeprefix(SITE))
    assert opened["Location"] == reverse(
        "workflows:invitation_open", args=[services.invitation_token(invitation)]
    )


def test_a_liaison_named_without_consent_or_a_good_mobile_starts_nothing(client, world):
    organisation = world["twin"]
    client.force_login(world["people"]["district_officer"])
    url = reverse("workflows:run_start", args=[organisation.pk])
    response = client.post(url, start_data(world, liaison_name="李娜", liaison_mobile="12345"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"liaison_mobile", "liaison_consent"}
    assert "同意" in " ".join(errors["liaison_consent"])
    assert not FormationRun.objects.filter(organisation=organisation).exists()
    assert not Liaison.objects.filter(organisation=organisation).exists()


def test_left_blank_the_run_starts_without_a_liaison_as_before(client, world):
    organisation = world["twin"]
    client.force_login(world["people"]["district_officer"])
    response = client.post(reverse("workflows:run_start", args=[organisation.pk]), start_data(world))
    run = FormationRun.objects.get(organisation=organisation)
    assert response["Location"] == reverse("workflows:run_detail", args=[run.pk])
    assert run.liaison is None and not run.invitations.exists()


def test_with_a_liaison_the_page_offers_the_choice_and_sends_the_link(client, world, wecom):
    officer = world["people"]["district_officer"]
    services.run_cancel(by=officer, run=world["run"], reason="重新开始")
    client.force_login(officer)
    url = reverse("workflows:run_start", args=[world["organisation"].pk])
    assert "liaison_name" not in client.get(url).context["form"].fields
    client.post(url, start_data(world, liaison=world["liaison"].pk))
    run = FormationRun.objects.get(organisation=world["organisation"], status=FormationRun.Status.ACTIVE)
    invitation = run.invitations.get()
    assert outcomes(invitation) == {"inbox": "sent"}  # the WeCom group is left out (see below)


# --- what is sent where -----------------------------------------------------------------------------------


def test_the_link_reaches_the_inbox_but_never_a_wecom_group_where_everyone_would_read_it(
    client, world, wecom
):
    invitation = world["invitation"]  # its liaison has an account
    client.force_login(world["people"]["district_officer"])
    page = resend(client, invitation)
    assert page.status_code == 200
    assert outcomes(invitation) == {"inbox": "sent"}
    notification = Notification.objects.get(recipient=world["people"]["liaison"], kind="workflow.invitation")
    assert notification.url == f"/i/{invitation.code}"
    assert notification.delivery == Notification.Delivery.SENT  # the channels were not left to the task
    assert wecom.received == []  # a link that signs the liaison in is not posted to a group
    assert MOBILE not in page.content.decode()


def test_a_failure_is_recorded_masked_and_a_resend_retries(client, world, sms):
    invitation = world["invitation"]
    sms.answers = [
        Answer(body={"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": f"触发流控 {MOBILE}"}),
        Answer(status=503, raw=b"busy"),
    ]
    client.force_login(world["people"]["district_officer"])
    first = resend(client, invitation)
    assert first.status_code == 200
    failed = InvitationSend.objects.get(invitation=invitation, channel="sms")
    assert failed.outcome == InvitationSend.Outcome.FAILED
    assert "isv.BUSINESS_LIMIT_CONTROL" in failed.error and MASKED in failed.error
    assert MOBILE not in failed.error and SECRET not in failed.error

    resend(client, invitation)
    resend(client, invitation)  # the gateway is back
    sms_sends = InvitationSend.objects.filter(invitation=invitation, channel="sms").order_by("at", "id")
    assert [send.outcome for send in sms_sends] == ["failed", "failed", "sent"]
    assert "HTTP 503" in sms_sends[1].error
    assert len(sms.received) == 3

    listed = client.get(reverse("workflows:run_detail", args=[invitation.run_id])).content.decode()
    assert "isv.BUSINESS_LIMIT_CONTROL" in listed and MOBILE not in listed


def test_a_channel_missing_its_settings_is_recorded_not_an_error_page(client, world):
    client.force_login(world["people"]["district_officer"])
    with override_settings(NOTIFICATION_CHANNELS=[SMS], SMS_ACCESS_KEY_ID=""):
        response = resend(client, world["invitation"])
    assert response.status_code == 200
    send = InvitationSend.objects.get(invitation=world["invitation"], channel="sms")
    assert send.outcome == InvitationSend.Outcome.FAILED and "SMS_ACCESS_KEY_ID" in send.error


def test_a_revoked_link_is_not_sent_again(client, world, sms):
    officer = world["people"]["district_officer"]
    invitation = services.invitation_revoke(by=officer, invitation=world["invitation"])
    client.force_login(officer)
    response = resend(client, invitation)
    assert response.status_code == 200 and not sms.received
    assert not InvitationSend.objects.filter(invitation=invitation).exists()


# --- shown again: the QR code, the notice, the log ---------------------------------------------------------


def test_the_qr_code_on_the_page_is_the_link(client, world):
    invitation = world["invitation"]
    client.force_login(world["people"]["district_officer"])
    response = client.get(reverse("workflows:invitation_detail", args=[invitation.pk]))
    link = response.context["link"]
    assert link == f"http://testserver/i/{invitation.code}"
    qr = str(response.context["qr"])
    assert qr == services.qr_svg(link) and qr in response.content.decode()
    assert "style" not in qr  # the CSP forbids inline styles
    notice = client.get(reverse("workflows:invitation_notice", args=[invitation.pk])).content.decode()
    assert qr in notice and invitation.run.organisation.name in notice and invitation.liaison.name in notice


def test_showing_the_link_again_is_logged_and_a_dead_link_is_not_shown(client, world):
    officer = world["people"]["district_officer"]
    invitation = world["invitation"]
    client.force_login(officer)
    client.get(reverse("workflows:invitation_detail", args=[invitation.pk]))
    client.get(reverse("workflows:invitation_notice", args=[invitation.pk]))
    shown = DisclosureLog.objects.filter(user=officer, object_id=str(invitation.pk))
    assert shown.count() == 2 and {entry.kind for entry in shown} == {DisclosureLog.Kind.REVEAL}

    services.invitation_revoke(by=officer, invitation=invitation)
    response = client.get(reverse("workflows:invitation_detail", args=[invitation.pk]))
    assert response.status_code == 200 and not response.context["link"]
    assert invitation.code not in response.content.decode() and shown.count() == 2


def test_people_who_may_not_run_the_formation_or_are_elsewhere_are_refused(client, world, city_viewer, sms):
    invitation = world["invitation"]
    pages = [
        reverse("workflows:invitation_detail", args=[invitation.pk]),
        reverse("workflows:invitation_notice", args=[invitation.pk]),
    ]
    resend_url = reverse("workflows:invitation_resend", args=[invitation.pk])
    for person, status in ((city_viewer, 403), (world["people"]["liaison"], 403)):
        client.force_login(person)
        assert [client.get(url).status_code for url in pages] == [status, status]
        assert client.post(resend_url).status_code == status
    client.force_login(world["people"]["other_district_officer"])
    assert [client.get(url).status_code for url in pages] == [404, 404]
    assert client.post(resend_url).status_code == 404
    assert not sms.received and not DisclosureLog.objects.filter(object_id=str(invitation.pk)).exists()


def test_an_unknown_short_code_leads_to_a_link_that_is_not_valid(client, world):
    response = client.get("/i/zzzzzzzzzz", follow=True)
    assert response.status_code == 404
    assert response.redirect_chain[0][0] == reverse("workflows:invitation_open", args=["-"])
