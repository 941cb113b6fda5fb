"""Messages were rendered with HTML escaping, so the inbox and e-mails showed "&lt;" and "&quot;" where
people had typed "<" and '"'. Messages stored so are put back as text (escaping them again is the reverse)."""

import html

from django.db import migrations

BATCH = 500


def _rewrite(apps, change, *, marker: str) -> None:
    Notification = apps.get_model("federation", "Notification")
    rows = Notification.objects.filter(title__contains=marker) | Notification.objects.filter(
        body__contains=marker
    )
    changed = []
    for notification in rows.only("pk", "title", "body").iterator(chunk_size=BATCH):
        title, body = change(notification.title), change(notification.body)
        if (title, body) != (notification.title, notification.body):
            notification.title, notification.body = title[:200], body
            changed.append(notification)
        if len(changed) >= BATCH:
            Notification.objects.bulk_update(changed, ["title", "body"])
            changed = []
    Notification.objects.bulk_update(changed, ["title", "body"])


def notifications_unescape(apps, schema_editor):
    _rewrite(apps, html.unescape, marker="&")


def notifications_escape(apps, schema_editor):
    _rewrite(apps, html.escape, marker="")


class Migration(migrations.Migration):
    dependencies = [("federation", "0006_reminder_kind_statistics")]

    operations = [migrations.RunPython(notifications_unescape, notifications_escape)]
