"""China's official holidays and adjusted working days (法定节假日 / 调休), SLA-1.

The source is the PyPI package ``chinesecalendar`` (module ``chinese_calendar``), which transcribes
each year's notice of the General Office of the State Council (国务院办公厅关于 N 年部分节假日安排的
通知) as two tables: the days off (holidays, including the weekend days inside a holiday period) and
the make-up working days (weekend days that become working days, e.g. Saturday 2026-02-14 and
2026-02-28 around Spring Festival, Sunday 2026-09-20 and Saturday 2026-10-10 around National Day).

Why this package and not ``holidays``: ``holidays.China`` lists the days off only (make-up working
days appear as text in a label, not as data), and it extrapolates years the State Council has not
announced yet ("estimated" holidays without any make-up days) — a silent guess. ``chinesecalendar``
raises outside its years, and so do we (``OutsideCalendarCoverage``), so that an administrator is
told to update the package or to enter the new notice (``OfficialSchedule.extended``).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
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

    @property
    def coverage(self) -> tuple[int, int]:
        return (self.first_year, self.last_year)

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

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
        if year != self.last_year + 1:
            raise ValueError(f"Only {self.last_year + 1} can be added to a schedule ending in {self.last_year}.")
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


def official_calendar_coverage() -> tuple[int, int]:
    """First and last year for which China's official holidays and make-up days are known."""
    return china_official_schedule().coverage
