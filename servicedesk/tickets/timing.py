"""Requests and work orders as subjects of the SLA engine (SLA-3): their facts and history.

Registered with the engine in ``TicketsConfig.ready``; the services call ``sync_request_timers``
/ ``sync_work_order_timers`` after every change, in the same transaction.
"""

from django.urls import reverse

from servicedesk.org.models import User
from servicedesk.org.roles import Role
from servicedesk.sla.services import timers_sync
from servicedesk.sla.subjects import SubjectEvent, SubjectFacts
from servicedesk.tickets.models import (
    EventKind,
    RequestEvent,
    ServiceRequest,
    WorkOrder,
    WorkOrderEvent,
)

REQUEST = "request"
WORK_ORDER = "work_order"


def _event(row: RequestEvent | WorkOrderEvent) -> SubjectEvent:
    action = "created" if row.kind == EventKind.CREATED else row.action
    return SubjectEvent(at=row.at, action=action, from_status=row.from_status, to_status=row.to_status,
                        reason=row.reason)


def _desk_managers() -> list[int]:
    return list(User.objects.filter(role=Role.DESK_MANAGER, is_active=True).values_list("pk", flat=True))


def _lead_of(user_id: int | None) -> list[int]:
    if user_id is None:
        return []
    lead = User.objects.filter(pk=user_id).values_list("unit__lead_id", flat=True).first()
    return [lead] if lead else []


class RequestSubject:
    def facts(self, subject_id: int) -> SubjectFacts:
        request = ServiceRequest.objects.select_related("customer", "request_type").get(pk=subject_id)
        return request_facts(request)

    def history(self, subject_id: int) -> list[SubjectEvent]:
        rows = RequestEvent.objects.filter(request_id=subject_id).exclude(kind=EventKind.NOTE).order_by("at", "id")
        return [_event(row) for row in rows]

    def recipients(self, subject_id: int) -> dict[str, list[int]]:
        request = ServiceRequest.objects.only("assignee_id", "created_by_id", "responsible_unit_id").get(pk=subject_id)
        owner = request.assignee_id or request.created_by_id
        unit_lead = list(ServiceRequest.objects.filter(pk=subject_id).exclude(
            responsible_unit__lead__isnull=True).values_list("responsible_unit__lead_id", flat=True))
        return {"owner": [owner], "team_lead": unit_lead or _lead_of(owner), "desk_manager": _desk_managers()}


def request_facts(request: ServiceRequest) -> SubjectFacts:
    return SubjectFacts(
        request_type_id=request.request_type_id, severity=request.severity, priority=request.priority,
        customer_class=request.customer.customer_class if request.customer_id else "",  # type: ignore[union-attr]
        channel=request.channel,
        label=f"{request.reference} {request.subject}",
        link=reverse("web:request_detail", args=[request.pk]),
    )


class WorkOrderSubject:
    def facts(self, subject_id: int) -> SubjectFacts:
        order = WorkOrder.objects.select_related("request", "request__customer").get(pk=subject_id)
        return work_order_facts(order)

    def history(self, subject_id: int) -> list[SubjectEvent]:
        rows = WorkOrderEvent.objects.filter(work_order_id=subject_id).exclude(kind=EventKind.NOTE).order_by("at", "id")
        return [_event(row) for row in rows]

    def recipients(self, subject_id: int) -> dict[str, list[int]]:
        order = WorkOrder.objects.only("provider_id", "created_by_id").get(pk=subject_id)
        staff = list(User.objects.filter(provider_id=order.provider_id, is_active=True).values_list("pk", flat=True))
        return {"owner": staff, "team_lead": [order.created_by_id] + _lead_of(order.created_by_id),
                "desk_manager": _desk_managers()}


def work_order_facts(order: WorkOrder) -> SubjectFacts:
    request = order.request
    return SubjectFacts(
        request_type_id=request.request_type_id, severity=request.severity, priority=order.priority,
        customer_class=request.customer.customer_class if request.customer_id else "",  # type: ignore[union-attr]
        channel=request.channel, provider_id=order.provider_id,
        label=f"{order.reference} {request.subject}",
        link=reverse("web:work_order_detail", args=[order.pk]),
    )


def sync_request_timers(request: ServiceRequest, *, created_event: RequestEvent | None = None) -> None:
    if created_event is not None:
        timers_sync(subject_type=REQUEST, subject_id=request.pk, facts=request_facts(request),
                    events=[_event(created_event)], new=True)
    else:
        timers_sync(subject_type=REQUEST, subject_id=request.pk, facts=request_facts(request))


def sync_work_order_timers(order: WorkOrder, *, created_event: WorkOrderEvent | None = None) -> None:
    if created_event is not None:
        timers_sync(subject_type=WORK_ORDER, subject_id=order.pk, facts=work_order_facts(order),
                    events=[_event(created_event)], new=True)
    else:
        timers_sync(subject_type=WORK_ORDER, subject_id=order.pk, facts=work_order_facts(order))
