"""Seed the FAQ categories and the default questions and answers (answers/seed.py)."""

from django.db import migrations

from answers.seed import faq_seed, faq_unseed


def seed(apps, schema_editor):
    faq_seed(apps.get_model("answers", "FAQCategory"), apps.get_model("answers", "FAQEntry"))


def unseed(apps, schema_editor):
    faq_unseed(apps.get_model("answers", "FAQCategory"), apps.get_model("answers", "FAQEntry"))


class Migration(migrations.Migration):
    dependencies = [("answers", "0003_faq_categories_search_settings")]

    operations = [migrations.RunPython(seed, unseed)]
