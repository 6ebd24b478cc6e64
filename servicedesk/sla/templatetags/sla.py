"""Template helpers of the SLA display: the header's unread notification count."""

import datetime

from django import template
from django.utils import timezone

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


@register.filter
def time_left(due_at: datetime.datetime | None) -> str:
    """'3 hours 20 minutes left' / 'overdue by 1 hour' for a due time, as of now."""
    if due_at is None:
        return ""
    return time_left_text(int((due_at - timezone.now()).total_seconds()))


@register.filter
def overdue(due_at: datetime.datetime | None) -> bool:
    return due_at is not None and due_at <= timezone.now()
