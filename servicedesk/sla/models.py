"""Service levels: calendars, policies with several targets, timers, warnings and notifications.

The engine times *subjects* it knows only by a type name and an id ("request" 12, "work_order"
7): the intake apps register an adapter for each type (``sla/subjects.py``) that tells the engine
the subject's facts and its history of transitions. Every clock is derived from that history
(SLA-3), so it can be recomputed and explained at any time.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from servicedesk.core.messages import render, render_html
from servicedesk.core.prepared import PreparedInsert
from servicedesk.org.models import BilingualNameMixin


class Calendar(BilingualNameMixin):
    """A working calendar (SLA-1): 7×24, or working windows on working days."""

    class Kind(models.TextChoices):
        AROUND_THE_CLOCK = "24x7", _("7×24")
        WORKING_HOURS = "working_hours", _("Working hours")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.WORKING_HOURS)
    time_zone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    windows = models.CharField(_("working windows"), max_length=200, blank=True,
                               default="08:30-12:00, 13:30-17:30",
                               help_text=_("Of each working day, e.g. \"08:30-12:00, 13:30-17:30\" "
                                           "(a lunch break)."))
    weekdays = models.JSONField(_("working weekdays"), default=list, blank=True,
                                help_text=_("0 = Monday … 6 = Sunday; e.g. [0, 1, 2, 3, 4]."))
    follows_official_holidays = models.BooleanField(
        _("follows China's official holidays"), default=True,
        help_text=_("Official holidays are closed and make-up working days (调休) open."))
    makeup_day_windows = models.CharField(_("make-up day windows"), max_length=200, blank=True,
                                          help_text=_("Empty: the same as an ordinary working day."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        ordering = ["code"]

    def clean(self) -> None:
        from servicedesk.sla.calendars import calendar_value_check

        calendar_value_check(self)


class CalendarOverride(models.Model):
    """An administrator's decision about one date, which wins over everything else (SLA-1)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="overrides")
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=False)
    windows = models.CharField(_("working windows"), max_length=200, blank=True,
                               help_text=_("When open: the windows of that date, e.g. \"09:00-12:00\"."))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"],
                                               name="calendar_override_unique_date")]

    def clean(self) -> None:
        if self.closed and self.windows.strip():
            raise ValidationError({"windows": _("A closed date has no windows.")})
        if not self.closed and not self.windows.strip():
            raise ValidationError({"windows": _("Give the windows of the date, or mark it closed.")})

    def __str__(self) -> str:
        return f"{self.calendar.code} {self.date}"


