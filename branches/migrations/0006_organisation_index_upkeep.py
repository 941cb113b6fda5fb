"""Cheaper writes to the ledger table: fewer indexes, and room on each page for updated rows.

* The FK indexes on district and region go: organisation_district_sort and organisation_region_sort start with
  those columns and answer the same lookups (filters, and the PROTECT checks when a region is deleted).
* name_normalised loses db_index, which on PostgreSQL also built a `varchar_pattern_ops` twin for LIKE; nothing
  searches it by LIKE, the import and the duplicate list compare it for equality. One plain index stays.
* PostgreSQL only: fillfactor 85. An update that changes no indexed column (employees, contacts, value_sources,
  updated_at …) can then stay on its page as a HOT update, which adds no entry to any of the table's indexes;
  on full pages each such update added one to all of them, the GIN index on search_grams included. Rows written
  from now on leave the room; existing pages get it once they are rewritten (VACUUM FULL, or as rows move).

At 100,000 organisations the index changes take about a second on a 2-core machine; writes wait meanwhile.
"""

from django.conf import settings
from django.db import migrations, models

FILLFACTOR = 85


def fillfactor_set(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE branches_organisation SET (fillfactor = {FILLFACTOR})")


def fillfactor_reset(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE branches_organisation RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0005_search_indexes"),
        ("federation", "0006_reminder_kind_statistics"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="organisation",
            name="district",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="federation.region",
                verbose_name="district",
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="region",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="federation.region",
                verbose_name="street or town",
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="name_normalised",
            field=models.CharField(editable=False, max_length=200),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(fields=["name_normalised"], name="organisation_name_normalised"),
        ),
        migrations.RunPython(fillfactor_set, fillfactor_reset, elidable=False),
    ]
