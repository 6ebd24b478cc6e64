"""Working calendars and working-time arithmetic (SLA-1), exact to the microsecond.

A ``WorkingCalendar`` is an immutable value: a time zone (Asia/Shanghai by default), a kind (7×24 or
working hours), the working windows of each weekday (several per day: 08:30–12:00 and 13:30–17:30
leave a lunch break; a window may end at 24:00), the closed dates (official holidays and the
company's own), the make-up working dates (调休) and the administrator's overrides of single dates.

Which windows a local date has, first rule that applies (SLA-1):

1. an administrator override of that date (closed, or open with its own windows) wins over all;
2. a 7×24 calendar is open 00:00–24:00 every other day (holidays do not stop a 7×24 hotline);
3. a working-hours calendar that follows an official schedule refuses dates in years the schedule
   does not cover (``OutsideCalendarCoverage``); the schedule's last few years may be provisional
   (statutory days off, no make-up days, until the State Council's notice is entered:
   ``official.statutory_days_off``), and what is computed through them is marked provisional
   (``through_provisional``);
4. a make-up working date (e.g. Saturday 2026-02-14) has the make-up day windows, by default those
   of Monday, an ordinary working day;
5. a closed date (e.g. 2026-10-01..07) has none;
6. otherwise the windows of its weekday.

Inputs and outputs are aware datetimes; results are in UTC (the zone only matters inside this
module). Durations are timedeltas of working time. Pauses are [start, end) intervals of real time
during which the clock stops (SLA-3: waiting for the customer or a third party); an end of None is a
pause until further notice.

Working days (002 §2.3: "1个工作日内给予回复", "2个工作日内到达现场", "3个工作日内…第二次现场服务")
are counted as Chinese law counts days (Civil Code art. 201, 203): the day of receipt is not
counted, the period runs from the next day, and it ends at the close of business of the last day
(有业务时间的, 停止业务活动的时间为截止时间). Counting only working days, "within N working days"
therefore ends at the close of the N-th working day after the local date of receipt.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from servicedesk.sla.exceptions import InvalidCalendar, OutsideCalendarCoverage
from servicedesk.sla.official import (
    OfficialSchedule,
    china_schedule_with_provisional_years,
    official_calendar_coverage,
)
from servicedesk.sla.timeline import (
    SECONDS_PER_DAY,
    US_PER_SECOND,
    Timeline,
    from_microseconds,
    local_day_intervals,
    to_microseconds,
)

__all__ = [
    "DEFAULT_TIME_ZONE",
    "CalendarKind",
    "OutsideCalendarCoverage",
    "Pause",
    "Window",
    "WorkingCalendar",
    "add_working_days",
    "add_working_time",
    "is_working",
    "is_working_day",
    "next_working_instant",
    "official_calendar_coverage",
    "parse_windows",
    "through_provisional",
    "windows_on",
    "working_day_close",
    "working_time_between",
]

DEFAULT_TIME_ZONE = "Asia/Shanghai"

Pause = tuple[datetime, datetime | None]


class CalendarKind(StrEnum):
    AROUND_THE_CLOCK = "24x7"
    WORKING_HOURS = "working_hours"


@dataclass(frozen=True, order=True)
class Window:
    """A working window of a day in local wall-clock time, [start, end), in seconds after midnight.

    ``end`` may be 86400: a window ending at 24:00 (the 7×24 day is the single window 00:00–24:00).
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= SECONDS_PER_DAY:
            raise InvalidCalendar(f"Invalid working window {self.start}s–{self.end}s: need 00:00 <= start "
                                  "< end <= 24:00.")

    @classmethod
    def parse(cls, text: str) -> "Window":
        """'08:30-12:00' (or with an en dash); the end may be '24:00'."""
        try:
            start, end = (part.strip() for part in text.replace("–", "-").split("-"))
            return cls(_parse_clock(start), _parse_clock(end))
        except ValueError as error:
            raise InvalidCalendar(f"Invalid working window {text!r}: expected HH:MM-HH:MM.") from error

    @classmethod
    def from_times(cls, start: time, end: time) -> "Window":
        """From two ``time`` values as a TimeField stores them; an end of 00:00 means 24:00."""
        end_seconds = _time_seconds(end) or SECONDS_PER_DAY
        return cls(_time_seconds(start), end_seconds)

    @property
    def duration(self) -> timedelta:
        return timedelta(seconds=self.end - self.start)

    def __str__(self) -> str:
        return f"{_format_clock(self.start)}–{_format_clock(self.end)}"


