"""The WeCom group robot and Alibaba Cloud SMS channels against a local server playing both providers: the
requests they send, retries of what may pass, refusals recorded and given up, and no secret in any log."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from federation.channels import (
    AliyunSmsChannel,
    ChannelError,
    ChannelRefused,
    LogChannel,
    WeComRobotChannel,
    aliyun_signature,
    sms_template_param,
    wecom_text,
)
from federation.models import Notification, User
from federation.notifications import notification_create, notification_deliver, notifications_redeliver

pytestmark = pytest.mark.django_db

WEBHOOK_KEY = "693a91f6-7a0c-4bc4-97a0-0ec2sifa5aaa"
KEY_ID = "LTAI5tTestKeyId"
SECRET = "s3cr3t-AccessKey-Secret-xyz"
SIGN_NAME = "乌海妇联"
TEMPLATE = "SMS_123456789"
MOBILE = "13904731234"
MASKED = "139****1234"
SITE = "https://fl.example.cn"
OK_WECOM = {"errcode": 0, "errmsg": "ok"}
OK_SMS = {"Code": "OK", "Message": "OK", "RequestId": "F655A8D5", "BizId": "900619746936498440^0"}
WECOM = "federation.channels.WeComRobotChannel"
SMS = "federation.channels.AliyunSmsChannel"


@dataclass
class Answer:
    status: int = 200
    body: dict | None = None
    raw: bytes = b""
    delay: float = 0.0  # seconds before answering (longer than the channel's timeout: no answer)


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Provider:
    """What the fake provider received, and the answers it gives in turn (then `fallback`)."""

    base: str = ""
    fallback: Answer = field(default_factory=Answer)
    answers: list[Answer] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        provider = self.server.provider
        parts = urllib.parse.urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with provider.lock:
            provider.received.append(
                Received(
                    "POST", parts.path, dict(urllib.parse.parse_qsl(parts.query)), dict(self.headers), body
                )
            )
            answer = provider.answers.pop(0) if provider.answers else provider.fallback
        if answer.delay and provider.stopping.wait(answer.delay):
            return
        data = json.dumps(answer.body).encode() if answer.body is not None else answer.raw
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json" if answer.body is not None else "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    provider: Provider

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up waiting closed the socket: nothing to report


@pytest.fixture
def provider() -> Iterator[Provider]:
    """A local HTTP server on a free port playing WeCom's webhook and Alibaba Cloud's SMS endpoint."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.provider = Provider(base=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.provider
    server.provider.stopping.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def wecom(provider: Provider) -> Iterator[Provider]:
    provider.fallback = Answer(body=OK_WECOM)
    with override_settings(
        NOTIFICATION_CHANNELS=[WECOM],
        WECOM_WEBHOOK_URL=f"{provider.base}/cgi-bin/webhook/send?key={WEBHOOK_KEY}",
        CHANNEL_TIMEOUT_SECONDS=3,
        SITE_URL=SITE,
    ):
        yield provider


@pytest.fixture
def sms(provider: Provider) -> Iterator[Provider]:
    provider.fallback = Answer(body=OK_SMS)
    with override_settings(
        NOTIFICATION_CHANNELS=[SMS],
        SMS_ACCESS_KEY_ID=KEY_ID,
        SMS_ACCESS_KEY_SECRET=SECRET,
        SMS_SIGN_NAME=SIGN_NAME,
        SMS_TEMPLATE_CODE=TEMPLATE,
        SMS_ENDPOINT=f"{provider.base}/",
        CHANNEL_TIMEOUT_SECONDS=3,
        SITE_URL=SITE,
    ):
        yield provider


@pytest.fixture
def officer(city_officer: User) -> User:
    city_officer.mobile = MOBILE
    city_officer.save()
    return city_officer


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def deliver(
    user: User, django_capture_on_commit_callbacks: Callable[..., Any], url: str = "/ledger/organisations/"
) -> Notification:
    """A notification created as the app does: its delivery task runs (in-process) after the commit."""
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_create(
            user=user,
            kind="t",
            template="message",
            context={"title": "请跟进海勃湾区商会", "text": "请在本周内联系。", "user": user},
            url=url,
        )
    notification.refresh_from_db()
    return notification


