"""Requests and work orders as subjects of the SLA engine (SLA-3): their facts and history.

Registered with the engine in ``TicketsConfig.ready``; the services call ``sync_request_timers``
/ ``sync_work_order_timers`` after every change, in the same transaction.
"""

from collections.abc import Collection

from django.db import connection
from django.db.models.expressions import RawSQL
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


def _leads_of(user_ids: Collection[int]) -> dict[int, int]:
    """The lead of each user's unit, for the users whose unit has one."""
    return dict(User.objects.filter(pk__in=user_ids,
                                    unit__lead__isnull=False).values_list("pk", "unit__lead_id"))


def _among(ids: Collection[int]) -> Collection[int] | RawSQL:
    """The right-hand side of ``pk__in`` for a batch of ids. On PostgreSQL one array parameter: a
    placeholder per id costs about 4.5 ms a thousand ids in Django's and psycopg's handling."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])
    return ids


def _link_parts(url_name: str) -> tuple[str, str]:
    """The detail URL around its id, so that a batch of links costs one reverse() (about 30 µs a
    call: 0.3 s for a sweep of 10,000 warnings)."""
    marker = "987654321987"
    head, _marker, tail = reverse(url_name, args=[int(marker)]).partition(marker)
    return head, tail


class RequestSubject:
    def facts(self, subject_id: int) -> SubjectFacts:
        request = ServiceRequest.objects.select_related("customer", "request_type").get(pk=subject_id)
        return request_facts(request)

    def history(self, subject_id: int) -> list[SubjectEvent]:
        rows = (RequestEvent.objects.filter(request_id=subject_id).exclude(kind=EventKind.NOTE)
                .order_by("at", "id"))
        return [_event(row) for row in rows]

    def recipients(self, subject_id: int) -> dict[str, list[int]]:
        found = self.recipients_many([subject_id])
        if subject_id not in found:
            raise ServiceRequest.DoesNotExist(f"No service request {subject_id}")
        return found[subject_id]

    def facts_many(self, subject_ids: Collection[int]) -> dict[int, SubjectFacts]:
        """``request_facts`` of many requests from one query of values (no model instances: the
        warning sweep asks for thousands)."""
        head, tail = _link_parts("web:request_detail")
        rows = ServiceRequest.objects.filter(pk__in=_among(subject_ids)).values_list(
            "pk", "request_type_id", "severity", "priority", "customer__customer_class", "channel", "subject")
        return {
            pk: SubjectFacts(request_type_id=type_id, severity=severity, priority=priority,
                             customer_class=customer_class or "", channel=channel,
                             label=f"SR{pk:08d} {subject}",  # ServiceRequest.reference
                             link=f"{head}{pk}{tail}")
            for pk, type_id, severity, priority, customer_class, channel, subject in rows}

    def recipients_many(self, subject_ids: Collection[int]) -> dict[int, dict[str, list[int]]]:
        """Owner: the assignee, else who took the call. Team lead: the lead of the responsible
        unit, else of the owner's unit. Desk managers: every active one. Three queries."""
        rows = list(ServiceRequest.objects.filter(pk__in=_among(subject_ids)).values_list(
            "pk", "assignee_id", "created_by_id", "responsible_unit__lead_id"))
        leads = _leads_of({assignee or creator for _pk, assignee, creator,
                           unit_lead in rows if not unit_lead})
        managers = _desk_managers()  # one list shared by every subject: to read, not to change
        found: dict[int, dict[str, list[int]]] = {}
        for pk, assignee, creator, unit_lead in rows:
            owner = assignee or creator
            lead = unit_lead or leads.get(owner)
            found[pk] = {"owner": [owner], "team_lead": [lead] if lead else [], "desk_manager": managers}
        return found


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
        rows = (WorkOrderEvent.objects.filter(work_order_id=subject_id).exclude(kind=EventKind.NOTE)
                .order_by("at", "id"))
        return [_event(row) for row in rows]

    def recipients(self, subject_id: int) -> dict[str, list[int]]:
        found = self.recipients_many([subject_id])
        if subject_id not in found:
            raise WorkOrder.DoesNotExist(f"No work order {subject_id}")
        return found[subject_id]

    def facts_many(self, subject_ids: Collection[int]) -> dict[int, SubjectFacts]:
        """``work_order_facts`` of many work orders from one query of values."""
        head, tail = _link_parts("web:work_order_detail")
        rows = WorkOrder.objects.filter(pk__in=_among(subject_ids)).values_list(
            "pk", "request__request_type_id", "request__severity", "priority",
            "request__customer__customer_class",
            "request__channel", "provider_id", "request__subject")
        return {
            pk: SubjectFacts(request_type_id=type_id, severity=severity, priority=priority,
                             customer_class=customer_class or "", channel=channel, provider_id=provider_id,
                             label=f"WO{pk:08d} {subject}",  # WorkOrder.reference
                             link=f"{head}{pk}{tail}")
            for pk, type_id, severity, priority, customer_class, channel, provider_id, subject in rows}

    def recipients_many(self, subject_ids: Collection[int]) -> dict[int, dict[str, list[int]]]:
        """Owner: the provider's active staff. Team lead: the dispatcher who issued it and the lead
        of their unit. Desk managers: every active one. Four queries."""
        rows = list(WorkOrder.objects.filter(pk__in=_among(subject_ids)).values_list(
            "pk", "provider_id", "created_by_id"))
        staff: dict[int, list[int]] = {}
        for provider_id, user_id in User.objects.filter(
                provider_id__in={provider for _pk, provider, _creator in rows}, is_active=True,
        ).values_list("provider_id", "pk"):
            staff.setdefault(provider_id, []).append(user_id)
        leads = _leads_of({creator for _pk, _provider, creator in rows})
        managers = _desk_managers()  # one list shared by every subject: to read, not to change
        return {pk: {"owner": staff.get(provider, []),
                     "team_lead": [creator] + ([leads[creator]] if creator in leads else []),
                     "desk_manager": managers}
                for pk, provider, creator in rows}


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
