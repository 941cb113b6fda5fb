"""The ledger list's and search's indexes, and search_grams.

* organisation_district_sort: a district (and field) filter read off the index in the list's order.
* organisation_uscc_prefix: `uscc LIKE 'prefix%'` (the C.UTF-8 collation keeps the unique index from it).
* search_grams: the 2-character windows of search_text (branches.names.search_grams), filled here for the
  rows already there; organisation_derive keeps it from then on.
* PostgreSQL only: a GIN index on `string_to_array(search_grams, ' ')`. A search for 商会 asks the index for
  the rows holding the bigram 商会, then checks `search_text LIKE '%商会%'` on those rows only (see
  branches.selectors.search_condition). pg_trgm cannot narrow a 2-character pattern; bigrams can. SQLite has
  no such index and searches by `contains` alone.

At 100,000 organisations the backfill and the index took 17 s on a 2-core machine (writes wait meanwhile).
"""

import re

from django.db import migrations, models

BATCH = 1000
# New rows wait in a GIN index's pending list until it fills, and every search reads that list whole: at
# the default 4 MB a search right after a bulk load took 300 ms instead of 15. 256 kB keeps that read
# short and still merges rows in batches (100,000 inserts: 3.7 s, against 5.2 s at 4 MB).
CREATE_INDEX = (
    "CREATE INDEX organisation_search_grams ON branches_organisation "
    "USING gin (string_to_array(search_grams, ' ')) WITH (gin_pending_list_limit = 256)"
)


def _search_grams(text):
    # A copy of branches.names.search_grams as it stands in this migration.
    parts = re.split(r"[ |]", text)
    return " ".join(dict.fromkeys(part[i : i + 2] for part in parts for i in range(len(part) - 1)))


def search_grams_fill(apps, schema_editor):
    Organisation = apps.get_model("branches", "Organisation")
    quote = schema_editor.quote_name
    update = f"UPDATE {quote(Organisation._meta.db_table)} SET {quote('search_grams')} = %s WHERE {quote('id')} = %s"
    rows = Organisation.objects.order_by("pk").values_list("search_text", "pk")
    with schema_editor.connection.cursor() as cursor:
        batch = []
        for text, pk in rows.iterator(chunk_size=BATCH):
            batch.append((_search_grams(text), pk))
            if len(batch) == BATCH:
                cursor.executemany(update, batch)
                batch = []
        cursor.executemany(update, batch)


def search_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_INDEX)
    # The planner's estimate for `@>` comes from the index expression's statistics, gathered by ANALYZE.
    schema_editor.execute("ANALYZE branches_organisation")


def search_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS organisation_search_grams")


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0004_seed_checklist_and_terms"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="search_grams",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RemoveIndex(
            model_name="organisation",
            name="organisation_district_field",
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(
                fields=["district", "field", "sort_key", "id"], name="organisation_district_sort"
            ),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(
                fields=["uscc"], name="organisation_uscc_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.RunPython(search_grams_fill, migrations.RunPython.noop),
        migrations.RunPython(search_index_create, search_index_drop),
    ]
