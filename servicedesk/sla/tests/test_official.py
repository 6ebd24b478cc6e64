"""China's official schedule as the calendar sees it (SLA-1), checked against the State Council's
notice for 2026 (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04)."""

from datetime import date, timedelta

import pytest

from servicedesk.sla.official import china_official_schedule, official_calendar_coverage


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
        schedule.extended(year=next_year, holidays=[date(next_year + 1, 1, 1)], makeup_working_dates=[], source="x")
