"""Named errors of the SLA engine."""

from django.utils.translation import gettext as _

from servicedesk.core.exceptions import Conflict, ValidationFailed


class OutsideCalendarCoverage(Conflict):
    """A computation needs a year for which no official holiday schedule is known (SLA-1).

    China's holidays and adjusted working days are announced by the State Council each November for
    the following year; they cannot be derived from a rule. Rather than guess, the calendar refuses
    and the caller shows the administrator what to do (update the package or enter the notice).
    """

    code = "outside_calendar_coverage"

    def __init__(self, *, year: int, covered: tuple[int, int]) -> None:
        first, last = covered
        super().__init__(
            _(
                "No official holiday schedule is known for %(year)s (the calendar covers "
                "%(first)s–%(last)s): enter the State Council's holiday notice for %(year)s or update "
                "the holiday data."
            )
            % {"year": year, "first": first, "last": last}
        )
        self.year = year
        self.covered = covered


class InvalidCalendar(ValidationFailed):
    """A calendar's configuration is inconsistent (overlapping windows, a date both closed and open)."""

    code = "invalid_calendar"