class OfficialYear(models.Model):
    """A year of the State Council's holiday notice, entered before the holiday package knows it.

    Only the year after the last known one can be used (coverage stays one unbroken range).
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    holidays = models.TextField(_("days off"),
                                help_text=_("Dates, one per line or comma-separated: 2027-01-01, …"))
    makeup_working_dates = models.TextField(_("make-up working days"), blank=True,
                                            help_text=_("Weekend dates that are working days (调休)."))
    source = models.CharField(_("source"), max_length=200,
                              help_text=_("The notice, e.g. 国办发明电〔2026〕N号."))

    class Meta:
        verbose_name = _("official holiday year")
        verbose_name_plural = _("official holiday years")
        ordering = ["year"]

    def clean(self) -> None:
        from servicedesk.sla.calendars import official_year_check

        official_year_check(self)

    def __str__(self) -> str:
        return str(self.year)


class SubjectType(models.TextChoices):
    REQUEST = "request", _("Service request")
    WORK_ORDER = "work_order", _("Work order")
    COMPLAINT_PART = "complaint_part", _("Complaint part")  # CMP-5: a department's or partner's share


class Policy(BilingualNameMixin):
    """A service-level policy (SLA-2): which subjects it covers, and its targets.

    Which policy wins: among the active policies of the subject's type whose every set criterion
    equals the subject's fact, the one with the most criteria set (the most specific); on a tie,
    the lowest order; then the oldest.
    """

    applies_to = models.CharField(_("applies to"), max_length=20, choices=SubjectType.choices)
    sort_order = models.PositiveIntegerField(_("order"), default=100)
    active = models.BooleanField(_("active"), default=True)
    request_type = models.ForeignKey("tickets.RequestType", verbose_name=_("request type"),
                                     null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    severity = models.PositiveSmallIntegerField(_("severity level"), null=True, blank=True,
                                                choices=[(1, "1"), (2, "2"), (3, "3")])
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True,
                                                choices=[(1, _("Urgent")), (2, _("High")), (3, _("Normal")),
                                                         (4, _("Low"))])
    customer_class = models.CharField(_("customer class"), max_length=20, blank=True)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    provider = models.ForeignKey("org.Provider", verbose_name=_("provider contract"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    CRITERIA = ("request_type_id", "severity", "priority", "customer_class", "channel", "provider_id")

    class Meta:
        verbose_name = _("service-level policy")
        verbose_name_plural = _("service-level policies")
        ordering = ["applies_to", "sort_order", "id"]

    @property
    def specificity(self) -> int:
        return sum(1 for name in self.CRITERIA if getattr(self, name) not in (None, ""))


class TargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    REPLY = "reply", _("Reply")
    TRIAGE_DISPATCH = "triage_dispatch", _("Triage and dispatch")
    ON_SITE_ARRIVAL = "on_site_arrival", _("On-site arrival")
    RESOLUTION = "resolution", _("Resolution")
    SECOND_VISIT = "second_visit", _("Second visit")


def _default_thresholds() -> list[dict[str, object]]:
    return [
        {"percent": 75, "notify": "owner"},
        {"percent": 100, "notify": "team_lead"},
        {"percent": 150, "notify": "desk_manager"},
    ]


class Target(models.Model):
    """One clock of a policy: what starts it, what stops it, what pauses it, and its limit."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(_("target"), max_length=30, choices=TargetKind.choices)
    calendar = models.ForeignKey(Calendar, verbose_name=_("calendar"), on_delete=models.PROTECT,
                                 related_name="targets")
    duration_minutes = models.PositiveIntegerField(_("limit in working minutes"), null=True, blank=True)
    working_days = models.PositiveSmallIntegerField(_("limit in working days"), null=True, blank=True,
                                                    help_text=_("Due at the close of the N-th working day "
                                                                "after the day the clock starts."))
    start_event = models.CharField(_("starts at"), max_length=100, default="created",
                                   help_text=_("An action or a status of the subject, e.g. "
                                               "created, accepted."))
    stop_event = models.CharField(_("stops at"), max_length=100,
                                  help_text=_("An action or a status, or several separated by commas, "
                                              "e.g. \"accepted, dispatched\"; a cancelled subject "
                                              "stops every clock."))
    restart_event = models.CharField(
        _("restarts at"), max_length=100, blank=True, default="",
        help_text=_("Once stopped, the clock runs again only at this action or status (or several, separated "
                    "by commas), e.g. \"reopen\"; empty: it never runs again."))
    pause_statuses = models.JSONField(_("paused while"), default=list, blank=True,
                                      help_text=_("Statuses in which the clock stands still, "
                                                  "e.g. [\"waiting\"]."))
    thresholds = models.JSONField(_("warnings"), default=_default_thresholds, blank=True,
                                  help_text=_("[{\"percent\": 75, \"notify\": \"owner\"}, …]; notify is "
                                              "owner, team_lead or desk_manager."))
    # When a running clock shows "at risk" (sla.engine rule 6): the share used or the margin left,
    # whichever comes first, but never before half the limit.
    at_risk_percent = models.PositiveSmallIntegerField(
        _("at risk once this share of the limit is used (percent)"), default=75,
        validators=[MinValueValidator(1), MaxValueValidator(100)])
    at_risk_margin_minutes = models.PositiveIntegerField(
        _("or when less than this is left (working minutes)"), default=60,
        help_text=_("Never more than half the limit: a 1-hour target is at risk after 30 "
                    "minutes, not at once."))

    class Meta:
        verbose_name = _("service-level target")
        verbose_name_plural = _("service-level targets")
        ordering = ["policy", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(duration_minutes__isnull=False, working_days__isnull=True)
                           | models.Q(duration_minutes__isnull=True, working_days__isnull=False)),
                name="target_one_kind_of_limit",
            ),
        ]

    def clean(self) -> None:
        if (self.duration_minutes is None) == (self.working_days is None):
            raise ValidationError({"duration_minutes": _("Give the limit either in working minutes or "
                                                         "in working days.")})
        from servicedesk.sla.thresholds import thresholds_check

        thresholds_check(self.thresholds)

    @property
    def limit_label(self) -> str:
        if self.working_days is not None:
            return _("%(n)d working days") % {"n": self.working_days}
        hours, minutes = divmod(self.duration_minutes or 0, 60)
        return f"{hours} h" + (f" {minutes} min" if minutes else "")

    def __str__(self) -> str:
        return f"{self.policy.name}: {self.get_kind_display()}"


