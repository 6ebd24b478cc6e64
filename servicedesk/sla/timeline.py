"""Working time as integer microseconds on the UTC line: the fast core of ``sla.calendar`` (SLA-1).

Every instant is an ``int`` of microseconds since 1970-01-01 UTC, so sums and differences are exact
(a float would lose microseconds). A calendar's working time is a sorted list of disjoint UTC
intervals, built one local year at a time (a ``YearBlock``) and kept with the cumulative working
time before and after each interval. Then:

- the working time between two instants is a difference of two cumulative positions
  (one ``bisect`` each), plus whole-year totals when years are crossed;
- the instant at which a working duration is used up is one ``bisect`` over the cumulative ends.

No loop runs over minutes or days at query time; only the years crossed are walked.

Time zones: a window is wall-clock time ("08:30–12:00 local"); an instant is working when its wall
time in the calendar's zone falls in one of the windows of its local date. Asia/Shanghai has had no
daylight-saving time since 1991, but the conversion is exact for any zone: a window (or part of one)
that falls in a spring-forward gap does not exist and counts for nothing; a window over a fall-back
fold counts the real elapsed time (both passes of the repeated hour).
"""

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

US_PER_SECOND = 1_000_000
SECONDS_PER_DAY = 86_400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# UTC offsets in tzdata lie within -12 h..+14 h; a local date's instants lie within this margin of
# the same date read as UTC.
_OFFSET_MARGIN = 15 * 3600
# Years a timeline can reach; anything outside is a programming error, not a calendar question.
FIRST_YEAR = 1900
LAST_YEAR = 2200

# Windows of one local date, in seconds after local midnight: ((start, end), ...), end <= 86400.
DayWindows = Sequence[tuple[int, int]]