def deliver_by_the_task(notification: Notification) -> Notification:
    """Run the delivery task as a worker does: a ChannelError is retried (here at once, without waiting)."""
    from federation.celery import app
    from federation.tasks import notification_deliver as task

    propagates, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False  # a worker's view
    try:
        task.apply(args=(notification.pk,))
    finally:
        app.conf.task_eager_propagates = propagates
    notification.refresh_from_db()
    return notification


@pytest.fixture
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """The backoff Celery computes for each retry: (factor, retries so far, maximum) in seconds."""
    from celery.app import autoretry

    real, calls = autoretry.get_exponential_backoff_interval, []

    def recorded(factor: int, retries: int, maximum: int, full_jitter: bool = False) -> int:
        calls.append((factor, retries, maximum))
        return real(factor=factor, retries=retries, maximum=maximum, full_jitter=full_jitter)

    monkeypatch.setattr(autoretry, "get_exponential_backoff_interval", recorded)
    return calls


def pending(user: User) -> Notification:
    return Notification.objects.create(
        recipient=user, kind="t", title="请跟进", body="请在本周内联系。", url="/ledger/organisations/"
    )


def assert_nothing_secret(*texts: str) -> None:
    for text in texts:
        for secret in (WEBHOOK_KEY, SECRET, MOBILE):
            assert secret not in text


def form(received: Received) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(received.body.decode(), keep_blank_values=True))


# --- WeCom group robot ------------------------------------------------------------------------------------


def test_wecom_posts_the_subject_text_and_link_and_mentions_the_mobile(
    wecom, officer, logs, django_capture_on_commit_callbacks
):
    notification = deliver(officer, django_capture_on_commit_callbacks)
    assert notification.delivery == Notification.Delivery.SENT and notification.attempts == 1
    [request] = wecom.received
    assert request.path == "/cgi-bin/webhook/send" and request.query == {"key": WEBHOOK_KEY}
    assert request.headers["Content-Type"].startswith("application/json")
    link = f"{SITE}/ledger/organisations/"
    assert json.loads(request.body) == {
        "msgtype": "text",
        "text": {
            "content": f"{notification.title}\n\n{notification.body}\n\n{link}",
            "mentioned_mobile_list": [MOBILE],
        },
    }
    assert "127.0.0.1" in logs.text and MASKED in logs.text
    assert_nothing_secret(logs.text)


def test_wecom_posts_without_a_mention_for_someone_without_a_mobile(
    wecom, city_officer, django_capture_on_commit_callbacks
):
    notification = deliver(city_officer, django_capture_on_commit_callbacks)
    assert notification.delivery == Notification.Delivery.SENT
    assert "mentioned_mobile_list" not in json.loads(wecom.received[0].body)["text"]


def test_wecom_text_keeps_within_2048_bytes_and_keeps_the_link_whole():
    text = wecom_text("主题", "长" * 2000, f"{SITE}/inbox/")
    assert (
        len(text.encode()) <= 2048 and text.startswith("主题\n\n长") and text.endswith(f"…\n\n{SITE}/inbox/")
    )


@pytest.mark.parametrize(
    "failure",
    [
        Answer(body={"errcode": 45009, "errmsg": "api freq out of limit"}),
        Answer(status=502, raw=b"<html>Bad Gateway</html>"),
        Answer(delay=5),
    ],
    ids=["rate-limited", "http-502", "timeout"],
)
def test_wecom_a_passing_failure_is_retried_with_backoff_and_then_sent(
    wecom, officer, failure, logs, backoffs
):
    wecom.answers = [failure]
    with override_settings(CHANNEL_TIMEOUT_SECONDS=0.5):
        notification = deliver_by_the_task(pending(officer))
    assert len(wecom.received) == 2  # the task retried after ChannelError
    assert backoffs == [(30, 0, 3600)]
    assert notification.delivery == Notification.Delivery.SENT and notification.attempts == 2
    assert notification.last_error == ""
    assert "will be tried again" in logs.text
    assert_nothing_secret(logs.text)


