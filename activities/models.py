"""Federation work beyond forming: services delivered (activities), partners, recognitions, alliances."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branches.models import Branch, Organisation
from federation.fieldcrypt import EncryptedCharField
from federation.models import FederationUnit, Region


class ActivityType(models.Model):
    """A kind of service (政策宣讲, 技能培训 …); admins edit the list."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)
    counts_pairs = models.BooleanField(
        _("records pairs"),
        default=False,
        help_text=_("Pairings (爱心妈妈结对): only the number of pairs is recorded, never a child's name."),
    )

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Partner(models.Model):
    """A company or association that co-runs services (女企业家协会 …)."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        ASSOCIATION = "association", _("Association")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMPANY)
    contact_name = EncryptedCharField(_("contact person"), max_length=50, blank=True)
    contact_mobile = EncryptedCharField(_("contact mobile"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Alliance(models.Model):
    """A group of small units led by one organisation (万达商圈妇建联盟); its women's organisation, when it
    has one, covers every member."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    lead = models.ForeignKey(
        Organisation, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="+"
    )
    members = models.ManyToManyField(
        Organisation, verbose_name=_("member organisations"), related_name="alliances", blank=True
    )
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("women's organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alliances",
    )
    # The smallest division holding the lead and every member (kept by the services): scoping reads it.
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[members])

    class Meta:
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")
        ordering = ["name", "id"]
        constraints = [
            # Two alliances sharing a women's organisation would each rewrite what it covers.
            models.UniqueConstraint(
                fields=["branch"], condition=Q(branch__isnull=False), name="alliance_branch_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """A service delivered (an activity): what, when, by whom, for which organisations, with how many."""

    type = models.ForeignKey(ActivityType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    unit = models.ForeignKey(
        FederationUnit, verbose_name=_("organising unit"), on_delete=models.PROTECT, related_name="+"
    )
    # The smallest division holding every organisation served, else the organising unit's (kept by the
    # services): scoping reads it.
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("organisations served"), related_name="activities", blank=True
    )
    partners = models.ManyToManyField(
        Partner, verbose_name=_("partners"), related_name="activities", blank=True
    )
    alliances = models.ManyToManyField(
        Alliance, verbose_name=_("alliances"), related_name="activities", blank=True
    )
    participants = models.PositiveIntegerField(_("participants"), default=0)
    women_served = models.PositiveIntegerField(_("women served"), default=0)
    # 爱心妈妈结对: counts only (个人信息保护法: no child's name or detail is ever stored).
    pairs = models.PositiveIntegerField(_("pairs"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["updated_at"], m2m_fields=[organisations, partners, alliances]
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["-date", "-id"]
        indexes = [
            # The list: newest first, paged by (date, id) keyset, narrowed to a region list.
            models.Index(fields=["-date", "-id"], name="activity_date"),
            models.Index(fields=["region", "-date", "-id"], name="activity_region_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"


def _photo_path(photo: "ActivityPhoto", filename: str) -> str:
    return f"activities/{photo.activity_id}/{filename}"


class ActivityPhoto(models.Model):
    """A photo of a service (JPEG or PNG, checked by its first bytes)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("photo"), upload_to=_photo_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class RecognitionKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COLLECTIVE = "collective", _("Collective")


class RecognitionTitle(models.Model):
    """A title awarded (三八红旗手, 三八红旗集体 …); admins edit the list."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("awarded to"), max_length=12, choices=RecognitionKind.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("recognition title")
        verbose_name_plural = _("recognition titles")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Recognition(models.Model):
    """A model recognised (选树典型): a person (name, unit, post — nothing more) or a collective."""

    kind = models.CharField(_("awarded to"), max_length=12, choices=RecognitionKind.choices)
    title = models.ForeignKey(
        RecognitionTitle, verbose_name=_("title"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recognitions",
    )
    person_name = models.CharField(_("name"), max_length=50, blank=True)
    person_unit = models.CharField(_("unit"), max_length=200, blank=True)
    person_post = models.CharField(_("post"), max_length=100, blank=True)
    collective_name = models.CharField(_("collective"), max_length=200, blank=True)
    # The organisation's division, else the recording unit's (kept by the services): scoping reads it.
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(
                name="recognition_names_match_kind",
                condition=(Q(kind="individual") & ~Q(person_name="") & Q(collective_name=""))
                | (Q(kind="collective") & ~Q(collective_name="") & Q(person_name="")),
            ),
        ]
        indexes = [models.Index(fields=["region", "-year", "-id"], name="recognition_region_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.title} {self.person_name or self.collective_name}"

    @property
    def recipient(self) -> str:
        return self.person_name or self.collective_name
