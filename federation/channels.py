"""Notification channels. The in-app inbox always holds the message; channels carry a copy elsewhere.

Built in, each listed by dotted path in the NOTIFICATION_CHANNELS setting:

* ``EmailChannel`` ("email"): the recipient's e-mail address, through Django's mail settings.
* ``WeComRobotChannel`` ("wecom"): a WeCom (企业微信) group robot posts the subject, the text and the link in its
  group and mentions the recipient by mobile. Needs WECOM_WEBHOOK_URL.
* ``AliyunSmsChannel`` ("sms"): an Alibaba Cloud SMS (SendSms) to the recipient's mobile through an approved sign
  name and template with the variables ``subject`` and ``link``. Needs SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET,
  SMS_SIGN_NAME and SMS_TEMPLATE_CODE (SMS_ENDPOINT names another endpoint). People without a mobile are skipped.
* ``LogChannel`` ("log"): writes one line to the log, the mobile masked; a stand-in on a laptop.

A channel is a class with ``name`` and ``send(*, user, subject, body, url) -> bool`` (False: nothing to send to).
It raises ``ChannelError`` for a failure that may pass (no answer, a timeout, HTTP 5xx, a rate limit): the
delivery task is retried with backoff. It raises ``ChannelRefused`` when the provider refused the message for good
(a wrong number, template or key): the delivery records the provider's code and message in the notification's
``last_error`` and does not retry it. A channel listed without its settings raises ImproperlyConfigured, naming
the setting, at its first send. HTTP goes through urllib with a timeout of CHANNEL_TIMEOUT_SECONDS (10).

Webhook keys, AccessKey secrets and full mobiles never reach a log record, an exception message or
``last_error``: the log names the provider's host and the masked mobile only.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .identifiers import mobile_mask, mobile_normalise

if TYPE_CHECKING:
    from .models import User

log = logging.getLogger("federation.channels")

RESPONSE_MAX_BYTES = 64 * 1024  # a provider's answer is a few hundred bytes; nothing more is read
REASON_MAX_CHARS = 200  # of a provider's message, in last_error
WECOM_TEXT_MAX_BYTES = 2048  # WeCom's limit for a text message (UTF-8)
# -1 system busy, 45009 rate limit (20 messages a minute a robot), 45033 too many calls at once.
WECOM_TRANSIENT = frozenset({-1, 45009, 45033})
SMS_API_VERSION = "2017-05-25"
SMS_VARIABLE_MAX = 35  # characters in one template variable (Alibaba Cloud's limit for notices)
SMS_TRANSIENT = frozenset(
    {"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "ServiceUnavailable", "InternalError"}
)
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class ChannelError(Exception):
    """A delivery that failed for a reason that may pass (network, gateway, rate limit); it is retried."""


class ChannelRefused(ChannelError):
    """The provider refused the message for good (a wrong number, template or key): recorded, never retried."""


class Channel(Protocol):
    name: str

    def send(self, *, user: User, subject: str, body: str, url: str) -> bool: ...


class EmailChannel:
    name = "email"

    def send(self, *, user: User, subject: str, body: str, url: str) -> bool:
        if not user.email:
            return False
        text = f"{body}\n\n{settings.SITE_URL}{url}" if url else body
        try:
            send_mail(subject, text, None, [user.email], fail_silently=False)
        except OSError as error:  # SMTP refused, timed out or unreachable
            raise ChannelError(str(error)) from error
        return True


class LogChannel:
    """Stands in for SMS or WeCom on a laptop: writes the message to the log, the mobile masked."""

    name = "log"

    def send(self, *, user: User, subject: str, body: str, url: str) -> bool:
        mobile = mobile_mask(getattr(user, "mobile", "") or "")
        log.info("notification for %s (%s): %s", user.get_username(), mobile, subject)
        return True


# --- Settings ---------------------------------------------------------------------------------------------


def _required(channel: str, name: str) -> str:
    """A setting the channel cannot work without; its absence is an error of the installation, said loudly."""
    value = str(getattr(settings, name, "") or "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set: the {channel} notification channel is listed in NOTIFICATION_CHANNELS "
            f"and needs it."
        )
    return value


def _host(channel: str, name: str, url: str) -> str:
    """The host of a configured URL (all the log may show of it); the URL itself is never quoted."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must be an http(s) URL (the {channel} notification channel uses it)."
        )
    return parts.hostname


def _timeout() -> float:
    value = getattr(settings, "CHANNEL_TIMEOUT_SECONDS", 10)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0.0
    if seconds <= 0:
        raise ImproperlyConfigured(
            f"CHANNEL_TIMEOUT_SECONDS must be a positive number of seconds, not {value!r}."
        )
    return seconds


# --- Text -------------------------------------------------------------------------------------------------


def _link(url: str) -> str:
    """The absolute address of a notification's (site-relative) link."""
    return f"{settings.SITE_URL}{url}" if url else ""


