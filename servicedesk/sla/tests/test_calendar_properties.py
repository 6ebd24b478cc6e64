"""Properties of the working-calendar arithmetic (SLA-1, SLA-3), checked with hypothesis.

Three kinds of calendars: the China desk calendar (lunch break, official holidays and make-up days,
2025–2026), a 7×24 calendar, and random calendars (random windows per weekday, random overrides)
in zones with and without daylight-saving time, whose results are also checked against a
definition-level reference (an instant is working when its wall time falls in a window of its
local date).
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from servicedesk.sla.calendar import (
    Window,
    WorkingCalendar,
    add_working_days,
    add_working_time,
    is_working,
    is_working_day,
    next_working_instant,
    working_time_between,
)

DESK = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30")
HOTLINE = WorkingCalendar.around_the_clock()
ONE_MICROSECOND = timedelta(microseconds=1)
WORKING_DAY = timedelta(hours=7.5)

# Instants of 2025 to November 2026: five working days later is still inside the covered years.
instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 30),
                        timezones=st.just(UTC))
durations = st.integers(min_value=0, max_value=5 * WORKING_DAY // ONE_MICROSECOND).map(
    lambda microseconds: timedelta(microseconds=microseconds)
)
calendars = st.sampled_from([DESK, HOTLINE])


@st.composite
def pause_lists(draw: st.DrawFn, around: datetime) -> list[tuple[datetime, datetime | None]]:
    """Up to three pauses, possibly overlapping or starting before ``around``."""
    pauses: list[tuple[datetime, datetime | None]] = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        begin = around + timedelta(minutes=draw(st.integers(min_value=-600, max_value=6000)))
        length = timedelta(minutes=draw(st.integers(min_value=0, max_value=3000)))
        pauses.append((begin, begin + length))
    return pauses


# Per test, not a global profile: other apps' hypothesis tests keep their own settings. No deadline:
# the first example of a calendar computes its years (a few milliseconds each).
checked = settings(deadline=None, max_examples=150)


# -- the due time and the working time agree ---------------------------------------------------------


@checked
@given(calendars, instants, durations)
def test_working_time_up_to_the_due_time_is_the_duration(calendar: WorkingCalendar, start: datetime,
                                                         duration: timedelta) -> None:
    due = add_working_time(calendar, start, duration)
    assert due is not None and due >= start
    assert working_time_between(calendar, start, due) == duration


@checked
@given(calendars, instants, durations, st.data())
def test_working_time_up_to_the_due_time_is_the_duration_with_pauses(
    calendar: WorkingCalendar, start: datetime, duration: timedelta, data: st.DataObject
) -> None:
    pauses = data.draw(pause_lists(start))
    due = add_working_time(calendar, start, duration, pauses)
    assert due is not None
    assert working_time_between(calendar, start, due, pauses) == duration


@checked
@given(calendars, instants, durations, durations)
def test_due_time_grows_with_the_duration(calendar: WorkingCalendar, start: datetime, first: timedelta,
                                          second: timedelta) -> None:
    shorter, longer = sorted((first, second))
    assert add_working_time(calendar, start, shorter) <= add_working_time(calendar, start, longer)  # type: ignore[operator]


@checked
@given(calendars, instants, instants, durations)
def test_due_time_grows_with_the_start(calendar: WorkingCalendar, first: datetime, second: datetime,
                                       duration: timedelta) -> None:
    earlier, later = sorted((first, second))
    assert add_working_time(calendar, earlier, duration) <= add_working_time(calendar, later, duration)  # type: ignore[operator]


@checked
@given(calendars, instants, durations)
def test_due_time_never_falls_inside_a_non_working_period(calendar: WorkingCalendar, start: datetime,
                                                          duration: timedelta) -> None:
    due = add_working_time(calendar, start, duration)
    assert due is not None
    if duration:
        # Working just before: the due time is inside a window or exactly at its end.
        assert is_working(calendar, due - ONE_MICROSECOND)
    else:
        assert due == next_working_instant(calendar, start)
        assert is_working(calendar, due)


@checked
@given(calendars, instants, instants, instants)
def test_working_time_is_additive(calendar: WorkingCalendar, first: datetime, second: datetime,
                                  third: datetime) -> None:
    a, b, c = sorted((first, second, third))
    assert (working_time_between(calendar, a, b) + working_time_between(calendar, b, c)
            == working_time_between(calendar, a, c))
    assert working_time_between(calendar, c, a) == timedelta(0)


# -- pauses ----------------------------------------------------------------------------------------


@checked
@given(calendars, instants, durations, st.data())
def test_adding_a_pause_never_brings_the_due_time_forward(
    calendar: WorkingCalendar, start: datetime, duration: timedelta, data: st.DataObject
) -> None:
    pauses = data.draw(pause_lists(start))
    extra = data.draw(pause_lists(start))
    before = add_working_time(calendar, start, duration, pauses)
    after = add_working_time(calendar, start, duration, pauses + extra)
    assert before is not None and after is not None
    assert after >= before


@checked
@given(calendars, instants, durations, st.data())
def test_due_time_with_pauses_is_not_paused_nor_outside_working_time(
    calendar: WorkingCalendar, start: datetime, duration: timedelta, data: st.DataObject
) -> None:
    assume(duration > timedelta(0))
    pauses = data.draw(pause_lists(start))
    due = add_working_time(calendar, start, duration, pauses)
    assert due is not None
    just_before = due - ONE_MICROSECOND
    assert is_working(calendar, just_before)
    assert not any(begin <= just_before < end for begin, end in pauses if end is not None)


@checked
@given(calendars, instants, st.data())
def test_zero_duration_with_pauses_starts_the_clock_at_the_first_working_unpaused_instant(
    calendar: WorkingCalendar, start: datetime, data: st.DataObject
) -> None:
    pauses = data.draw(pause_lists(start))
    due = add_working_time(calendar, start, timedelta(0), pauses)
    assert due is not None and due >= start
    assert is_working(calendar, due)
    assert not any(begin <= due < end for begin, end in pauses if end is not None)
    assert working_time_between(calendar, start, due, pauses) == timedelta(0)


@checked
@given(st.sampled_from([DESK, HOTLINE]), instants, durations, st.integers(min_value=0, max_value=5))
def test_pausing_a_whole_day_is_closing_that_day(
    calendar: WorkingCalendar, start: datetime, duration: timedelta, days_later: int
) -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    day = start.astimezone(shanghai).date() + timedelta(days=days_later)
    whole_day = (datetime.combine(day, datetime.min.time(), shanghai),
                 datetime.combine(day + timedelta(days=1), datetime.min.time(), shanghai))
    assume(whole_day[0] > start)
    closed = WorkingCalendar(
        kind=calendar.kind,
        time_zone=calendar.time_zone,
        weekly_windows=calendar.weekly_windows,
        closed_dates=calendar.closed_dates,
        makeup_working_dates=calendar.makeup_working_dates,
        overrides=((day, ()),),
        covered_years=calendar.covered_years,
    )
    assert (add_working_time(calendar, start, duration, [whole_day])
            == add_working_time(closed, start, duration))


@checked
@given(instants, durations, st.data())
def test_an_open_ended_pause_gives_a_due_time_only_if_reached_after_it(
    start: datetime, duration: timedelta, data: st.DataObject
) -> None:
    pause_start = start + timedelta(minutes=data.draw(st.integers(min_value=0, max_value=10_000)))
    due = add_working_time(DESK, start, duration, [(pause_start, None)])
    unpaused = add_working_time(DESK, start, duration)
    assert unpaused is not None
    if due is None:
        assert unpaused > pause_start or (unpaused == pause_start and duration == timedelta(0))
    else:
        assert due == unpaused and due <= pause_start


# -- working days ------------------------------------------------------------------------------------


@checked
@given(instants, st.integers(min_value=1, max_value=5))
def test_working_days_end_at_the_close_of_the_nth_working_day_after_receipt(start: datetime,
                                                                            days: int) -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    due = add_working_days(DESK, start, days)
    assert due is not None
    local_due = due.astimezone(shanghai)
    assert (local_due.hour, local_due.minute) == (17, 30)
    received = start.astimezone(shanghai).date()
    between = [received + timedelta(days=offset)
               for offset in range(1, (local_due.date() - received).days + 1)]
    assert sum(is_working_day(DESK, day) for day in between) == days
    assert is_working_day(DESK, local_due.date())


@checked
@given(instants, st.integers(min_value=1, max_value=4))
def test_one_more_working_day_is_a_later_due_time(start: datetime, days: int) -> None:
    assert add_working_days(DESK, start, days) < add_working_days(DESK, start, days + 1)  # type: ignore[operator]


# -- random calendars against the definition --------------------------------------------------------


@st.composite
def day_windows(draw: st.DrawFn) -> tuple[Window, ...]:
    """0–3 disjoint windows on 15-minute boundaries, possibly touching or ending at 24:00."""
    cuts = sorted(set(draw(st.lists(st.integers(min_value=0, max_value=96), max_size=6))))
    windows = [Window(cuts[i] * 900, cuts[i + 1] * 900) for i in range(0, len(cuts) - 1, 2)]
    return tuple(windows)


@st.composite
def random_calendars(draw: st.DrawFn) -> WorkingCalendar:
    weekly = tuple(draw(day_windows()) for _ in range(7))
    assume(any(weekly))
    overrides = draw(
        st.dictionaries(st.dates(min_value=date(2026, 3, 1), max_value=date(2026, 3, 20)),
                        day_windows(), max_size=4)
    )
    zone = draw(st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/Berlin",
                                 "Australia/Lord_Howe"]))
    return WorkingCalendar.working_hours(
        (), weekly_windows=dict(enumerate(weekly)), official=False, overrides=overrides, time_zone=zone
    )


def _reference_is_working(calendar: WorkingCalendar, moment: datetime) -> bool:
    wall = moment.astimezone(calendar.zone)
    seconds = wall.hour * 3600 + wall.minute * 60 + wall.second
    return any(window.start <= seconds < window.end for window in calendar.windows_for_date(wall.date()))


# Around the 2026 transitions of New York (8 Mar, 1 Nov), Berlin (29 Mar, 25 Oct) and Lord Howe
# (half-hour DST: 5 Apr, 4 Oct).
around_transitions = st.sampled_from(
    [datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 4, 4, tzinfo=UTC),
     datetime(2026, 10, 3, tzinfo=UTC), datetime(2026, 10, 24, tzinfo=UTC),
     datetime(2026, 10, 31, tzinfo=UTC)]
)


@checked
@given(random_calendars(), around_transitions, st.integers(min_value=0, max_value=4 * 86_400 * 1_000_000))
def test_is_working_matches_the_wall_clock_definition(calendar: WorkingCalendar, base: datetime,
                                                      offset: int) -> None:
    moment = base + timedelta(microseconds=offset)
    assert is_working(calendar, moment) == _reference_is_working(calendar, moment)


@settings(deadline=None, max_examples=40)
@given(random_calendars(), around_transitions, st.integers(min_value=0, max_value=2 * 96),
       st.integers(min_value=0, max_value=2 * 96))
def test_working_time_matches_a_count_of_working_quarter_hours(
    calendar: WorkingCalendar, base: datetime, first: int, length: int
) -> None:
    # Windows and transitions fall on quarter hours, so working time is a count of working quarters.
    start = base + timedelta(minutes=15 * first)
    end = start + timedelta(minutes=15 * length)
    quarters = sum(_reference_is_working(calendar, start + timedelta(minutes=15 * i)) for i in range(length))
    assert working_time_between(calendar, start, end) == timedelta(minutes=15 * quarters)


@checked
@given(random_calendars(), around_transitions, st.integers(min_value=0, max_value=86_400), durations)
def test_random_calendars_round_trip(calendar: WorkingCalendar, base: datetime, seconds: int,
                                     duration: timedelta) -> None:
    start = base + timedelta(seconds=seconds)
    due = add_working_time(calendar, start, duration)
    assert due is not None
    assert working_time_between(calendar, start, due) == duration
    if duration:
        assert _reference_is_working(calendar, due - ONE_MICROSECOND)
