from django.db import migrations

from federation.audit import append_only_install, append_only_remove


def triggers_install(apps, schema_editor):
    append_only_install(schema_editor)


def triggers_remove(apps, schema_editor):
    append_only_remove(schema_editor)


class Migration(migrations.Migration):
    """The append-only trigger again: on the job log, which names no account, the first version failed on any
    completed job's update instead of refusing it."""

    dependencies = [
        ("federation", "0012_audit_chain"),
    ]

    operations = [migrations.RunPython(triggers_install, triggers_remove)]
