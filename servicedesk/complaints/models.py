"""Complaints (002 §5, 003 §8): who complained about what and whom, who owns it to the end, its
repeats, its parts sent to departments and partners, and its append-only history.

A complaint is built on a service request of the complaint category (its own reply and resolution
clocks, its history of statuses), and adds what only a complaint has. Its parts are SLA subjects
of their own (``complaint_part``: triage within 1 hour, reply within 24 or 72 hours, 002 §5.4).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from servicedesk.core.messages import render, render_html
from servicedesk.core.models import AppendOnlyModel


class Satisfaction(models.TextChoices):
    """The customer's opinion, on 002's scale (满意 / 一般 / 很差)."""

    SATISFIED = "satisfied", _("Satisfied")
    AVERAGE = "average", _("Average")
    VERY_POOR = "very_poor", _("Very poor")


class ComplaintStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Sent to the parties")
    ANSWERED = "answered", _("Answered, to be called back")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Withdrawn")


OPEN_COMPLAINT_STATUSES = (ComplaintStatus.ACCEPTED, ComplaintStatus.DISPATCHED, ComplaintStatus.ANSWERED)


class ComplaintRules(models.Model):
    """The complaint desk's settings, one row: the request type complaints are taken as and the
    window in which a new complaint about the same place and topic is a repeat (CMP-2)."""

    request_type = models.ForeignKey(
        "tickets.RequestType",
        verbose_name=_("request type of complaints"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    topic_field = models.SlugField(
        _("field holding the complaint type"),
        max_length=50,
        default="about",
        help_text=_(
            "The request type's choice field that says what the complaint "
            "is about (service attitude, billing…)."
        ),
    )
    repeat_window_days = models.PositiveSmallIntegerField(
        _("repeat window (days)"),
        default=30,
        help_text=_(
            "A complaint about the same service point and topic within this many days of an "
            "earlier one that is open, was answered late or left the customer unsatisfied is a "
            "repeat."
        ),
    )

    class Meta:
        verbose_name = _("complaint settings")
        verbose_name_plural = _("complaint settings")

    def __str__(self) -> str:
        return str(_("Complaint settings"))


class MajorRule(models.Model):
    """A rule that flags a complaint as major (CMP-3), kept as data an administrator edits."""

    class Kind(models.TextChoices):
        REOPENED = "reopened", _("Reopened at least N times")
        REPEAT_DEPTH = "repeat_depth", _("A repeat of a repeat (chain of at least N)")
        KEY_ACCOUNT = "key_account", _("The customer is a key account")
        WORDS = "words", _("The description contains one of these words")
        CUSTOMER_CLASS = "customer_class", _("The customer is of this class")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    number = models.PositiveSmallIntegerField(
        _("N"), null=True, blank=True, help_text=_("For reopenings and repeat chains.")
    )
    words = models.JSONField(
        _("words"), default=list, blank=True, help_text=_('For words: e.g. ["媒体", "12345", "信访"].')
    )
    customer_class = models.CharField(_("customer class"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("major complaint rule")
        verbose_name_plural = _("major complaint rules")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Complaint(models.Model):
    """One complaint: any expressed dissatisfaction, through any channel, against us or a provider."""

    class Against(models.TextChoices):
        UTILITY = "utility", _("Our own service")
        PROVIDER = "provider", _("A provider")

    class ComplainantKind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    request = models.OneToOneField(
        "tickets.ServiceRequest",
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        related_name="complaint",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.ACCEPTED
    )
    topic = models.CharField(_("complaint type"), max_length=50, blank=True)
    against = models.CharField(_("against"), max_length=20, choices=Against.choices, default=Against.UTILITY)
    provider = models.ForeignKey(
        "org.Provider",
        verbose_name=_("provider complained about"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    about_request = models.ForeignKey(
        "tickets.ServiceRequest",
        verbose_name=_("about request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_about",
    )
    about_work_order = models.ForeignKey(
        "tickets.WorkOrder",
        verbose_name=_("about work order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_about",
    )
    complainant_kind = models.CharField(
        _("complainant"), max_length=20, choices=ComplainantKind.choices, default=ComplainantKind.PERSON
    )
    # CMP-4: the accepting unit and agent (or partner) own it to the end, whoever works on its parts.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="complaints_owned",
    )
    owner_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("owning unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_owned",
    )
    owner_provider = models.ForeignKey(
        "org.Provider",
        verbose_name=_("owning partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_owned",
        help_text=_("When a partner took the complaint directly."),
    )
    # CMP-2: the complaint this one repeats, and how long the chain of repeats is (1: a first repeat).
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repeats",
    )
    repeat_depth = models.PositiveSmallIntegerField(_("repeat chain"), default=0)
    # CMP-3
    major = models.BooleanField(_("major complaint"), default=False)
    major_reasons = models.JSONField(
        _("why major"), default=list, blank=True, help_text="[message, …] (core.messages)"
    )
    major_at = models.DateTimeField(_("flagged major at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopenings"), default=0)
    # 002's annex: the cause and the process feedback, the result, the customer's final opinion.
    cause_feedback = models.TextField(_("cause and process feedback"), blank=True)
    result = models.TextField(_("result"), blank=True)
    satisfaction = models.CharField(
        _("customer's satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["owner", "status"], name="complaint_owner_desk"),
            models.Index(fields=["major", "status"], name="complaint_major"),
            models.Index(fields=["-created_at"], name="complaint_recent"),
        ]

    @property
    def reference(self) -> str:
        return f"CP{self.pk:08d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_COMPLAINT_STATUSES

    def __str__(self) -> str:
        return self.reference


class PartStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Taken in hand")
    ANSWERED = "answered", _("Answered")
    CANCELLED = "cancelled", _("Withdrawn")


OPEN_PART_STATUSES = (PartStatus.SENT, PartStatus.ACCEPTED)


class ComplaintPart(models.Model):
    """One department's or partner's share of a complaint (CMP-5, joint dispatch), with its own
    clocks: a partner judges and passes on its part within 1 hour and replies within 24 hours
    (urgent) or 72 (difficult), 002 §5.4."""

    class Urgency(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        DIFFICULT = "difficult", _("Difficult")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="parts"
    )
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaint_parts",
    )
    provider = models.ForeignKey(
        "org.Provider",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaint_parts",
    )
    status = models.CharField(_("status"), max_length=20, choices=PartStatus.choices, default=PartStatus.SENT)
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.URGENT)
    instructions = models.TextField(_("what to do"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reopen_count = models.PositiveSmallIntegerField(_("sent back"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("complaint part")
        verbose_name_plural = _("complaint parts")
        ordering = ["complaint", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(unit__isnull=False, provider__isnull=True)
                    | models.Q(unit__isnull=True, provider__isnull=False)
                ),
                name="complaint_part_one_party",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "status"], name="complaint_part_provider"),
            models.Index(fields=["unit", "status"], name="complaint_part_unit"),
        ]

    @property
    def party(self) -> object:
        return self.provider if self.provider_id else self.unit

    @property
    def reference(self) -> str:
        return f"CP{self.complaint_id:08d}-{self.pk}"

    def __str__(self) -> str:
        return self.reference


class ComplaintEvent(AppendOnlyModel):
    """One change of a complaint or of one of its parts: who, when, from what to what, and why."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    part = models.ForeignKey(
        ComplaintPart, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the system acted.",
    )
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]}")
    reason = models.TextField(blank=True)
    message = models.JSONField(default=dict, blank=True, help_text='{"key": …, "params": {…}}')

    class Meta:
        verbose_name = _("complaint history entry")
        verbose_name_plural = _("complaint history")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["complaint", "at"], name="complaint_event_timeline"),
            models.Index(fields=["part", "at"], name="complaint_part_timeline"),
        ]

    @property
    def display_text(self) -> str:
        return render(self.message, self.reason)

    @property
    def text_html(self) -> object:
        return render_html(self.message, self.reason)

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Refund(models.Model):
    """A wrongly charged fee refunded to the customer's account (CMP-7, 002 §7): double, or in full
    for a feature fee; when a provider caused it, the amount is deducted from its next settlement."""

    class Kind(models.TextChoices):
        WRONG_CHARGE = "wrong_charge", _("Wrongly charged fee (refunded double)")
        FEATURE_FEE = "feature_fee", _("Feature fee charged wrongly (refunded in full)")

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.PROTECT, related_name="refunds"
    )
    account = models.ForeignKey(
        "customers.Account", verbose_name=_("account"), on_delete=models.PROTECT, related_name="refunds"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.WRONG_CHARGE)
    charged_wrongly = models.DecimalField(_("amount charged wrongly"), max_digits=12, decimal_places=2)
    amount = models.DecimalField(_("amount refunded"), max_digits=12, decimal_places=2)
    provider = models.ForeignKey(
        "org.Provider",
        verbose_name=_("provider who caused it"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds_caused",
    )
    # 002 §7: a feature fee is paid back by us first and verified by the partner.
    verified_by_provider_at = models.DateTimeField(_("verified by the partner at"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.complaint} {self.amount}"


class SettlementDeduction(models.Model):
    """What a provider owes back at its next settlement for a refund it caused (002 §7); the
    providers' settlement reads and settles these rows."""

    provider = models.ForeignKey(
        "org.Provider",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="settlement_deductions",
    )
    refund = models.OneToOneField(
        Refund, verbose_name=_("refund"), on_delete=models.PROTECT, related_name="deduction"
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settlement_reference = models.CharField(_("settlement"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("settlement deduction")
        verbose_name_plural = _("settlement deductions")
        indexes = [models.Index(fields=["provider", "settled_at"], name="deduction_provider_open")]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount}"
