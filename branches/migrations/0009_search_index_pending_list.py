"""The search index's pending-list limit moves from the index to the connection.

Searches read a GIN index's pending list whole, so the app's connections keep it small (256 kB, set in
settings.DATABASES; see 0005). A register import raises it for its own transaction and merges the list once
at the end (branches.services.imports.write), which a limit fixed on the index would forbid. PostgreSQL only.
"""

from django.db import migrations


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("branches", "0008_organisation_active_count")]

    operations = [
        migrations.RunPython(
            _run("ALTER INDEX organisation_search_grams RESET (gin_pending_list_limit)"),
            _run("ALTER INDEX organisation_search_grams SET (gin_pending_list_limit = 256)"),
        )
    ]
