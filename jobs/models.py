"""Long work done off the request: one row per job, with its progress, its outcome and its result file."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from federation.models import FederationUnit


class Job(models.Model):
    class Kind(models.TextChoices):
        IMPORT_PREVIEW = "import_preview", _("Register upload and preview")
        IMPORT_APPLY = "import_apply", _("Register import")
        LEDGER_EXPORT = "ledger_export", _("Ledger export")
        MONTHLY_REPORT = "monthly_report", _("Monthly coverage report")
        RUN_PACKAGE = "run_package", _("Formation papers package")
        BACKUP = "backup", _("Backup")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    label = models.CharField(_("what"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(_("phase"), max_length=20, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    # The owner's unit when it started: staff of the unit's area see the job (admins see all).
    unit = models.ForeignKey(
        FederationUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    outcome = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("reason"), blank=True)  # in the owner's language
    result = models.FileField(_("result"), upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField(_("file name"), max_length=200, blank=True)
    result_size = models.BigIntegerField(_("size"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat")]

    def __str__(self) -> str:
        return self.label

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)

    @property
    def seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or self.heartbeat_at or self.started_at
        return (end - self.started_at).total_seconds()
