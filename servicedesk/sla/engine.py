"""Clocks derived from a subject's history (SLA-3): a pure computation, explainable step by step.

``clock_compute(target, calendar, events, now)`` answers, for one target:

1. The clock starts at the first event named by the target's ``start_event`` (an action such as
   ``created``/``accept``, or a status entered such as ``accepted``). No such event: not started.
2. It stops for good at the first later event named by ``stop_event``, or when the subject ends
   (resolved, closed or completed: an ended subject has no running clock; cancelled: the clock
   counts neither as met nor as missed). Later events do not move a stopped clock, with one
   exception: an event named by the target's ``restart_event`` (e.g. ``reopen``; none by
   default) runs it again. The stopped span then counts as a pause, and the clock stops again at the next stop
   event or end.
3. It stands still while the subject is in one of ``pause_statuses`` (waiting for the customer or
   a third party), from the event that entered the status to the one that left it.
4. Due time: the limit in working time (or working days) after the start, on the target's
   calendar, with the pauses excluded; unknown (None) while paused, since the remaining time is
   then frozen.
5. Used time: working time between start and stop (or now) minus pauses; the achieved level is
   used ÷ limit.
6. At risk (``at_risk_at``): the instant a running clock has used the target's at-risk share of
   its limit, or has only its at-risk margin left, whichever comes first — but the margin never
   covers more than half the limit, so a one-hour target is not at risk from its first minute
   (``at_risk_used``).
7. Provisional: the computation went through a year whose holidays are not announced yet (the
   statutory days off stand in for them, issue 10 item 14); it is redone when they are entered.
8. Cannot be computed (``clock_uncomputable``): when the calendar cannot answer for a year the
   clock reaches (no official holidays known, ``OutsideCalendarCoverage``), the state is
   ``unknown``: neither on time nor breached, met nor missed, with no due time, warning or at-risk
   instant. What the history alone says is still kept: the start, the pause, the stop. A cancelled
   subject's clock is ``cancelled`` all the same (that verdict needs no calendar); a clock stopped
   by its stop event or by the end of the subject stays ``unknown`` — met or missed cannot be
   decided — and, being open, is recomputed with the others once the year's holidays are entered
   (SLA-5), which gives its verdict.

The ``segments`` of the result are the explanation a supervisor shows a provider in a dispute:
every span of the clock, running or paused, and why.
"""

import datetime
from dataclasses import dataclass, field
from functools import lru_cache

from servicedesk.sla.calendar import (
    WorkingCalendar,
    add_working_days,
    add_working_time,
    through_provisional,
    working_time_between,
)
from servicedesk.sla.subjects import SubjectEvent
from servicedesk.sla.thresholds import sorted_thresholds


@dataclass(frozen=True)
class TargetSpec:
    """What the engine needs of a Target row (kept free of the ORM, so it can be cached)."""

    id: int
    start_event: str
    stop_event: str
    pause_statuses: tuple[str, ...]
    duration: datetime.timedelta | None
    working_days: int | None
    thresholds: tuple[tuple[int, str], ...]
    restart_event: str = ""
    at_risk_percent: int = 75
    at_risk_margin: datetime.timedelta = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Segment:
    start: datetime.datetime
    end: datetime.datetime | None
    kind: str  # "running" | "paused" | "stopped"
    reason: str


@dataclass
class Clock:
    started_at: datetime.datetime
    state: str  # running | paused | breached | met | missed | cancelled | unknown (rule 8)
    due_at: datetime.datetime | None
    stopped_at: datetime.datetime | None
    paused_since: datetime.datetime | None
    target_seconds: int
    used_seconds: int
    next_warning_percent: int | None
    next_warning_at: datetime.datetime | None
    at_risk_at: datetime.datetime | None = None  # when a running clock turns at risk (rule 6)
    segments: list[Segment] = field(default_factory=list)
    provisional: bool = False  # computed through a provisional official year (see the module docstring)


# A subject that ends this way stops every clock, which then counts neither as met nor as missed.
TERMINAL_STATUSES = frozenset({"cancelled"})
# A subject that ends this way stops every clock, which counts as met or missed by its used time:
# a resolved or closed request, a completed work order has no running clock.
ENDED_STATUSES = frozenset({"resolved", "closed", "completed"})


