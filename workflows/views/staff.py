"""Staff pages of guided formation (being written)."""

from django.http import Http404


def _pending(*args, **kwargs):
    raise Http404


run_list = run_start = run_detail = run_cancel = invitation_create = invitation_revoke = _pending
step_detail = step_review = review_queue = _pending
