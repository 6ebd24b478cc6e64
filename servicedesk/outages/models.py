"""Outages and fault calls (OUT-2..OUT-6, seed 004 and the leak part of 003).

- ``PlannedOutage``: announced work, with written notices recorded per service point (OUT-2).
- ``Outage``: an unplanned outage on one network device: predicted from calls (OUT-3), declared
  by a dispatcher, or the affected area of a leak repair (003 §8.2); confirmed with a cause, an
  estimated time of restoration (ETR) and a crew work order; restored.
- ``OutageEvent``: the outage's history, append-only: created, each status change, each new ETR
  or cause (``OutageEtrChange``: its ETR changes).
- ``FaultCall``: a fault call placed on the network: the contact, the service point and the
  devices above it. Calls not yet explained by an outage are what inference groups.
- ``InferenceRule`` / ``FaultCallSetting``: the thresholds and defaults, as data.
- ``TroubleshootingScript`` / ``TroubleshootingStep``: guided self-checks (OUT-5), as data.
"""

import datetime
import math
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from servicedesk.core.messages import render_html
from servicedesk.core.models import AppendOnlyModel
from servicedesk.core.prepared import PreparedInsert
from servicedesk.core.templatetags.typed_text import typed_html
from servicedesk.network.models import DeviceKind, Utility
from servicedesk.org.models import BilingualNameMixin