def _offset_seconds(zone: ZoneInfo, instant_seconds: int) -> int:
    offset = datetime.fromtimestamp(instant_seconds, tz=zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def _first_change(zone: ZoneInfo, low: int, high: int, offset_low: int) -> int:
    """The first second in (low, high] whose UTC offset differs from ``offset_low`` (there is one)."""
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_seconds(zone, middle) == offset_low:
            low = middle
        else:
            high = middle
    return high


def _offset_segments(zone: ZoneInfo, low: int, high: int) -> list[tuple[int, int, int]]:
    """[(from, to, offset)] covering [low, high) in seconds, each with a constant UTC offset.

    Offsets are sampled at both ends and in the middle, and each transition is located by bisection.
    We assume that no two transitions undo each other within half of the span (about 27 hours),
    which holds for every zone in tzdata.
    """
    samples = (low, (low + high) // 2, high)
    offsets = [_offset_seconds(zone, sample) for sample in samples]
    if offsets[0] == offsets[1] == offsets[2]:
        return [(low, high, offsets[0])]
    changes: list[tuple[int, int]] = []  # (instant of the transition, offset from then on)
    for (begin, offset_begin), (end, offset_end) in pairwise(zip(samples, offsets, strict=True)):
        while offset_begin != offset_end:
            change = _first_change(zone, begin, end, offset_begin)
            begin, offset_begin = change, _offset_seconds(zone, change)
            changes.append((change, offset_begin))
    segments: list[tuple[int, int, int]] = []
    begin, current = low, offsets[0]
    for change, offset_after in changes:
        segments.append((begin, change, current))
        begin, current = change, offset_after
    segments.append((begin, high, current))
    return segments


def local_day_intervals(zone: ZoneInfo, day: date, windows: DayWindows) -> list[tuple[int, int]]:
    """UTC intervals, in seconds, of the instants whose wall time falls in one of ``windows`` of ``day``.

    With a constant offset ``o`` the window [a, b) of day D is simply [D + a - o, D + b - o). Around a
    transition each constant-offset segment contributes its part: a window in a spring-forward gap
    gets nothing, a window over a fall-back fold gets both passes.
    """
    if not windows:
        return []
    midnight = (day.toordinal() - _EPOCH_ORDINAL) * SECONDS_PER_DAY  # local midnight read as UTC
    segments = _offset_segments(zone, midnight - _OFFSET_MARGIN, midnight + SECONDS_PER_DAY + _OFFSET_MARGIN)
    pieces: list[tuple[int, int]] = []
    for segment_start, segment_end, offset in segments:
        for window_start, window_end in windows:
            start = max(segment_start, midnight + window_start - offset)
            end = min(segment_end, midnight + window_end - offset)
            if start < end:
                pieces.append((start, end))
    return _merge(pieces)


def _merge(pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint, non-adjacent intervals (touching intervals are joined)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


@lru_cache(maxsize=32)
def year_starts(zone_key: str) -> tuple[int, ...]:
    """For each year FIRST_YEAR..LAST_YEAR + 1: the first instant (µs) whose local date is in that year."""
    zone = ZoneInfo(zone_key)
    starts = []
    for year in range(FIRST_YEAR, LAST_YEAR + 2):
        intervals = local_day_intervals(zone, date(year, 1, 1), ((0, SECONDS_PER_DAY),))
        # January 1st always has wall-clock time (no zone skips a whole New Year's Day).
        starts.append(intervals[0][0] * US_PER_SECOND)
    return tuple(starts)


@dataclass
class YearBlock:
    """The working intervals of one local year, with cumulative working time (all in µs).

    ``cumulative_before[i]`` is the working time from the start of the year to ``starts[i]`` and
    ``cumulative_after[i]`` the same to ``ends[i]``. ``working_days`` are the ordinals of the local
    dates that have working time, in order, and ``closing_times`` the end of each one's last window
    (its close of business).
    """

    year: int
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    cumulative_before: list[int] = field(default_factory=list)
    cumulative_after: list[int] = field(default_factory=list)
    working_days: list[int] = field(default_factory=list)
    closing_times: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.cumulative_after[-1] if self.cumulative_after else 0

    def position(self, instant: int) -> int:
        """Working time from the start of the year up to ``instant``."""
        index = bisect_right(self.starts, instant) - 1
        if index < 0:
            return 0
        if instant >= self.ends[index]:
            return self.cumulative_after[index]
        return self.cumulative_before[index] + instant - self.starts[index]

    def locate(self, amount: int) -> int:
        """The instant at which ``amount`` (0 < amount <= total) of the year's working time is used.

        ``bisect_left`` picks the first interval whose cumulative end reaches ``amount``, so a duration
        that ends exactly at a window's end returns that end, not the next window's start.
        """
        index = bisect_left(self.cumulative_after, amount)
        return self.starts[index] + amount - self.cumulative_before[index]

    def next_working(self, instant: int) -> int | None:
        """The first working instant at or after ``instant`` in this year, or None."""
        index = bisect_right(self.ends, instant)
        if index == len(self.ends):
            return None
        return max(instant, self.starts[index])

    def is_working(self, instant: int) -> bool:
        index = bisect_right(self.starts, instant) - 1
        return index >= 0 and instant < self.ends[index]


def build_year_block(
    zone: ZoneInfo, year: int, windows_for_date: Callable[[date], DayWindows], bounds: tuple[int, int]
) -> YearBlock:
    """Compute one local year's working intervals (1–3 ms for a year of working days).

    ``bounds`` are the first instants of this year and of the next; intervals are clipped to them so
    that years never overlap on the UTC line (only a zone falling back across New Year's midnight
    could make them, and none does).
    """
    block = YearBlock(year=year)
    low, high = bounds
    pieces: list[tuple[int, int]] = []
    ordinal = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    while ordinal <= last:
        day = date.fromordinal(ordinal)
        day_pieces = [
            (max(low, start * US_PER_SECOND), min(high, end * US_PER_SECOND))
            for start, end in local_day_intervals(zone, day, windows_for_date(day))
        ]
        day_pieces = [(start, end) for start, end in day_pieces if start < end]
        if day_pieces:
            block.working_days.append(ordinal)
            block.closing_times.append(day_pieces[-1][1])
            pieces.extend(day_pieces)
        ordinal += 1
    cumulative = 0
    for start, end in _merge(pieces):
        block.starts.append(start)
        block.ends.append(end)
        block.cumulative_before.append(cumulative)
        cumulative += end - start
        block.cumulative_after.append(cumulative)
    return block


class Timeline:
    """A calendar's working time on the UTC line, built lazily one year at a time and cached.

    All arguments and results are integer microseconds since the epoch (UTC).
    """

    def __init__(self, zone_key: str, windows_for_date: Callable[[date], DayWindows]) -> None:
        self.zone = ZoneInfo(zone_key)
        self._windows_for_date = windows_for_date
        self._year_starts = year_starts(zone_key)
        self._blocks: dict[int, YearBlock] = {}
        # The last year used and its UTC bounds: most calls stay in one year (a hot-path shortcut).
        self._recent: tuple[int, int, YearBlock] = (0, 0, YearBlock(year=0))

    def year_of(self, instant: int) -> int:
        index = bisect_right(self._year_starts, instant) - 1
        if index < 0 or index >= len(self._year_starts) - 1:
            raise ValueError(f"Instant outside the years {FIRST_YEAR}–{LAST_YEAR}.")
        return FIRST_YEAR + index

    def block(self, year: int) -> YearBlock:
        block = self._blocks.get(year)
        if block is None:
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ValueError(f"Year {year} outside {FIRST_YEAR}–{LAST_YEAR}.")
            index = year - FIRST_YEAR
            bounds = (self._year_starts[index], self._year_starts[index + 1])
            block = build_year_block(self.zone, year, self._windows_for_date, bounds)
            self._blocks[year] = block
        return block

    def block_at(self, instant: int) -> tuple[YearBlock, int]:
        """The block of the year that contains ``instant``, and the first instant of the next year.

        ``_recent`` is read and replaced as one tuple, so threads sharing a calendar never mix the
        bounds of one year with the block of another.
        """
        recent = self._recent
        if recent[0] <= instant < recent[1]:
            return recent[2], recent[1]
        block = self.block(self.year_of(instant))
        index = block.year - FIRST_YEAR
        self._recent = (self._year_starts[index], self._year_starts[index + 1], block)
        return block, self._year_starts[index + 1]

    def is_working(self, instant: int) -> bool:
        return self.block_at(instant)[0].is_working(instant)

    def next_working(self, instant: int) -> int:
        year = self.year_of(instant)
        while True:
            found = self.block(year).next_working(instant)
            if found is not None:
                return found
            year += 1  # every later year starts after ``instant``: its first interval qualifies

    def elapsed(self, start: int, end: int) -> int:
        """Working time in [start, end); 0 if end <= start."""
        if end <= start:
            return 0
        # ``end`` is excluded: an end at a year's first instant needs nothing of that year (nor its
        # coverage).
        first, next_year_start = self.block_at(start)
        if end <= next_year_start:  # same year as the start
            return first.position(end) - first.position(start)
        first_year, last_year = first.year, self.year_of(end - 1)
        total = first.total - first.position(start)
        for year in range(first_year + 1, last_year):
            total += self.block(year).total
        return total + self.block(last_year).position(end)

    def add(self, start: int, amount: int) -> int:
        """The instant at which ``amount`` (>= 0) of working time has elapsed after ``start``.

        A zero amount gives the next working instant (the clock starts there, SLA-1).
        """
        if amount == 0:
            return self.next_working(start)
        block = self.block_at(start)[0]
        target = block.position(start) + amount
        year = block.year
        while target > block.total:
            target -= block.total
            year += 1
            block = self.block(year)
        return block.locate(target)

    def nth_working_day_close(self, ordinal: int, count: int) -> int:
        """The close of business of the ``count``-th working day after the local date ``ordinal``."""
        year = date.fromordinal(ordinal).year
        block = self.block(year)
        index = bisect_right(block.working_days, ordinal) + count - 1
        while index >= len(block.working_days):
            index -= len(block.working_days)
            year += 1
            block = self.block(year)
        return block.closing_times[index]

    def day_close(self, ordinal: int) -> int | None:
        """The close of business of the local date ``ordinal``, or None if it is not a working day."""
        block = self.block(date.fromordinal(ordinal).year)
        index = bisect_left(block.working_days, ordinal)
        if index < len(block.working_days) and block.working_days[index] == ordinal:
            return block.closing_times[index]
        return None


def to_microseconds(moment: datetime) -> int:
    """An aware datetime as µs since the epoch; a naive one is refused (STYLE: aware UTC everywhere)."""
    if moment.tzinfo is None:
        raise ValueError(f"Naive datetime {moment.isoformat()}: SLA calendars need aware datetimes.")
    return (moment - _EPOCH) // _ONE_MICROSECOND


def from_microseconds(instant: int) -> datetime:
    return _EPOCH + _ONE_MICROSECOND * instant


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND = datetime.resolution
