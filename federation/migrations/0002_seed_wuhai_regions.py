from django.db import migrations

from federation.seed import regions_seed, regions_unseed


def forward(apps, schema_editor):
    regions_seed(apps.get_model("federation", "Region"), apps.get_model("federation", "FederationUnit"))


def backward(apps, schema_editor):
    regions_unseed(apps.get_model("federation", "Region"), apps.get_model("federation", "FederationUnit"))


class Migration(migrations.Migration):
    dependencies = [("federation", "0001_people_and_places")]

    operations = [migrations.RunPython(forward, backward)]
