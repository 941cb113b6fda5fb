from django.db import migrations

from activities.seed import ACTIVITY_TYPES, RECOGNITION_TITLES, activity_types_seed, recognition_titles_seed


def forward(apps, schema_editor):
    activity_types_seed(apps.get_model("activities", "ActivityType"))
    recognition_titles_seed(apps.get_model("activities", "RecognitionTitle"))


def backward(apps, schema_editor):
    apps.get_model("activities", "ActivityType").objects.filter(code__in=[c for c, _ in ACTIVITY_TYPES]).delete()
    apps.get_model("activities", "RecognitionTitle").objects.filter(
        name__in=[name for name, _ in RECOGNITION_TITLES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_services_recognitions_alliances")]

    operations = [migrations.RunPython(forward, backward)]
