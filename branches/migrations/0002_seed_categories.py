from django.db import migrations

from branches.seed import CATEGORIES, categories_seed


def forward(apps, schema_editor):
    categories_seed(apps.get_model("branches", "Category"))


def backward(apps, schema_editor):
    apps.get_model("branches", "Category").objects.filter(code__in=[code for code, _ in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("branches", "0001_organisations_ledger")]

    operations = [migrations.RunPython(forward, backward)]
