"""Inviting a liaison: a run started and its liaison named at once, and the link sent from the app.

A link is sent to the contact's in-app inbox when they have an account, and through every configured channel
(SMS, WeCom, e-mail…) to the liaison's mobile even when they have none; each sending is recorded with its channel
and outcome (InvitationSend). Sending is synchronous, one channel after the other, each with its own timeout: a
channel that fails is recorded as failed and the others still send; the officer may send again.

Showing a link again on a page is a disclosure of a credential, and logged as one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import cast

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from branches.errors import LedgerError
from branches.models import Liaison, Organisation, Way
from branches.services import contacts as contact_services
from federation import access
from federation.channels import Channel, ChannelError, channels, scrub
from federation.identifiers import mobile_mask
from federation.models import DisclosureLog, Notification, User
from federation.notifications import notification_create, text_render
from federation.services import disclosure_record

from ..models import FormationRun, Invitation, InvitationSend, WorkflowTemplate
from .common import WorkflowError
from .invitations import invitation_create, invitation_token
from .runs import run_start

log = logging.getLogger(__name__)

INBOX = "inbox"
NOTIFICATION_KIND = "workflow.invitation"
ERROR_MAX_CHARS = 500


@dataclass(frozen=True)
class NewLiaison:
    """A liaison named on the start page: what the ledger's liaison form asks."""

    name: str
    mobile: str
    post: str = ""
    consent: bool = False


@dataclass(frozen=True)
class LiaisonRecipient:
    """What a channel reads of its recipient, taken from the liaison (with or without an account): the
    liaison's mobile as the ledger has it now, the account's user name and e-mail when there is one."""

    username: str
    mobile: str
    email: str = ""
    language: str = ""

    def get_username(self) -> str:
        return self.username


# --- addresses --------------------------------------------------------------------------------------------


def invitation_path(invitation: Invitation) -> str:
    """The link's path: the short one when the link has a code, else the signed one."""
    if invitation.code:
        return reverse("workflows:invitation_short", args=[invitation.code])
    return reverse("workflows:invitation_open", args=[invitation_token(invitation)])


def invitation_link(invitation: Invitation, request: HttpRequest | None = None) -> str:
    """The absolute link: on the host the request was served from, else on SITE_URL (what channels send)."""
    path = invitation_path(invitation)
    return request.build_absolute_uri(path) if request is not None else f"{settings.SITE_URL}{path}"


def invitation_live(invitation: Invitation) -> bool:
    """Whether the link still opens the portal (not revoked, not expired, its run in progress)."""
    return (
        invitation.revoked_at is None
        and invitation.expires_at > timezone.now()
        and invitation.run.status == FormationRun.Status.ACTIVE
    )


def qr_svg(link: str) -> str:
    """The link as a QR code in SVG, drawn with classes and attributes only (no style: the CSP forbids it)."""
    return str(
        segno.make(link, error="m").svg_inline(
            scale=5, dark="#000", title=_("QR code of the invitation link"), svgclass="invitation-qr"
        )
    )


def invitation_reveal(*, by: User, invitation: Invitation) -> DisclosureLog:
    """Record that the link was shown in full to `by` (on the link's page or its printable notice)."""
    access.require(by, "workflow.run", invitation.run.organisation)
    return disclosure_record(
        user=by,
        kind=DisclosureLog.Kind.REVEAL,
        what=_("Invitation link of %(organisation)s") % {"organisation": invitation.run.organisation.name},
        obj=invitation,
    )


# --- starting a run and inviting --------------------------------------------------------------------------


def run_start_inviting(
    *,
    by: User,
    organisation: Organisation,
    template: WorkflowTemplate,
    owner: User,
    way: str = Way.STANDALONE,
    liaison: Liaison | None = None,
    new_liaison: NewLiaison | None = None,
) -> tuple[FormationRun, Invitation | None, list[InvitationSend]]:
    """Start a run; name its liaison first when `new_liaison` is given (all in one transaction); then, when
    the run has a liaison, make the link and send it (after the commit, each channel recorded)."""
    with transaction.atomic():
        if new_liaison is not None:
            if organisation.liaisons.filter(active=True).exists():
                raise WorkflowError(_("The organisation has a liaison already; choose them."))
            try:
                liaison = contact_services.liaison_add(
                    by=by,
                    organisation=organisation,
                    name=new_liaison.name,
                    post=new_liaison.post,
                    mobile=new_liaison.mobile,
                    consent=new_liaison.consent,
                )
            except LedgerError as error:
                raise WorkflowError(error.message) from error
            except ValidationError as error:
                raise WorkflowError(" ".join(error.messages)) from error
        run = run_start(
            by=by, organisation=organisation, template=template, owner=owner, way=way, liaison=liaison
        )
        invitation = invitation_create(by=by, run=run, liaison=liaison) if liaison is not None else None
    sends = invitation_send(by=by, invitation=invitation) if invitation is not None else []
    return run, invitation, sends