Windows = tuple[Window, ...]
ALL_DAY: Windows = (Window(0, SECONDS_PER_DAY),)


def parse_windows(text: str) -> Windows:
    """'08:30-12:00, 13:30-17:30' → two windows; '' or 'closed' → none."""
    text = text.strip()
    if not text or text.lower() == "closed":
        return ()
    return _checked_windows(Window.parse(part) for part in text.replace(";", ",").split(","))


def _parse_clock(text: str) -> int:
    parts = [int(part) for part in text.split(":")]
    if len(parts) not in (2, 3) or not (0 <= parts[1] < 60 and (len(parts) == 2 or 0 <= parts[2] < 60)):
        raise ValueError(text)
    seconds = parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) == 3 else 0)
    if seconds > SECONDS_PER_DAY:
        raise ValueError(text)
    return seconds


def _format_clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def _time_seconds(value: time) -> int:
    if value.microsecond:
        raise InvalidCalendar(f"Working windows are whole seconds, not {value.isoformat()}.")
    return value.hour * 3600 + value.minute * 60 + value.second


def _checked_windows(windows: Iterable[Window]) -> Windows:
    """Sorted windows of one day; overlapping windows are a configuration error (touching ones are fine)."""
    ordered = tuple(sorted(windows))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.start < before.end:
            raise InvalidCalendar(f"Working windows {before} and {after} overlap.")
    return ordered


