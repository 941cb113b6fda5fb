"""Guided formation (把"问答题"变"填空题"): versioned step-by-step templates, the runs that follow them, each
step's answers and review, the invitation links that open an organisation's portal, and the generated papers.

A published template version is frozen: its steps, fields and documents refuse to change (admins start a new
draft version instead), and a run keeps the version it started on.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from branches.models import Branch, BranchKind, Liaison, Organisation, Way
from federation.fieldcrypt import EncryptedJSONField


class FrozenError(ValidationError):
    """A published template version (or a part of it) was about to change."""


class WorkflowTemplate(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    class Competitive(models.TextChoices):
        REFUSE = "refuse", _("Refuse the step")
        WARN = "warn", _("Warn, and let it be handed in")

    key = models.SlugField(
        _("key"), max_length=40, help_text=_("The same for every version of one procedure, e.g. federation.")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    form = models.CharField(_("women's organisation formed"), max_length=15, choices=BranchKind.choices)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # election rules checked on the congress step (docs/domain.md: quorum > 2/3 of those expected; older rules 1/2)
    quorum_numerator = models.PositiveSmallIntegerField(_("quorum numerator"), default=2)
    quorum_denominator = models.PositiveSmallIntegerField(_("quorum denominator"), default=3)
    min_extra_candidates_percent = models.PositiveSmallIntegerField(
        _("extra candidates at least (percent of seats)"),
        default=0,
        help_text=_("0 means only that there are more candidates than seats."),
    )
    competitive_rule = models.CharField(
        _("too few candidates (差额)"),
        max_length=10,
        choices=Competitive.choices,
        default=Competitive.REFUSE,
        help_text=_(
            "What the candidate and congress steps do when there are not enough candidates for the seats."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("workflow template")
        verbose_name_plural = _("workflow templates")
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="workflow_template_version_unique"),
            models.CheckConstraint(
                name="workflow_template_quorum_fraction",
                condition=models.Q(quorum_denominator__gt=0)
                & models.Q(quorum_numerator__lte=models.F("quorum_denominator")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            stored = WorkflowTemplate.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored and stored != self.Status.DRAFT and self._frozen_fields_changed():
                raise FrozenError(_("A published version cannot change; start a new version instead."))
        super().save(*args, **kwargs)

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def _frozen_fields_changed(self) -> bool:
        stored = WorkflowTemplate.objects.get(pk=self.pk)
        frozen = (
            "key",
            "version",
            "form",
            "quorum_numerator",
            "quorum_denominator",
            "min_extra_candidates_percent",
            "competitive_rule",
        )
        return any(getattr(stored, name) != getattr(self, name) for name in frozen)


class _FrozenWithTemplate(models.Model):
    """A part of a template: saved or deleted only while its version is a draft."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    def _template(self) -> WorkflowTemplate:
        raise NotImplementedError

    def _refuse_if_frozen(self) -> None:
        template = self._template()
        status = WorkflowTemplate.objects.filter(pk=template.pk).values_list("status", flat=True).first()
        if status and status != WorkflowTemplate.Status.DRAFT:
            raise FrozenError(_("A published version cannot change; start a new version instead."))


class Actor(models.TextChoices):
    ORGANISATION = "organisation", _("The organisation")
    FEDERATION = "federation", _("The federation")


