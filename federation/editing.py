"""No silent overwrites: an edit form carries when its record was last saved as the editor opened it, and the
service refuses the save, inside its transaction and after locking the row, when the record was saved since.

Every edit page posts all of its fields, so saving over a newer save would quietly put back the values the
other person had just changed. The refusal names who saved and when, so the editor knows whom to ask.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import OperationLog, User

SEEN_FIELD = "seen"


class SeenMixin:
    """For an edit form: a hidden field `seen` holding the record's updated_at as the page was opened.

    Call ``seen_track(instance)`` at the end of ``__init__``; pass ``seen_at()`` to the service."""

    def seen_track(self, instance: Model | None) -> None:
        saved_at = getattr(instance, "updated_at", None) if instance is not None and instance.pk else None
        self.fields[SEEN_FIELD] = forms.CharField(
            required=False,
            widget=forms.HiddenInput,
            max_length=40,
            initial=saved_at.isoformat() if saved_at else "",
        )

    def seen_at(self) -> dt.datetime | None:
        """The saved version the editor started from (None for a new record or an unreadable value)."""
        return seen_parse(self.cleaned_data.get(SEEN_FIELD))


def seen_parse(value: str | None) -> dt.datetime | None:
    """A posted `seen` value as a datetime (None when empty or unreadable)."""
    try:
        return dt.datetime.fromisoformat(value or "")
    except ValueError:
        return None


def last_saver(record: Model) -> User | None:
    """Who saved the record last: its history's latest author, else the newest of the operation log and
    the admin's log."""
    history = getattr(type(record), "history", None)
    if history is not None:
        latest = (
            record.history.order_by("-history_date", "-history_id").select_related("history_user").first()
        )
        return latest.history_user if latest is not None else None
    content_type = ContentType.objects.get_for_model(record)
    found = [
        (entry.at, entry.actor)
        for entry in OperationLog.objects.filter(content_type=content_type, object_id=str(record.pk))
        .select_related("actor")
        .order_by("-at", "-id")[:1]
    ]
    found += [
        (entry.action_time, entry.user)
        for entry in LogEntry.objects.filter(content_type=content_type, object_id=str(record.pk))
        .select_related("user")
        .order_by("-action_time", "-id")[:1]
    ]
    return max(found, key=lambda pair: pair[0])[1] if found else None


def clash_message(record: Model) -> str:
    """Why a save over the record's newer version was refused: who saved it, and when."""
    saved_at = timezone.localtime(record.updated_at)
    time = saved_at.strftime("%H:%M" if saved_at.date() == timezone.localdate() else "%Y-%m-%d %H:%M")
    saver = last_saver(record)
    values = {"what": record._meta.verbose_name, "time": time}
    if saver is None:
        return (
            _(
                "Someone else saved this %(what)s at %(time)s, after you opened this page, so your changes "
                "were not saved. Open the page again to see theirs, then make yours."
            )
            % values
        )
    return _(
        "%(name)s saved this %(what)s at %(time)s, after you opened this page, so your changes were not "
        "saved. Open the page again to see theirs, then make yours."
    ) % (values | {"name": saver.display_name})


def clash_refuse(record: Model, *, seen: dt.datetime | None, error: type[Exception]) -> None:
    """Raise ``error`` (the caller's domain error) when ``record`` — read under select_for_update by the
    caller — was saved after the editor opened it; ``seen`` None (no version posted) checks nothing."""
    if seen is None or record.updated_at is None or record.updated_at == seen:
        return
    raise error(clash_message(record))


class SeenAdminForm(SeenMixin, forms.ModelForm):
    """An admin change form with the same refusal: the admin validates and saves in one transaction, so the
    row is locked here until the save."""

    seen = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        saved_at = getattr(self.instance, "updated_at", None) if self.instance.pk else None
        self.fields[SEEN_FIELD].initial = saved_at.isoformat() if saved_at else ""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            locked = type(self.instance)._default_manager.select_for_update().get(pk=self.instance.pk)
            clash_refuse(locked, seen=self.seen_at(), error=forms.ValidationError)
        return cleaned
