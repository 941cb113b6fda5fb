from django.db import migrations

# kind determines content_type: without this the planner multiplies their selectivities, underestimates a
# kind's history by its share, and filters the already-sent lookup's ids over all of it instead of seeking them.
CREATE = (
    "CREATE STATISTICS IF NOT EXISTS reminder_kind_type (dependencies, mcv) "
    "ON kind, content_type_id FROM federation_reminder"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)
        schema_editor.execute("ANALYZE federation_reminder")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS reminder_kind_type")


class Migration(migrations.Migration):
    dependencies = [("federation", "0005_notifications_reminders_jobs")]

    operations = [migrations.RunPython(create, drop)]
