"""Sessions that links opened before links kept a record of them cannot be ended by revoking the link. Every
contact's session is ended once, so that from now on each one is known to the link that opened it; contacts
open their link again (or sign in with their password). Nothing to undo."""

from django.conf import settings
from django.db import migrations

BATCH = 1000


def contact_sessions_end(apps, schema_editor):
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return  # sessions kept elsewhere end at their usual age
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    User = apps.get_model("federation", "User")
    contacts = {str(pk) for pk in User.objects.filter(kind="contact").values_list("pk", flat=True)}
    if not contacts:
        return
    store = SessionStore()
    ended = []
    for key, data in Session.objects.values_list("session_key", "session_data").iterator(chunk_size=BATCH):
        if str(store.decode(data).get("_auth_user_id", "")) in contacts:
            ended.append(key)
    for start in range(0, len(ended), BATCH):
        Session.objects.filter(session_key__in=ended[start : start + BATCH]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0007_contact_usernames_random"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(contact_sessions_end, migrations.RunPython.noop)]