def test_wecom_a_failure_delivered_in_process_is_recorded_without_the_key_and_swept_again(
    wecom, officer, logs, django_capture_on_commit_callbacks
):
    wecom.answers = [Answer(status=500, raw=f"upstream /send?key={WEBHOOK_KEY} failed".encode())]
    notification = deliver(officer, django_capture_on_commit_callbacks)
    assert notification.delivery == Notification.Delivery.FAILED and "HTTP 500" in notification.last_error
    assert_nothing_secret(notification.last_error, logs.text)
    Notification.objects.update(created_at=notification.created_at - dt.timedelta(minutes=10))
    assert notifications_redeliver() == 1
    notification.refresh_from_db()
    assert notification.delivery == Notification.Delivery.SENT and len(wecom.received) == 2


def test_wecom_a_passing_failure_raises_the_retried_error_without_the_key(wecom, officer, logs):
    wecom.answers = [Answer(body={"errcode": 45009, "errmsg": f"api freq out of limit, key={WEBHOOK_KEY}"})]
    with pytest.raises(ChannelError) as raised:
        WeComRobotChannel().send(user=officer, subject="S", body="B", url="")
    assert not isinstance(raised.value, ChannelRefused)
    assert "45009" in str(raised.value) and "127.0.0.1" in str(raised.value)
    assert_nothing_secret(str(raised.value), logs.text)


def test_wecom_a_refusal_is_recorded_and_never_retried(
    wecom, officer, logs, django_capture_on_commit_callbacks
):
    hint = f"invalid webhook url, hint: [1712345678_abc], key={WEBHOOK_KEY}, mentioned {MOBILE}"
    wecom.fallback = Answer(body={"errcode": 93000, "errmsg": hint})
    notification = deliver(officer, django_capture_on_commit_callbacks)
    assert len(wecom.received) == 1
    assert notification.delivery == Notification.Delivery.FAILED
    assert "93000" in notification.last_error and "invalid webhook url" in notification.last_error
    assert "127.0.0.1" in notification.last_error and MASKED in notification.last_error
    assert_nothing_secret(notification.last_error, logs.text)
    Notification.objects.update(created_at=notification.created_at - dt.timedelta(hours=1))
    assert notifications_redeliver() == 0 and len(wecom.received) == 1  # the sweep leaves it alone


def test_wecom_without_its_webhook_fails_loudly_naming_the_setting(wecom, officer):
    with (
        override_settings(WECOM_WEBHOOK_URL=""),
        pytest.raises(ImproperlyConfigured, match="WECOM_WEBHOOK_URL"),
    ):
        WeComRobotChannel().send(user=officer, subject="S", body="B", url="")
    notification = Notification.objects.create(recipient=officer, kind="t", title="S")
    with (
        override_settings(WECOM_WEBHOOK_URL=""),
        pytest.raises(ImproperlyConfigured, match="WECOM_WEBHOOK_URL"),
    ):
        notification_deliver(notification_id=notification.pk)
    with (
        override_settings(WECOM_WEBHOOK_URL=f"qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WEBHOOK_KEY}"),
        pytest.raises(ImproperlyConfigured, match="WECOM_WEBHOOK_URL") as raised,
    ):
        WeComRobotChannel().send(user=officer, subject="S", body="B", url="")
    assert WEBHOOK_KEY not in str(raised.value)
    assert not wecom.received


# --- Alibaba Cloud SMS ------------------------------------------------------------------------------------


def signature_recomputed(params: dict[str, str], secret: str, method: str) -> str:
    """Alibaba Cloud's signature version 1.0 as its documentation gives it, written out apart from the app's."""

    def encode(value: str) -> str:
        return (
            urllib.parse.quote_plus(value.encode("utf-8"))
            .replace("+", "%20")
            .replace("*", "%2A")
            .replace("%7E", "~")
        )

    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()) if k != "Signature")
    string_to_sign = method + "&" + encode("/") + "&" + encode(canonical)
    return base64.b64encode(
        hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
    ).decode()


