"""Questions answered on the spot (即问即答) and the FAQ they grow into."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from branches.models import Organisation
from federation.models import Region


def city_region_id() -> int | None:
    """The city's division: where an FAQ entry lies unless a district keeps it (None before divisions exist)."""
    return (
        Region.objects.filter(level=Region.Level.CITY).order_by("path").values_list("pk", flat=True).first()
    )


class FAQCategory(models.Model):
    """A heading of the FAQ (组织形式, 组建程序, 选举 …); admins add and rename them."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("FAQ category")
        verbose_name_plural = _("FAQ categories")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class FAQEntry(models.Model):
    """A question answered once for everyone. A city-wide entry (lying in the city's division) is kept by the
    city's staff, who decide the changes district officers propose; a district's entry by its officers."""

    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"))
    category = models.ForeignKey(
        FAQCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
    )
    step_codes = models.JSONField(
        _("workflow steps"),
        default=list,
        blank=True,
        help_text=_('The codes of the workflow steps it is shown on, e.g. ["congress"].'),
    )
    forms = models.JSONField(
        _("forms it applies to"),
        default=list,
        blank=True,
        help_text=_("Shown on the steps of runs forming these women's organisations; empty: every form."),
    )
    fields = models.JSONField(
        _("related fields"),
        default=list,
        blank=True,
        help_text=_('The names of the step fields it explains, e.g. ["seats"].'),
    )
    # Derived by the services (answers/search.py): question and answer normalised, the question's initials.
    search_text = models.TextField(editable=False, default="")
    source_question = models.ForeignKey(
        "Question",
        verbose_name=_("published from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    published = models.BooleanField(_("published"), default=True)
    # Who keeps it: the city's division (city-wide) or a district's. Access decides through it.
    region = models.ForeignKey(
        Region,
        verbose_name=_("kept by"),
        null=True,
        default=city_region_id,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.question

    @property
    def city_wide(self) -> bool:
        return self.region_id is None or self.region.level in {Region.Level.CITY, Region.Level.PROVINCE}


class FAQProposal(models.Model):
    """A change to an FAQ entry proposed by someone who does not keep it, for its keepers to accept or decline."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    entry = models.ForeignKey(
        FAQEntry, verbose_name=_("FAQ entry"), on_delete=models.CASCADE, related_name="proposals"
    )
    question = models.CharField(_("question"), max_length=200)
    answer = models.TextField(_("answer"))
    reason = models.TextField(_("why"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.TextField(_("note on the decision"), blank=True)

    class Meta:
        verbose_name = _("proposed FAQ change")
        verbose_name_plural = _("proposed FAQ changes")
        ordering = ["-proposed_at", "-id"]
        indexes = [
            models.Index(
                fields=["proposed_at", "id"], name="faq_proposal_pending", condition=Q(status="pending")
            )
        ]

    def __str__(self) -> str:
        return self.question[:40]

    @property
    def region(self):
        """Where the proposal lies for access: where its entry lies."""
        return self.entry.region


class Question(models.Model):
    """A contact's question, optionally asked on a workflow step, and the staff answer."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="questions"
    )
    step_entry = models.ForeignKey(
        "workflows.StepEntry",
        verbose_name=_("step"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    # Not stored: set on the questions a page lists by answers.selectors.questions_annotate.
    waited: int  # working days since it was asked (until it was answered)
    past_target: bool

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-asked_at", "-id"]
        indexes = [
            # The inbox and the reminder sweep read the open questions oldest first; answered ones pile up.
            models.Index(fields=["asked_at", "id"], name="question_open", condition=Q(answered_at=None)),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class AnswerSettings(models.Model):
    """How fast questions should be answered (one row, admin-editable)."""

    target_working_days = models.PositiveSmallIntegerField(
        _("answer within (working days)"),
        default=2,
        help_text=_(
            "A question still open after this many working days is past its target: the responsible "
            "officer is reminded, and after twice as long the unit's managers too."
        ),
    )

    class Meta:
        verbose_name = _("answer settings")
        verbose_name_plural = _("answer settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> AnswerSettings:
        """The one settings row (created with the defaults on first use)."""
        return cls.objects.get_or_create(pk=1)[0]