@dataclass(frozen=True)
class WorkingCalendar:
    """A working calendar (SLA-1). Build one with ``around_the_clock`` or ``working_hours``.

    ``weekly_windows`` has seven entries, Monday first. ``covered_years`` is the range of years for
    which ``closed_dates`` and ``makeup_working_dates`` are authoritative (those of the official
    schedule); None means no limit (a calendar that ignores official holidays, or a 7×24 one).
    ``provisional_from`` is the first of the covered years whose days off come from the statutory
    rules rather than a notice (None: none is).
    """

    kind: CalendarKind = CalendarKind.WORKING_HOURS
    time_zone: str = DEFAULT_TIME_ZONE
    weekly_windows: tuple[Windows, ...] = ((),) * 7
    makeup_day_windows: Windows | None = None
    closed_dates: frozenset[date] = frozenset()
    makeup_working_dates: frozenset[date] = frozenset()
    overrides: tuple[tuple[date, Windows], ...] = ()
    covered_years: tuple[int, int] | None = None
    provisional_from: int | None = None
    _timeline: Timeline = field(init=False, repr=False, compare=False, hash=False)
    _override_map: dict[date, Windows] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise InvalidCalendar(f"Unknown time zone {self.time_zone!r}.") from error
        if len(self.weekly_windows) != 7:
            raise InvalidCalendar("A calendar needs the windows of seven weekdays, Monday first.")
        # Normalise what callers may pass as lists or sets: the value must be hashable (shared cache).
        weekly = tuple(_checked_windows(day) for day in self.weekly_windows)
        object.__setattr__(self, "weekly_windows", weekly)
        object.__setattr__(self, "closed_dates", frozenset(self.closed_dates))
        object.__setattr__(self, "makeup_working_dates", frozenset(self.makeup_working_dates))
        if self.covered_years is not None:
            object.__setattr__(self, "covered_years", tuple(self.covered_years))
        if self.makeup_day_windows is not None:
            object.__setattr__(self, "makeup_day_windows", _checked_windows(self.makeup_day_windows))
        overrides = tuple(sorted((day, _checked_windows(windows)) for day, windows in self.overrides))
        if len({day for day, _ in overrides}) != len(overrides):
            raise InvalidCalendar("A date has two overrides.")
        object.__setattr__(self, "overrides", overrides)
        object.__setattr__(self, "_override_map", dict(overrides))
        if self.kind == CalendarKind.WORKING_HOURS:
            both = self.closed_dates & self.makeup_working_dates
            if both:
                raise InvalidCalendar("Dates both closed and make-up working days: "
                                      f"{', '.join(map(str, sorted(both)))}.")
            if not any(weekly) and not self.makeup_working_dates and not any(w for _, w in overrides):
                raise InvalidCalendar("A working-hours calendar needs at least one working window.")
        object.__setattr__(self, "_timeline", _shared_timeline(self))

    # -- construction -----------------------------------------------------------------------------

    @classmethod
    def around_the_clock(
        cls, *, time_zone: str = DEFAULT_TIME_ZONE, overrides: Mapping[date, Windows] | None = None
    ) -> "WorkingCalendar":
        """7×24: every day 00:00–24:00, holidays included; only overrides can close a date."""
        return cls(
            kind=CalendarKind.AROUND_THE_CLOCK,
            time_zone=time_zone,
            weekly_windows=(ALL_DAY,) * 7,
            overrides=tuple((overrides or {}).items()),
        )

    @classmethod
    def working_hours(
        cls,
        windows: Windows | str,
        *,
        weekdays: Iterable[int] = range(5),
        weekly_windows: Mapping[int, Windows | str] | None = None,
        time_zone: str = DEFAULT_TIME_ZONE,
        official: OfficialSchedule | None | bool = True,
        closed_dates: Iterable[date] = (),
        makeup_working_dates: Iterable[date] = (),
        makeup_day_windows: Windows | str | None = None,
        overrides: Mapping[date, Windows | str] | None = None,
    ) -> "WorkingCalendar":
        """Working hours: ``windows`` on each of ``weekdays`` (0 = Monday), or per day in
        ``weekly_windows``; China's official holidays and make-up working days unless ``official``
        is False (True takes the installed package's schedule followed by its provisional years; pass
        a schedule to use administrator-entered years, e.g. ``calendars.official_schedule``);
        ``closed_dates``/``makeup_working_dates`` add the company's own.
        """
        day_windows = parse_windows(windows) if isinstance(windows, str) else windows
        open_weekdays = set(weekdays)
        weekly: list[Windows] = [day_windows if day in open_weekdays else () for day in range(7)]
        for day, value in (weekly_windows or {}).items():
            weekly[day] = parse_windows(value) if isinstance(value, str) else value
        schedule: OfficialSchedule | None
        if official is True:
            schedule = china_schedule_with_provisional_years()
        elif isinstance(official, OfficialSchedule):
            schedule = official
        else:
            schedule = None
        closed = frozenset(closed_dates) | (schedule.holidays if schedule else frozenset())
        makeup = frozenset(makeup_working_dates) | (schedule.makeup_working_dates if schedule
                                                    else frozenset())
        return cls(
            kind=CalendarKind.WORKING_HOURS,
            time_zone=time_zone,
            weekly_windows=tuple(weekly),
            makeup_day_windows=(
                parse_windows(makeup_day_windows) if isinstance(makeup_day_windows, str)
                else makeup_day_windows
            ),
            closed_dates=closed,
            makeup_working_dates=makeup,
            overrides=tuple(
                (day, parse_windows(value) if isinstance(value, str) else value)
                for day, value in (overrides or {}).items()
            ),
            covered_years=schedule.coverage if schedule else None,
            provisional_from=schedule.provisional_from if schedule else None,
        )

    # -- the rules of one date --------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return self._timeline.zone

    def covers(self, year: int) -> bool:
        """Whether the calendar can answer for ``year`` without raising OutsideCalendarCoverage."""
        if self.kind == CalendarKind.AROUND_THE_CLOCK or self.covered_years is None:
            return True
        first, last = self.covered_years
        return first <= year <= last

    def windows_for_date(self, day: date) -> Windows:
        """The local windows of ``day``, by the rules in the module docstring (SLA-1)."""
        override = self._override_map.get(day)
        if override is not None:
            return override
        if self.kind == CalendarKind.AROUND_THE_CLOCK:
            return ALL_DAY
        if self.covered_years is not None and not self.covers(day.year):
            raise OutsideCalendarCoverage(year=day.year, covered=self.covered_years)
        if day in self.makeup_working_dates:
            return self._makeup_windows()
        if day in self.closed_dates:
            return ()
        return self.weekly_windows[day.weekday()]

    def _makeup_windows(self) -> Windows:
        # 调休: a make-up Saturday or Sunday is worked as an ordinary weekday. Unless configured, take
        # Monday's windows (or the first weekday that has any).
        if self.makeup_day_windows is not None:
            return self.makeup_day_windows
        return next((windows for windows in self.weekly_windows[:5] if windows), ())

    def _seconds_for_date(self, day: date) -> tuple[tuple[int, int], ...]:
        return tuple((window.start, window.end) for window in self.windows_for_date(day))


