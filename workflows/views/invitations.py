"""Staff pages of an invitation link: the link shown again with its QR code (each showing logged), a notice to
print and hand over, sending it again, and what each sending did.

Only officers who may run the formation of the link's organisation (workflow.run) see these; a link out of
the user's area is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from federation.identifiers import mobile_mask

from .. import services
from ..models import Invitation, InvitationSend
from .common import invitation_or_404


def sends_report(request: HttpRequest, sends: list[InvitationSend]) -> None:
    """Tell the officer where the link went, and where it did not."""
    sent = [send.channel_label for send in sends if send.outcome == InvitationSend.Outcome.SENT]
    failed = [send.channel_label for send in sends if send.outcome == InvitationSend.Outcome.FAILED]
    if sent:
        messages.success(request, _("The link was sent: %(channels)s.") % {"channels": "、".join(sent)})
    if failed:
        messages.warning(
            request,
            _("Sending failed: %(channels)s. See why below; you may send it again.")
            % {"channels": "、".join(failed)},
        )
    if not sent and not failed:
        messages.warning(request, _("No channel could send the link; show it to the liaison or print it."))


def _invitation_context(request: HttpRequest, invitation: Invitation) -> dict:
    """The link, its QR code and its sendings; a live link shown here is logged as shown."""
    live = services.invitation_live(invitation)
    link = ""
    if live:
        link = services.invitation_link(invitation, request)
        services.invitation_reveal(by=request.user, invitation=invitation)
    return {
        "invitation": invitation,
        "run": invitation.run,
        "organisation": invitation.run.organisation,
        "liaison": invitation.liaison,
        "mobile": mobile_mask(invitation.liaison.mobile),
        "live": live,
        "link": link,
        # segno's SVG: the link only, as numbers and classes (escaped by segno; no style attribute)
        "qr": mark_safe(services.qr_svg(link)) if live else "",  # noqa: S308
        "sends": list(invitation.sends.select_related("by")),
    }


@never_cache
@require_GET
def invitation_detail(request, pk):
    invitation = invitation_or_404(request, pk, "workflow.run")
    return render(request, "workflows/staff/invitation_detail.html", _invitation_context(request, invitation))


@never_cache
@require_GET
def invitation_notice(request, pk):
    """A page to print and hand to the liaison: the organisation, their name, the QR code and what to do."""
    invitation = invitation_or_404(request, pk, "workflow.run")
    return render(request, "workflows/staff/invitation_notice.html", _invitation_context(request, invitation))


@require_POST
def invitation_resend(request, pk):
    invitation = invitation_or_404(request, pk, "workflow.run")
    try:
        sends = services.invitation_send(by=request.user, invitation=invitation)
    except services.WorkflowError as error:
        messages.error(request, error.message)
    else:
        sends_report(request, sends)
    return redirect("workflows:invitation_detail", pk=invitation.pk)
