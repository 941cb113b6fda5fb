"""Contacts' accounts made by a link were named after their liaison's id (liaison-12), so anyone could guess
another organisation's user name. They get a random one; the reverse names them after their liaison again."""

import re
import secrets

from django.db import migrations

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # as services.USERNAME_ALPHABET
GUESSABLE = re.compile(r"^liaison-\d+$")


def _random_username(taken: set[str]) -> str:
    while True:
        username = "c-" + "".join(secrets.choice(ALPHABET) for _ in range(10))
        if username not in taken:
            taken.add(username)
            return username


def usernames_randomise(apps, schema_editor):
    User = apps.get_model("federation", "User")
    taken = set(User.objects.filter(username__startswith="c-").values_list("username", flat=True))
    for user in User.objects.filter(kind="contact", username__startswith="liaison-"):
        if GUESSABLE.match(user.username):
            user.username = _random_username(taken)
            user.save(update_fields=["username"])


def usernames_by_liaison(apps, schema_editor):
    User = apps.get_model("federation", "User")
    Liaison = apps.get_model("branches", "Liaison")
    taken = set(User.objects.filter(username__startswith="liaison-").values_list("username", flat=True))
    for liaison in Liaison.objects.filter(user__kind="contact", user__username__startswith="c-").order_by(
        "pk"
    ):
        username = f"liaison-{liaison.pk}"
        if username in taken:
            continue
        User.objects.filter(pk=liaison.user_id, username__startswith="c-").update(username=username)
        taken.add(username)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0006_invitation_sessions"),
        ("branches", "0003_women_organisations_liaisons_contacts"),
        ("federation", "0006_reminder_kind_statistics"),
    ]

    operations = [migrations.RunPython(usernames_randomise, usernames_by_liaison)]
