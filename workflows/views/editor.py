"""Template editing pages (being written)."""

from django.http import Http404


def _pending(*args, **kwargs):
    raise Http404


template_list = template_detail = template_publish = template_new_version = step_move = step_preview = (
    _pending
)
