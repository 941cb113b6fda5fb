"""The organisations ledger (台账): target organisations, their categories, and where each value came from."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from federation.fieldcrypt import DigestField, EncryptedCharField
from federation.models import FederationUnit, Region

# The history keeps 100 characters of a change's reason (simple_history's column); the operation log keeps it all.
HISTORY_REASON_LENGTH = 100


class SanxinField(models.TextChoices):
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
    UnitType.PRIVATE_ENTERPRISE: SanxinField.ECONOMIC,
    UnitType.BUSINESS_DISTRICT: SanxinField.ECONOMIC,
    UnitType.ASSOCIATION: SanxinField.SOCIAL,
    UnitType.SOCIAL_SERVICE: SanxinField.SOCIAL,
    UnitType.FOUNDATION: SanxinField.SOCIAL,
    UnitType.WOMEN_SOCIAL: SanxinField.SOCIAL,
    UnitType.EXPRESS: SanxinField.EMPLOYMENT,
    UnitType.FOOD_DELIVERY: SanxinField.EMPLOYMENT,
    UnitType.RIDE_HAILING: SanxinField.EMPLOYMENT,
}


class Stage(models.TextChoices):
    """Where an organisation stands: before forming, then 先建立、再完善、后提高, and due for re-election."""

    SURVEYING = "surveying", _("Surveying")
    LIAISON_NAMED = "liaison_named", _("Liaison named")
    PREPARING = "preparing", _("Preparing")
    ESTABLISHED = "established", _("Established")
    CONSOLIDATING = "consolidating", _("Consolidating")
    ENHANCING = "enhancing", _("Enhancing")
    TERM_DUE = "term_due", _("Term due")


FORMED_STAGES = (Stage.ESTABLISHED, Stage.CONSOLIDATING, Stage.ENHANCING, Stage.TERM_DUE)


class Category(models.Model):
    """An admin-defined category (百强民营企业, 女性社会组织, 快递行业 …); categories drive coverage figures."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)
    contact_interval_days = models.PositiveSmallIntegerField(
        _("contact every (days)"),
        default=30,
        help_text=_("How often staff should be in touch with these organisations."),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class UnitTypeCategory(models.Model):
    """A category that a unit type brings with it (快递物流 → 快递行业): a register import adds it to an organisation
    of that type, marked as inferred. Admins edit these."""

    unit_type = models.CharField(_("unit type"), max_length=20, choices=UnitType.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="unit_type_rules"
    )

    class Meta:
        verbose_name = _("category of a unit type")
        verbose_name_plural = _("categories of unit types")
        ordering = ["unit_type", "category"]
        constraints = [
            models.UniqueConstraint(fields=["unit_type", "category"], name="unit_type_category_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_unit_type_display()} → {self.category}"


class RegisterSource(models.Model):
    """A department's register the ledger is built from (民政局社会组织名录, 社工部两新组织台账 …)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # How people matched this register's columns (header text → ledger column, "" for one left out): offered to
    # its next file, so that a register whose headers the reader does not know is matched once.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
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
    name_normalised = models.CharField(max_length=200, editable=False)
    search_text = models.TextField(editable=False, default="")
    # search_text's 2-character windows, space-separated: on PostgreSQL a GIN index on them (migration 0005)
    # narrows a `contains` search on search_text to the rows that can match.
    search_grams = models.TextField(editable=False, default="")
    sort_key = models.CharField(max_length=255, editable=False, default="")

    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    uscc_override = models.TextField(_("reason for accepting a failing code"), blank=True)
    field = models.CharField(_("field"), max_length=12, choices=SanxinField.choices)
    unit_type = models.CharField(_("unit type"), max_length=20, choices=UnitType.choices, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True, related_name="+")
    # The most precise division known (street when known, else district); district is kept for grouping.
    # Not indexed alone: organisation_region_sort and organisation_district_sort start with these columns.
    region = models.ForeignKey(
        Region, verbose_name=_("street or town"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    district = models.ForeignKey(
        Region, verbose_name=_("district"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    # When the organisation was founded or registered (a register's 成立日期/登记日期), not when it entered the ledger.
    founded_on = models.DateField(_("founded or registered on"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    women = models.PositiveIntegerField(_("women"), null=True, blank=True)
    party_org = models.BooleanField(_("party organisation"), null=True, blank=True)
    trade_union = models.BooleanField(_("trade union"), null=True, blank=True)
    contact_name = EncryptedCharField(_("contact person"), max_length=50, blank=True)
    contact_mobile = EncryptedCharField(_("contact mobile"), max_length=20, blank=True)
    contact_mobile_digest = DigestField(source="contact_mobile", db_index=True)
    in_scope = models.BooleanField(_("in scope"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    stage = models.CharField(_("stage"), max_length=15, choices=Stage.choices, default=Stage.SURVEYING)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact_interval_days = models.PositiveSmallIntegerField(
        _("contact every (days)"), null=True, blank=True, help_text=_("Leave empty to follow its categories.")
    )
    # Kept by the contact services: the cadence sweep reads one indexed date instead of every contact log.
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True, editable=False)
    contact_due_on = models.DateField(_("next contact due"), null=True, blank=True, editable=False)

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
        excluded_fields=[
            "contact_mobile_digest",
            "name_normalised",
            "search_text",
            "search_grams",
            "sort_key",
            "value_sources",
            "updated_at",
            "last_contact_on",
            "contact_due_on",
        ],
        m2m_fields=[categories],
        # History is read by organisation (its id index) and by date; indexes on its foreign keys would only
        # slow down every write of the ledger (an import writes tens of thousands of history rows at once).
        no_db_index=["district", "region", "merged_into", "officer"],
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
            # Filter and order in one: a district's (and field's) first page is read off the index in order.
            models.Index(fields=["district", "field", "sort_key", "id"], name="organisation_district_sort"),
            # `uscc LIKE 'prefix%'` (search by credit code) cannot use the unique index under the C.UTF-8
            # collation; the pattern operator class can.
            models.Index(fields=["uscc"], opclasses=["varchar_pattern_ops"], name="organisation_uscc_prefix"),
            models.Index(fields=["region", "sort_key", "id"], name="organisation_region_sort"),
            models.Index(fields=["contact_due_on"], name="organisation_contact_due"),
            # Equality only (the import's matching, duplicates): no `_like` twin, nothing searches it by LIKE.
            models.Index(fields=["name_normalised"], name="organisation_name_normalised"),
            # The list's total (capped at 10,000) counted off a small index, without reading the rows: the
            # count had cost more than the page's fifty rows together.
            models.Index(
                fields=["region", "district", "field"],
                name="organisation_active_count",
                condition=Q(archived_at__isnull=True),
            ),
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
    # The row that holds the headers when a person had to say which (None: the reader found it).
    header_row = models.PositiveIntegerField(_("header row"), null=True, blank=True)
    # What a row that does not say takes from the file (one department's register): {"field": value,
    # "district": region id, "categories": [category ids]}; a row's own value wins.
    defaults = models.JSONField(_("defaults of this file"), default=dict, blank=True)
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


class BranchKind(models.TextChoices):
    """Organisational forms (组织形式)."""

    FEDERATION = "federation", _("Women's federation (妇联)")
    COMMITTEE = "committee", _("Women's committee (妇委会)")
    GROUP = "group", _("Women's group (妇女小组)")
    LIAISON = "liaison", _("Federation liaison (联系人)")
    COMMUNITY = "community", _("Covered by the community federation")
    GROUP_MEMBER = "group_member", _("Group member (团体会员)")


class Way(models.TextChoices):
    """Ways of forming (组建方式)."""

    STANDALONE = "standalone", _("Standalone")
    JOINT = "joint", _("Joint")
    INDUSTRY = "industry", _("Industry-wide")
    AREA = "area", _("Area-based")
    FALLBACK = "fallback", _("Fallback via the village or community federation")


class TermRule(models.Model):
    """How long a term lasts for a form (and optionally a unit type); admins edit these."""

    form = models.CharField(_("form"), max_length=15, choices=BranchKind.choices)
    unit_type = models.CharField(_("unit type"), max_length=20, choices=UnitType.choices, blank=True)
    years = models.PositiveSmallIntegerField(_("term in years"), default=5)

    class Meta:
        verbose_name = _("term rule")
        verbose_name_plural = _("term rules")
        constraints = [models.UniqueConstraint(fields=["form", "unit_type"], name="term_rule_unique")]

    def __str__(self) -> str:
        return f"{self.get_form_display()} {self.years}"


class Branch(models.Model):
    """A women's organisation (妇联、妇委会、妇女小组 …) set up in an organisation; an industry-wide or
    area-wide one covers many organisations."""

    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("set up in"), on_delete=models.PROTECT, related_name="branches"
    )
    covers = models.ManyToManyField(
        Organisation, verbose_name=_("organisations covered"), related_name="covering_branches", blank=True
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    form = models.CharField(_("form"), max_length=15, choices=BranchKind.choices)
    way = models.CharField(_("way of forming"), max_length=12, choices=Way.choices, default=Way.STANDALONE)
    stage = models.CharField(_("stage"), max_length=15, choices=Stage.choices, default=Stage.ESTABLISHED)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    approval_number = models.CharField(_("approval number"), max_length=100, blank=True)
    approving_unit = models.CharField(_("approving unit"), max_length=100, blank=True)
    term_number = models.PositiveSmallIntegerField(_("term number"), default=1)
    term_ends_on = models.DateField(_("term ends on"), null=True, blank=True, db_index=True)
    seats = models.PositiveSmallIntegerField(_("executive seats"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    checklist = models.JSONField(_("stage checklist"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("women's organisation")
        verbose_name_plural = _("women's organisations")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class BranchMember(models.Model):
    """The chair, vice-chairs and executive members (or director, group leader) of a women's organisation."""

    class Post(models.TextChoices):
        CHAIR = "chair", _("Chair (主席)")
        VICE_CHAIR = "vice_chair", _("Vice-chair (副主席)")
        EXECUTIVE = "executive", _("Executive member (执委)")
        DIRECTOR = "director", _("Director (主任)")
        DEPUTY_DIRECTOR = "deputy_director", _("Deputy director (副主任)")
        LEADER = "leader", _("Group leader (组长)")

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="members")
    name = EncryptedCharField(_("name"), max_length=50)
    post = models.CharField(_("post"), max_length=16, choices=Post.choices)
    unit_post = models.CharField(_("post in the unit"), max_length=100, blank=True)
    mobile = EncryptedCharField(_("mobile"), max_length=20, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("executive member")
        verbose_name_plural = _("executive members")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.name}"


class StageChecklistItem(models.Model):
    """One thing to tick before an organisation counts as having reached a stage (admins edit the list)."""

    stage = models.CharField(_("stage"), max_length=15, choices=Stage.choices)
    label = models.CharField(_("item"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("stage checklist item")
        verbose_name_plural = _("stage checklist")
        ordering = ["stage", "order", "id"]

    def __str__(self) -> str:
        return self.label


class StageChange(models.Model):
    """An organisation moved from one stage to another: who, when, why."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="stage_changes")
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_stage = models.CharField(_("from"), max_length=15, choices=Stage.choices)
    to_stage = models.CharField(_("to"), max_length=15, choices=Stage.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class Liaison(models.Model):
    """An organisation's named liaison for federation work (妇联工作联系人)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="liaisons")
    name = EncryptedCharField(_("name"), max_length=50)
    post = models.CharField(_("post"), max_length=100, blank=True)
    mobile = EncryptedCharField(_("mobile"), max_length=20)
    mobile_digest = DigestField(source="mobile", db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="liaisons",
    )
    active = models.BooleanField(_("active"), default=True)
    consent_notice = models.TextField(_("notice shown"), blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "mobile_digest"])

    class Meta:
        verbose_name = _("liaison")
        verbose_name_plural = _("liaisons")
        ordering = ["-active", "id"]  # active first, in the order named (the name is encrypted)

    def __str__(self) -> str:
        return self.name


class ContactLog(models.Model):
    """One contact with an organisation (常态联系): when, how, who, what, and the next follow-up."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        VISIT = "visit", _("Visit")
        WECHAT = "wechat", _("WeChat")
        MEETING = "meeting", _("Meeting")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="contacts_logged",
    )
    contacted_on = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    summary = models.TextField(_("summary"))
    next_follow_up = models.DateField(_("next follow-up"), null=True, blank=True)
    done = models.BooleanField(_("follow-up done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contact log")
        ordering = ["-contacted_on", "-id"]
        indexes = [
            # The daily sweep reads only open follow-ups: its cost follows the rows due, not the rows stored.
            models.Index(
                fields=["next_follow_up"],
                name="contact_open_follow_up",
                condition=Q(done=False, next_follow_up__isnull=False),
            ),
            models.Index(fields=["organisation", "-contacted_on"], name="contact_by_organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.contacted_on} {self.get_channel_display()}"


class LedgerSettings(models.Model):
    """Thresholds with no single national rule: shipped with defaults, changed by an admin (one row)."""

    women_for_federation = models.PositiveSmallIntegerField(
        _("women for a standalone federation"),
        default=50,
        help_text=_("Rule 6: a unit with a party organisation and at least this many women."),
    )
    women_for_committee = models.PositiveSmallIntegerField(
        _("women for a committee or group"),
        default=10,
        help_text=_("Rule 7: from this many women up, a committee or group; below it, a liaison."),
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate overdue follow-ups after (days)"),
        default=7,
        help_text=_("Overdue by more than this, the unit's manager is told too."),
    )
    term_warning_days = models.PositiveSmallIntegerField(_("warn of a term's end (days ahead)"), default=90)

    class Meta:
        verbose_name = _("ledger settings")
        verbose_name_plural = _("ledger settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "LedgerSettings":
        """The one settings row (created with the defaults on first use)."""
        return cls.objects.get_or_create(pk=1)[0]
