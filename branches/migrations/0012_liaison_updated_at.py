# Edit forms refuse a save over a newer one: they need to know when the record was last saved.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0011_organisation_founded_on"),
    ]

    operations = [
        migrations.AddField(
            model_name="liaison",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, default=django.utils.timezone.now, verbose_name="updated"
            ),
            preserve_default=False,
        ),
    ]
