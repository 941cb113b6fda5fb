"""Messages are plain text: what people typed reaches the inbox and the e-mail as they typed it ("<", quotes,
"&"), and pages escape it once, where they make HTML."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse

from branches.models import Organisation
from federation.models import Notification
from federation.notifications import notification_create

pytestmark = pytest.mark.django_db

unescape_migration = importlib.import_module("federation.migrations.0007_notifications_text_unescaped")

QUESTION = '请问请示要盖章<公章>吗？"复印件"可以吗 & 要几份'
NAME = '乌海市"巾帼"商会<筹> & 伙伴'


def test_a_question_reaches_the_officers_inbox_and_e_mail_as_it_was_typed(
    client_as, world, django_capture_on_commit_callbacks
):
    Organisation.objects.filter(pk=world["organisation"].pk).update(name=NAME)
    contact = world["people"]["liaison"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(contact).post(
            reverse("answers:step_question_ask", args=[world["step"].pk]), {"text": QUESTION}
        )
    assert response.status_code == 302

    notification = Notification.objects.get(kind__startswith="answers.question_asked")
    assert QUESTION in notification.body and NAME in notification.title
    assert "&lt;" not in notification.body + notification.title
    assert "&quot;" not in notification.body + notification.title and "&amp;" not in notification.body
    sent = [message for message in mail.outbox if message.to == [notification.recipient.email]]
    assert sent and QUESTION in sent[0].body and NAME in sent[0].subject

    inbox = client_as(notification.recipient).get(reverse("federation:inbox")).content.decode()
    assert "请问请示要盖章&lt;公章&gt;吗？&quot;复印件&quot;可以吗 &amp; 要几份" in inbox  # escaped once
    assert "&amp;lt;" not in inbox and "&amp;quot;" not in inbox


def test_a_message_in_english_keeps_its_characters_too(city_officer):
    city_officer.language = "en"
    city_officer.save()
    notification = notification_create(
        user=city_officer,
        kind="t",
        template="message",
        context={"title": 'Check "A&B" <now>', "text": "x < y", "user": city_officer},
    )
    assert notification.title == 'Check "A&B" <now>'
    assert "x < y" in notification.body


def test_messages_stored_escaped_are_put_back_as_text(city_officer):
    stored = Notification.objects.create(
        recipient=city_officer,
        kind="t",
        title="乌海市&quot;巾帼&quot;商会 asked",
        body="请问&lt;公章&gt; &amp; 复印件",
    )
    plain = Notification.objects.create(recipient=city_officer, kind="t", title="A & B", body="x")

    unescape_migration.notifications_unescape(apps, None)

    stored.refresh_from_db()
    plain.refresh_from_db()
    assert (stored.title, stored.body) == ('乌海市"巾帼"商会 asked', "请问<公章> & 复印件")
    assert (plain.title, plain.body) == ("A & B", "x")