@lru_cache(maxsize=64)
def _shared_timeline(calendar: WorkingCalendar) -> Timeline:
    """Equal calendars share their precomputed years: the lead's code may rebuild the value object
    from database rows on each request without recomputing anything."""
    return Timeline(calendar.time_zone, calendar._seconds_for_date)


def through_provisional(calendar: WorkingCalendar, *instants: datetime | None) -> bool:
    """Whether a computation whose instants reach as far as the latest of ``instants`` went through
    a provisional year of the calendar (issue 10 item 14).

    Provisional years are the last ones of the covered range, and every computation of this module
    reads only the dates from its start up to its result (or its end), so the latest instant tells:
    a due time in, or a count that ran into, a provisional year. An instant exactly at the first
    provisional midnight needed nothing of that year (intervals are [start, end)).
    """
    if calendar.provisional_from is None or calendar.kind == CalendarKind.AROUND_THE_CLOCK:
        return False
    latest = max((instant for instant in instants if instant is not None), default=None)
    if latest is None:
        return False
    first = datetime(calendar.provisional_from, 1, 1, tzinfo=calendar.zone)
    return latest > first


# -- working-time arithmetic -----------------------------------------------------------------------


def is_working(calendar: WorkingCalendar, moment: datetime) -> bool:
    """Whether ``moment`` lies inside a working window (windows are [start, end): 12:00 is lunch)."""
    return calendar._timeline.is_working(to_microseconds(moment))


def next_working_instant(calendar: WorkingCalendar, moment: datetime) -> datetime:
    """``moment`` itself if it is working time, else the start of the next working window."""
    return from_microseconds(calendar._timeline.next_working(to_microseconds(moment)))


def working_time_between(
    calendar: WorkingCalendar, start: datetime, end: datetime, pauses: Sequence[Pause] = ()
) -> timedelta:
    """Working time in [start, end) outside the pauses; zero when ``end <= start``."""
    timeline = calendar._timeline
    start_us, end_us = to_microseconds(start), to_microseconds(end)
    total = timeline.elapsed(start_us, end_us)
    if pauses and total:
        for pause_start, pause_end in _merged_pauses(pauses, start_us):
            if pause_start >= end_us:
                break
            total -= timeline.elapsed(pause_start, end_us if pause_end is None else min(pause_end, end_us))
    return timedelta(microseconds=total)


def add_working_time(
    calendar: WorkingCalendar, start: datetime, duration: timedelta, pauses: Sequence[Pause] = ()
) -> datetime | None:
    """The instant at which ``duration`` of working time has elapsed after ``start`` (SLA-1, SLA-3).

    1. The clock starts at ``start``, or at the next working instant if ``start`` is outside working
       time (or paused); a zero duration returns that instant.
    2. Pauses stop the clock; the working time they hide is added on.
    3. The result is never inside a non-working period: a duration that ends exactly at a window's
       end returns that end (17:30), not the next window's start.

    Returns None when a pause without an end (until further notice) is reached before the duration
    is used up: the due time is unknown until the clock is resumed.
    """
    amount = _duration_microseconds(duration)
    timeline = calendar._timeline
    clock = to_microseconds(start)
    if pauses:
        for pause_start, pause_end in _merged_pauses(pauses, clock):
            if pause_start > clock:
                available = timeline.elapsed(clock, pause_start)
                # With a zero amount, any working time before the pause means the clock starts before it.
                if available > amount or (amount and available == amount):
                    break
                amount -= available
            if pause_end is None:
                return None
            clock = pause_end
    return from_microseconds(timeline.add(clock, amount))


