"""Worked examples of the working-calendar arithmetic (SLA-1), on China's official 2026 schedule.

The desk calendar used throughout: Monday–Friday 08:30–12:00 and 13:30–17:30 (7.5 working hours a
day, a lunch break), official holidays closed, make-up Saturdays/Sundays (调休) worked.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from servicedesk.sla.calendar import (
    CalendarKind,
    OutsideCalendarCoverage,
    Window,
    WorkingCalendar,
    add_working_days,
    add_working_time,
    is_working,
    is_working_day,
    next_working_instant,
    parse_windows,
    windows_on,
    working_day_close,
    working_time_between,
)
from servicedesk.sla.exceptions import InvalidCalendar
from servicedesk.sla.official import china_official_schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
DESK = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30")
HOTLINE = WorkingCalendar.around_the_clock()


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
          microsecond: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=SHANGHAI)


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


# -- holidays and make-up working days -----------------------------------------------------------


def test_evening_before_national_day_24_working_hours_runs_to_monday_after_make_up_saturday() -> None:
    # Wednesday 2026-09-30 18:45 (the eve of National Day; 30 September 2026 is a Wednesday).
    # 1–7 Oct closed; Thu 8, Fri 9 and Saturday 10 Oct (调休) give 22.5 h; Sun 11 closed; Mon 12 +1.5 h.
    due = add_working_time(DESK, local(2026, 9, 30, 18, 45), hours(24))
    assert due == local(2026, 10, 12, 10, 0)


def test_evening_before_national_day_on_a_7x24_calendar_counts_the_night_and_the_holiday() -> None:
    assert add_working_time(HOTLINE, local(2026, 9, 30, 18, 45), hours(12)) == local(2026, 10, 1, 6, 45)


def test_friday_evening_before_spring_festival_starts_on_make_up_saturday() -> None:
    # Friday 2026-02-13 18:45: Saturday 14 Feb is worked (调休), 15–23 Feb closed, 28 Feb worked.
    start = local(2026, 2, 13, 18, 45)
    assert next_working_instant(DESK, start) == local(2026, 2, 14, 8, 30)
    # 14 Feb 7.5 h + 24 Feb 7.5 h + 25 Feb 7.5 h + 26 Feb 1.5 h.
    assert add_working_time(DESK, start, hours(24)) == local(2026, 2, 26, 10, 0)


def test_working_days_around_spring_festival_end_at_close_of_business() -> None:
    # Civil Code art. 201/203: the day of receipt is not counted; the period ends at closing time.
    start = local(2026, 2, 13, 18, 45)
    assert add_working_days(DESK, start, 1) == local(2026, 2, 14, 17, 30)  # 002 §2.3 online reply
    assert add_working_days(DESK, start, 2) == local(2026, 2, 24, 17, 30)  # 002 §2.3 on-site arrival
    assert add_working_days(DESK, start, 3) == local(2026, 2, 25, 17, 30)  # 002 §2.3 second visit
    # The hour of receipt on that day does not matter.
    assert add_working_days(DESK, local(2026, 2, 13, 8, 0), 1) == local(2026, 2, 14, 17, 30)


def test_make_up_sunday_before_national_day_is_a_working_day() -> None:
    assert is_working_day(DESK, date(2026, 9, 20))
    assert not is_working_day(DESK, date(2026, 9, 19))
    assert add_working_time(DESK, local(2026, 9, 19, 10, 0), hours(2)) == local(2026, 9, 20, 10, 30)
    assert add_working_days(DESK, local(2026, 9, 19, 10, 0), 1) == local(2026, 9, 20, 17, 30)


def test_working_days_across_mid_autumn_and_national_day() -> None:
    # Thursday 24 Sep: 25–27 Sep closed (中秋), so Mon 28 is day 1 and Tue 29 day 2.
    assert add_working_days(DESK, local(2026, 9, 24, 16, 0), 2) == local(2026, 9, 29, 17, 30)
    # Wednesday 30 Sep evening: Thu 8 Oct is day 1, Fri 9 day 2, make-up Saturday 10 day 3.
    eve = local(2026, 9, 30, 18, 45)
    assert add_working_days(DESK, eve, 1) == local(2026, 10, 8, 17, 30)
    assert add_working_days(DESK, eve, 2) == local(2026, 10, 9, 17, 30)
    assert add_working_days(DESK, eve, 3) == local(2026, 10, 10, 17, 30)


def test_new_year_2026_make_up_sunday() -> None:
    # 2025-12-31 17:00 + 1 h: 30 min that evening, 1–3 Jan closed, Sunday 4 Jan worked (调休).
    assert add_working_time(DESK, local(2025, 12, 31, 17, 0), hours(1)) == local(2026, 1, 4, 9, 0)


def test_working_time_of_2026_is_248_working_days() -> None:
    total = working_time_between(DESK, local(2026, 1, 1), local(2027, 1, 1))
    assert total == 248 * hours(7.5)


# -- the lunch break and window edges --------------------------------------------------------------


def test_lunch_break_is_skipped() -> None:
    assert add_working_time(DESK, local(2026, 3, 2, 11, 0), hours(2)) == local(2026, 3, 2, 14, 30)
    assert add_working_time(DESK, local(2026, 3, 2, 12, 15),
                            timedelta(minutes=30)) == local(2026, 3, 2, 14, 0)
    assert working_time_between(DESK, local(2026, 3, 2, 11, 0), local(2026, 3, 2, 14, 0)) == hours(1.5)


def test_a_duration_ending_at_a_window_end_returns_that_end() -> None:
    assert add_working_time(DESK, local(2026, 3, 2, 11, 0), hours(1)) == local(2026, 3, 2, 12, 0)
    assert add_working_time(DESK, local(2026, 3, 2, 16, 30), hours(1)) == local(2026, 3, 2, 17, 30)


def test_windows_are_half_open() -> None:
    assert is_working(DESK, local(2026, 3, 2, 8, 30))
    assert is_working(DESK, local(2026, 3, 2, 11, 59, 59, 999999))
    assert not is_working(DESK, local(2026, 3, 2, 12, 0))
    assert not is_working(DESK, local(2026, 3, 2, 17, 30))


def test_zero_duration_outside_working_time_is_the_next_working_instant() -> None:
    assert add_working_time(DESK, local(2026, 3, 2, 17, 30), timedelta(0)) == local(2026, 3, 3, 8, 30)
    assert add_working_time(DESK, local(2026, 3, 2, 9, 0), timedelta(0)) == local(2026, 3, 2, 9, 0)


def test_arithmetic_is_exact_to_the_microsecond() -> None:
    start = local(2026, 3, 2, 9, 0, 0, 1)
    due = add_working_time(DESK, start, timedelta(hours=3, microseconds=999_998))
    # 2:59:59.999999 until the lunch break, then 0.999999 s after 13:30.
    assert due == local(2026, 3, 2, 13, 30, 0, 999_999)
    assert working_time_between(DESK, start, due) == timedelta(hours=3, microseconds=999_998)


def test_results_are_aware_utc_datetimes() -> None:
    due = add_working_time(DESK, local(2026, 3, 2, 9, 0), hours(1))
    assert due is not None and due.utcoffset() == timedelta(0)
    assert due == datetime(2026, 3, 2, 2, 0, tzinfo=ZoneInfo("UTC"))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_working_time(DESK, datetime(2026, 3, 2, 9, 0), hours(1))


def test_a_window_may_end_at_midnight() -> None:
    evening = WorkingCalendar.working_hours("18:00-24:00", weekdays=range(7), official=False)
    assert add_working_time(evening, local(2026, 3, 2, 20, 0), hours(4)) == local(2026, 3, 3, 0, 0)
    assert add_working_time(evening, local(2026, 3, 2, 20, 0), hours(5)) == local(2026, 3, 3, 19, 0)
    assert working_day_close(evening, date(2026, 3, 2)) == local(2026, 3, 3, 0, 0)


def test_7x24_is_one_window_from_midnight_to_midnight_every_day() -> None:
    assert HOTLINE.kind == CalendarKind.AROUND_THE_CLOCK
    assert windows_on(HOTLINE, date(2026, 10, 1)) == [(local(2026, 10, 1), local(2026, 10, 2))]
    assert working_time_between(HOTLINE, local(2026, 1, 1), local(2027, 1, 1)) == timedelta(days=365)


# -- overrides (win over everything) ---------------------------------------------------------------


def test_override_closes_an_ordinary_monday() -> None:
    calendar = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30",
                                             overrides={date(2026, 3, 9): "closed"})
    assert add_working_days(calendar, local(2026, 3, 6, 10, 0), 1) == local(2026, 3, 10, 17, 30)
    assert add_working_time(calendar, local(2026, 3, 6, 17, 0), hours(1)) == local(2026, 3, 10, 9, 0)


def test_override_opens_a_saturday_morning() -> None:
    calendar = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30",
                                             overrides={date(2026, 3, 7): "09:00-12:00"})
    assert add_working_days(calendar, local(2026, 3, 6, 10, 0), 1) == local(2026, 3, 7, 12, 0)
    assert add_working_time(calendar, local(2026, 3, 6, 17, 0), hours(1)) == local(2026, 3, 7, 9, 30)


def test_override_opens_a_holiday_and_closes_a_make_up_day() -> None:
    calendar = WorkingCalendar.working_hours(
        "08:30-12:00, 13:30-17:30",
        overrides={date(2026, 10, 2): "09:00-12:00", date(2026, 9, 20): ""},
    )
    assert add_working_time(calendar, local(2026, 9, 30, 18, 45), hours(3)) == local(2026, 10, 2, 12, 0)
    assert add_working_days(calendar, local(2026, 9, 19, 10, 0), 1) == local(2026, 9, 21, 17, 30)


def test_override_closes_a_day_of_a_7x24_calendar() -> None:
    calendar = WorkingCalendar.around_the_clock(overrides={date(2026, 10, 1): ()})
    assert add_working_time(calendar, local(2026, 9, 30, 18, 45), hours(12)) == local(2026, 10, 2, 6, 45)


def test_make_up_days_can_have_their_own_windows() -> None:
    calendar = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30", makeup_day_windows="09:00-12:00")
    assert working_day_close(calendar, date(2026, 2, 14)) == local(2026, 2, 14, 12, 0)
    assert working_day_close(calendar, date(2026, 2, 13)) == local(2026, 2, 13, 17, 30)


def test_company_closures_add_to_official_holidays() -> None:
    calendar = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30", closed_dates=[date(2026, 3, 9)])
    assert not is_working_day(calendar, date(2026, 3, 9))
    assert not is_working_day(calendar, date(2026, 10, 1))


# -- pauses (SLA-3) -----------------------------------------------------------------------------------


def test_pause_over_a_whole_working_day_shifts_the_due_time_by_one_working_day() -> None:
    start = local(2026, 3, 2, 8, 30)
    assert add_working_time(DESK, start, hours(7.5)) == local(2026, 3, 2, 17, 30)
    paused = [(local(2026, 3, 2, 8, 30), local(2026, 3, 2, 17, 30))]
    assert add_working_time(DESK, start, hours(7.5), paused) == local(2026, 3, 3, 17, 30)


def test_pauses_overlapping_and_before_the_start() -> None:
    start = local(2026, 3, 2, 9, 0)
    pauses = [
        (local(2026, 3, 1, 9, 0), local(2026, 3, 2, 10, 0)),  # began before the start: 1 h hidden
        (local(2026, 3, 2, 13, 0), local(2026, 3, 2, 15, 0)),  # 1.5 h of working time (13:30–15:00)
        (local(2026, 3, 2, 14, 0), local(2026, 3, 2, 15, 30)),  # overlaps the previous one: +30 min
    ]
    # 10:00–12:00 gives 2 h, the clock resumes at 15:30 for the third hour.
    assert add_working_time(DESK, start, hours(3), pauses) == local(2026, 3, 2, 16, 30)
    # 7 h of working time from 9:00, less 1 h and 2 h paused.
    assert working_time_between(DESK, start, local(2026, 3, 2, 17, 30), pauses) == hours(4)


def test_clock_paused_before_the_next_window_starts_when_the_pause_ends() -> None:
    pauses = [(local(2026, 3, 2, 18, 0), local(2026, 3, 3, 9, 0))]
    assert add_working_time(DESK, local(2026, 3, 2, 17, 45), timedelta(0), pauses) == local(2026, 3, 3, 9, 0)
    assert add_working_time(DESK, local(2026, 3, 2, 17, 45), hours(1), pauses) == local(2026, 3, 3, 10, 0)


def test_pause_until_further_notice_leaves_no_due_time() -> None:
    pauses = [(local(2026, 3, 2, 10, 0), None)]
    assert add_working_time(DESK, local(2026, 3, 2, 9, 0), hours(2), pauses) is None
    # Used up before the open pause begins: the due time stands.
    assert add_working_time(DESK, local(2026, 3, 2, 9, 0), hours(1), pauses) == local(2026, 3, 2, 10, 0)
    assert working_time_between(DESK, local(2026, 3, 2, 9, 0), local(2026, 3, 2, 17, 30), pauses) == hours(1)


def test_working_days_target_is_pushed_back_by_paused_working_time() -> None:
    start = local(2026, 2, 13, 10, 0)
    pauses = [(local(2026, 2, 14, 8, 30), local(2026, 2, 14, 12, 0))]  # 3.5 working hours
    assert add_working_days(DESK, start, 1, pauses) == local(2026, 2, 24, 12, 0)


# -- coverage of the official schedule --------------------------------------------------------------


def test_computation_reaching_past_the_provisional_years_raises_the_named_error() -> None:
    """Issue 10 item 14: the three years after the last announced one are provisional (statutory
    holidays) and compute; past them, and before the first known year, the calendar still refuses."""
    last = china_official_schedule().last_year
    assert DESK.covers(last + 3) and not DESK.covers(last + 4)
    assert DESK.provisional_from == last + 1
    assert add_working_time(DESK, local(last + 1, 1, 4, 9, 0), hours(1)) is not None
    with pytest.raises(OutsideCalendarCoverage) as raised:
        add_working_time(DESK, local(last + 4, 1, 4, 9, 0), hours(1))
    assert raised.value.year == last + 4
    with pytest.raises(OutsideCalendarCoverage):
        add_working_days(DESK, local(last + 3, 12, 31, 10, 0), 1)
    with pytest.raises(OutsideCalendarCoverage):
        add_working_time(DESK, local(2003, 12, 31, 10, 0), hours(1))
    strict = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30", official=china_official_schedule())
    with pytest.raises(OutsideCalendarCoverage):  # a schedule without provisional years: announced years only
        add_working_days(strict, local(last, 12, 31, 10, 0), 1)


def test_computation_ending_inside_the_covered_years_does_not_raise() -> None:
    assert add_working_time(DESK, local(2026, 12, 31, 16, 0), hours(1.5)) == local(2026, 12, 31, 17, 30)


def test_calendars_without_official_holidays_have_no_coverage_limit() -> None:
    weekdays = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30", official=False)
    assert add_working_time(weekdays, local(2030, 10, 1, 9, 0), hours(1)) == local(2030, 10, 1, 10, 0)
    assert add_working_time(HOTLINE, local(2030, 1, 1), hours(1)) == local(2030, 1, 1, 1, 0)


def test_an_administrator_entered_year_extends_the_coverage() -> None:
    schedule = china_official_schedule()
    year = schedule.last_year + 1
    extended = schedule.extended(
        year=year, holidays=[date(year, 1, 1)], makeup_working_dates=[], source="admin"
    )
    calendar = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30", official=extended)
    assert calendar.covers(year)
    assert not is_working_day(calendar, date(year, 1, 1))


# -- time zones ------------------------------------------------------------------------------------


def test_dst_days_have_their_real_length() -> None:
    hotline = WorkingCalendar.around_the_clock(time_zone="America/New_York")
    spring = working_time_between(hotline, datetime(2026, 3, 8, tzinfo=NEW_YORK),
                                  datetime(2026, 3, 9, tzinfo=NEW_YORK))
    autumn = working_time_between(hotline, datetime(2026, 11, 1, tzinfo=NEW_YORK),
                                  datetime(2026, 11, 2, tzinfo=NEW_YORK))
    assert (spring, autumn) == (hours(23), hours(25))


def test_a_window_in_a_spring_forward_gap_does_not_exist_and_a_fold_counts_twice() -> None:
    night = WorkingCalendar.working_hours(
        "01:00-02:00, 02:00-02:45", weekdays=range(7), official=False, time_zone="America/New_York"
    )
    assert windows_on(night, date(2026, 3, 8)) == [
        (datetime(2026, 3, 8, 1, 0, tzinfo=NEW_YORK), datetime(2026, 3, 8, 3, 0, tzinfo=NEW_YORK))
    ]
    folded_day = working_time_between(
        night, datetime(2026, 11, 1, tzinfo=NEW_YORK), datetime(2026, 11, 2, tzinfo=NEW_YORK)
    )
    assert folded_day == hours(2.75)


# -- configuration -----------------------------------------------------------------------------------


def test_window_parsing() -> None:
    assert parse_windows("08:30-12:00, 13:30–17:30") == (Window(30600, 43200), Window(48600, 63000))
    assert parse_windows("closed") == ()
    assert Window.from_times(time(18, 0), time(0, 0)) == Window(64800, 86400)
    assert str(Window.parse("00:00-24:00")) == "00:00–24:00"


@pytest.mark.parametrize("text", ["12:00-08:00", "08:00-25:00", "8h-12h", "08:00-12:00, 11:00-13:00"])
def test_invalid_windows_are_refused(text: str) -> None:
    with pytest.raises(InvalidCalendar):
        parse_windows(text)


def test_a_date_cannot_be_both_closed_and_a_make_up_day() -> None:
    with pytest.raises(InvalidCalendar):
        WorkingCalendar.working_hours("08:30-17:30", closed_dates=[date(2026, 2, 14)])


def test_equal_calendars_share_their_precomputed_years() -> None:
    again = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30")
    assert again == DESK
    assert again._timeline is DESK._timeline
