"""The organisation's portal (being written)."""

from django.http import Http404


def _pending(*args, **kwargs):
    raise Http404


invitation_open = portal_run = portal_step = portal_draft = portal_ask = portal_password = _pending