@lru_cache(maxsize=512)
def event_names(text: str) -> frozenset[str]:
    """A target's start or stop event: one name, or several separated by commas ("accepted,
    dispatched": a first response is also given by dispatching straight away)."""
    return frozenset(name.strip() for name in text.replace("|", ",").split(",") if name.strip())


def _named(event: SubjectEvent, names: frozenset[str]) -> bool:
    return event.action in names or event.to_status in names


Span = tuple[datetime.datetime, datetime.datetime | None, str, str]


def _spans(spec: TargetSpec, events: list[SubjectEvent], start_index: int
           ) -> tuple[list[Span], datetime.datetime | None]:
    """Pauses (paused or stopped spans) after the start, and the final stop instant if stopped.

    A state machine over the events after the start: running, paused, or stopped (``stopped`` or
    ``cancelled``). Only a restart event leaves a stopped state (rule 2).
    """
    spans: list[Span] = []
    stop_names = event_names(spec.stop_event)
    restart_names = event_names(spec.restart_event)
    open_since: datetime.datetime | None = None
    open_kind = "running"  # or "paused", "stopped", "cancelled"
    open_reason = ""

    def close(at: datetime.datetime) -> None:
        nonlocal open_since
        spans.append((open_since, at, open_kind, open_reason))  # type: ignore[arg-type]
        open_since = None

    # The start event counts too: a subject created already ended (a question answered on the
    # call) has a stopped clock from its first instant.
    for event in events[start_index:]:
        if open_kind in ("stopped", "cancelled"):
            if not _named(event, restart_names):
                continue  # a stopped clock stays stopped (rule 2)
            close(event.at)
            open_kind = "running"
        if event.to_status in TERMINAL_STATUSES:
            kind = "cancelled"
        elif _named(event, stop_names) or event.to_status in ENDED_STATUSES:
            kind = "stopped"
        elif event.to_status in spec.pause_statuses:
            kind = "paused"
        else:
            kind = "running"
        if kind == open_kind:
            continue
        if open_kind == "paused":
            close(event.at)
        if kind != "running":
            open_since, open_kind, open_reason = event.at, kind, event.reason or event.action
        else:
            open_kind = "running"
    if open_since is not None:
        spans.append((open_since, None, open_kind, open_reason))
    final_stop = bool(spans) and spans[-1][1] is None and spans[-1][2] in ("stopped", "cancelled")
    stopped_at = spans[-1][0] if final_stop else None
    return spans, stopped_at


