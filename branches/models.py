"""The organisations ledger (台账): target organisations, their categories, and where each value came from."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from federation.models import FederationUnit, Region


class Field(models.TextChoices):
    """The three new fields (三新领域)."""

    ECONOMIC = "economic", _("New economic organisations")
    SOCIAL = "social", _("New social organisations")
    EMPLOYMENT = "employment", _("New employment groups")


class UnitType(models.TextChoices):
    PRIVATE_ENTERPRISE = "private_enterprise", _("Private enterprise")
    ASSOCIATION = "association", _("Association or chamber")
    SOCIAL_SERVICE = "social_service", _("Social service organisation")
    FOUNDATION = "foundation", _("Foundation")
    WOMEN_SOCIAL = "women_social", _("Women-led social organisation")
    EXPRESS = "express", _("Express delivery")
    FOOD_DELIVERY = "food_delivery", _("Food delivery")
    RIDE_HAILING = "ride_hailing", _("Ride-hailing")
    BUSINESS_DISTRICT = "business_district", _("Business district, building or park")
    OTHER = "other", _("Other")


# The field a unit type belongs to, when a register does not say.
UNIT_TYPE_FIELD = {
    UnitType.PRIVATE_ENTERPRISE: Field.ECONOMIC,
    UnitType.BUSINESS_DISTRICT: Field.ECONOMIC,
    UnitType.ASSOCIATION: Field.SOCIAL,
    UnitType.SOCIAL_SERVICE: Field.SOCIAL,
    UnitType.FOUNDATION: Field.SOCIAL,
    UnitType.WOMEN_SOCIAL: Field.SOCIAL,
    UnitType.EXPRESS: Field.EMPLOYMENT,
    UnitType.FOOD_DELIVERY: Field.EMPLOYMENT,
    UnitType.RIDE_HAILING: Field.EMPLOYMENT,
}


class Category(models.Model):
    """An admin-defined category (百强民营企业, 女性社会组织, 快递行业 …); categories drive coverage figures."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class RegisterSource(models.Model):
    """A department's register the ledger is built from (民政局社会组织名录, 社工部两新组织台账 …)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("register")
        verbose_name_plural = _("registers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A target organisation of the 三新 fields: one row of the ledger."""

    name = models.CharField(_("unit name"), max_length=200)
    former_names = models.JSONField(_("former names"), default=list, blank=True)
    # Derived by the services from the name (see branches/names.py); never edited by hand.
    name_normalised = models.CharField(max_length=200, db_index=True, editable=False)
    search_text = models.TextField(editable=False, default="")
    sort_key = models.CharField(max_length=255, editable=False, default="")

    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    uscc_override = models.TextField(_("reason for accepting a failing code"), blank=True)
    field = models.CharField(_("field"), max_length=12, choices=Field.choices)
    unit_type = models.CharField(_("unit type"), max_length=20, choices=UnitType.choices, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True, related_name="+")
    # The most precise division known (street when known, else district); district is kept for grouping.
    region = models.ForeignKey(
        Region, verbose_name=_("street or town"), on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        Region, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    women = models.PositiveIntegerField(_("women"), null=True, blank=True)
    party_org = models.BooleanField(_("party organisation"), null=True, blank=True)
    trade_union = models.BooleanField(_("trade union"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_mobile = models.CharField(_("contact mobile"), max_length=20, blank=True)
    in_scope = models.BooleanField(_("in scope"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    # field name → {"source": register name, "import": import id, "at": ISO time} of the value's last writer
    value_sources = models.JSONField(default=dict, blank=True, editable=False)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    archive_reason = models.TextField(_("reason for archiving"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["name_normalised", "search_text", "sort_key", "value_sources", "updated_at"],
        m2m_fields=[categories],
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["sort_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~Q(uscc=""), name="organisation_uscc_unique"),
            models.CheckConstraint(
                name="organisation_women_not_above_employees",
                condition=Q(women__isnull=True)
                | Q(employees__isnull=True)
                | Q(women__lte=models.F("employees")),
            ),
        ]
        indexes = [
            models.Index(fields=["sort_key", "id"], name="organisation_sort"),
            models.Index(fields=["district", "field"], name="organisation_district_field"),
            models.Index(fields=["region", "sort_key", "id"], name="organisation_region_sort"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class RegisterPresence(models.Model):
    """Whether an organisation appeared in the latest import of a register (never deleted when it did not)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="presences")
    source = models.ForeignKey(RegisterSource, on_delete=models.CASCADE, related_name="+")
    first_import = models.ForeignKey("RegisterImport", null=True, on_delete=models.SET_NULL, related_name="+")
    last_import = models.ForeignKey("RegisterImport", null=True, on_delete=models.SET_NULL, related_name="+")
    in_latest = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "source"], name="presence_unique")]

    def __str__(self) -> str:
        return f"{self.organisation_id} in {self.source_id}"


class RegisterImport(models.Model):
    """One uploaded register file on its way into the ledger: uploaded → previewed → applied (or failed)."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        PREVIEWED = "previewed", _("Previewed")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Could not be read")
        DISCARDED = "discarded", _("Discarded")

    source = models.ForeignKey(RegisterSource, verbose_name=_("register"), on_delete=models.PROTECT)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    # The uploader's unit: the import is scoped to its region like everything else.
    unit = models.ForeignKey(
        FederationUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} · {self.file_name}"


class DuplicateDecision(models.Model):
    """Staff decided two records that look alike are different organisations; remembered for good."""

    first = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_decision_unique"),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")), name="duplicate_decision_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"