class TimerState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    BREACHED = "breached", _("Breached")  # still running, past its due time
    MET = "met", _("Met")
    MISSED = "missed", _("Missed")  # stopped after its due time
    CANCELLED = "cancelled", _("Cancelled")  # the subject was cancelled: neither met nor missed
    # The calendar cannot answer (no official holidays known for a year the clock reaches): neither
    # on time nor breached, met nor missed until the year's holidays are entered (sla.engine rule 8).
    UNKNOWN = "unknown", _("Cannot be computed")
    # The subject no longer falls under this clock's policy (its type, severity or priority changed,
    # or the policy was withdrawn): the clock is kept as it stood, with the warnings it fired, and
    # counts neither as met nor as missed. It runs again, recomputed from the history, if the subject
    # comes back under the policy (services.timers_sync).
    REPLACED = "replaced", _("Replaced by another policy")


# Open: recomputed when the calendar or the policy changes (SLA-5). An unknown clock is open — it
# waits for its calendar — but never counts as breached or at risk.
OPEN_TIMER_STATES = (TimerState.RUNNING, TimerState.PAUSED, TimerState.BREACHED, TimerState.UNKNOWN)


class Timer(models.Model):
    """A clock of one target on one subject. Every field is derived from the subject's history by
    ``sla.engine.timer_compute``; a timer is recomputed, never edited."""

    subject_type = models.CharField(max_length=20, choices=SubjectType.choices)
    subject_id = models.BigIntegerField()
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="timers")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="timers")
    state = models.CharField(max_length=20, choices=TimerState.choices, default=TimerState.RUNNING)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True, help_text="Empty while paused.")
    stopped_at = models.DateTimeField(null=True, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    target_seconds = models.PositiveIntegerField(help_text="The limit in working seconds.")
    used_seconds = models.PositiveIntegerField(default=0,
                                               help_text="Working seconds used, as of computed_at.")
    # The next warning threshold, and when the clock reaches it: what the warning sweep reads.
    next_warning_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    next_warning_at = models.DateTimeField(null=True, blank=True)
    # When the running clock turns "at risk" (sla.engine rule 6); empty while paused or stopped.
    at_risk_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)
    # Why the clock cannot be computed (e.g. no official schedule for 2030): set with state unknown.
    problem = models.CharField(max_length=300, blank=True)
    # Computed through a year whose official holidays are not announced yet (the statutory days off
    # stood in for them): shown as provisional, recomputed when the notice is entered (issue 10 item 14).
    provisional = models.BooleanField(_("provisional"), default=False)

    class Meta:
        verbose_name = _("SLA timer")
        verbose_name_plural = _("SLA timers")
        constraints = [
            # Also the index for "the timers of this subject" (its leading columns).
            models.UniqueConstraint(fields=["subject_type", "subject_id", "target"],
                                    name="timer_unique_subject_target"),
        ]
        indexes = [
            # The sweep: WHERE next_warning_at <= now, oldest first.
            models.Index(fields=["next_warning_at"], name="timer_next_warning",
                         condition=models.Q(next_warning_at__isnull=False)),
            models.Index(fields=["state", "due_at"], name="timer_state_due"),
        ]

    @property
    def achieved_percent(self) -> float:
        """Working time used against the target (SLA-3): 100 = exactly at the limit."""
        return round(100 * self.used_seconds / self.target_seconds, 1) if self.target_seconds else 0.0

    def time_left(self, now: datetime.datetime | None = None) -> datetime.timedelta | None:
        if self.due_at is None or self.state not in (TimerState.RUNNING, TimerState.BREACHED):
            return None
        return self.due_at - (now or timezone.now())

    def __str__(self) -> str:
        return f"{self.subject_type} {self.subject_id} {self.target_id} {self.state}"


