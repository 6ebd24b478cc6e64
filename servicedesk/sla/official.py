"""China's official holidays and adjusted working days (法定节假日 / 调休), SLA-1.

The source is the PyPI package ``chinesecalendar`` (module ``chinese_calendar``), which transcribes
each year's notice of the General Office of the State Council (国务院办公厅关于 N 年部分节假日安排的
通知) as two tables: the days off (holidays, including the weekend days inside a holiday period) and
the make-up working days (weekend days that become working days, e.g. Saturday 2026-02-14 and
2026-02-28 around Spring Festival, Sunday 2026-09-20 and Saturday 2026-10-10 around National Day).

Why this package and not ``holidays``: ``holidays.China`` lists the days off only (make-up working
days appear as text in a label, not as data), and it extrapolates years the State Council has not
announced yet ("estimated" holidays without any make-up days) — a silent guess. ``chinesecalendar``
raises outside its years, so a year without a notice is never silently taken for a known one.

Provisional years (issue 10 item 14): the notice for a year comes each November, and may come late;
a service centre cannot stop computing due times on 1 January. For a few years after the last
announced one (``PROVISIONAL_YEARS``) the schedule therefore holds the statutory days off of the
《全国年节及纪念日放假办法》 (as amended in 2024, in force from 2025), with no make-up working days
and no substitute days: ``statutory_days_off``. Such years are marked (``provisional_from``): the
due times computed through them are shown as provisional, and recomputed when the notice is
entered as an OfficialYear (which supersedes the provisional year, SLA-5). Past that bound a
computation still raises ``OutsideCalendarCoverage``.

Lunar dates (春节, 端午, 中秋) come from ``lunar-python``; the Qingming solar term from
``chinesecalendar``'s own solar-term table.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar  # type: ignore[import-untyped,unused-ignore]  # no type hints published


@dataclass(frozen=True)
class OfficialSchedule:
    """The official days off and make-up working days for the years ``first_year``..``last_year``."""

    holidays: frozenset[date]
    makeup_working_dates: frozenset[date]
    first_year: int
    last_year: int
    source: str
    # The first of the years at the end computed from the statutory rules, without a notice (None:
    # every year is announced).
    provisional_from: int | None = None

    @property
    def coverage(self) -> tuple[int, int]:
        return (self.first_year, self.last_year)

    @property
    def announced_last_year(self) -> int:
        """The last year of the State Council's notices (package or administrator), provisional
        years excluded."""
        return self.last_year if self.provisional_from is None else self.provisional_from - 1

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def is_provisional(self, year: int) -> bool:
        return self.provisional_from is not None and self.provisional_from <= year <= self.last_year

    def with_provisional_years(self, count: int | None = None) -> "OfficialSchedule":
        """This schedule followed by ``count`` provisional years (statutory days off, no make-up days)."""
        count = PROVISIONAL_YEARS if count is None else count
        if self.provisional_from is not None:
            raise ValueError("The schedule already ends with provisional years.")
        if count <= 0:
            return self
        years = range(self.last_year + 1, self.last_year + count + 1)
        added = frozenset(day for year in years for day in statutory_days_off(year))
        return replace(self, holidays=self.holidays | added, last_year=years[-1], provisional_from=years[0],
                       source=f"{self.source}; {years[0]}–{years[-1]} provisional (statutory rules)")

    def extended(
        self,
        *,
        year: int,
        holidays: Iterable[date],
        makeup_working_dates: Iterable[date],
        source: str,
    ) -> "OfficialSchedule":
        """This schedule plus the next year's notice, as entered by an administrator before the
        package is updated. Only the year right after the last covered one may be added: coverage
        stays one unbroken range, so that a missing year can never pass for a year without holidays.
        """
        if self.provisional_from is not None:
            raise ValueError("Add announced years before the provisional ones (with_provisional_years).")
        if year != self.last_year + 1:
            raise ValueError(f"Only {self.last_year + 1} can be added to a schedule ending in "
                             f"{self.last_year}.")
        added_holidays = frozenset(holidays)
        added_makeup = frozenset(makeup_working_dates)
        stray = sorted(d for d in added_holidays | added_makeup if d.year != year)
        if stray:
            raise ValueError(f"Dates outside {year}: {', '.join(map(str, stray))}.")
        if added_holidays & added_makeup:
            raise ValueError("A date cannot be both a holiday and a make-up working day.")
        return OfficialSchedule(
            holidays=self.holidays | added_holidays,
            makeup_working_dates=self.makeup_working_dates | added_makeup,
            first_year=self.first_year,
            last_year=year,
            source=f"{self.source}; {source}",
        )


@lru_cache(maxsize=1)
def china_official_schedule() -> OfficialSchedule:
    """China's schedule as known to the installed ``chinesecalendar`` (2004–2026 in 1.11.0)."""
    holidays = frozenset(chinese_calendar.holidays)
    makeup = frozenset(chinese_calendar.workdays)
    # The package's own range check uses the years of its holiday table; we use the same range.
    first_year = min(holidays).year
    last_year = max(holidays).year
    return OfficialSchedule(
        holidays=holidays,
        makeup_working_dates=makeup,
        first_year=first_year,
        last_year=last_year,
        source=f"chinesecalendar {chinese_calendar.__version__}",
    )


@lru_cache(maxsize=1)
def china_schedule_with_provisional_years() -> OfficialSchedule:
    """The package's schedule followed by its provisional years: what a calendar follows by default."""
    return china_official_schedule().with_provisional_years()


def official_calendar_coverage() -> tuple[int, int]:
    """First and last year for which China's official holidays and make-up days are known."""
    return china_official_schedule().coverage


# How many years after the last announced one are computed from the statutory rules. The notice
# for a year is published in the November before it; three years keep every working-day target of
# the desk computable well past a late notice, and do not pretend to know the distant future.
PROVISIONAL_YEARS = 3


@lru_cache(maxsize=32)
def statutory_days_off(year: int) -> frozenset[date]:
    """The days off of the 《全国年节及纪念日放假办法》 (国务院令第 795 号 amended it in 2024, in force
    from 2025) in ``year``, as the law states them, before any notice adjusts them:

    1. 元旦: 1 January;
    2. 春节: 农历除夕 and 正月初一、初二、初三 (除夕 is the last day of the twelfth lunar month: the
       29th in some years, e.g. 2027-02-05 before 正月初一 2027-02-06);
    3. 清明节: the day of the Qingming solar term (4 or 5 April);
    4. 劳动节: 1 and 2 May;
    5. 端午节: 农历五月初五;
    6. 中秋节: 农历八月十五;
    7. 国庆节: 1, 2 and 3 October.

    A day that falls on a weekend is simply a weekend: the law's rule of a substitute day, and the
    make-up working days of each year's notice, exist only in the notice (issue 10 item 14).
    """
    from lunar_python import Lunar  # type: ignore[import-untyped,unused-ignore]  # no type hints published

    def lunar(month: int, day: int) -> date:
        solar = Lunar.fromYmd(year, month, day).getSolar()
        return date(solar.getYear(), solar.getMonth(), solar.getDay())

    spring_festival = lunar(1, 1)
    qingming = next(day for day, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
                    if name == "清明")
    days = {
        date(year, 1, 1),
        *(spring_festival + timedelta(days=offset) for offset in range(-1, 3)),
        qingming,
        date(year, 5, 1), date(year, 5, 2),
        lunar(5, 5),
        lunar(8, 15),
        date(year, 10, 1), date(year, 10, 2), date(year, 10, 3),
    }
    return frozenset(days)
