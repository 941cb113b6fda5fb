# Edit forms refuse a save over a newer one: they need to know when the record was last saved.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0004_template_wording_by_form"),
    ]

    operations = [
        migrations.AddField(
            model_name="workflowtemplate",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, default=django.utils.timezone.now, verbose_name="updated"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="steptemplate",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, default=django.utils.timezone.now, verbose_name="updated"
            ),
            preserve_default=False,
        ),
    ]
