"""Writes of a user's notification inbox (kept apart from sla/services.py, the engine's writes)."""

from django.utils import timezone

from servicedesk.org.models import User
from servicedesk.sla.models import Notification
from servicedesk.sla.selectors import notification_get_for_user


def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read (another's is not found); reading twice keeps
    the first time."""
    notification = notification_get_for_user(user, notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        # A conditional update: a concurrent read of the same notification keeps the first time.
        Notification.objects.filter(pk=notification.pk,
                                    read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
