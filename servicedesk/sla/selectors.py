"""Reads of the SLA engine for the pages and the API: a subject's clocks with their explanation,
the nearest due time of each request in a queue, the at-risk and breached filters, and a user's
notifications.

The rule for "at risk" (stated on the queue pages too): a clock still running, not past its due
time, that has reached the instant the engine computed for it (``Timer.at_risk_at``: the
target's share of its limit used, 75 % by default, or its margin left, an hour by default, but
never before half the limit). "Breached": a clock past its due time, still running or stopped
late (missed). "Cannot be computed" (state unknown, sla.engine rule 8): a clock its calendar cannot
answer for; it is neither at risk nor breached, and has a filter of its own.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar, cast

from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.aggregates import Count, Max
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from servicedesk.core.exceptions import NotFound
from servicedesk.org.models import User
from servicedesk.sla.config import sla_config
from servicedesk.sla.engine import Clock, clock_compute, clock_uncomputable, spec_from_target
from servicedesk.sla.exceptions import OutsideCalendarCoverage
from servicedesk.sla.models import (
    OPEN_TIMER_STATES,
    Notification,
    SubjectType,
    Timer,
    TimerState,
)
from servicedesk.sla.subjects import SubjectEvent, SubjectFacts, subject_adapter

OPEN_RUNNING = (TimerState.RUNNING, TimerState.BREACHED)


class Tone:
    """The colour of a clock, always shown with a text label too (never colour alone)."""

    ON_TRACK = "on_track"  # green: running with more than 25 % left
    AT_RISK = "at_risk"  # amber
    BREACHED = "breached"  # red: running past due, or stopped late
    PAUSED = "paused"  # grey
    MET = "met"  # green: stopped in time
    UNKNOWN = "unknown"  # grey, marked: the clock cannot be computed (sla.engine rule 8)



def tone_label(tone: str, state: str) -> str:
    if state == TimerState.MISSED:
        return _("Missed")
    if state == TimerState.CANCELLED:
        return _("Cancelled")
    if state in (TimerState.UNKNOWN, TimerState.REPLACED):
        return str(TimerState(state).label)
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
        return {"running": _("Running"), "paused": _("Paused"),
                "stopped": _("Stopped")}.get(self.kind, self.kind)


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
    at_risk_at: datetime.datetime | None
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


def clock_tone(state: str, at_risk_at: datetime.datetime | None, time_left: int | None,
               now: datetime.datetime) -> str:
    if state == TimerState.UNKNOWN:
        return Tone.UNKNOWN
    if state in (TimerState.BREACHED, TimerState.MISSED):
        return Tone.BREACHED
    if state in (TimerState.PAUSED, TimerState.CANCELLED, TimerState.REPLACED):
        return Tone.PAUSED  # grey: not running, and counting neither way
    if state == TimerState.MET:
        return Tone.MET
    if time_left is not None and time_left < 0:
        return Tone.BREACHED
    return Tone.AT_RISK if at_risk_at is not None and at_risk_at <= now else Tone.ON_TRACK


def _clock_view(timer: Timer, clock: Clock | None, now: datetime.datetime,
                uncomputable: Clock | None = None, problem: str = "") -> ClockView:
    """The live clock (recomputed as of ``now``) when it could be computed, else the stored row —
    as unknown if it was open (``uncomputable``: what the history alone says, sla.engine rule 8,
    and ``problem`` why)."""
    source: Clock | Timer = clock if clock is not None else timer
    explained = clock or uncomputable
    state = str(source.state)
    if clock is None and uncomputable is not None and state in OPEN_TIMER_STATES:
        state = uncomputable.state
    due_at = source.due_at if state != TimerState.UNKNOWN else None
    time_left = (int((due_at - now).total_seconds())
                 if due_at is not None and state in OPEN_RUNNING else None)
    at_risk_at = source.at_risk_at if state != TimerState.UNKNOWN else None
    tone = clock_tone(state, at_risk_at, time_left, now)
    if tone == Tone.BREACHED and state == TimerState.RUNNING:
        state = TimerState.BREACHED  # the stored row lags behind the clock
    target = timer.target
    return ClockView(
        timer_id=timer.pk, target_kind=target.kind, label=str(target.get_kind_display()),
        limit_label=str(target.limit_label), calendar=target.calendar.display_name,
        state=state, state_label=str(TimerState(state).label), tone=tone, tone_label=tone_label(tone, state),
        started_at=source.started_at, due_at=due_at, at_risk_at=at_risk_at, stopped_at=source.stopped_at,
        time_left_seconds=time_left, time_left_text=time_left_text(time_left),
        used_seconds=source.used_seconds, target_seconds=source.target_seconds,
        achieved_percent=(round(100 * source.used_seconds / source.target_seconds, 1)
                          if source.target_seconds else 0.0),
        problem=(problem or timer.problem) if clock is None else "",
        segments=[SegmentView(s.start, s.end, s.kind, s.reason)
                  for s in (explained.segments if explained else [])],
        provisional=source.provisional,
    )


def subject_clocks(subject_type: str, subject_id: int, *, now: datetime.datetime | None = None,
                   events: list[SubjectEvent] | None = None) -> list[ClockView]:
    """Every clock of a subject with its explanation (``segments``), recomputed as of ``now``.

    The stored timers say which targets apply (not those of a policy the subject no longer falls
    under: replaced); each clock is recomputed from the history so its time left, used time and
    segments are exact at this instant (the row is as of its last sync). The caller checks the user
    may see the subject.
    """
    now = now or timezone.now()
    timers = list(Timer.objects.filter(subject_type=subject_type, subject_id=subject_id)
                  .exclude(state=TimerState.REPLACED)
                  .select_related("target", "target__calendar").order_by("target_id"))
    if not timers:
        return []
    if events is None:
        events = subject_adapter(subject_type).history(subject_id)
    config = sla_config()
    views = []
    for timer in timers:
        clock: Clock | None = None
        uncomputable: Clock | None = None
        problem = ""
        spec = spec_from_target(timer.target)
        try:
            clock = clock_compute(spec, config.calendar(timer.target.calendar_id), events, now)
        except OutsideCalendarCoverage as error:
            # Rule 8: the stored row's figures, the state and segments the history alone gives.
            uncomputable, problem = clock_uncomputable(spec, events), error.message
        except KeyError:
            pass  # the stored row (and its ``problem``) is the best we know
        views.append(_clock_view(timer, clock, now, uncomputable, problem))
    return views


# ----------------------------------------------------------------------------------------------
# Queues: nearest due time, at risk, breached


_M = TypeVar("_M", bound=Model)


def _subject_timers(subject_type: str) -> QuerySet[Timer]:
    return Timer.objects.filter(subject_type=subject_type, subject_id=OuterRef("pk"))


def nearest_due_annotate(items: QuerySet[_M], subject_type: str) -> QuerySet[_M]:
    """Annotate ``sla_due_at``: the earliest due time of the subject's running clocks (paused and
    stopped clocks have none), None when no clock runs; ``sla_due_provisional``: whether that
    due time is provisional (issue 10 item 14); and ``sla_unknown``: whether one of its clocks
    cannot be computed (issue 11 item 5, sla.engine rule 8)."""
    nearest = (_subject_timers(subject_type).filter(state__in=OPEN_RUNNING, due_at__isnull=False)
               .order_by("due_at", "id"))
    # The same rows with three more attributes (the plugin types an annotated QuerySet[_M] as one of
    # plain Models).
    return cast("QuerySet[_M]", items.annotate(
        sla_due_at=Subquery(nearest.values("due_at")[:1]),
        sla_due_provisional=Subquery(nearest.values("provisional")[:1]),
        sla_unknown=Exists(_subject_timers(subject_type).filter(state=TimerState.UNKNOWN))))


# Ties (the same due time, or no running clock) go most urgent, then oldest: requests and work
# orders both have ``priority`` and ``created_at``. A caller may put its own keys between them.
DUE_TIE_BREAK = ("priority", "created_at", "id")


def by_nearest_due(items: QuerySet, subject_type: str, *, then: tuple[str, ...] = DUE_TIE_BREAK) -> QuerySet:
    """Nearest due time first; subjects without a running clock last, then ``then`` (most urgent,
    oldest). ``subject_type`` names the timed subject of ``items``: "request", "work_order"."""
    items = items if "sla_due_at" in items.query.annotations else nearest_due_annotate(items, subject_type)
    return items.order_by(F("sla_due_at").asc(nulls_last=True), *then)


def at_risk_timers(subject_type: str, now: datetime.datetime) -> QuerySet[Timer]:
    """Running clocks not yet due whose at-risk instant has passed: the engine stores it with each
    running clock (``at_risk_at``), in the clock's working time and with its pauses, so the query
    needs no calendar arithmetic."""
    return Timer.objects.filter(subject_type=subject_type, state=TimerState.RUNNING, due_at__gt=now,
                                at_risk_at__lte=now)


def breached_timers(subject_type: str, now: datetime.datetime) -> QuerySet[Timer]:
    """Clocks past their due time: still running (breached, or running with the due time passed)
    or stopped late (missed)."""
    return Timer.objects.filter(subject_type=subject_type).filter(
        Q(state__in=(TimerState.BREACHED, TimerState.MISSED))
        | Q(state=TimerState.RUNNING, due_at__lte=now)
    )


def unknown_timers(subject_type: str) -> QuerySet[Timer]:
    """Clocks that cannot be computed (sla.engine rule 8): neither at risk nor breached."""
    return Timer.objects.filter(subject_type=subject_type, state=TimerState.UNKNOWN)


SLA_FILTERS = ("at_risk", "breached", "unknown")


def sla_filter(items: QuerySet, subject_type: str, which: str, *, now: datetime.datetime | None = None
               ) -> QuerySet:
    """Keep the subjects with at least one at-risk (or breached, or uncomputable) clock; ``which``
    empty: all."""
    if not which:
        return items
    now = now or timezone.now()
    if which == "unknown":
        return items.filter(Exists(unknown_timers(subject_type).filter(subject_id=OuterRef("pk"))))
    timers = at_risk_timers(subject_type, now) if which == "at_risk" else breached_timers(subject_type, now)
    # A breached subject is not "at risk" any more: it is shown under breached.
    if which == "at_risk":
        items = items.exclude(Exists(breached_timers(subject_type, now).filter(subject_id=OuterRef("pk"))))
    return items.filter(Exists(timers.filter(subject_id=OuterRef("pk"))))


def sla_view(items: QuerySet, subject_type: str, *, sla: str = "", by_due: bool = False,
             then: tuple[str, ...] = DUE_TIE_BREAK, now: datetime.datetime | None = None) -> QuerySet:
    """A list's service-level view: only the at-risk, breached or uncomputable subjects when ``sla``
    says so, each annotated with ``sla_due_at`` (and ``sla_unknown``), nearest due first when
    ``by_due`` (else the caller orders). ``items`` already carries the user's scope; this only
    narrows it."""
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


@dataclass
class NotificationGroup:
    """One subject's notifications in the inbox (issue 10 item 11): the request or work order they
    are about, with its link, and its notifications newest first."""

    subject_type: str  # "" for the notifications about no subject
    subject_id: int | None
    label: str
    link: str
    newest_at: datetime.datetime
    unread: int
    notifications: list[Notification] = field(default_factory=list)
    typed_label: bool = False  # the label is the subject's reference and its typed subject line

    @property
    def label_html(self) -> SafeString:
        """The label for a page: a subject's own line (a place, what the caller said) is typed text,
        marked as such like every typed text (core.messages), the reference and the rest are not."""
        reference, _space, typed_part = self.label.partition(" ")
        if not self.typed_label or not typed_part:
            return format_html("{}", self.label)
        return format_html('{} <span data-customer-text="">{}</span>', reference, typed_part)

    @property
    def key(self) -> str:
        return f"{self.subject_type}-{self.subject_id}" if self.subject_type else "other"


def notification_subjects_for_user(user: User, *, unread_only: bool = False) -> QuerySet:
    """The subjects of the user's own notifications, one row each (``subject_type``, ``subject_id``,
    ``newest``, ``unread``), the subject with the newest notification first: what the inbox pages
    through. With ``unread_only`` only the subjects with unread ones."""
    return (notifications_for_user(user, unread_only=unread_only).order_by()
            .values("subject_type", "subject_id")
            .annotate(newest=Max("created_at"), unread=Count("pk", filter=Q(read_at__isnull=True)))
            .order_by("-newest", "subject_type", "subject_id"))


def notification_groups(user: User, subjects: Iterable[dict], *,
                        unread_only: bool = False) -> list[NotificationGroup]:
    """The groups of the given subject rows (a page of ``notification_subjects_for_user``) with
    their notifications and their subjects' labels and links: one query for the notifications and
    one per subject type for the labels, whatever the number of groups."""
    groups = {(row["subject_type"], row["subject_id"] if row["subject_type"] else None): NotificationGroup(
        subject_type=row["subject_type"], subject_id=row["subject_id"] if row["subject_type"] else None,
        label="", link="", newest_at=row["newest"], unread=row["unread"]) for row in subjects}
    if not groups:
        return []
    ids_of: dict[str, set[int]] = {}
    for subject_type, subject_id in groups:
        if subject_type and subject_id is not None:
            ids_of.setdefault(subject_type, set()).add(subject_id)
    wanted = Q(subject_type="") if ("", None) in groups else Q(pk__in=[])
    for subject_type, ids in ids_of.items():
        wanted |= Q(subject_type=subject_type, subject_id__in=ids)
    for notification in notifications_for_user(user, unread_only=unread_only).filter(wanted):
        key = (notification.subject_type, notification.subject_id if notification.subject_type else None)
        groups[key].notifications.append(notification)
    facts = _subject_facts(ids_of)
    type_labels = dict(SubjectType.choices)
    for (subject_type, subject_id), group in groups.items():
        found = facts.get((subject_type, subject_id)) if subject_id is not None else None
        newest_link = next((n.link for n in group.notifications if n.link), "")
        if not subject_type:
            group.label = _("Other notifications")
        elif found is not None:
            group.label, group.typed_label = found.label, True
        else:  # the subject is gone, or no longer known to the engine
            group.label = f"{type_labels.get(subject_type, subject_type)} {subject_id}"
        group.link = found.link if found is not None and found.link else newest_link
    return list(groups.values())


def _subject_facts(ids_of: dict[str, set[int]]) -> dict[tuple[str, int], SubjectFacts]:
    facts: dict[tuple[str, int], SubjectFacts] = {}
    for subject_type, ids in ids_of.items():
        try:
            adapter = subject_adapter(subject_type)
        except LookupError:
            continue
        facts.update(((subject_type, pk), found) for pk, found in adapter.facts_many(ids).items())
    return facts
