"""``sla.W001``: the official holiday schedule runs out soon, or has run out (SLA-1, issue 10
items 13 and 14).

China's holidays for a year are announced each November. Past the last announced year the
calendars compute with the statutory days off and mark those due times provisional (see
``official.py``). Administrators are warned from 60 days ahead to update ``chinesecalendar`` or to
enter the notice as an OfficialYear:

- ``servicedesk check`` shows the warning; the other commands do not, although Django runs the
  system checks on most of them (``migrate``, ``serve``, ``worker``, ``seed-demo`` …), where it
  was noise printed at every start. Our ``check`` command says so with ``checking_command``;
- the admin shows it on its index page, and once a day to each administrator on the SLA pages;
- while due times are provisional, a worker job notifies the active administrators once a day
  (``recompute.provisional_calendar_warn``).
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WARN_DAYS = 60

_checking = ContextVar("sla_checking_command", default=False)


@contextmanager
def checking_command() -> Iterator[None]:
    """Set by the ``check`` command around its run: only then does ``sla.W001`` speak."""
    token = _checking.set(True)
    try:
        yield
    finally:
        _checking.reset(token)


def official_coverage_end() -> datetime.date:
    """The last day for which official holidays are announced: the package plus the OfficialYear
    rows that follow it without a gap (the provisional years after it excluded)."""
    from servicedesk.sla.calendars import official_rows, official_schedule
    from servicedesk.sla.models import OfficialYear

    schedule = official_schedule(official_rows(OfficialYear.objects.all()))
    return datetime.date(schedule.announced_last_year, 12, 31)


def coverage_warning(today: datetime.date | None = None) -> str | None:
    """The message to show, or None while the announced coverage lasts more than WARN_DAYS days."""
    today = today or timezone.localdate()
    end = official_coverage_end()
    if end < today:
        return _("China's official holidays are announced only until %(end)s: due times after that "
                 "date are provisional, computed with the statutory holidays and without make-up "
                 "working days. Update the chinesecalendar package or enter the State Council's "
                 "notice for %(year)d as an official holiday year: the provisional due times are "
                 "then recomputed.") % {"end": end, "year": end.year + 1}
    if (end - today).days <= WARN_DAYS:
        return _("China's official holidays are known only until %(end)s (%(days)d days from now). Update "
                 "the chinesecalendar package or enter the State Council's notice for %(year)d as an "
                 "official holiday year.") % {"end": end, "days": (end - today).days, "year": end.year + 1}
    return None


def provisional_timer_count() -> int:
    """Open clocks whose due time is provisional."""
    from servicedesk.sla.models import OPEN_TIMER_STATES, Timer

    return Timer.objects.filter(provisional=True, state__in=OPEN_TIMER_STATES).count()


def unknown_timer_count() -> int:
    """Clocks that cannot be computed (state unknown, issue 11 item 5): open by definition."""
    from servicedesk.sla.models import Timer, TimerState

    return Timer.objects.filter(state=TimerState.UNKNOWN).count()


def unknown_message(count: int) -> str:
    """The admin's banner while clocks cannot be computed: how many, and what to do."""
    return ngettext(
        "%(count)d clock cannot be computed: it reaches a year whose official holidays are not known. Enter "
        "the State Council's notice for that year as an official holiday year (or update the chinesecalendar "
        "package): it is then recomputed.",
        "%(count)d clocks cannot be computed: they reach a year whose official holidays are not known. Enter "
        "the State Council's notice for that year as an official holiday year (or update the chinesecalendar "
        "package): they are then recomputed.",
        count) % {"count": count}


def provisional_state(today: datetime.date | None = None) -> tuple[int, int] | None:
    """While provisional years are in use — open clocks with a provisional due time, or today past
    the announced holidays — the number of such clocks and the first year not announced; None
    otherwise."""
    today = today or timezone.localdate()
    end = official_coverage_end()
    count = provisional_timer_count()
    if not count and today <= end:
        return None
    return count, end.year + 1


def provisional_message(count: int, year: int) -> str:
    """The daily warning to administrators (and the admin's banner) while due times are provisional."""
    message = ngettext(
        "%(count)d open due time is provisional: China's official holidays for %(year)d are not announced "
        "yet, so it is computed with the statutory holidays and without make-up working days.",
        "%(count)d open due times are provisional: China's official holidays for %(year)d are not announced "
        "yet, so they are computed with the statutory holidays and without make-up working days.",
        count) % {"count": count, "year": year}
    action = _("Enter the State Council's notice for %(year)d as an official holiday year (or update the "
               "chinesecalendar package): every provisional due time is then recomputed.") % {"year": year}
    return f"{message} {action}"


@register("sla")
def official_coverage_check(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    if not _checking.get():
        return []  # not the check command (see the module docstring)
    try:
        message = coverage_warning()
    except DatabaseError:
        return []  # not migrated yet
    if message is None:
        return []
    return [Warning(message, id="sla.W001", hint=_("Admin → Service levels → Official holiday years."))]