def test_sms_signature_matches_alibaba_clouds_documented_example():
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_sms_sends_a_signed_sendsms_request(sms, officer, logs, django_capture_on_commit_callbacks):
    notification = deliver(officer, django_capture_on_commit_callbacks, url="/ledger/")
    assert notification.delivery == Notification.Delivery.SENT and notification.attempts == 1
    [request] = sms.received
    assert request.path == "/" and not request.query
    assert request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    params = form(request)
    assert params["Signature"] == signature_recomputed(params, SECRET, "POST")
    assert params["Signature"] != signature_recomputed(params, SECRET + "x", "POST")
    assert {k: params[k] for k in params if k not in {"Signature", "SignatureNonce", "Timestamp"}} == {
        "AccessKeyId": KEY_ID,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": MOBILE,
        "RegionId": "cn-hangzhou",
        "SignName": SIGN_NAME,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "TemplateCode": TEMPLATE,
        "TemplateParam": params["TemplateParam"],
        "Version": "2017-05-25",
    }
    assert json.loads(params["TemplateParam"]) == {
        "subject": notification.title,
        "link": f"{SITE}/ledger/",
    }
    sent_at = dt.datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert abs(dt.datetime.now(dt.UTC) - sent_at) < dt.timedelta(minutes=1)
    assert len(params["SignatureNonce"]) >= 16
    assert SECRET.encode() not in request.body
    assert "127.0.0.1" in logs.text and MASKED in logs.text
    assert_nothing_secret(logs.text)


def test_sms_nonces_differ_from_message_to_message(sms, officer):
    AliyunSmsChannel().send(user=officer, subject="S", body="B", url="")
    AliyunSmsChannel().send(user=officer, subject="S", body="B", url="")
    assert form(sms.received[0])["SignatureNonce"] != form(sms.received[1])["SignatureNonce"]


def test_sms_template_variables_are_kept_short():
    with override_settings(SITE_URL=SITE):
        short = sms_template_param("请跟进", "/inbox/")
        long = sms_template_param("请跟进" * 20, "/ledger/organisations/12345/contacts/new/")
    assert short == {"subject": "请跟进", "link": f"{SITE}/inbox/"}
    assert len(long["subject"]) == 35 and long["subject"].endswith("…")
    assert long["link"] == f"{SITE}/inbox/"  # a cut link would lead nowhere: the inbox shows the message


def test_sms_skips_someone_without_a_mobile(sms, city_officer, django_capture_on_commit_callbacks):
    assert AliyunSmsChannel().send(user=city_officer, subject="S", body="B", url="") is False
    notification = deliver(city_officer, django_capture_on_commit_callbacks)
    assert notification.delivery == Notification.Delivery.SENT and not sms.received


