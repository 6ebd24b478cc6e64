"""Template helpers of the SLA display: the header's unread notification count, time left, a clock
state's label, the provisional mark of due times and the admin's official-holiday banner (issue 10
item 14)."""

import datetime

from django import template
from django.utils import timezone

from servicedesk.sla.checks import (
    coverage_warning,
    provisional_message,
    provisional_state,
    unknown_message,
    unknown_timer_count,
)
from servicedesk.sla.models import TimerState
from servicedesk.sla.recompute import OFFICIAL_YEARS_LINK
from servicedesk.sla.selectors import time_left_text, unread_notification_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    """The signed-in user's unread notifications (one indexed count, once per page)."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    request = context.get("request")
    cached = getattr(request, "_unread_notifications", None) if request is not None else None
    if cached is None:
        cached = unread_notification_count(user)
        if request is not None:
            request._unread_notifications = cached
    return cached


@register.simple_tag
def timer_state_label(state: str) -> str:
    """A clock's state as people read it (its choice label, never the stored code)."""
    return str(TimerState(state).label)


@register.filter
def time_left(due_at: datetime.datetime | None) -> str:
    """'3 hours 20 minutes left' / 'overdue by 1 hour' for a due time, as of now."""
    if due_at is None:
        return ""
    return time_left_text(int((due_at - timezone.now()).total_seconds()))


@register.filter
def overdue(due_at: datetime.datetime | None) -> bool:
    return due_at is not None and due_at <= timezone.now()


@register.inclusion_tag("sla/_holiday_banner.html")
def official_holiday_banner() -> dict[str, object]:
    """The admin index's banner: the official holidays run out soon, due times are provisional, or
    clocks cannot be computed."""
    warnings = [message for message in (coverage_warning(),) if message]
    state = provisional_state()
    if state is not None:
        warnings.append(provisional_message(*state))
    if unknown := unknown_timer_count():
        warnings.append(unknown_message(unknown))  # issue 11 item 5
    return {"warnings": warnings, "link": OFFICIAL_YEARS_LINK}
