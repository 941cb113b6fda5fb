# FAQ entries are kept by the city (those there so far) or a district; district officers propose changes
# to the city's entries, which its staff accept or decline.

import answers.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def entries_to_the_city(apps, schema_editor):
    """Every entry so far is city-wide: it lies in the city's division."""
    Region = apps.get_model("federation", "Region")
    FAQEntry = apps.get_model("answers", "FAQEntry")
    city = Region.objects.filter(level="city").order_by("path").first()
    if city is not None:
        FAQEntry.objects.filter(region__isnull=True).update(region=city)


class Migration(migrations.Migration):
    dependencies = [
        ("answers", "0004_seed_faq"),
        ("federation", "0002_seed_wuhai_regions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="faqentry",
            name="region",
            field=models.ForeignKey(
                default=answers.models.city_region_id,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="federation.region",
                verbose_name="kept by",
            ),
        ),
        migrations.RunPython(entries_to_the_city, migrations.RunPython.noop),
        migrations.CreateModel(
            name="FAQProposal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("question", models.CharField(max_length=200, verbose_name="question")),
                ("answer", models.TextField(verbose_name="answer")),
                ("reason", models.TextField(blank=True, verbose_name="why")),
                ("proposed_at", models.DateTimeField(auto_now_add=True, verbose_name="proposed")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for a decision"),
                            ("accepted", "Accepted"),
                            ("declined", "Declined"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="decided")),
                ("note", models.TextField(blank=True, verbose_name="note on the decision")),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="decided by",
                    ),
                ),
                (
                    "entry",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="proposals",
                        to="answers.faqentry",
                        verbose_name="FAQ entry",
                    ),
                ),
                (
                    "proposed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="proposed by",
                    ),
                ),
            ],
            options={
                "verbose_name": "proposed FAQ change",
                "verbose_name_plural": "proposed FAQ changes",
                "ordering": ["-proposed_at", "-id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "pending")),
                        fields=["proposed_at", "id"],
                        name="faq_proposal_pending",
                    )
                ],
            },
        ),
    ]
