"""People and places: users, administrative divisions, federation units, and the logs admins read."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from federation.fieldcrypt import EncryptedCharField


class Region(models.Model):
    """An administrative division (统计用区划代码), kept as data."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        STREET = "street", _("Street or town")
        VILLAGE = "village", _("Community or village")

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes ("150000/150300/150302/"): scoping a subtree is one indexed prefix match.
    path = models.CharField(_("path"), max_length=120, db_index=True, editable=False)
    # Set when a newer dataset no longer lists the division; the row stays so old records still point at it.
    retired_on = models.DateField(_("retired on"), null=True, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class FederationUnit(models.Model):
    """A women's federation at one level (市妇联, 区妇联, 街道妇联); staff belong to one."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province federation")
        CITY = "city", _("City federation")
        DISTRICT = "district", _("District federation")
        STREET = "street", _("Street or town federation")

    name = models.CharField(_("name"), max_length=100, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("federation unit")
        verbose_name_plural = _("federation units")
        ordering = ["region__path"]

    def __str__(self) -> str:
        return self.name


class FederationUserManager(UserManager):
    """Staff get a role whatever the path that creates them (createsuperuser included)."""

    def _create_user(self, username, email, password, **extra_fields):
        if extra_fields.get("kind", User.Kind.STAFF) == User.Kind.STAFF:
            extra_fields.setdefault(
                "role", User.Role.ADMIN if extra_fields.get("is_superuser") else User.Role.VIEWER
            )
        return super()._create_user(username, email, password, **extra_fields)


class User(AbstractUser):
    """Anyone who signs in: federation staff (with a role in a unit) or an organisation's contact."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("Federation staff")
        CONTACT = "contact", _("Organisation contact")

    class Role(models.TextChoices):
        VIEWER = "viewer", _("Viewer")
        OFFICER = "officer", _("Officer")
        MANAGER = "manager", _("Manager")
        ADMIN = "admin", pgettext_lazy("role", "Administrator")

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.STAFF)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, blank=True)
    unit = models.ForeignKey(
        FederationUnit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    mobile = EncryptedCharField(_("mobile"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    # Reminders a person does not want by a channel ({"sms": ["follow_up.due", …]}; the inbox has them all),
    # and whether the channels carry them as they come or gathered once a week.
    reminder_channels_off = models.JSONField(_("reminders not sent by channel"), default=dict, blank=True)
    reminder_digest = models.CharField(
        _("reminders by channel"),
        max_length=6,
        choices=[("daily", _("As they come")), ("weekly", _("Once a week, gathered"))],
        default="daily",
    )
    password_change_required = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when someone else chose the password: its owner changes it at their next sign-in."),
    )

    objects = FederationUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="staff_has_role_contact_has_none",
                condition=(models.Q(kind="staff") & ~models.Q(role=""))
                | (models.Q(kind="contact") & models.Q(role="")),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_federation_staff(self) -> bool:
        return self.kind == self.Kind.STAFF

    @property
    def is_contact(self) -> bool:
        return self.kind == self.Kind.CONTACT


class AuditLogQuerySet(models.QuerySet):
    """A log's rows are appended, never changed or removed, except by federation.audit's own maintenance (sealing
    into the chain, removing entries past their keeping time)."""

    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        _audit_guard(self.model, "update")
        return super().update(**kwargs)

    def delete(self):  # type: ignore[no-untyped-def]
        _audit_guard(self.model, "delete")
        return super().delete()


def _audit_guard(model, what: str) -> None:  # type: ignore[no-untyped-def]
    from .audit import in_maintenance

    if not in_maintenance():
        raise PermissionError(f"{model._meta.label} is append-only: no {what}")


AuditLogManager = models.Manager.from_queryset(AuditLogQuerySet)


class AppendOnly(models.Model):
    """A log entry: written once; changed or removed only by federation.audit's maintenance."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding and not self.still_open():
            _audit_guard(type(self), "change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _audit_guard(type(self), "delete")
        return super().delete(*args, **kwargs)

    def still_open(self) -> bool:
        """Whether the entry may still be completed (a job that is running)."""
        return False


class LoginEvent(AppendOnly):
    """One sign-in attempt, successful or not, as admins expect to read it (登录日志)."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    username = models.CharField(_("user name entered"), max_length=150)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    success = models.BooleanField(_("succeeded"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    # Sealed into the log's hash chain by federation.audit (order, and the digest over this entry and the one before)
    seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    digest = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditLogManager()

    class Meta:
        verbose_name = _("login event")
        verbose_name_plural = _("login events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username}"


class OperationLog(AppendOnly):
    """Who changed what, when and why (操作日志); written by services, read by admins and managers."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operations",
    )
    # The actor's unit at the time, so that a manager reads the operations of their own subtree.
    unit = models.ForeignKey(
        FederationUnit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("action"), max_length=60, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # who, as the chain keeps it (the account may be removed later, which empties `actor`)
    actor_name = models.CharField(max_length=150, blank=True, editable=False)
    # Sealed into the log's hash chain by federation.audit (order, and the digest over this entry and the one before)
    seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    digest = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditLogManager()

    class Meta:
        verbose_name = _("operation")
        verbose_name_plural = _("operation log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="operationlog_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        if not self.actor_name and self.actor_id:
            self.actor_name = self.actor.get_username()  # type: ignore[union-attr]
        super().save(*args, **kwargs)


class DisclosureLog(AppendOnly):
    """Personal data shown in full or exported: who, when, what, with which filters (个人信息查阅/导出记录)."""

    class Kind(models.TextChoices):
        REVEAL = "reveal", _("Revealed in full")
        EXPORT = "export", _("Exported")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        FederationUnit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    what = models.CharField(_("what"), max_length=200)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=40, blank=True)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_name = models.CharField(max_length=150, blank=True, editable=False)
    # Sealed into the log's hash chain by federation.audit (order, and the digest over this entry and the one before)
    seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    digest = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditLogManager()

    class Meta:
        verbose_name = _("personal-data disclosure")
        verbose_name_plural = _("personal-data disclosures")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.what}"

    def save(self, *args, **kwargs) -> None:
        if not self.user_name and self.user_id:
            self.user_name = self.user.get_username()  # type: ignore[union-attr]
        super().save(*args, **kwargs)


class Notification(models.Model):
    """One message in a user's in-app inbox; e-mail and plug-in channels carry copies of it."""

    class Delivery(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        HELD = "held", _("Held for the weekly digest")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Copies through the channels (e-mail, SMS …): retried with backoff, swept again when the broker was down.
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["delivery", "created_at"], name="notification_delivery"),
        ]

    def __str__(self) -> str:
        return self.title


class Reminder(models.Model):
    """What was sent to whom, about what, for which due date; unique, so no reminder is ever sent twice."""

    kind = models.CharField(_("kind"), max_length=50)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=40)
    due_on = models.DateField(_("due"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "content_type", "object_id", "due_on", "recipient"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} {self.due_on}"


class JobRun(AppendOnly):
    """One run of a periodic job: when, how it ended, how much it sent (the admins' job log)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Finished")
        SKIPPED = "skipped", _("Skipped (not a working day or hour)")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("job"), max_length=60, db_index=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    details = models.JSONField(_("details"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Sealed into the log's hash chain by federation.audit (order, and the digest over this entry and the one before)
    seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    digest = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditLogManager()

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job log")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().save(*args, **kwargs)
        self._stored_status = self.status  # as the database now holds it

    # The status as last read from or written to the database: a job still running there may be completed.
    @classmethod
    def from_db(cls, db, field_names, values):  # type: ignore[no-untyped-def]
        run = super().from_db(db, field_names, values)
        run._stored_status = run.__dict__.get("status")
        return run

    def still_open(self) -> bool:
        return getattr(self, "_stored_status", None) == self.Status.RUNNING


class PasswordRecord(models.Model):
    """One of a user's recent passwords (its hash), so that it is not chosen again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_records")
    password = models.CharField(_("password"), max_length=128)
    created_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")
        indexes = [models.Index(fields=["user", "-created_at"], name="password_record_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class UserSession(models.Model):
    """One signed-in browser of a user: where and when it signed in, when it was last active, how it ended."""

    class Ending(models.TextChoices):
        SIGNED_OUT = "signed_out", _("signed out")
        IDLE = "idle", _("inactive too long")
        EXPIRED = "expired", _("reached the longest session")
        ENDED_BY_USER = "by_user", _("ended by the user from another browser")
        ENDED_BY_ADMIN = "by_admin", _("ended by an administrator")

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="sessions"
    )
    started_at = models.DateTimeField(_("signed in at"))
    seen_at = models.DateTimeField(_("last active"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ending = models.CharField(_("how it ended"), max_length=12, choices=Ending.choices, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "ended_at"], name="user_session_open_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.started_at:%Y-%m-%d %H:%M}"


class AuditAnchor(models.Model):
    """Where a log's hash chain stands: the last sealed entry, and the entry the chain starts after once old
    entries were removed at the end of their keeping time."""

    log = models.CharField(max_length=40, unique=True)
    sealed_seq = models.BigIntegerField(default=0)
    sealed_digest = models.CharField(max_length=64, blank=True)
    start_seq = models.BigIntegerField(default=0)  # entries up to this one were removed
    start_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit chain")
        verbose_name_plural = _("audit chains")

    def __str__(self) -> str:
        return f"{self.log} {self.start_seq}–{self.sealed_seq}"
