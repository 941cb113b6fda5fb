"""Invitation links: signed, expiring, revocable; opening one signs the organisation's contact in, and revoking
it ends the sessions it opened."""

from __future__ import annotations

import datetime as dt
import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.forms import SetPasswordForm
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Liaison
from federation import access
from federation.context import client_ip
from federation.models import User
from federation.services import login_event_record, operation_record

from ..models import (
    FormationRun,
    Invitation,
    InvitationUse,
)
from .common import WorkflowError

INVITATION_SALT = "workflows.invitation"
INVITATION_DAYS = 14
# The session key that names the link a session was opened by.
SESSION_INVITATION = "invitation"
# Contacts' user names: "c-" and ten of these (no 0/o, 1/l/i to misread when noting it down).
USERNAME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

# --- invitation links -------------------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    """The signed token of a link's address (its nonce makes a revoked link's token useless)."""
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT, compress=True)


def invitation_url(request: HttpRequest | None, invitation: Invitation) -> str:
    """The link to send: absolute when the request being served says the host, else its path."""
    path = reverse("workflows:invitation_open", args=[invitation_token(invitation)])
    return request.build_absolute_uri(path) if request is not None else path


def invitation_code_new() -> str:
    """A short link's code: ten of USERNAME_ALPHABET (about 49 bits), unguessable and unused."""
    while True:
        code = "".join(secrets.choice(USERNAME_ALPHABET) for _ in range(10))
        if not Invitation.objects.filter(code=code).exists():
            return code


