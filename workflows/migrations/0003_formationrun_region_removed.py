# A run has no region of its own: it lies where its organisation lies (scoping reads organisation__region),
# so that it follows the organisation when it moves. Going back copies each organisation's region again.

import django.db.models.deletion
from django.db import migrations, models


def regions_copy_back(apps, schema_editor):
    FormationRun = apps.get_model("workflows", "FormationRun")
    Organisation = apps.get_model("branches", "Organisation")
    FormationRun.objects.update(
        region_id=models.Subquery(
            Organisation.objects.filter(pk=models.OuterRef("organisation_id")).values("region_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0002_seed_templates"),
    ]

    operations = [
        migrations.AlterField(
            model_name="formationrun",
            name="region",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="federation.region",
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, regions_copy_back),
        migrations.RemoveField(model_name="formationrun", name="region"),
    ]