class TimerWarning(models.Model):
    """A warning threshold that fired: written once per (timer, percent) — the unique constraint is
    what makes a warning fire exactly once, whatever the number of workers (SLA-4)."""

    timer = models.ForeignKey(Timer, on_delete=models.CASCADE, related_name="warnings")
    percent = models.PositiveSmallIntegerField()
    notify = models.CharField(max_length=20)
    fired_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list, help_text="User ids notified.")

    class Meta:
        verbose_name = _("SLA warning")
        verbose_name_plural = _("SLA warnings")
        ordering = ["fired_at", "id"]
        constraints = [models.UniqueConstraint(fields=["timer", "percent"], name="timer_warning_once")]

    def __str__(self) -> str:
        return f"{self.timer_id} {self.percent}%"


class Notification(models.Model):
    """An in-app notification; ``email_sent_at`` is claimed by the mailer job (sent at most once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # The title as what happened (core.messages), rendered in the reader's language; ``title`` is
    # the text in the language of the moment (e-mail, and rows written before).
    message = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    warning = models.ForeignKey(TimerWarning, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="notifications")
    # What the notification is about (a request, a work order: the warning's timer's subject), so
    # the inbox groups a subject's notifications together; empty for a notification about nothing.
    subject_type = models.CharField(max_length=20, blank=True, default="")
    subject_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_inbox"),
            models.Index(fields=["user", "subject_type", "subject_id"], name="notification_subject"),
            models.Index(fields=["email_claimed_at"], name="notification_email_queue",
                         condition=models.Q(email_claimed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title in the reader's language (as written, for rows without a message)."""
        return render(self.message, self.title)

    @property
    def title_html(self) -> SafeString:
        return render_html(self.message, self.title)


class ProvisionalCalendarWarning(models.Model):
    """The daily warning to the administrators while due times are provisional (issue 10 item 14):
    one row per local day, written with its notifications in one transaction, so the unique date
    makes two workers or a rerun warn once."""

    day = models.DateField(_("day"), unique=True)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    provisional_timers = models.PositiveIntegerField(_("provisional due times"), default=0,
                                                     help_text="Open provisional timers that day.")
    recipients = models.JSONField(_("recipients"), default=list, help_text="User ids notified.")

    class Meta:
        verbose_name = _("provisional due-time warning")
        verbose_name_plural = _("provisional due-time warnings")
        ordering = ["-day"]

    def __str__(self) -> str:
        return str(self.day)


class SlaChange(models.Model):
    """The history of SLA configuration changes and of the recomputations they caused (SLA-5)."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    what = models.CharField(max_length=200)
    detail = models.JSONField(default=dict, blank=True)
    timers_recomputed = models.PositiveIntegerField(null=True, blank=True)
    recomputed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SLA configuration change")
        verbose_name_plural = _("SLA configuration changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.what}"


# Timers are created in bulk with every request and work order: the INSERT built once per process.
TIMER_INSERT = PreparedInsert(Timer)
