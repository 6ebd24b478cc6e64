"""Every read of complaints, with who may see what (CMP-4, CMP-5, issue 13 part 10):

- the desk, leadership and quality supervisors: every complaint;
- a dispatcher or department: the complaints with a part for their units;
- a provider's staff: the complaints it owns (taken directly) or has a part of — and of those, only
  its own parts;
- a customer: their own complaints.
"""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.complaints.models import (
    OPEN_COMPLAINT_STATUSES,
    OPEN_PART_STATUSES,
    Complaint,
    ComplaintEvent,
    ComplaintPart,
)
from servicedesk.core.exceptions import NotFound, PermissionRefused
from servicedesk.org.models import User
from servicedesk.org.roles import Capability
from servicedesk.org.selectors import unit_subtree_ids
from servicedesk.sla.models import Timer, TimerState

PART = "complaint_part"


def _complaints() -> QuerySet[Complaint]:
    return Complaint.objects.select_related(
        "request",
        "request__customer",
        "request__service_point",
        "owner",
        "owner_unit",
        "owner_provider",
        "provider",
        "repeat_of",
    )


def may_see_all(user: User) -> bool:
    return user.can(Capability.VIEW_ALL_REQUESTS)


def complaint_list_for_user(user: User) -> QuerySet[Complaint]:
    complaints = _complaints()
    if may_see_all(user):
        return complaints
    if user.can(Capability.WORK_ON_ORDERS) and user.provider_id:
        return complaints.filter(
            Q(owner_provider_id=user.provider_id)
            | Exists(ComplaintPart.objects.filter(complaint=OuterRef("pk"), provider_id=user.provider_id))
        )
    if user.can(Capability.VIEW_UNIT_QUEUE) and user.unit_id:
        units = unit_subtree_ids(user.unit_id)
        return complaints.filter(
            Exists(ComplaintPart.objects.filter(complaint=OuterRef("pk"), unit_id__in=units))
        )
    if user.can(Capability.VIEW_OWN_REQUESTS) and user.customer_id:
        return complaints.filter(request__customer_id=user.customer_id)
    raise PermissionRefused(_("Your role may not see complaints."))


def complaint_get_for_user(user: User, complaint_id: int) -> Complaint:
    try:
        return complaint_list_for_user(user).get(pk=complaint_id)
    except Complaint.DoesNotExist:
        raise NotFound(_("No such complaint.")) from None


def parts_for_user(user: User, complaint: Complaint) -> list[ComplaintPart]:
    """The parts of a complaint the user may see: a provider only its own (CMP-5)."""
    parts = complaint.parts.select_related("unit", "provider", "answered_by").order_by("id")
    if user.provider_id and not may_see_all(user) and complaint.owner_provider_id != user.provider_id:
        parts = parts.filter(provider_id=user.provider_id)
    return list(parts)


def part_get_for_user(user: User, part_id: int) -> ComplaintPart:
    try:
        part = ComplaintPart.objects.select_related(
            "complaint", "complaint__request", "unit", "provider"
        ).get(pk=part_id)
    except ComplaintPart.DoesNotExist:
        raise NotFound(_("No such part of a complaint.")) from None
    complaint = complaint_get_for_user(user, part.complaint_id)
    if part not in parts_for_user(user, complaint):
        raise NotFound(_("No such part of a complaint."))
    return part


def history_for_user(user: User, complaint: Complaint) -> list[ComplaintEvent]:
    """The complaint's history; a provider sees the complaint's own rows and its parts' only."""
    events = complaint.events.select_related("actor", "part", "part__unit", "part__provider").order_by(
        "at", "id"
    )
    if user.provider_id and not may_see_all(user) and complaint.owner_provider_id != user.provider_id:
        events = events.filter(Q(part__isnull=True) | Q(part__provider_id=user.provider_id))
    return list(events)


def _late_parts() -> Exists:
    return Exists(
        Timer.objects.filter(
            subject_type=PART,
            subject_id=OuterRef("parts__pk"),
            state__in=(TimerState.BREACHED, TimerState.MISSED),
        )
    )


def owner_desk(user: User) -> QuerySet[Complaint]:
    """CMP-4: everything the user owns and is still open, with its parts' state, late first."""
    return (
        _complaints()
        .filter(owner=user, status__in=OPEN_COMPLAINT_STATUSES)
        .annotate(
            open_parts=Count("parts", filter=Q(parts__status__in=OPEN_PART_STATUSES), distinct=True),
            late_parts=Count("parts", filter=Q(_late_parts()), distinct=True),
        )
        .order_by("-late_parts", "request__priority", "created_at")
    )


def major_complaints(user: User) -> QuerySet[Complaint]:
    """CMP-3: the manager's view, open ones first."""
    return (
        complaint_list_for_user(user)
        .filter(major=True)
        .annotate(open_parts=Count("parts", filter=Q(parts__status__in=OPEN_PART_STATUSES), distinct=True))
        .order_by("closed_at", "-major_at")
    )


def part_queue(user: User) -> QuerySet[ComplaintPart]:
    """The open parts a partner or department must answer, the oldest first."""
    parts = ComplaintPart.objects.select_related(
        "complaint", "complaint__request", "unit", "provider"
    ).filter(status__in=OPEN_PART_STATUSES)
    if user.provider_id:
        return parts.filter(provider_id=user.provider_id).order_by("created_at")
    if user.unit_id:
        return parts.filter(unit_id__in=unit_subtree_ids(user.unit_id)).order_by("created_at")
    return parts.none()


def month_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime(day.year, day.month, 1))
    following = datetime.datetime(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return start, timezone.make_aware(following)


def hot_issues(
    *, start: datetime.datetime, end: datetime.datetime, limit: int = 10
) -> dict[str, list[dict[str, object]]]:
    """002 §5.1: the most frequent complaint types and places in a period (SQL aggregation)."""
    period = Complaint.objects.filter(created_at__gte=start, created_at__lt=end)
    topics = list(period.values("topic").annotate(count=Count("id")).order_by("-count", "topic")[:limit])
    places = list(
        period.annotate(
            place=Coalesce(NullIf("request__district", Value("")), "request__service_point__district")
        )
        .values("place")
        .annotate(count=Count("id"))
        .order_by("-count", "place")[:limit]
    )
    return {"topics": [dict(row) for row in topics], "places": [dict(row) for row in places]}
