# Edit forms refuse a save over a newer one: they need to know when the record was last saved.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0002_seed_types_and_titles"),
    ]

    operations = [
        migrations.AddField(
            model_name="recognition",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, default=django.utils.timezone.now, verbose_name="updated"
            ),
            preserve_default=False,
        ),
    ]
