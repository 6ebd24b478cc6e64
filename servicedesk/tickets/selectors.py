"""Reads of requests and work orders, with the access rules of each role.

- desk roles, supervisors and leadership see every request;
- a dispatcher sees the requests whose responsible unit is theirs or below it;
- provider staff see only their own provider's work orders and the requests behind them;
- a customer sees only their own requests.

Objects outside a user's scope are reported as not found, so their existence does not leak.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import NotFound, PermissionRefused
from servicedesk.core.references import parse_id, parse_reference
from servicedesk.customers.models import Customer
from servicedesk.customers.phones import normalise_phone
from servicedesk.org.models import OrgUnit, User
from servicedesk.org.roles import Capability
from servicedesk.org.selectors import unit_subtree_ids
from servicedesk.tickets.models import (
    OPEN_REQUEST_STATUSES,
    PriorityRule,
    RequestEvent,
    RequestType,
    RoutingRule,
    ServiceRequest,
    WorkOrder,
    WorkOrderEvent,
)
from servicedesk.tickets.routing import (
    priority_rule_applies,
    request_facts,
    routing_rule_applies,
    routing_rule_unit,
)


def _requests() -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.select_related(
        "request_type", "customer", "service_point", "responsible_unit", "created_by"
    )


def request_list_for_user(user: User) -> QuerySet[ServiceRequest]:
    requests = _requests()
    if user.can(Capability.VIEW_ALL_REQUESTS):
        return requests
    if user.can(Capability.VIEW_UNIT_QUEUE):
        return requests.filter(responsible_unit_id__in=unit_subtree_ids(user.unit_id))
    if user.can(Capability.WORK_ON_ORDERS) and user.provider_id:
        return requests.filter(work_orders__provider_id=user.provider_id).distinct()
    if user.can(Capability.VIEW_OWN_REQUESTS) and user.customer_id:
        return requests.filter(customer_id=user.customer_id)
    raise PermissionRefused(_("Your role may not see service requests."))


def request_get_for_user(user: User, request_id: int, *, with_timeline: bool = False) -> ServiceRequest:
    requests = request_list_for_user(user)
    if with_timeline:
        requests = requests.prefetch_related(
            Prefetch("events", queryset=RequestEvent.objects.select_related("actor").order_by("at", "id")),
            Prefetch("work_orders", queryset=WorkOrder.objects.select_related("provider").order_by("id")),
            "contacts",
        )
    try:
        return requests.get(pk=request_id)
    except ServiceRequest.DoesNotExist:
        raise NotFound(_("No such service request.")) from None


def dispatch_queue(user: User) -> QuerySet[ServiceRequest]:
    """The dispatcher's queue: open requests of their units, most urgent and oldest first."""
    if not user.can(Capability.DISPATCH):
        raise PermissionRefused(_("Only dispatchers have a dispatch queue."))
    requests = request_list_for_user(user).filter(status__in=OPEN_REQUEST_STATUSES)
    return requests.order_by("priority", "created_at", "id")


def work_order_list_for_user(user: User) -> QuerySet[WorkOrder]:
    orders = WorkOrder.objects.select_related("provider", "request", "request__request_type",
                                              "request__service_point")
    if user.can(Capability.VIEW_ALL_REQUESTS):
        return orders
    if user.can(Capability.VIEW_UNIT_QUEUE):
        return orders.filter(request__responsible_unit_id__in=unit_subtree_ids(user.unit_id))
    if user.can(Capability.WORK_ON_ORDERS) and user.provider_id:
        return orders.filter(provider_id=user.provider_id)
    raise PermissionRefused(_("Your role may not see work orders."))


def work_order_get_for_user(user: User, work_order_id: int, *, with_timeline: bool = False) -> WorkOrder:
    orders = work_order_list_for_user(user)
    if with_timeline:
        orders = orders.prefetch_related(
            Prefetch("events", queryset=WorkOrderEvent.objects.select_related("actor").order_by("at", "id"))
        )
    try:
        return orders.get(pk=work_order_id)
    except WorkOrder.DoesNotExist:
        raise NotFound(_("No such work order.")) from None


def request_types_active() -> QuerySet[RequestType]:
    return RequestType.objects.filter(active=True).prefetch_related("fields").order_by("sort_order", "code")


def _by_code_or_id(value: str, field: str) -> dict[str, object]:
    """A filter value naming a unit or provider: digits are an id, anything else a code."""
    value = value.strip()
    if value[:1].isdigit():
        pk = parse_id(value)
        return {f"{field}_id": pk} if pk is not None else {"pk__in": []}
    return {f"{field}__code": value}