def at_risk_used(spec: TargetSpec, target_seconds: int) -> int:
    """Working seconds of use after which a running clock is at risk (rule 6): the at-risk share
    of the limit, or the limit less the margin if that comes first — never before half the limit.
    """
    by_share = target_seconds * spec.at_risk_percent // 100
    by_margin = max(target_seconds - int(spec.at_risk_margin.total_seconds()), target_seconds // 2)
    return min(by_share, by_margin)


def clock_compute(spec: TargetSpec, calendar: WorkingCalendar, events: list[SubjectEvent],
                  now: datetime.datetime, fired: frozenset[int] = frozenset()) -> Clock | None:
    """The clock of ``spec`` on a subject with these ``events`` (oldest first), as of ``now``;
    ``fired`` are the warning percents already sent for it. None if the clock has not started."""
    start_names = event_names(spec.start_event)
    start_index = next((i for i, e in enumerate(events) if _named(e, start_names)), None)
    if start_index is None:
        return None
    started_at = events[start_index].at
    spans, stopped_at = _spans(spec, events, start_index)
    # Stopped spans that ended (a reopen) and pauses count as pauses; the final stop ends the clock.
    pauses = [(start, end) for start, end, _, _ in spans if not (end is None and start == stopped_at)]
    end = stopped_at or now
    paused_since = next((start for start, stop, kind, _ in spans if stop is None and kind == "paused"), None)

    no_pause_due: datetime.datetime | None = None
    if spec.working_days is not None:
        no_pause_due = add_working_days(calendar, started_at, spec.working_days)
        target_seconds = int(working_time_between(calendar, started_at, no_pause_due).total_seconds())
        due_at = add_working_days(calendar, started_at, spec.working_days,
                                  pauses) if paused_since is None else None
    else:
        assert spec.duration is not None
        target_seconds = int(spec.duration.total_seconds())
        due_at = add_working_time(calendar, started_at, spec.duration,
                                  pauses) if paused_since is None else None
    used = int(working_time_between(calendar, started_at, end, pauses).total_seconds())

    if stopped_at is not None and spans[-1][2] == "cancelled":
        state = "cancelled"
    elif stopped_at is not None:
        state = "met" if used <= target_seconds else "missed"
    elif paused_since is not None:
        state = "paused"
    else:
        state = "breached" if used > target_seconds or (due_at is not None and now > due_at) else "running"

    next_percent, next_at = None, None
    if stopped_at is None and paused_since is None and target_seconds:
        # The lowest threshold not fired yet, and the instant the clock reaches it (possibly
        # already past: the sweep then fires it on its next pass).
        for percent, _notify in spec.thresholds:
            if percent not in fired:
                next_percent = percent
                next_at = add_working_time(calendar, started_at,
                                           datetime.timedelta(seconds=target_seconds * percent / 100), pauses)
                break

    at_risk_at = None
    if stopped_at is None and paused_since is None:
        at_risk_at = add_working_time(calendar, started_at,
                                      datetime.timedelta(seconds=at_risk_used(spec, target_seconds)), pauses)

    segments = _segments(started_at, spans, stopped_at)
    # The due time, the limit of a working-day target, a stopped clock's verdict and the next warning
    # depend on the calendar up to these instants (a running clock's used time as of now does not
    # make its due time provisional).
    provisional = through_provisional(calendar, due_at, no_pause_due, stopped_at, next_at)
    return Clock(started_at=started_at, state=state, due_at=due_at, stopped_at=stopped_at,
                 paused_since=paused_since, target_seconds=target_seconds, used_seconds=used,
                 next_warning_percent=next_percent, next_warning_at=next_at, at_risk_at=at_risk_at,
                 segments=segments, provisional=provisional)


def clock_uncomputable(spec: TargetSpec, events: list[SubjectEvent]) -> Clock | None:
    """Rule 8: what is known of the clock of ``spec`` when its calendar cannot answer — the start,
    the pause, the stop and the segments, from the history alone; state ``unknown`` (``cancelled``
    for a cancelled subject); no due time. ``used_seconds`` is 0 and ``target_seconds`` the limit
    of a working-time target (0 for working days, which need the calendar): the caller keeps the
    last computed ones. None if the clock has not started."""
    start_names = event_names(spec.start_event)
    start_index = next((i for i, e in enumerate(events) if _named(e, start_names)), None)
    if start_index is None:
        return None
    started_at = events[start_index].at
    spans, stopped_at = _spans(spec, events, start_index)
    paused_since = next((start for start, stop, kind, _ in spans if stop is None and kind == "paused"), None)
    cancelled = stopped_at is not None and spans[-1][2] == "cancelled"
    return Clock(started_at=started_at, state="cancelled" if cancelled else "unknown", due_at=None,
                 stopped_at=stopped_at, paused_since=paused_since,
                 target_seconds=int(spec.duration.total_seconds()) if spec.duration is not None else 0,
                 used_seconds=0, next_warning_percent=None, next_warning_at=None,
                 segments=_segments(started_at, spans, stopped_at))


def _segments(started_at: datetime.datetime, spans: list,
              stopped_at: datetime.datetime | None) -> list[Segment]:
    segments: list[Segment] = []
    cursor = started_at
    for start, end, kind, reason in spans:
        if start > cursor:
            segments.append(Segment(cursor, start, "running", ""))
        segments.append(Segment(start, end, kind, reason))
        cursor = end or start
        if end is None:
            return segments
    segments.append(Segment(cursor, None, "running", ""))
    return segments


def spec_from_target(target: object) -> TargetSpec:
    minutes = target.duration_minutes  # type: ignore[attr-defined]
    return TargetSpec(
        id=target.pk,  # type: ignore[attr-defined]
        start_event=target.start_event,  # type: ignore[attr-defined]
        stop_event=target.stop_event,  # type: ignore[attr-defined]
        pause_statuses=tuple(target.pause_statuses or ()),  # type: ignore[attr-defined]
        duration=datetime.timedelta(minutes=minutes) if minutes is not None else None,
        working_days=target.working_days,  # type: ignore[attr-defined]
        thresholds=tuple(sorted_thresholds(target.thresholds or [])),  # type: ignore[attr-defined]
        restart_event=target.restart_event,  # type: ignore[attr-defined]
        at_risk_percent=target.at_risk_percent,  # type: ignore[attr-defined]
        at_risk_margin=datetime.timedelta(minutes=target.at_risk_margin_minutes),  # type: ignore[attr-defined]
    )
