"""Coverage figures kept per day computed: a batch (one "as of" day) of rows by street, field and category."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from branches.models import Category, SanxinField
from federation.models import Region


class CoverageChange(models.Model):
    """A mark that data the figures count changed after they were computed.

    Database triggers (migration 0002) add one whenever a statement writes a table coverage reads, in the
    writing transaction itself, so the mark commits or rolls back with the change, whatever wrote it (a form,
    an import's COPY, a shell). Refreshing the figures deletes the marks it has seen, in the same transaction
    that stores the new figures; a mark left behind means the figures shown are older than the data.
    """

    class Meta:
        verbose_name = _("coverage change mark")
        verbose_name_plural = _("coverage change marks")

    def __str__(self) -> str:
        return str(self.pk)


class SnapshotBatch(models.Model):
    """The figures as of one day: computed at a time, from the data as it then stood."""

    as_of = models.DateField(_("as of"), unique=True)
    month = models.DateField(_("month"), db_index=True)  # the first day of the as-of day's month
    computed_at = models.DateTimeField(_("computed"))
    seconds = models.FloatField(_("seconds taken"), default=0)
    version = models.PositiveIntegerField(_("times computed"), default=0)  # names the figures in caches
    # The first day the ledger holds records entered then; before it, only organisations with a known founding
    # or registration date are counted.
    complete_from = models.DateField(_("data complete from"), null=True, blank=True)
    # Data changed after these figures were computed (set when another day's figures consumed the marks).
    stale = models.BooleanField(_("out of date"), default=False)

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
    field = models.CharField(_("field"), max_length=12, choices=SanxinField.choices)
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
    field = models.CharField(_("field"), max_length=12, choices=SanxinField.choices, blank=True)
    waiting = models.PositiveIntegerField(_("runs at this step"), default=0)
    approved = models.PositiveIntegerField(_("steps approved"), default=0)
    median_days = models.FloatField(_("median days"), null=True, blank=True)

    class Meta:
        verbose_name = _("formation funnel figures")
        verbose_name_plural = _("formation funnel figures")
        ordering = ["step_order", "step_code"]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.step_code}"