@transaction.atomic
def invitation_create(
    *, by: User, run: FormationRun, liaison: Liaison | None = None, days: int = INVITATION_DAYS
) -> Invitation:
    """A new link for the run's liaison (earlier links stay valid until they expire or are revoked)."""
    access.require(by, "workflow.run", run.organisation)
    liaison = liaison or run.liaison
    if run.status != FormationRun.Status.ACTIVE:
        raise WorkflowError(_("The run is no longer in progress."))
    if liaison is None or liaison.organisation_id != run.organisation_id or not liaison.active:
        raise WorkflowError(_("Name an active liaison of this organisation first."))
    if run.liaison_id != liaison.pk:
        FormationRun.objects.filter(pk=run.pk).update(liaison=liaison)
        run.liaison = liaison
    invitation = Invitation.objects.create(
        run=run,
        liaison=liaison,
        nonce=secrets.token_hex(16),
        code=invitation_code_new(),
        created_by=by,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    operation_record(
        actor=by, action="workflow.invite", obj=run.organisation, changes={"liaison": [None, liaison.name]}
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, by: User, invitation: Invitation) -> Invitation:
    """Withdraw a link: it opens nothing more, and whoever it signed in is signed out."""
    access.require(by, "workflow.run", invitation.run.organisation)
    Invitation.objects.filter(pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    _invitation_sessions_end([invitation.pk])
    operation_record(
        actor=by,
        action="workflow.revoke",
        obj=invitation.run.organisation,
        changes={"liaison": [invitation.liaison.name, None]},
    )
    invitation.refresh_from_db()
    return invitation


def _invitation_sessions_end(invitation_ids: list[int]) -> None:
    """End the sessions these links opened, and withdraw a password set through one of them.

    Whoever held a withdrawn link may have been someone else than the liaison: a password they set would
    outlive the link. Making it unusable also ends the account's other sessions (Django checks the
    password's hash on each request); the liaison sets a new one from a new link.
    """
    if not invitation_ids:
        return
    uses = InvitationUse.objects.filter(invitation__in=invitation_ids).exclude(session_key="")
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in set(uses.values_list("session_key", flat=True)):
        store(session_key=key).delete()
    uses.update(session_key="")
    tainted = Invitation.objects.filter(pk__in=invitation_ids, password_set_at__isnull=False)
    for user in User.objects.filter(
        pk__in=tainted.values("liaison__user"), kind=User.Kind.CONTACT
    ).select_for_update():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    tainted.update(password_set_at=None)


def contact_username_new() -> str:
    """A user name for a contact that says nothing about who they are and cannot be guessed from another."""
    while True:
        username = "c-" + "".join(secrets.choice(USERNAME_ALPHABET) for _ in range(10))
        if not User.objects.filter(username=username).exists():
            return username


@transaction.atomic
def contact_password_set(*, request: HttpRequest, form: SetPasswordForm) -> User:
    """Save the password the signed-in contact chose; the session stays theirs (under a new key).

    The password is remembered as set through the link that opened the session, if one did: revoking that
    link withdraws the password too (see _invitation_sessions_end). It takes the request being served: the
    session whose key changes is its session."""
    old_key = request.session.session_key
    user = form.save()
    update_session_auth_hash(request, user)
    new_key = request.session.session_key
    if old_key and new_key and old_key != new_key:
        InvitationUse.objects.filter(session_key=old_key).update(session_key=new_key)
    links = Invitation.objects.filter(liaison__user=user)
    links.update(password_set_at=None)
    opened_by = request.session.get(SESSION_INVITATION)
    if opened_by:
        links.filter(pk=opened_by).update(password_set_at=timezone.now())
    return user


def _contact_user(liaison: Liaison) -> User:
    """The liaison's login account, made on first use of a link (no password until they set one)."""
    if liaison.user is not None:
        return liaison.user
    user = User(
        username=contact_username_new(),
        full_name=liaison.name,
        kind=User.Kind.CONTACT,
        mobile=liaison.mobile,
    )
    user.set_unusable_password()
    user.save()
    Liaison.objects.filter(pk=liaison.pk).update(user=user)
    liaison.user = user
    return user


def invitation_check(*, token: str) -> tuple[str, Invitation | None]:
    """What a link would do if opened now, without opening it. Returns (outcome, invitation)."""
    invitation = None
    try:
        payload = signing.loads(token, salt=INVITATION_SALT)
        invitation = (
            Invitation.objects.select_related("run", "liaison__user")
            .filter(pk=payload["i"], nonce=payload["n"])
            .first()
        )
    except (signing.BadSignature, KeyError, TypeError):
        invitation = None
    if invitation is None:
        outcome = InvitationUse.Outcome.INVALID
    elif (
        invitation.revoked_at is not None
        or not invitation.liaison.active
        or invitation.run.status == FormationRun.Status.CANCELLED
    ):
        outcome = InvitationUse.Outcome.REVOKED
    elif invitation.expires_at <= timezone.now():
        outcome = InvitationUse.Outcome.EXPIRED
    else:
        outcome = InvitationUse.Outcome.OPENED
    return outcome, invitation


def invitation_open(*, token: str, request: HttpRequest) -> tuple[str, Invitation | None]:
    """Check a link, log its use, and sign its liaison in. Returns (outcome, invitation).

    The session is stamped with the link and ends when the link expires; its key is kept with the use, so
    that revoking the link ends it (see _invitation_sessions_end). It takes the request being served: signing
    in changes its session."""
    outcome, invitation = invitation_check(token=token)
    address = client_ip(request)
    agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    with transaction.atomic():
        use = InvitationUse(invitation=invitation, outcome=outcome, address=address, user_agent=agent)
        if outcome == InvitationUse.Outcome.OPENED and invitation is not None:  # a link opened is found
            user = _contact_user(invitation.liaison)
            if not user.is_active:
                use.outcome = InvitationUse.Outcome.REVOKED
                use.save()
                return InvitationUse.Outcome.REVOKED, invitation
            if request.user.is_authenticated and request.user.pk != user.pk:
                logout(request)  # someone else's session (staff who confirmed) ends here
            login(request, user, backend="federation.backends.UserBackend")
            login_event_record(request=request, username=user.username, user=user, success=True)
            request.session[SESSION_INVITATION] = invitation.pk
            if invitation.expires_at < timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE):
                request.session.set_expiry(invitation.expires_at)
            if request.session.session_key is None:
                request.session.save()
            use.session_key = request.session.session_key or ""  # saved just above: it has one
        use.save()
    return outcome, invitation