def _duration_microseconds(duration: timedelta) -> int:
    amount = (duration.days * 86_400 + duration.seconds) * US_PER_SECOND + duration.microseconds
    if amount < 0:
        raise ValueError(f"Negative working duration {duration}.")
    return amount


def _merged_pauses(pauses: Sequence[Pause], floor: int) -> list[tuple[int, int | None]]:
    """Pauses as sorted disjoint µs intervals from ``floor`` on; overlapping or touching ones merged,
    empty ones dropped, an open end (None) swallowing everything after it."""
    intervals = sorted(
        ((to_microseconds(pause_start), None if pause_end is None else to_microseconds(pause_end))
         for pause_start, pause_end in pauses),
        key=lambda interval: interval[0],
    )
    merged: list[tuple[int, int | None]] = []
    for pause_start, pause_end in intervals:
        if pause_end is not None and pause_end <= max(pause_start, floor):
            continue  # empty, or over before the clock starts
        pause_start = max(pause_start, floor)
        if merged and (merged[-1][1] is None or pause_start <= merged[-1][1]):
            previous_start, previous_end = merged[-1]
            if previous_end is not None:
                merged[-1] = (previous_start, None if pause_end is None else max(previous_end, pause_end))
            continue
        merged.append((pause_start, pause_end))
    return merged


# -- working days ------------------------------------------------------------------------------------


@overload
def add_working_days(calendar: WorkingCalendar, start: datetime, days: int) -> datetime: ...
@overload
def add_working_days(
    calendar: WorkingCalendar, start: datetime, days: int, pauses: Sequence[Pause]
) -> datetime | None: ...
def add_working_days(
    calendar: WorkingCalendar, start: datetime, days: int, pauses: Sequence[Pause] = ()
) -> datetime | None:
    """Due time of a target in working days: the close of business of the ``days``-th working day
    after the local date of ``start`` (Civil Code art. 201/203; see the module docstring).

    Examples on the China 08:30–12:00/13:30–17:30 calendar: received Friday 2026-02-13 at any hour,
    "1 working day" ends Saturday 2026-02-14 17:30 (a make-up working day) and "2 working days" end
    Tuesday 2026-02-24 17:30 (after Spring Festival).

    With pauses, the target becomes the working time from ``start`` to that deadline and the pauses
    push it back as for an hour target (SLA-3); None as in ``add_working_time``.
    """
    if days < 1:
        raise ValueError(f"A working-day target needs at least one day, not {days}.")
    start_us = to_microseconds(start)  # refuses a naive datetime before astimezone() could guess
    received = start.astimezone(calendar.zone).date()
    deadline = calendar._timeline.nth_working_day_close(received.toordinal(), days)
    if not pauses:
        return from_microseconds(deadline)
    amount = calendar._timeline.elapsed(start_us, deadline)
    return add_working_time(calendar, start, timedelta(microseconds=amount), pauses)


def is_working_day(calendar: WorkingCalendar, day: date) -> bool:
    """Whether the local date ``day`` has working time."""
    return calendar._timeline.day_close(day.toordinal()) is not None


def working_day_close(calendar: WorkingCalendar, day: date) -> datetime | None:
    """The close of business (end of the last window) of the local date ``day``; None if closed."""
    close = calendar._timeline.day_close(day.toordinal())
    return None if close is None else from_microseconds(close)


def windows_on(calendar: WorkingCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """The working intervals of the local date ``day`` as aware UTC datetimes (for display/checks)."""
    return [
        (from_microseconds(start * US_PER_SECOND), from_microseconds(end * US_PER_SECOND))
        for start, end in local_day_intervals(calendar.zone, day, calendar._seconds_for_date(day))
    ]
