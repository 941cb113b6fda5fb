from django.db import migrations

from branches.seed import checklist_seed, term_rules_seed


def forward(apps, schema_editor):
    checklist_seed(apps.get_model("branches", "StageChecklistItem"))
    term_rules_seed(apps.get_model("branches", "TermRule"))


def backward(apps, schema_editor):
    apps.get_model("branches", "StageChecklistItem").objects.all().delete()
    apps.get_model("branches", "TermRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("branches", "0003_women_organisations_liaisons_contacts")]

    operations = [migrations.RunPython(forward, backward)]