@pytest.mark.parametrize(
    "failure",
    [
        Answer(body={"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}),
        Answer(
            status=400,
            body={"Code": "Throttling.User", "Message": "Request was denied due to user flow control."},
        ),
        Answer(status=503, raw=b"Service Unavailable"),
        Answer(delay=5),
    ],
    ids=["business-limit", "throttling", "http-503", "timeout"],
)
def test_sms_a_passing_failure_is_retried_with_backoff_and_then_sent(sms, officer, failure, logs, backoffs):
    sms.answers = [failure]
    with override_settings(CHANNEL_TIMEOUT_SECONDS=0.5):
        notification = deliver_by_the_task(pending(officer))
    assert len(sms.received) == 2 and backoffs == [(30, 0, 3600)]
    assert notification.delivery == Notification.Delivery.SENT and notification.attempts == 2
    assert "will be tried again" in logs.text
    assert_nothing_secret(logs.text)


def test_sms_a_failure_that_does_not_pass_is_retried_six_times_then_left_to_the_sweep(
    sms, officer, logs, backoffs
):
    sms.fallback = Answer(status=500, raw=b"Internal Server Error")
    notification = deliver_by_the_task(pending(officer))
    assert len(sms.received) == 7  # the first try and six retries; the seventh retry is refused by the limit
    assert [retries for _, retries, _ in backoffs] == [0, 1, 2, 3, 4, 5, 6]
    assert notification.delivery == Notification.Delivery.FAILED and notification.attempts == 7
    assert "HTTP 500" in notification.last_error
    assert_nothing_secret(notification.last_error, logs.text)
    Notification.objects.update(created_at=notification.created_at - dt.timedelta(minutes=10))
    sms.fallback = Answer(body=OK_SMS)
    assert notifications_redeliver() == 1  # an eighth try, by the sweep
    notification.refresh_from_db()
    assert notification.delivery == Notification.Delivery.SENT


def test_sms_a_timeout_raises_the_retried_error(sms, officer, logs):
    sms.answers = [Answer(delay=5)]
    with override_settings(CHANNEL_TIMEOUT_SECONDS=0.3), pytest.raises(ChannelError) as raised:
        AliyunSmsChannel().send(user=officer, subject="S", body="B", url="")
    assert not isinstance(raised.value, ChannelRefused) and "127.0.0.1" in str(raised.value)
    assert_nothing_secret(str(raised.value), logs.text)


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"),
        (200, "isv.SMS_TEMPLATE_ILLEGAL", "模版不合法(不存在或被拉黑)"),
        (404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."),
        (
            400,
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation. server string to sign is:"
            f"POST&%2F&AccessKeyId%3D{KEY_ID}%26Action%3DSendSms%26PhoneNumbers%3D{MOBILE}%26",
        ),
    ],
    ids=["bad-mobile", "bad-template", "bad-key", "bad-signature"],
)
def test_sms_a_refusal_is_recorded_and_never_retried(
    sms, officer, status, code, message, logs, django_capture_on_commit_callbacks
):
    sms.fallback = Answer(status=status, body={"Code": code, "Message": message, "RequestId": "A1"})
    with override_settings(NOTIFICATION_CHANNELS=[SMS, "federation.channels.EmailChannel"]):
        notification = deliver(officer, django_capture_on_commit_callbacks)
    assert len(sms.received) == 1 and len(mail.outbox) == 1  # the e-mail still went
    assert notification.delivery == Notification.Delivery.FAILED
    assert code in notification.last_error and "127.0.0.1" in notification.last_error
    assert_nothing_secret(notification.last_error, logs.text)
    Notification.objects.update(created_at=notification.created_at - dt.timedelta(hours=1))
    assert notifications_redeliver() == 0 and len(sms.received) == 1


def test_sms_a_refusal_is_a_channel_refused_error(sms, officer):
    sms.fallback = Answer(body={"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})
    with pytest.raises(ChannelRefused, match="isv.MOBILE_NUMBER_ILLEGAL"):
        AliyunSmsChannel().send(user=officer, subject="S", body="B", url="")


@pytest.mark.parametrize(
    "name", ["SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME", "SMS_TEMPLATE_CODE"]
)
def test_sms_without_its_settings_fails_loudly_naming_the_missing_one(sms, officer, name):
    with override_settings(**{name: ""}), pytest.raises(ImproperlyConfigured, match=name) as raised:
        AliyunSmsChannel().send(user=officer, subject="S", body="B", url="")
    assert SECRET not in str(raised.value) and not sms.received


def test_a_bad_timeout_setting_fails_loudly(sms, officer):
    with (
        override_settings(CHANNEL_TIMEOUT_SECONDS="soon"),
        pytest.raises(ImproperlyConfigured, match="CHANNEL_TIMEOUT"),
    ):
        AliyunSmsChannel().send(user=officer, subject="S", body="B", url="")


# --- The log channel --------------------------------------------------------------------------------------


def test_the_log_channel_masks_the_mobile(officer, logs):
    assert LogChannel().send(user=officer, subject="请跟进", body="B", url="") is True
    assert MASKED in logs.text and MOBILE not in logs.text
