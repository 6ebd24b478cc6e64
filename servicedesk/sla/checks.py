"""``sla.W001``: the official holiday schedule runs out soon (SLA-1).

China's holidays for a year are announced each November; the calendars refuse to compute past
the last known year rather than guess. Administrators are warned 60 days ahead (system check at
every management command, and a message in the admin) to update ``chinesecalendar`` or to enter
the notice as an OfficialYear.
"""

import datetime

from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

WARN_DAYS = 60


def official_coverage_end() -> datetime.date:
    """The last day for which official holidays are known: the package plus the OfficialYear rows
    that follow it without a gap."""
    from servicedesk.sla.calendars import official_rows, official_schedule
    from servicedesk.sla.models import OfficialYear

    return datetime.date(official_schedule(official_rows(OfficialYear.objects.all())).last_year, 12, 31)


def coverage_warning(today: datetime.date | None = None) -> str | None:
    """The message to show, or None while the coverage lasts more than WARN_DAYS days."""
    today = today or timezone.localdate()
    end = official_coverage_end()
    if end < today:
        return _("China's official holidays are known only until %(end)s: due times after that date cannot be "
                 "computed. Update the chinesecalendar package or enter the State Council's notice for %(year)d "
                 "as an official holiday year.") % {"end": end, "year": end.year + 1}
    if (end - today).days <= WARN_DAYS:
        return _("China's official holidays are known only until %(end)s (%(days)d days from now). Update the "
                 "chinesecalendar package or enter the State Council's notice for %(year)d as an official "
                 "holiday year.") % {"end": end, "days": (end - today).days, "year": end.year + 1}
    return None


@register()
def official_coverage_check(app_configs: object = None, **kwargs: object) -> list[CheckMessage]:
    try:
        message = coverage_warning()
    except DatabaseError:
        return []  # not migrated yet: migrate runs the checks again afterwards
    if message is None:
        return []
    return [Warning(message, id="sla.W001", hint=_("Admin → Service levels → Official holiday years."))]