class StepTemplate(_FrozenWithTemplate):
    template = models.ForeignKey(WorkflowTemplate, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.SlugField(_("code"), max_length=40, help_text=_("Stable across versions, e.g. request."))
    title = models.CharField(_("title"), max_length=100)
    guidance = models.TextField(_("guidance"), blank=True)
    key_notes = models.TextField(
        _("key notes (重点)"), blank=True, help_text=_("One per line; shown so that they stand out.")
    )
    sentences = models.TextField(
        _("fill-in sentences"),
        blank=True,
        help_text=_("Fields shown as blanks in sentences: write {field name} where a blank goes."),
    )
    actor = models.CharField(_("who acts"), max_length=12, choices=Actor.choices, default=Actor.ORGANISATION)
    deadline_days = models.PositiveSmallIntegerField(
        _("deadline (days)"),
        null=True,
        blank=True,
        help_text=_("Counted from the previous step's completion; empty for no deadline."),
    )
    needs_review = models.BooleanField(_("needs review"), default=True)
    election = models.BooleanField(
        _("election step"), default=False, help_text=_("The vote is checked against the election rules.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["template", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="step_template_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    def _template(self) -> WorkflowTemplate:
        return self.template

    @property
    def key_note_lines(self) -> list[str]:
        return [line.strip() for line in self.key_notes.splitlines() if line.strip()]


class FieldType(models.TextChoices):
    TEXT = "text", _("Short text")
    TEXTAREA = "textarea", _("Long text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    BOOLEAN = "boolean", _("Yes or no")
    PEOPLE = "people", _("People table")
    VOTES = "votes", _("Candidate vote table")
    FILE = "file", _("File attachment")


class FieldSpec(_FrozenWithTemplate):
    step = models.ForeignKey(StepTemplate, on_delete=models.CASCADE, related_name="fields")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.SlugField(
        _("field name"), max_length=40, help_text=_("Used in sentences and document templates.")
    )
    label = models.CharField(_("label"), max_length=100)
    type = models.CharField(_("type"), max_length=10, choices=FieldType.choices, default=FieldType.TEXT)
    required = models.BooleanField(_("required"), default=True)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    choices = models.TextField(_("choices"), blank=True, help_text=_("One per line (choice fields)."))
    columns = models.TextField(
        _("table columns"),
        blank=True,
        help_text=_("People tables: one column per line as name:label, e.g. post:职务."),
    )
    min_value = models.IntegerField(_("minimum"), null=True, blank=True)
    max_value = models.IntegerField(_("maximum"), null=True, blank=True)
    prefill = models.CharField(
        _("filled in from"),
        max_length=40,
        blank=True,
        help_text=_(
            "An organisation field (organisation.name, uscc, women, employees, address), what the run was "
            "started with (run.way, run.women_org) or an earlier answer (request.seats)."
        ),
    )

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["step", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["step", "name"], name="field_spec_name_unique")]

    def __str__(self) -> str:
        return self.label

    def _template(self) -> WorkflowTemplate:
        return self.step.template

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    @property
    def column_list(self) -> list[tuple[str, str]]:
        result = []
        for line in self.columns.splitlines():
            if line.strip():
                name, _sep, label = line.strip().partition(":")
                result.append((name.strip(), (label or name).strip()))
        return result


def document_upload_to(instance, filename: str) -> str:
    return f"workflows/templates/{instance.step.template.key}/v{instance.step.template.version}/{filename}"


class DocumentTemplate(_FrozenWithTemplate):
    step = models.ForeignKey(StepTemplate, on_delete=models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=100, help_text=_("Also the downloaded file's name."))
    file = models.FileField(_(".docx template"), upload_to=document_upload_to, blank=True)
    # a template shipped with the application (workflows/document_templates/), used when no file is uploaded
    packaged = models.CharField(_("built-in template"), max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["step", "order", "id"]

    def __str__(self) -> str:
        return self.title

    def _template(self) -> WorkflowTemplate:
        return self.step.template


class FormationRun(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="runs"
    )
    # No region of its own: a run lies where its organisation lies (scoping reads organisation__region), so
    # it and its steps, papers and links follow the organisation when it moves to another district.
    template = models.ForeignKey(
        WorkflowTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="runs"
    )
    form = models.CharField(_("target form"), max_length=15, choices=BranchKind.choices)
    way = models.CharField(_("way of forming"), max_length=12, choices=Way.choices, default=Way.STANDALONE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    liaison = models.ForeignKey(
        Liaison, verbose_name=_("liaison"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("women's organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("formation run")
        verbose_name_plural = _("formation runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(status="active"),
                name="formation_run_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.template.name}"


class StepStatus(models.TextChoices):
    TODO = "todo", _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


# the statuses in which a step may still be written
OPEN_STATUSES = (StepStatus.TODO, StepStatus.DRAFT, StepStatus.RETURNED)


class StepEntry(models.Model):
    run = models.ForeignKey(FormationRun, on_delete=models.CASCADE, related_name="entries")
    step = models.ForeignKey(StepTemplate, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"))
    status = models.CharField(_("status"), max_length=10, choices=StepStatus.choices, default=StepStatus.TODO)
    answers = EncryptedJSONField(_("answers"), default=dict, blank=True)
    # what the form held when last saved as a draft: raw text per input, kept even when not yet valid
    draft = EncryptedJSONField(_("draft"), default=dict, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True, db_index=True)
    opened_on = models.DateField(_("opened"), null=True, blank=True)
    draft_saved_at = models.DateTimeField(_("draft saved"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.TextField(_("review comment"), blank=True)
    # bumped by every change; a write names the version it read (optimistic locking)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("step entry")
        verbose_name_plural = _("step entries")
        ordering = ["run", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "step"], name="step_entry_unique")]
        indexes = [models.Index(fields=["status", "submitted_at"], name="step_entry_queue")]

    def __str__(self) -> str:
        return f"{self.run} · {self.step.title}"

    @property
    def open(self) -> bool:
        """Whether the organisation (or the federation) may still write answers."""
        return self.status in OPEN_STATUSES

    @property
    def liaison_fills(self) -> bool:
        """Whether the organisation's liaison fills this step (else only the federation's staff do)."""
        return self.step.actor == Actor.ORGANISATION

    def overdue_on(self, day) -> bool:
        """Still open after its due date (a step not opened yet has none)."""
        return self.open and self.due_on is not None and self.due_on < day


class StepTransition(models.Model):
    """One change of a step's status: who, when, why, and the answers as they stood. Never changed."""

    entry = models.ForeignKey(StepEntry, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=10, choices=StepStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=StepStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)
    answers = EncryptedJSONField(_("answers"), default=dict, blank=True)

    class Meta:
        verbose_name = _("step transition")
        verbose_name_plural = _("step transitions")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            raise ValidationError(_("The history of a step cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("The history of a step cannot be changed."))


def attachment_upload_to(instance, filename: str) -> str:
    return f"workflows/runs/{instance.entry.run_id}/{instance.entry_id}/{filename}"


class StepAttachment(models.Model):
    entry = models.ForeignKey(StepEntry, on_delete=models.CASCADE, related_name="attachments")
    field = models.SlugField(_("field"), max_length=40)
    file = models.FileField(_("file"), upload_to=attachment_upload_to)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Invitation(models.Model):
    """A signed, expiring, revocable link that opens a run's portal for its liaison without a password."""

    run = models.ForeignKey(FormationRun, on_delete=models.CASCADE, related_name="invitations")
    liaison = models.ForeignKey(
        Liaison, verbose_name=_("liaison"), on_delete=models.PROTECT, related_name="+"
    )
    nonce = models.CharField(max_length=32, unique=True, editable=False)
    # The short address sent by SMS (/i/<code>, within a template variable's 35 characters): it leads to the
    # signed link, which is checked as usual. Links made before it existed have none.
    code = models.CharField(max_length=12, unique=True, null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When a session opened by this link set the contact's password: revoking the link withdraws it too.
    password_set_at = models.DateTimeField(_("password set through it"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation link")
        verbose_name_plural = _("invitation links")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.liaison} · {self.created_at:%Y-%m-%d}"


class InvitationUse(models.Model):
    """Every opening of an invitation link, good or not."""

    class Outcome(models.TextChoices):
        OPENED = "opened", _("Opened")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        INVALID = "invalid", _("Invalid")

    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.CASCADE, related_name="uses"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    # The session an opening signed in, so that revoking the link can end it.
    session_key = models.CharField(_("session"), max_length=40, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("invitation link use")
        verbose_name_plural = _("invitation link uses")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.at:%Y-%m-%d %H:%M}"


CHANNEL_LABELS = {
    "inbox": _("In-app inbox"),
    "sms": _("SMS"),
    "wecom": _("WeCom group robot"),
    "email": _("E-mail"),
    "log": _("Log"),
}


class InvitationSend(models.Model):
    """One sending of an invitation link through one channel (the inbox, SMS, WeCom, e-mail…) and its outcome;
    the error is the channel's, secrets removed and mobiles masked."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="sends")
    channel = models.CharField(_("channel"), max_length=20)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("invitation sending")
        verbose_name_plural = _("invitation sendings")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} · {self.outcome}"

    @property
    def channel_label(self) -> str:
        return str(CHANNEL_LABELS.get(self.channel, self.channel))
