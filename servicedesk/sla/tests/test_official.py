"""China's official schedule as the calendar sees it (SLA-1), checked against the State Council's
notice for 2026 (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04)."""

from datetime import date, timedelta

import pytest

from servicedesk.sla.official import china_official_schedule, official_calendar_coverage, statutory_days_off


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=offset) for offset in range((last - first).days + 1)}


# 一、元旦 1月1日至3日; 二、春节 2月15日至23日; 三、清明节 4月4日至6日; 四、劳动节 5月1日至5日;
# 五、端午节 6月19日至21日; 六、中秋节 9月25日至27日; 七、国庆节 10月1日至7日.
HOLIDAYS_2026 = (
    _days(date(2026, 1, 1), date(2026, 1, 3))
    | _days(date(2026, 2, 15), date(2026, 2, 23))
    | _days(date(2026, 4, 4), date(2026, 4, 6))
    | _days(date(2026, 5, 1), date(2026, 5, 5))
    | _days(date(2026, 6, 19), date(2026, 6, 21))
    | _days(date(2026, 9, 25), date(2026, 9, 27))
    | _days(date(2026, 10, 1), date(2026, 10, 7))
)
# 上班: 1月4日(周日), 2月14日(周六), 2月28日(周六), 5月9日(周六), 9月20日(周日), 10月10日(周六).
MAKEUP_WORKING_DAYS_2026 = {
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
}


def test_package_holidays_for_2026_match_the_state_council_notice() -> None:
    schedule = china_official_schedule()
    assert {day for day in schedule.holidays if day.year == 2026} == HOLIDAYS_2026


def test_package_make_up_working_days_for_2026_match_the_state_council_notice() -> None:
    schedule = china_official_schedule()
    assert {day for day in schedule.makeup_working_dates if day.year == 2026} == MAKEUP_WORKING_DAYS_2026
    assert all(day.weekday() >= 5 for day in MAKEUP_WORKING_DAYS_2026)


def test_coverage_spans_2004_to_at_least_2026() -> None:
    first, last = official_calendar_coverage()
    assert first == 2004
    assert last >= 2026


def test_an_administrator_can_extend_the_schedule_by_the_next_year_only() -> None:
    schedule = china_official_schedule()
    next_year = schedule.last_year + 1
    extended = schedule.extended(
        year=next_year,
        holidays=[date(next_year, 1, 1)],
        makeup_working_dates=[],
        source="entered by admin",
    )
    assert extended.coverage == (schedule.first_year, next_year)
    assert date(next_year, 1, 1) in extended.holidays
    with pytest.raises(ValueError):
        schedule.extended(year=next_year + 1, holidays=[], makeup_working_dates=[], source="x")
    with pytest.raises(ValueError):
        schedule.extended(year=next_year, holidays=[date(next_year + 1, 1, 1)],
                          makeup_working_dates=[], source="x")


# -- provisional years: the statutory days off (issue 10 item 14) -----------------------------------


def test_statutory_days_off_of_2027():
    """Issue 10 item 14, SLA-1: 元旦 01-01; 春节 除夕 02-05 (the 29th of the twelfth month) to 初三
    02-08 (正月初一 is 2027-02-06); 清明 04-05; 劳动节 05-01, 05-02; 端午 06-09; 中秋 09-15;
    国庆 10-01..03 — and nothing else."""
    assert statutory_days_off(2027) == {
        date(2027, 1, 1),
        *_days(date(2027, 2, 5), date(2027, 2, 8)),
        date(2027, 4, 5),
        date(2027, 5, 1), date(2027, 5, 2),
        date(2027, 6, 9),
        date(2027, 9, 15),
        *_days(date(2027, 10, 1), date(2027, 10, 3)),
    }


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_days_off_are_days_off_of_each_announced_notice(year):
    """Issue 10 item 14: the rules give the core of the 2025 and 2026 notices (the years under the
    2024 amendment), each day under the festival the package names."""
    import chinese_calendar

    days = statutory_days_off(year)
    assert len(days) == 13
    assert days <= china_official_schedule().holidays
    festivals = {chinese_calendar.get_holiday_detail(day)[1] for day in days}
    assert festivals == {"New Year's Day", "Spring Festival", "Tomb-sweeping Day", "Labour Day",
                         "Dragon Boat Festival", "Mid-autumn Festival", "National Day"}


def test_provisional_years_follow_the_announced_ones_without_make_up_days():
    """Issue 10 item 14: three provisional years, marked, with the statutory days off only; an
    announced year can no longer be added after them."""
    schedule = china_official_schedule()
    provisional = schedule.with_provisional_years()
    last = schedule.last_year
    assert provisional.coverage == (schedule.first_year, last + 3)
    assert provisional.provisional_from == last + 1 and provisional.announced_last_year == last
    assert provisional.is_provisional(last + 1) and not provisional.is_provisional(last)
    assert provisional.makeup_working_dates == schedule.makeup_working_dates
    assert provisional.holidays - schedule.holidays == (
        statutory_days_off(last + 1) | statutory_days_off(last + 2) | statutory_days_off(last + 3))
    with pytest.raises(ValueError):
        provisional.extended(year=last + 1, holidays=[], makeup_working_dates=[], source="x")