def request_search(
    user: User,
    *,
    statuses: Sequence[str] = (),
    priority: int | None = None,
    request_type: str = "",
    responsible_unit: str = "",
    customer_id: int | None = None,
    created_after: datetime.datetime | None = None,
    created_before: datetime.datetime | None = None,
    text: str = "",
) -> QuerySet[ServiceRequest]:
    """The user's requests, filtered, newest first (ties broken by id, so pages never overlap)."""
    requests = request_list_for_user(user)
    if statuses:
        requests = requests.filter(status__in=list(statuses))
    if priority is not None:
        requests = requests.filter(priority=priority)
    if request_type:
        requests = requests.filter(request_type__code=request_type)
    if responsible_unit:
        requests = requests.filter(**_by_code_or_id(responsible_unit, "responsible_unit"))
    if customer_id is not None:
        requests = requests.filter(customer_id=customer_id)
    if created_after is not None:
        requests = requests.filter(created_at__gte=created_after)
    if created_before is not None:
        requests = requests.filter(created_at__lt=created_before)
    if text.strip():
        requests = requests.filter(request_text_condition(text.strip()))
    return requests.order_by("-created_at", "-id")


def request_text_condition(text: str) -> Q:
    """The request list's text search: words in the subject, the request's number ("SR12",
    "sr00000012") or the reporter's phone ("138-0013-8000")."""
    condition = Q(subject__icontains=text)
    reference = parse_reference(text)
    if reference is not None and reference[0] == "SR":
        condition |= Q(pk=reference[1])
    digits = normalise_phone(text)
    if digits and not any(ch.isalpha() for ch in text):
        condition |= Q(reporter_phone=digits)
    return condition


def work_order_search(user: User, *, statuses: Sequence[str] = (), provider: str = "") -> QuerySet[WorkOrder]:
    """The user's work orders, filtered, newest first."""
    orders = work_order_list_for_user(user)
    if statuses:
        orders = orders.filter(status__in=list(statuses))
    if provider:
        orders = orders.filter(**_by_code_or_id(provider, "provider"))
    return orders.order_by("-created_at", "-id")


def open_requests_of_customer(user: User, customer: Customer) -> QuerySet[ServiceRequest]:
    """The customer's open requests this user may see, most urgent and oldest first."""
    return (request_list_for_user(user).filter(customer=customer, status__in=OPEN_REQUEST_STATUSES)
            .order_by("priority", "created_at"))


def open_request_count(customer_id: int) -> int:
    return ServiceRequest.objects.filter(customer_id=customer_id, status__in=OPEN_REQUEST_STATUSES).count()


def request_with_timeline(service_request: ServiceRequest) -> ServiceRequest:
    """Load onto a request already in hand (e.g. the row a service returned) what its detail shows:
    the same relations and timeline as ``request_get_for_user(..., with_timeline=True)``."""
    prefetch_related_objects(
        [service_request], "request_type", "customer", "service_point", "responsible_unit", "created_by",
        Prefetch("events", queryset=RequestEvent.objects.select_related("actor").order_by("at", "id")),
        Prefetch("work_orders", queryset=WorkOrder.objects.select_related("provider").order_by("id")),
        "contacts",
    )
    return service_request


def recent_requests_with_facts(limit: int = 200) -> list[tuple[ServiceRequest, dict[str, Any]]]:
    """The ``limit`` most recent requests with the facts routing and priority rules read, for the
    administrators' preview of a rule (INT-6, INT-7). Three queries whatever the limit."""
    requests = list(ServiceRequest.objects.select_related(
        "request_type", "customer", "service_point",
        "responsible_unit").order_by("-created_at", "-id")[:limit])
    link = Customer.flags.through
    flags: dict[int, list[str]] = {}
    for customer_id, code in link.objects.filter(
            customer_id__in={r.customer_id for r in requests if r.customer_id},
    ).order_by("customerflag__code").values_list("customer_id", "customerflag__code"):
        flags.setdefault(customer_id, []).append(code)
    return [(request, request_facts(channel=request.channel, district=request.district,
                                    attributes=request.attributes or {}, customer=request.customer,
                                    service_point=request.service_point,
                                    flags=flags.get(request.customer_id, []) if request.customer_id else []))
            for request in requests]


RULE_PREVIEW_LIMIT = 200


@dataclass(frozen=True)
class RuleMatch:
    request: ServiceRequest
    unit: OrgUnit | None = None  # a routing rule: the unit it would send the request to


def routing_rule_preview(rule: RoutingRule, limit: int = RULE_PREVIEW_LIMIT) -> tuple[list[RuleMatch], int]:
    """Which of the ``limit`` most recent requests ``rule`` (saved or not) matches, and where it
    would send each, by the code that routes new requests (INT-7). Also how many were examined."""
    recent = recent_requests_with_facts(limit)
    matches = [RuleMatch(request, routing_rule_unit(rule, facts))
               for request, facts in recent
               if routing_rule_applies(rule, request_type_id=request.request_type_id, channel=request.channel,
                                       facts=facts)]
    return matches, len(recent)


def priority_rule_preview(rule: PriorityRule, limit: int = RULE_PREVIEW_LIMIT) -> tuple[list[RuleMatch], int]:
    """Which of the ``limit`` most recent requests ``rule`` (saved or not) matches (INT-6)."""
    recent = recent_requests_with_facts(limit)
    matches = [RuleMatch(request) for request, facts in recent
               if priority_rule_applies(rule, request_type_id=request.request_type_id, facts=facts)]
    return matches, len(recent)
