from django.db import migrations

from workflows.seed import templates_seed


def seed(apps, schema_editor):
    templates_seed(
        apps.get_model("workflows", "WorkflowTemplate"),
        apps.get_model("workflows", "StepTemplate"),
        apps.get_model("workflows", "FieldSpec"),
        apps.get_model("workflows", "DocumentTemplate"),
    )


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
