"""From calendar rows to ``WorkingCalendar`` values (SLA-1), and the checks the admin runs."""

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from servicedesk.sla.calendar import WorkingCalendar, parse_windows
from servicedesk.sla.exceptions import InvalidCalendar
from servicedesk.sla.official import OfficialSchedule, china_official_schedule

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_dates(text: str) -> list[date]:
    """Dates written one per line or separated by commas or spaces: '2027-01-01, 2027-02-06'."""
    found = _DATE.findall(text or "")
    leftover = _DATE.sub("", text or "").replace(",", " ").replace("，", " ").split()
    if leftover:
        raise ValueError(_("Not a date: %(text)s (write dates as 2027-01-01).") % {"text": leftover[0]})
    return [date.fromisoformat(value) for value in found]


# (year, holidays, make-up dates, source) rows, as stored in OfficialYear.
OfficialRows = tuple[tuple[int, tuple[date, ...], tuple[date, ...], str], ...]


@lru_cache(maxsize=8)
def official_schedule(rows: OfficialRows) -> OfficialSchedule:
    """The package's schedule extended by the administrator's years, in order, while they follow
    on from the last covered year (a gap ends the extension), then the provisional years computed
    from the statutory rules (issue 10 item 14): an entered year supersedes its provisional one."""
    schedule = china_official_schedule()
    for year, holidays, makeup, source in sorted(rows):
        if year <= schedule.last_year:
            continue  # the package already knows it; the package wins
        if year != schedule.last_year + 1:
            break
        schedule = schedule.extended(year=year, holidays=holidays, makeup_working_dates=makeup, source=source)
    return schedule.with_provisional_years()


# kind, zone, windows, weekdays, official, makeup
CalendarRow = tuple[str, str, str, tuple[int, ...], bool, str]
OverrideRows = tuple[tuple[date, bool, str], ...]


@lru_cache(maxsize=256)
def working_calendar(row: CalendarRow, overrides: OverrideRows, official: OfficialRows) -> WorkingCalendar:
    """A pure function of its (hashable) inputs, so equal calendars are built once per process."""
    kind, zone, windows, weekdays, follows_official, makeup_windows = row
    override_map = {day: ("closed" if closed else text) for day, closed, text in overrides}
    if kind == "24x7":
        return WorkingCalendar.around_the_clock(
            time_zone=zone, overrides={day: parse_windows(value) for day, value in override_map.items()})
    return WorkingCalendar.working_hours(
        windows, weekdays=weekdays, time_zone=zone,
        official=official_schedule(official) if follows_official else False,
        makeup_day_windows=makeup_windows or None, overrides=override_map,
    )


def calendar_row(calendar: object) -> CalendarRow:
    return (
        calendar.kind, calendar.time_zone, calendar.windows,  # type: ignore[attr-defined]
        tuple(sorted(int(d) for d in calendar.weekdays or ())),  # type: ignore[attr-defined]
        bool(calendar.follows_official_holidays), calendar.makeup_day_windows,  # type: ignore[attr-defined]
    )


def override_rows(overrides: Iterable[object]) -> OverrideRows:
    return tuple(sorted((o.date, o.closed, o.windows) for o in overrides))  # type: ignore[attr-defined]


def official_rows(years: Iterable[object]) -> OfficialRows:
    rows = []
    for year in years:
        rows.append((year.year, tuple(parse_dates(year.holidays)),  # type: ignore[attr-defined]
                     tuple(parse_dates(year.makeup_working_dates)), year.source))  # type: ignore[attr-defined]
    return tuple(sorted(rows))


def calendar_value_check(calendar: object) -> None:
    """Model.clean(): the row must make a valid calendar (windows parse, weekdays 0–6, zone known)."""
    weekdays = calendar.weekdays  # type: ignore[attr-defined]
    if not isinstance(weekdays, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in weekdays):
        raise ValidationError({"weekdays": _("A list of weekday numbers, 0 = Monday … 6 = Sunday.")})
    for name in ("windows", "makeup_day_windows"):
        try:
            parse_windows(getattr(calendar, name) or "")
        except (InvalidCalendar, ValueError) as error:
            raise ValidationError({name: str(error)}) from None
    try:
        working_calendar(calendar_row(calendar), (), ())
    except InvalidCalendar as error:
        raise ValidationError(error.message) from None


def official_year_check(year: object) -> None:
    errors = {}
    for name in ("holidays", "makeup_working_dates"):
        try:
            dates = parse_dates(getattr(year, name))
        except ValueError as error:
            errors[name] = str(error)
            continue
        stray = [d for d in dates if d.year != year.year]  # type: ignore[attr-defined]
        if stray:
            errors[name] = _("%(date)s is not in %(year)s.") % {"date": stray[0], "year": year.year}  # type: ignore[attr-defined]
    if not errors and set(parse_dates(year.holidays)) & set(parse_dates(year.makeup_working_dates)):  # type: ignore[attr-defined]
        errors["makeup_working_dates"] = _("A date cannot be both a day off and a make-up working day.")
    if errors:
        raise ValidationError(errors)