# --- sending ----------------------------------------------------------------------------------------------


def invitation_send(*, by: User, invitation: Invitation) -> list[InvitationSend]:
    """Send a live link to its liaison: the inbox (with an account), then every configured channel. Each
    sending is recorded; a channel's failure is recorded as failed, never raised."""
    access.require(by, "workflow.run", invitation.run.organisation)
    if not invitation_live(invitation):
        raise WorkflowError(_("This link no longer opens the portal; create a new one."))
    liaison = Liaison.objects.select_related("user").get(pk=invitation.liaison_id)
    if not liaison.active:
        raise WorkflowError(_("The liaison is no longer active; name another and create a new link."))
    path = invitation_path(invitation)
    context = {
        "organisation": invitation.run.organisation.name,
        "name": liaison.name,
        "link": f"{settings.SITE_URL}{path}",
        "expires": invitation.expires_at,
    }
    user = liaison.user if liaison.user is not None and liaison.user.is_active else None
    recipient = LiaisonRecipient(
        username=user.username if user is not None else f"liaison-{liaison.pk}",
        mobile=liaison.mobile,
        email=user.email if user is not None else "",
        language=(user.language if user is not None else "") or settings.LANGUAGE_CODE,
    )
    with translation.override(recipient.language):
        subject = " ".join(text_render("emails/invitation_subject.txt", context).split())
        body = text_render("emails/invitation_body.txt", context).strip()
    results = [_inbox_send(user, context, path)]
    # A group's robot posts where every member reads: a link that signs the liaison in never goes there.
    results += [
        _channel_send(channel, recipient, subject, body, path)
        for channel in channels()
        if not getattr(channel, "shared", False)
    ]
    return [
        InvitationSend.objects.create(
            invitation=invitation, channel=name, by=by, outcome=outcome, error=error
        )
        for name, outcome, error in results
    ]


def _inbox_send(user: User | None, context: dict, path: str) -> tuple[str, str, str]:
    if user is None:
        return (
            INBOX,
            InvitationSend.Outcome.SKIPPED,
            _("No account yet: the link makes one when it is first opened."),
        )
    with transaction.atomic():
        notification = notification_create(
            user=user, kind=NOTIFICATION_KIND, template="invitation", context=context, url=path
        )
        # The channels carry its copies here, at once; the delivery task that follows the commit sends nothing.
        Notification.objects.filter(pk=notification.pk).update(delivery=Notification.Delivery.SENT)
    return INBOX, InvitationSend.Outcome.SENT, ""


def _channel_send(
    channel: Channel, recipient: LiaisonRecipient, subject: str, body: str, path: str
) -> tuple[str, str, str]:
    """(channel, outcome, error) of one channel's sending; nothing it raises reaches the page."""
    name = str(getattr(channel, "name", "") or type(channel).__name__)[:20]
    try:
        # a channel reads only what LiaisonRecipient has of a user (mobile, e-mail, user name)
        sent = channel.send(user=cast(User, recipient), subject=subject, body=body, url=path)
    except ChannelError as error:  # ChannelRefused too; the channel logged it, without secrets
        reason = str(error)
    except ImproperlyConfigured as error:
        log.error("invitation: the %s channel is not configured: %s", name, error)
        reason = str(error)
    except Exception as error:  # a channel's bug must not leave the officer with an error page
        log.error(
            "invitation: the %s channel failed for %s (%s)", name, mobile_mask(recipient.mobile) or "-",
            type(error).__name__,
        )  # fmt: skip
        reason = _("an unexpected error (%(kind)s)") % {"kind": type(error).__name__}
    else:
        if sent:
            return name, InvitationSend.Outcome.SENT, ""
        return name, InvitationSend.Outcome.SKIPPED, _("Nothing to send to (no mobile or e-mail).")
    return name, InvitationSend.Outcome.FAILED, scrub(reason, mobile=recipient.mobile)[:ERROR_MAX_CHARS]
