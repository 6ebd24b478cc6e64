"""Reads of the SLA engine for the pages and the API: a subject's clocks with their explanation,
the nearest due time of each request in a queue, the at-risk and breached filters, and a user's
notifications.

The rule for "at risk" (stated on the queue pages too): a clock still running, not past its due
time, that is due within the next hour or has used at least 75 % of its limit. "Breached": a
clock past its due time, still running or stopped late (missed).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from servicedesk.core.exceptions import NotFound
from servicedesk.org.models import User
from servicedesk.sla.config import sla_config
from servicedesk.sla.engine import Clock, clock_compute, spec_from_target
from servicedesk.sla.exceptions import OutsideCalendarCoverage
from servicedesk.sla.models import (
    Notification,
    Timer,
    TimerState,
    TimerWarning,
)
from servicedesk.sla.subjects import SubjectEvent, subject_adapter

AT_RISK_PERCENT = 75
AT_RISK_WITHIN = datetime.timedelta(hours=1)
OPEN_RUNNING = (TimerState.RUNNING, TimerState.BREACHED)


class Tone:
    """The colour of a clock, always shown with a text label too (never colour alone)."""

    ON_TRACK = "on_track"  # green: running with more than 25 % left
    AT_RISK = "at_risk"  # amber
    BREACHED = "breached"  # red: running past due, or stopped late
    PAUSED = "paused"  # grey
    MET = "met"  # green: stopped in time



def tone_label(tone: str, state: str) -> str:
    if state == TimerState.MISSED:
        return _("Missed")
    if state == TimerState.CANCELLED:
        return _("Cancelled")
    return {
        Tone.ON_TRACK: _("On track"), Tone.AT_RISK: _("At risk"), Tone.BREACHED: _("Breached"),
        Tone.PAUSED: _("Paused"), Tone.MET: _("Met"),
    }[tone]


@dataclass(frozen=True)
class SegmentView:
    start: datetime.datetime
    end: datetime.datetime | None
    kind: str  # running | paused | stopped
    reason: str

    @property
    def kind_label(self) -> str:
        return {"running": _("Running"), "paused": _("Paused"), "stopped": _("Stopped")}.get(self.kind, self.kind)


@dataclass
class ClockView:
    """One clock as people read it: what it measures, its limit and calendar, where it stands."""

    timer_id: int
    target_kind: str
    label: str
    limit_label: str
    calendar: str
    state: str
    state_label: str
    tone: str
    tone_label: str
    started_at: datetime.datetime
    due_at: datetime.datetime | None
    stopped_at: datetime.datetime | None
    time_left_seconds: int | None  # negative when overdue; None when paused or stopped
    time_left_text: str
    used_seconds: int
    target_seconds: int
    achieved_percent: float
    problem: str = ""
    segments: list[SegmentView] = field(default_factory=list)
    provisional: bool = False  # computed with the statutory holidays of a year not announced yet


def duration_text(seconds: int) -> str:
    """'3 hours 20 minutes', '2 days 1 hour', '5 minutes' — at most two units, rounded down."""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes and not days:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    if not parts:
        return ngettext("%(n)d minute", "%(n)d minutes", 0) % {"n": 0}
    return " ".join(parts)


def time_left_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    if seconds >= 0:
        return _("%(time)s left") % {"time": duration_text(seconds)}
    return _("overdue by %(time)s") % {"time": duration_text(seconds)}


def clock_tone(state: str, used_seconds: int, target_seconds: int, time_left: int | None) -> str:
    if state in (TimerState.BREACHED, TimerState.MISSED):
        return Tone.BREACHED
    if state in (TimerState.PAUSED, TimerState.CANCELLED):
        return Tone.PAUSED  # grey: not running, and counting neither way
    if state == TimerState.MET:
        return Tone.MET
    if time_left is not None and time_left < 0:
        return Tone.BREACHED
    at_risk = (target_seconds and used_seconds * 100 >= AT_RISK_PERCENT * target_seconds) or (
        time_left is not None and time_left <= AT_RISK_WITHIN.total_seconds())
    return Tone.AT_RISK if at_risk else Tone.ON_TRACK


def _clock_view(timer: Timer, clock: Clock | None, now: datetime.datetime) -> ClockView:
    """The live clock (recomputed as of ``now``) when it could be computed, else the stored row."""
    source: Clock | Timer = clock if clock is not None else timer
    state = str(source.state)
    due_at = source.due_at
    time_left = (int((due_at - now).total_seconds())
                 if due_at is not None and state in OPEN_RUNNING else None)
    tone = clock_tone(state, source.used_seconds, source.target_seconds, time_left)
    if tone == Tone.BREACHED and state == TimerState.RUNNING:
        state = TimerState.BREACHED  # the stored row lags behind the clock
    target = timer.target
    return ClockView(
        timer_id=timer.pk, target_kind=target.kind, label=str(target.get_kind_display()),
        limit_label=str(target.limit_label), calendar=target.calendar.display_name,
        state=state, state_label=str(TimerState(state).label), tone=tone, tone_label=tone_label(tone, state),
        started_at=source.started_at, due_at=due_at, stopped_at=source.stopped_at,
        time_left_seconds=time_left, time_left_text=time_left_text(time_left),
        used_seconds=source.used_seconds, target_seconds=source.target_seconds,
        achieved_percent=(round(100 * source.used_seconds / source.target_seconds, 1)
                          if source.target_seconds else 0.0),
        problem=timer.problem,
        segments=[SegmentView(s.start, s.end, s.kind, s.reason) for s in (clock.segments if clock else [])],
        provisional=source.provisional,
    )


def subject_clocks(subject_type: str, subject_id: int, *, now: datetime.datetime | None = None,
                   events: list[SubjectEvent] | None = None) -> list[ClockView]:
    """Every clock of a subject with its explanation (``segments``), recomputed as of ``now``.

    The stored timers say which targets apply; each clock is recomputed from the history so its
    time left, used time and segments are exact at this instant (the row is as of its last sync).
    The caller checks the user may see the subject.
    """
    now = now or timezone.now()
    timers = list(Timer.objects.filter(subject_type=subject_type, subject_id=subject_id)
                  .select_related("target", "target__calendar").order_by("target_id"))
    if not timers:
        return []
    if events is None:
        events = subject_adapter(subject_type).history(subject_id)
    config = sla_config()
    views = []
    for timer in timers:
        clock: Clock | None = None
        try:
            clock = clock_compute(spec_from_target(timer.target), config.calendar(timer.target.calendar_id),
                                  events, now)
        except (OutsideCalendarCoverage, KeyError):
            clock = None  # the stored row (and its ``problem``) is the best we know
        views.append(_clock_view(timer, clock, now))
    return views


# ----------------------------------------------------------------------------------------------
# Queues: nearest due time, at risk, breached


def _subject_timers(subject_type: str) -> QuerySet[Timer]:
    return Timer.objects.filter(subject_type=subject_type, subject_id=OuterRef("pk"))


def nearest_due_annotate(items: QuerySet, subject_type: str) -> QuerySet:
    """Annotate ``sla_due_at``: the earliest due time of the subject's running clocks (paused and
    stopped clocks have none), None when no clock runs; and ``sla_due_provisional``: whether that
    due time is provisional (issue 10 item 14)."""
    nearest = (_subject_timers(subject_type).filter(state__in=OPEN_RUNNING, due_at__isnull=False)
               .order_by("due_at", "id"))
    return items.annotate(sla_due_at=Subquery(nearest.values("due_at")[:1]),
                          sla_due_provisional=Subquery(nearest.values("provisional")[:1]))


# Ties (the same due time, or no running clock) go most urgent, then oldest: requests and work
# orders both have ``priority`` and ``created_at``. A caller may put its own keys between them.
DUE_TIE_BREAK = ("priority", "created_at", "id")


def by_nearest_due(items: QuerySet, subject_type: str, *, then: tuple[str, ...] = DUE_TIE_BREAK) -> QuerySet:
    """Nearest due time first; subjects without a running clock last, then ``then`` (most urgent,
    oldest). ``subject_type`` names the timed subject of ``items``: "request", "work_order"."""
    items = items if "sla_due_at" in items.query.annotations else nearest_due_annotate(items, subject_type)
    return items.order_by(F("sla_due_at").asc(nulls_last=True), *then)


def at_risk_timers(subject_type: str, now: datetime.datetime) -> QuerySet[Timer]:
    """Running clocks not yet due that are due within the hour or have used ≥ 75 % of their limit.

    "Used ≥ 75 %" is read from what the engine stored, without calendar arithmetic in SQL: the
    used time of the last sync, a warning of 75 % or more already fired, or a next warning
    threshold of 75 % or more whose instant has passed (the sweep will fire it).
    """
    fired = TimerWarning.objects.filter(timer_id=OuterRef("pk"), percent__gte=AT_RISK_PERCENT)
    return Timer.objects.filter(subject_type=subject_type, state=TimerState.RUNNING, due_at__gt=now).filter(
        Q(due_at__lte=now + AT_RISK_WITHIN)
        | Q(used_seconds__gte=F("target_seconds") * AT_RISK_PERCENT / 100)
        | Q(next_warning_percent__gte=AT_RISK_PERCENT, next_warning_at__lte=now)
        | Exists(fired)
    )


def breached_timers(subject_type: str, now: datetime.datetime) -> QuerySet[Timer]:
    """Clocks past their due time: still running (breached, or running with the due time passed)
    or stopped late (missed)."""
    return Timer.objects.filter(subject_type=subject_type).filter(
        Q(state__in=(TimerState.BREACHED, TimerState.MISSED))
        | Q(state=TimerState.RUNNING, due_at__lte=now)
    )


SLA_FILTERS = ("at_risk", "breached")


def sla_filter(items: QuerySet, subject_type: str, which: str, *, now: datetime.datetime | None = None
               ) -> QuerySet:
    """Keep the subjects with at least one at-risk (or breached) clock; ``which`` empty: all."""
    if not which:
        return items
    now = now or timezone.now()
    timers = at_risk_timers(subject_type, now) if which == "at_risk" else breached_timers(subject_type, now)
    # A breached subject is not "at risk" any more: it is shown under breached.
    if which == "at_risk":
        items = items.exclude(Exists(breached_timers(subject_type, now).filter(subject_id=OuterRef("pk"))))
    return items.filter(Exists(timers.filter(subject_id=OuterRef("pk"))))


def sla_view(items: QuerySet, subject_type: str, *, sla: str = "", by_due: bool = False,
             then: tuple[str, ...] = DUE_TIE_BREAK, now: datetime.datetime | None = None) -> QuerySet:
    """A list's service-level view: only the at-risk or breached subjects when ``sla`` says so,
    each annotated with ``sla_due_at``, nearest due first when ``by_due`` (else the caller orders).
    ``items`` already carries the user's scope; this only narrows it."""
    items = nearest_due_annotate(sla_filter(items, subject_type, sla, now=now), subject_type)
    return by_nearest_due(items, subject_type, then=then) if by_due else items


# ----------------------------------------------------------------------------------------------
# Notifications


def notifications_for_user(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first; nobody sees another's."""
    items = Notification.objects.filter(user=user)
    if unread_only:
        items = items.filter(read_at__isnull=True)
    return items.order_by("-created_at", "-id")


def notification_get_for_user(user: User, notification_id: int) -> Notification:
    try:
        return Notification.objects.get(pk=notification_id, user=user)
    except Notification.DoesNotExist:
        raise NotFound(_("No such notification.")) from None


def unread_notification_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
