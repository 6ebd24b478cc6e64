"""The windows of time a service centre accepts for each kind of moment, for the API and the forms.

- past (``validate_past_moment``): when something happened (a contact started, a notice was given,
  supply came back): within the last year, at most five minutes ahead of our clock;
- scheduled (``validate_scheduled_moment``): when something is expected (an ETR, a promised visit,
  a planned outage): from a month back (recorded late) to two years ahead;
- a list filter's bound (``filter_moment_problem``): between 2000 and 2100.

Inputs without an offset are read as the desk's time (Asia/Shanghai).
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

PAST_WINDOW = datetime.timedelta(days=366)
CLOCK_SKEW = datetime.timedelta(minutes=5)
SCHEDULE_BACK = datetime.timedelta(days=31)
SCHEDULE_AHEAD = datetime.timedelta(days=2 * 366)
FILTER_YEARS = (2000, 2100)


def local_aware(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_aware(value):
        return value
    return timezone.make_aware(value, timezone.get_default_timezone())


def _inside(value: datetime.datetime, earliest: datetime.datetime, latest: datetime.datetime) -> bool:
    try:
        return earliest <= local_aware(value) <= latest
    except (OverflowError, ValueError):  # year 1 with an offset that takes it before datetime.min
        return False


def past_moment_problem(value: datetime.datetime) -> str | None:
    now = timezone.now()
    if _inside(value, now - PAST_WINDOW, now + CLOCK_SKEW):
        return None
    return _("must be within the last year and not in the future")


def scheduled_moment_problem(value: datetime.datetime) -> str | None:
    now = timezone.now()
    if _inside(value, now - SCHEDULE_BACK, now + SCHEDULE_AHEAD):
        return None
    return _("must be between a month ago and two years from now")


def filter_moment_problem(value: datetime.datetime) -> str | None:
    zone = timezone.get_default_timezone()
    first, last = FILTER_YEARS
    earliest = datetime.datetime(first, 1, 1, tzinfo=zone)
    if _inside(value, earliest, datetime.datetime(last, 12, 31, 23, 59, tzinfo=zone)):
        return None
    return _("must be between the years %(first)d and %(last)d") % {"first": first, "last": last}


def validate_past_moment(value: datetime.datetime | None) -> None:
    """A form field's validator (``validators=[validate_past_moment]``)."""
    if value is not None and (problem := past_moment_problem(value)):
        raise ValidationError(_("The time %(problem)s.") % {"problem": problem}, code="out_of_window")


def validate_scheduled_moment(value: datetime.datetime | None) -> None:
    if value is not None and (problem := scheduled_moment_problem(value)):
        raise ValidationError(_("The time %(problem)s.") % {"problem": problem}, code="out_of_window")
