"""Satisfaction surveys of closed requests (SUR-1, SUR-2) and the desk's quality targets (SUR-3).

- ``SurveyRule``: which closed requests are surveyed (every one of a type, or a reproducible sample
  of the others) and how the customer is asked (an SMS link, or a callback by an agent). Edited in
  the admin.
- ``Survey``: one per surveyed request (a unique constraint), with the answers on the row.
- ``SurveyLink``: the single-use link an SMS carries; the link itself is signed (``surveys.links``).
- ``QualityTarget``: the targets of 003 §5 (satisfaction 95 %, handling rate 100 %, timeliness
  100 %), compared with the actual figures of any period (``surveys.selectors.quality_figures``).
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_LINK_DAYS = 90


def new_salt() -> str:
    return secrets.token_hex(8)


class Rating(models.TextChoices):
    """The scale of the survey form in 002's annex (客户满意度调查表): 满意 / 一般 / 很差."""

    SATISFIED = "satisfied", _("Satisfied")
    AVERAGE = "average", _("Average")
    VERY_POOR = "very_poor", _("Very poor")


# The questions as the pages and figures name them: the overall rating and the aspects of 002 §4.2.
QUESTION_LABELS = {
    "overall": _("Overall satisfaction"),
    "service_quality": _("Service quality of the provider"),
    "support_quality": _("Technical support quality"),
    "usage_experience": _("Usage experience"),
}


class SurveyChannel(models.TextChoices):
    SMS = "sms", _("SMS link")
    CALLBACK = "callback", _("Callback by an agent")


class SurveyRule(models.Model):
    """Which closed requests are surveyed, and how (SUR-1; 002 §4.2: every service at first, a
    share of them once the customers are many).

    A closed request falls under the active rule of its request type, else under the active rule
    without a type (the other requests). ``sample_percent`` 100 surveys every one; below 100 a fixed
    share: whether a request is in the sample depends only on its id and the rule's ``salt``
    (``surveys.sampling``), so the same request is always in or always out.
    """

    class Channel(models.TextChoices):
        AUTO = "auto", _("SMS when there is a mobile number, else a callback")
        SMS = "sms", _("SMS only (nobody is asked without a mobile number)")
        CALLBACK = "callback", _("Callback by an agent")

    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    request_type = models.ForeignKey(
        "tickets.RequestType", verbose_name=_("request type"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
        help_text=_("Empty: every request type without an active rule of its own."))
    sample_percent = models.PositiveSmallIntegerField(
        _("share surveyed (percent)"), default=100, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("100: every closed request. 20: one in five, always the same ones."))
    channel = models.CharField(_("how the customer is asked"), max_length=20, choices=Channel.choices,
                               default=Channel.AUTO)
    link_valid_days = models.PositiveSmallIntegerField(
        _("link valid for (days)"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_LINK_DAYS)],
        help_text=_("How long the link in the SMS can be answered."))
    salt = models.CharField(
        _("sample key"), max_length=64, default=new_salt,
        help_text=_("Decides which requests fall in the sample; change it to draw another sample."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("survey rule")
        verbose_name_plural = _("survey rules")
        ordering = ["request_type__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request_type"], condition=Q(active=True),
                                    name="survey_rule_one_active_per_type"),
            models.UniqueConstraint(fields=["active"], condition=Q(active=True, request_type__isnull=True),
                                    name="survey_rule_one_active_default"),
        ]

    def __str__(self) -> str:
        return self.name


class Survey(models.Model):
    """The satisfaction survey of one closed request (SUR-1, SUR-2): how the customer was asked,
    and their answers: the overall rating with a comment, and the three aspects of 002 §4.2."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the answer")
        ANSWERED = "answered", _("Answered")

    request = models.OneToOneField("tickets.ServiceRequest", verbose_name=_("request"),
                                   on_delete=models.PROTECT, related_name="survey")
    rule = models.ForeignKey(SurveyRule, verbose_name=_("survey rule"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="surveys")
    channel = models.CharField(_("asked by"), max_length=20, choices=SurveyChannel.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="surveys")
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    callback = models.ForeignKey("contacts.Callback", verbose_name=_("callback"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey("contacts.OutboundMessage", verbose_name=_("SMS"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+",
                                    help_text=_("Empty when the customer answered through the link."))
    overall = models.CharField(_("overall satisfaction"), max_length=20, choices=Rating.choices, blank=True)
    service_quality = models.CharField(_("service quality of the provider"), max_length=20,
                                       choices=Rating.choices, blank=True)
    support_quality = models.CharField(_("technical support quality"), max_length=20,
                                       choices=Rating.choices, blank=True)
    usage_experience = models.CharField(_("usage experience"), max_length=20, choices=Rating.choices,
                                        blank=True)
    comment = models.TextField(_("comment"), blank=True)

    # The aspects of 002 §4.2 asked besides the overall rating, in the order they are asked.
    ASPECTS = ("service_quality", "support_quality", "usage_experience")

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        indexes = [
            models.Index(fields=["answered_at"], name="survey_answered_at",
                         condition=Q(answered_at__isnull=False)),
            models.Index(fields=["status", "-created_at"], name="survey_status_recent"),
        ]

    @property
    def reference(self) -> str:
        return f"SV{self.pk:08d}"

    def __str__(self) -> str:
        return self.reference


class SurveyLink(models.Model):
    """The link an SMS carries to a survey's questions: answerable once, until ``expires_at``.

    The link holds ``nonce`` signed with the site's secret (``surveys.links``): a link that was
    altered is refused before this row is read; ``used_at`` is set by the one answer it takes.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="links")
    nonce = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")

    def __str__(self) -> str:
        return f"{self.survey} {self.nonce[:4]}…"


class QualityTarget(models.Model):
    """A target of 003 §5's success criteria, compared with the actual figure of a period (SUR-3)."""

    class Code(models.TextChoices):
        SATISFACTION = "satisfaction", _("Customer satisfaction")
        HANDLING_RATE = "handling_rate", _("Handling rate")
        TIMELINESS = "timeliness", _("Timeliness of handling")

    code = models.CharField(_("figure"), max_length=30, choices=Code.choices, unique=True)
    percent = models.DecimalField(_("target (percent)"), max_digits=5, decimal_places=2,
                                  validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("quality target")
        verbose_name_plural = _("quality targets")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_code_display()}: {self.percent} %"