def _shorten(text: str, limit: int) -> str:
    """At most `limit` characters on one line, an ellipsis where it was cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut_bytes(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, cut between characters, an ellipsis where it was cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: max(0, limit - 3)].decode("utf-8", "ignore") + "…"


def scrub(text: str, *, secrets: tuple[str, ...] = (), mobile: str = "") -> str:
    """`text` fit for a log record or last_error: secrets replaced by ***, mobile numbers masked, at most
    REASON_MAX_CHARS long. A provider's message may quote the request (Alibaba Cloud's signature error does)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    if mobile:
        text = text.replace(mobile, mobile_mask(mobile))
    text = _MOBILE_IN_TEXT.sub(lambda match: mobile_mask(match.group()), text)
    return _shorten(text, REASON_MAX_CHARS)


# --- HTTP -------------------------------------------------------------------------------------------------


class _HttpChannel:
    """What the WeCom and SMS channels share: one POST with a timeout, and failures told apart and reported
    without secrets."""

    name = ""

    def title(self) -> str:
        """The channel's name in last_error."""
        raise NotImplementedError

    def _post(
        self, url: str, data: bytes, content_type: str, *, host: str, secrets: tuple[str, ...], mobile: str
    ) -> tuple[int, dict[str, Any] | None]:
        """POST `data`; the HTTP status and the answer's JSON object (None when it is not one). A network
        error or a timeout raises ChannelError."""
        timeout = _timeout()
        request = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={"Content-Type": content_type, "Accept": "application/json"},
        )
        try:
            try:
                response = urllib.request.urlopen(request, timeout=timeout)
            except urllib.error.HTTPError as error:  # 4xx and 5xx still carry the provider's JSON
                response = error
            with response:
                status, raw = response.status, response.read(RESPONSE_MAX_BYTES)
        except (OSError, http.client.HTTPException) as error:  # refused, unreachable, timed out, cut off
            if isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError):
                reason = _("no answer within %(seconds)s seconds") % {"seconds": f"{timeout:g}"}
            else:
                inner = getattr(error, "reason", error)
                reason = (
                    f"{type(inner).__name__}: {inner}" if isinstance(inner, BaseException) else str(inner)
                )
            raise self._transient(host, scrub(reason, secrets=secrets, mobile=mobile), mobile) from None
        try:
            answer = json.loads(raw.decode("utf-8"))
        except ValueError:
            answer = None
        return status, answer if isinstance(answer, dict) else None

    def _transient(self, host: str, reason: str, mobile: str) -> ChannelError:
        log.warning(
            "%s: %s did not take the message for %s (%s); it will be tried again",
            self.name, host, mobile_mask(mobile) or "-", reason,
        )  # fmt: skip
        return ChannelError(
            _("%(channel)s: %(host)s did not take the message (%(reason)s); it will be tried again.")
            % {"channel": self.title(), "host": host, "reason": reason}
        )

    def _refused(self, host: str, reason: str, mobile: str) -> ChannelRefused:
        log.error(
            "%s: %s refused the message for %s (%s); it is not tried again",
            self.name, host, mobile_mask(mobile) or "-", reason,
        )  # fmt: skip
        return ChannelRefused(
            _("%(channel)s: %(host)s refused the message (%(reason)s); it will not be tried again.")
            % {"channel": self.title(), "host": host, "reason": reason}
        )


# --- WeCom group robot ------------------------------------------------------------------------------------


class WeComRobotChannel(_HttpChannel):
    """Posts the message in a WeCom group through the group robot's webhook, mentioning the recipient by
    mobile when they have one (WeCom finds the member in the group by it)."""

    name = "wecom"
    shared = True  # the whole group reads what it posts: nothing personal or that signs someone in

    def title(self) -> str:
        return _("WeCom group robot")

    def send(self, *, user: User, subject: str, body: str, url: str) -> bool:
        webhook = _required(self.name, "WECOM_WEBHOOK_URL")
        host = _host(self.name, "WECOM_WEBHOOK_URL", webhook)
        key = urllib.parse.parse_qs(urllib.parse.urlsplit(webhook).query).get("key", [""])[0]
        mobile = mobile_normalise(getattr(user, "mobile", "") or "")
        text: dict[str, Any] = {"content": wecom_text(subject, body, _link(url))}
        if mobile:
            text["mentioned_mobile_list"] = [mobile]
        data = json.dumps({"msgtype": "text", "text": text}, ensure_ascii=False).encode()
        secrets = (webhook, key)
        status, answer = self._post(
            webhook, data, "application/json; charset=utf-8", host=host, secrets=secrets, mobile=mobile
        )
        if status >= 500 or status == 429:
            raise self._transient(host, f"HTTP {status}", mobile)
        if status != 200:
            raise self._refused(host, f"HTTP {status}", mobile)
        if answer is None:  # a proxy's page, not WeCom's answer
            raise self._transient(host, _("an answer that is not from WeCom"), mobile)
        code = answer.get("errcode")
        if code == 0:
            log.info("wecom: message posted through %s for %s", host, mobile_mask(mobile) or "-")
            return True
        reason = scrub(f"{code}: {answer.get('errmsg', '')}", secrets=secrets, mobile=mobile)
        if code in WECOM_TRANSIENT:
            raise self._transient(host, reason, mobile)
        raise self._refused(host, reason, mobile)