class PlannedOutage(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    utility = models.CharField(_("utility"), max_length=10, choices=Utility.choices, default=Utility.POWER)
    reason = models.CharField(_("reason"), max_length=300)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    devices = models.ManyToManyField("network.Device", verbose_name=_("devices"), blank=True,
                                     related_name="planned_outages")
    districts = models.JSONField(_("districts"), default=list, blank=True,
                                 help_text=_("Whole districts affected, besides the devices."))
    area_description = models.CharField(_("area"), max_length=300, blank=True,
                                        help_text=_("The affected area in words, for the public notice."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    published = models.BooleanField(_("published"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("planned outage")
        verbose_name_plural = _("planned outages")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["status", "ends_at"], name="planned_outage_current")]

    @property
    def reference(self) -> str:
        return f"P{self.pk:06d}"

    @property
    def duration(self) -> datetime.timedelta:
        return self.ends_at - self.starts_at

    def in_force(self, at: datetime.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.status == self.Status.SCHEDULED and self.starts_at <= at < self.ends_at

    def __str__(self) -> str:
        return f"{self.reference} {self.reason}"


class PlannedOutageNotice(models.Model):
    """A notice of a planned outage given to one service point (004 step 13: 书面通知)."""

    class Channel(models.TextChoices):
        LETTER = "letter", _("Written notice")
        POSTED = "posted", _("Notice posted at the building")
        SMS = "sms", _("SMS")
        PHONE = "phone", _("Phone call")

    WRITTEN = (Channel.LETTER, Channel.POSTED)

    planned_outage = models.ForeignKey(PlannedOutage, verbose_name=_("planned outage"),
                                       on_delete=models.CASCADE,
                                       related_name="notices")
    service_point = models.ForeignKey("customers.ServicePoint", verbose_name=_("service point"),
                                      on_delete=models.PROTECT, related_name="planned_outage_notices")
    channel = models.CharField(_("how"), max_length=20, choices=Channel.choices, default=Channel.LETTER)
    notified_at = models.DateTimeField(_("notified at"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("planned outage notice")
        verbose_name_plural = _("planned outage notices")
        constraints = [models.UniqueConstraint(fields=["planned_outage", "service_point"],
                                               name="planned_outage_notice_once")]

    @property
    def written(self) -> bool:
        return self.channel in self.WRITTEN

    def __str__(self) -> str:
        return f"{self.planned_outage_id}/{self.service_point_id}"


class OutageStatus(models.TextChoices):
    PREDICTED = "predicted", _("Predicted from calls")
    CONFIRMED = "confirmed", _("Confirmed")
    RESTORED = "restored", _("Restored")
    REJECTED = "rejected", _("Rejected")
    MERGED = "merged", _("Merged into another outage")


OPEN_OUTAGE_STATUSES = (OutageStatus.PREDICTED, OutageStatus.CONFIRMED)


class Outage(models.Model):
    class Origin(models.TextChoices):
        INFERRED = "inferred", _("Inferred from calls")
        DECLARED = "declared", _("Declared by a dispatcher")
        LEAK = "leak", _("Leak repair")

    utility = models.CharField(_("utility"), max_length=10, choices=Utility.choices)
    device = models.ForeignKey("network.Device", verbose_name=_("device"), on_delete=models.PROTECT,
                               related_name="outages")
    status = models.CharField(_("status"), max_length=20, choices=OutageStatus.choices,
                              default=OutageStatus.PREDICTED)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices, default=Origin.INFERRED)
    cause = models.CharField(_("cause"), max_length=300, blank=True)
    etr = models.DateTimeField(_("estimated restoration"), null=True, blank=True)
    # The request that carries the crew's work order (created on confirmation) or, for a leak,
    # the leak report whose repair cuts the supply.
    request = models.ForeignKey("tickets.ServiceRequest", verbose_name=_("request"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="outages")
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True,
                                     help_text=_("When it was restored, rejected or merged."))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True,
                                  blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        constraints = [
            # One open outage per device: calls under it join it (OUT-2, concurrency guard).
            models.UniqueConstraint(fields=["device"], condition=Q(status__in=OPEN_OUTAGE_STATUSES),
                                    name="outage_one_open_per_device"),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="outage_board")]

    @property
    def reference(self) -> str:
        return f"O{self.pk:06d}"

    # The calls linked to the outage: counted when read (``selectors.with_call_stats`` annotates
    # lists), never stored on the outage. A counter on the outage row, written by every caller,
    # was the storm's hottest row: each call left a dead version of it, faster than they could be
    # pruned, and the callers of one fault slowed each other down as the storm went on.
    _CALL_STATS = ("call_count", "first_call_at", "last_call_at")

    def _call_stats(self) -> dict[str, Any]:
        stats = self.__dict__.get("_stats")
        if stats is None or any(name not in stats for name in self._CALL_STATS):
            counted = FaultCall.objects.filter(outage_id=self.pk).aggregate(
                call_count=models.Count("id"), first_call_at=models.Min("reported_at"),
                last_call_at=models.Max("reported_at"))
            stats = {**counted, **(stats or {})}
            self.__dict__["_stats"] = stats
        return stats

    def _set_stat(self, name: str, value: Any) -> None:
        self.__dict__.setdefault("_stats", {})[name] = value

    call_count = property(lambda self: self._call_stats()["call_count"] or 0,
                          lambda self, value: self._set_stat("call_count", value))
    first_call_at = property(lambda self: self._call_stats()["first_call_at"],
                             lambda self, value: self._set_stat("first_call_at", value))
    last_call_at = property(lambda self: self._call_stats()["last_call_at"],
                            lambda self, value: self._set_stat("last_call_at", value))

    def forget_call_stats(self) -> None:
        """Its calls changed: counted again when next read."""
        self.__dict__.pop("_stats", None)

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        self.forget_call_stats()
        super().refresh_from_db(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_OUTAGE_STATUSES

    def __str__(self) -> str:
        return self.reference


class OutageEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    TRANSITION = "transition", _("Status change")
    ETR_CHANGE = "etr_change", _("New estimated restoration")
    CAUSE_CHANGE = "cause_change", _("New cause")


class OutageEvent(AppendOnlyModel):
    """One step of an outage's history (OUT-3, OUT-6): its creation, each status change (written
    only by ``workflow.outage_transition``), each change of its ETR or cause. When, who (empty: the
    system, e.g. inference), from what to what, and why: what the dispatcher typed (``reason``),
    else what the system said (``message``). Never changed or deleted."""

    outage = models.ForeignKey(Outage, verbose_name=_("outage"), on_delete=models.PROTECT,
                               related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+",
                              help_text="Empty when the system acted.")
    kind = models.CharField(_("kind"), max_length=20, choices=OutageEventKind.choices)
    action = models.CharField(_("action"), max_length=30, blank=True)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    old_etr = models.DateTimeField(_("previous estimated restoration"), null=True, blank=True)
    new_etr = models.DateTimeField(_("new estimated restoration"), null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]}, e.g. the cause.")
    reason = models.TextField(_("reason"), blank=True, help_text="What the dispatcher typed.")
    message = models.JSONField(default=dict, blank=True, help_text="What the system said: {\"key\": …, "
                                                                   "\"params\": {…}} (core.messages), when "
                                                                   "no reason was typed.")

    class Meta:
        verbose_name = _("outage history entry")
        verbose_name_plural = _("outage history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["outage", "at"], name="outage_event_timeline")]

    @property
    def display_reason_html(self) -> SafeString:
        """Why, in the reader's language: what the dispatcher typed, else what the system said."""
        if self.reason:
            return typed_html(self.reason)
        return render_html(self.message, "")

    def __str__(self) -> str:
        return f"{self.outage_id} {self.kind} {self.action} {self.at:%Y-%m-%d %H:%M}"


class EtrChangeManager(models.Manager["OutageEtrChange"]):
    def get_queryset(self) -> models.QuerySet["OutageEtrChange"]:
        return super().get_queryset().filter(kind=OutageEventKind.ETR_CHANGE)


class OutageEtrChange(OutageEvent):
    """The outage's ETR changes (OUT-6): its history's ``etr_change`` rows, oldest first."""

    objects: ClassVar[EtrChangeManager] = EtrChangeManager()

    class Meta:
        proxy = True
        verbose_name = _("ETR change")
        verbose_name_plural = _("ETR changes")
        ordering = ["at", "id"]


class FaultCall(models.Model):
    """One fault call placed on the network (OUT-3): the contact, the service point and the three
    devices above it (leaf: transformer or pipe; its parent; its grandparent), so that calls can
    be counted per device with one indexed query at each level."""

    contact = models.OneToOneField("contacts.ContactRecord", verbose_name=_("contact"),
                                   on_delete=models.PROTECT,
                                   related_name="fault_call")
    service_point = models.ForeignKey("customers.ServicePoint", verbose_name=_("service point"),
                                      on_delete=models.PROTECT, related_name="fault_calls")
    device = models.ForeignKey("network.Device", verbose_name=_("device"), on_delete=models.PROTECT,
                               related_name="fault_calls")
    # Copies of the device's ancestors (its lineage), for counting calls per device at each level.
    # No constraint and no plain index of their own: the partial indexes below serve the counts,
    # the device above cannot be deleted while ``device`` hangs under it, and a constraint would
    # make every call share-lock its section's and feeder's rows (all callers of a storm the same
    # few rows) at commit.
    parent_device = models.ForeignKey("network.Device", null=True, blank=True, on_delete=models.DO_NOTHING,
                                      related_name="+", db_constraint=False, db_index=False)
    grandparent_device = models.ForeignKey("network.Device", null=True, blank=True,
                                           on_delete=models.DO_NOTHING,
                                           related_name="+", db_constraint=False, db_index=False)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    outage = models.ForeignKey(Outage, verbose_name=_("outage"), null=True, blank=True,
                               on_delete=models.PROTECT,
                               related_name="calls")
    # The work request the call created before it was grouped into an outage (if any).
    request = models.ForeignKey("tickets.ServiceRequest", verbose_name=_("request"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    # The problem detail the caller gave (the fault request's fields), kept for the request the
    # call gets if its predicted outage is rejected.
    problem = models.JSONField(_("problem detail"), default=dict, blank=True)
    # True while not explained by a confirmed outage: what inference counts.
    unexplained = models.BooleanField(default=True)
    # The caller said the neighbours have supply (the problem's outage_scope is "single"): a fault
    # of their own, which inference does not count (it is still grouped into an outage predicted
    # over it).
    single_premise = models.BooleanField(_("only this premise"), default=False)

    class Meta:
        verbose_name = _("fault call")
        verbose_name_plural = _("fault calls")
        indexes = [
            models.Index(fields=["device", "reported_at"], name="faultcall_device",
                         condition=Q(unexplained=True)),
            # The ancestors' indexes hold only calls with that ancestor: a count under one transformer
            # then has one index to use (``faultcall_device``), whatever the statistics say. With the
            # same condition on all three, PostgreSQL on statistics from a quiet hour chose to walk a
            # whole ancestor index by time (37 ms instead of 0.1 ms).
            models.Index(fields=["parent_device", "reported_at"], name="faultcall_parent",
                         condition=Q(unexplained=True, parent_device__isnull=False)),
            models.Index(fields=["grandparent_device", "reported_at"], name="faultcall_grandparent",
                         condition=Q(unexplained=True, grandparent_device__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}@{self.device_id}"


class InferenceRule(models.Model):
    """OUT-3 thresholds for one kind of device, within ``window_minutes``.

    - A transformer or pipe segment (the devices service points hang under) is predicted out
      when enough different service points under it have called: at least
      ``min_service_points`` and at least ``min_service_points_percent`` of those it supplies.
    - A section, feeder or supply zone is predicted out when enough of its child devices are
      out (have an open outage): at least ``min_children`` and at least
      ``min_children_percent`` of its children (the roll-up). ``min_service_points`` is a floor
      on the callers under it as well.

    Shares make one rule fit devices of different sizes and keep the background of unrelated
    single faults (a storm brings many) from predicting outages that are not there.
    """

    device_kind = models.CharField(_("device kind"), max_length=20, choices=DeviceKind.choices, unique=True)
    min_service_points = models.PositiveIntegerField(_("minimum service points calling"), default=3)
    min_service_points_percent = models.PositiveSmallIntegerField(
        _("minimum share of its service points calling (%)"), default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("For a transformer or pipe segment, e.g. 15: 15 of 100 customers under it."))
    min_children = models.PositiveIntegerField(
        _("minimum child devices out"), default=1,
        help_text=_("For a section, feeder or zone: how many of its child devices must have an open outage. "
                    "Not used for a transformer or pipe segment."))
    min_children_percent = models.PositiveSmallIntegerField(
        _("minimum share of child devices out (%)"), default=0, validators=[MaxValueValidator(100)],
        help_text=_("For a section, feeder or zone, e.g. 50: half of its transformers (sections, pipe "
                    "segments)."))
    window_minutes = models.PositiveIntegerField(_("window (minutes)"), default=120,
                                                 validators=[MinValueValidator(1)])
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("outage inference rule")
        verbose_name_plural = _("outage inference rules")

    def __str__(self) -> str:
        return self.get_device_kind_display()

    def service_points_needed(self, under: int) -> int:
        """Distinct callers needed, of ``under`` service points below the device."""
        return max(self.min_service_points, math.ceil(self.min_service_points_percent * under / 100))

    def children_needed(self, children: int) -> int:
        """Child devices out needed, of ``children``."""
        return max(self.min_children, math.ceil(self.min_children_percent * children / 100))


class FaultCallSetting(models.Model):
    """Per utility: the request type a fault call creates (OUT-6) and the initial time estimate."""

    utility = models.CharField(_("utility"), max_length=10, choices=Utility.choices, unique=True)
    request_type = models.ForeignKey("tickets.RequestType", verbose_name=_("request type"),
                                     on_delete=models.PROTECT, related_name="+")
    initial_estimate_minutes = models.PositiveIntegerField(_("initial time estimate (minutes)"), default=240)

    class Meta:
        verbose_name = _("fault call setting")
        verbose_name_plural = _("fault call settings")

    def __str__(self) -> str:
        return self.get_utility_display()


class TroubleshootingScript(BilingualNameMixin):
    """OUT-5: a safe self-check the agent leads the caller through, e.g. the main breaker."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    utility = models.CharField(_("utility"), max_length=10, choices=Utility.choices, default=Utility.POWER)
    description = models.TextField(_("when to use it"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("troubleshooting script")
        verbose_name_plural = _("troubleshooting scripts")
        ordering = ["sort_order", "code"]


class TroubleshootingStep(models.Model):
    script = models.ForeignKey(TroubleshootingScript, verbose_name=_("script"), on_delete=models.CASCADE,
                               related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    instruction = models.TextField(_("what to ask or tell"))
    instruction_en = models.TextField(_("English"), blank=True)

    class Meta:
        verbose_name = _("troubleshooting step")
        verbose_name_plural = _("troubleshooting steps")
        ordering = ["script", "order"]
        constraints = [models.UniqueConstraint(fields=["script", "order"], name="troubleshooting_step_order")]

    def __str__(self) -> str:
        return f"{self.script_id}.{self.order}"


# Written with every fault call placed on the network: the INSERT built once per process.
FAULT_CALL_INSERT = PreparedInsert(FaultCall)
