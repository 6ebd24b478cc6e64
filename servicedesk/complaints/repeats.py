"""Repeat complaints (CMP-2, 002 §5 (二) 2): a new complaint about a complaint already accepted or
answered — still open, answered late, or the customer not satisfied — by the same customer (or,
for someone who is not a customer, from the same phone) about the same matter.

The same matter: the same related request or work order, or the same service point and complaint
type within the configured window.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from servicedesk.complaints.models import OPEN_COMPLAINT_STATUSES, Complaint, Satisfaction
from servicedesk.sla.models import Timer, TimerState


@dataclass(frozen=True)
class Matter:
    customer_id: int | None
    phone: str
    about_request_id: int | None
    about_work_order_id: int | None
    service_point_id: int | None
    topic: str


def _answered_late() -> Exists:
    """The complaint's request missed a clock (answered or resolved late), or is past one now."""
    return Exists(
        Timer.objects.filter(
            subject_type="request",
            subject_id=OuterRef("request_id"),
            state__in=(TimerState.MISSED, TimerState.BREACHED),
        )
    )


def repeat_candidates(
    matter: Matter, *, now: datetime.datetime, window_days: int, exclude_id: int | None = None
) -> QuerySet[Complaint]:
    """The earlier complaints this one would repeat, the most recent first."""
    if matter.customer_id is not None:
        same_person = Q(request__customer_id=matter.customer_id)
    elif matter.phone:
        same_person = Q(request__customer__isnull=True, request__reporter_phone=matter.phone)
    else:
        return Complaint.objects.none()
    same_matter = Q(pk__in=[])
    if matter.about_request_id is not None:
        same_matter |= Q(about_request_id=matter.about_request_id)
    if matter.about_work_order_id is not None:
        same_matter |= Q(about_work_order_id=matter.about_work_order_id)
    if matter.service_point_id is not None and matter.topic:
        same_matter |= Q(
            request__service_point_id=matter.service_point_id,
            topic=matter.topic,
            created_at__gte=now - datetime.timedelta(days=window_days),
        )
    still_wrong = (
        Q(status__in=OPEN_COMPLAINT_STATUSES)
        | Q(satisfaction__in=(Satisfaction.AVERAGE, Satisfaction.VERY_POOR))
        | Q(late=True)
    )
    found = (
        Complaint.objects.filter(same_person & same_matter)
        .annotate(late=_answered_late())
        .filter(still_wrong)
        .select_related("request")
        .order_by("-created_at", "-id")
    )
    if exclude_id is not None:
        found = found.exclude(pk=exclude_id)
    return found