def wecom_text(subject: str, body: str, link: str) -> str:
    """Subject, text and link within WeCom's 2,048 bytes: the text is shortened, the link kept whole."""
    ends = "\n\n".join(part for part in (subject, link) if part)
    room = WECOM_TEXT_MAX_BYTES - len(ends.encode()) - 4  # the two separators around the text
    parts = [subject, _cut_bytes(body.strip(), room) if room > 0 else "", link]
    return _cut_bytes("\n\n".join(part for part in parts if part), WECOM_TEXT_MAX_BYTES)


# --- Alibaba Cloud SMS ------------------------------------------------------------------------------------


def aliyun_percent(value: str) -> str:
    """Alibaba Cloud's percent-encoding (RFC 3986 over UTF-8): only A-Z a-z 0-9 - _ . ~ stay as they are."""
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """Signature version 1.0 of an RPC request: HMAC-SHA1, keyed with the AccessKey secret and "&", over
    METHOD&%2F&percent(canonicalised query string), the parameters sorted by name; base64."""
    query = "&".join(
        f"{aliyun_percent(name)}={aliyun_percent(value)}"
        for name, value in sorted(params.items())
        if name != "Signature"
    )
    to_sign = f"{method}&{aliyun_percent('/')}&{aliyun_percent(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def sms_template_param(subject: str, url: str) -> dict[str, str]:
    """The template's variables, each within Alibaba Cloud's 35 characters: the subject shortened; a link too
    long for it becomes the inbox's (which shows the message), since a shortened link would lead nowhere."""
    link = _link(url)
    if not link or len(link) > SMS_VARIABLE_MAX:
        link = _link(reverse("federation:inbox"))
    return {"subject": _shorten(subject, SMS_VARIABLE_MAX), "link": link}


class AliyunSmsChannel(_HttpChannel):
    """Sends a text message through Alibaba Cloud SMS (SendSms, API 2017-05-25), signed with the AccessKey."""

    name = "sms"

    def title(self) -> str:
        return _("SMS")

    def send(self, *, user: User, subject: str, body: str, url: str) -> bool:
        key_id = _required(self.name, "SMS_ACCESS_KEY_ID")
        secret = _required(self.name, "SMS_ACCESS_KEY_SECRET")
        sign_name = _required(self.name, "SMS_SIGN_NAME")
        template = _required(self.name, "SMS_TEMPLATE_CODE")
        endpoint = str(getattr(settings, "SMS_ENDPOINT", "") or "https://dysmsapi.aliyuncs.com/")
        host = _host(self.name, "SMS_ENDPOINT", endpoint)
        mobile = mobile_normalise(getattr(user, "mobile", "") or "")
        if not mobile:
            return False
        params = {
            "AccessKeyId": key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": mobile,
            "RegionId": "cn-hangzhou",
            "SignName": sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(sms_template_param(subject, url), ensure_ascii=False),
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": SMS_API_VERSION,
        }
        params["Signature"] = aliyun_signature(params, secret, "POST")
        data = "&".join(f"{aliyun_percent(name)}={aliyun_percent(value)}" for name, value in params.items())
        secrets = (secret, params["Signature"])
        status, answer = self._post(
            endpoint,
            data.encode(),
            "application/x-www-form-urlencoded; charset=utf-8",
            host=host,
            secrets=secrets,
            mobile=mobile,
        )
        code = str((answer or {}).get("Code", ""))
        if status == 200 and code == "OK":
            log.info("sms: message sent through %s to %s", host, mobile_mask(mobile))
            return True
        if not code:
            if status >= 500 or status == 429 or status == 200:  # 200 without a code: not Alibaba's answer
                raise self._transient(host, f"HTTP {status}", mobile)
            raise self._refused(host, f"HTTP {status}", mobile)
        reason = scrub(f"{code}: {(answer or {}).get('Message', '')}", secrets=secrets, mobile=mobile)
        if code in SMS_TRANSIENT or code.startswith("Throttling"):
            raise self._transient(host, reason, mobile)
        raise self._refused(host, reason, mobile)


# --- The configured channels ------------------------------------------------------------------------------


def channels() -> list[Channel]:
    """The channels NOTIFICATION_CHANNELS lists, instantiated once per process (and per value of the setting)."""
    return _channels(tuple(settings.NOTIFICATION_CHANNELS))


@cache
def _channels(paths: tuple[str, ...]) -> list[Channel]:
    return [import_string(path)() for path in paths]
