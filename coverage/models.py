"""Coverage figures kept per day computed: a batch (one "as of" day) of rows by street, field and category."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from branches.models import Category, Field
from federation.models import Region


class SnapshotBatch(models.Model):
    """The figures as of one day: computed at a time, from the data as it stood (its fingerprint)."""

    as_of = models.DateField(_("as of"), unique=True)
    month = models.DateField(_("month"), db_index=True)  # the first day of the as-of day's month
    computed_at = models.DateTimeField(_("computed"))
    seconds = models.FloatField(_("seconds taken"), default=0)
    # What the data looked like (largest ids of the rows coverage reads): a change makes it differ.
    fingerprint = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("coverage snapshot")
        verbose_name_plural = _("coverage snapshots")
        ordering = ["-as_of"]

    def __str__(self) -> str:
        return self.as_of.isoformat()


class CoverageSnapshot(models.Model):
    """One street's (or a district's own) figures for one field, all categories (category empty) or one."""

    batch = models.ForeignKey(SnapshotBatch, on_delete=models.CASCADE, related_name="rows")
    month = models.DateField(_("month"))
    region = models.ForeignKey(
        Region, verbose_name=_("street or town"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        Region, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(_("field"), max_length=12, choices=Field.choices)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    denominator = models.PositiveIntegerField(_("organisations counted"), default=0)
    covered = models.PositiveIntegerField(_("covered"), default=0)
    formed = models.PositiveIntegerField(_("women's organisations"), default=0)
    party = models.PositiveIntegerField(_("with a party organisation"), default=0)
    party_covered = models.PositiveIntegerField(_("with a party organisation, covered"), default=0)
    contact_kept = models.PositiveIntegerField(_("contact cadence kept"), default=0)
    served = models.PositiveIntegerField(_("served this month"), default=0)
    open_questions = models.PositiveIntegerField(_("open questions"), default=0)
    overdue_steps = models.PositiveIntegerField(_("overdue steps"), default=0)
    stage_surveying = models.PositiveIntegerField(default=0)
    stage_liaison_named = models.PositiveIntegerField(default=0)
    stage_preparing = models.PositiveIntegerField(default=0)
    stage_established = models.PositiveIntegerField(default=0)
    stage_consolidating = models.PositiveIntegerField(default=0)
    stage_enhancing = models.PositiveIntegerField(default=0)
    stage_term_due = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("coverage figures")
        verbose_name_plural = _("coverage figures")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "region", "field", "category"], name="coverage_snapshot_unique"
            ),
            models.UniqueConstraint(
                fields=["batch", "region", "field"],
                condition=models.Q(category__isnull=True),
                name="coverage_snapshot_total_unique",
            ),
        ]
        indexes = [models.Index(fields=["month", "district", "field"], name="coverage_snapshot_trend")]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.region_id} {self.field} {self.category_id}"


class FunnelSnapshot(models.Model):
    """A formation step's figures as of a batch's day: runs waiting at it and days it took, by district and
    field (an empty district or field is the total over them)."""

    batch = models.ForeignKey(SnapshotBatch, on_delete=models.CASCADE, related_name="funnel")
    step_code = models.CharField(_("step"), max_length=40)
    step_title = models.CharField(_("title"), max_length=100)
    step_order = models.PositiveSmallIntegerField(_("order"), default=0)
    district = models.ForeignKey(
        Region, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(_("field"), max_length=12, choices=Field.choices, blank=True)
    waiting = models.PositiveIntegerField(_("runs at this step"), default=0)
    approved = models.PositiveIntegerField(_("steps approved"), default=0)
    median_days = models.FloatField(_("median days"), null=True, blank=True)

    class Meta:
        verbose_name = _("formation funnel figures")
        verbose_name_plural = _("formation funnel figures")
        ordering = ["step_order", "step_code"]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.step_code}"
