"""Reads of requests and work orders, with the access rules of each role.

- desk roles, supervisors and leadership see every request;
- a dispatcher sees the requests whose responsible unit is theirs or below it;
- provider staff see only their own provider's work orders and the requests behind them;
- a customer sees only their own requests.

Objects outside a user's scope are reported as not found, so their existence does not leak.
"""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import NotFound, PermissionRefused
from servicedesk.org.models import User
from servicedesk.org.roles import Capability
from servicedesk.org.selectors import unit_subtree_ids
from servicedesk.tickets.models import (
    OPEN_REQUEST_STATUSES,
    RequestEvent,
    RequestType,
    ServiceRequest,
    WorkOrder,
    WorkOrderEvent,
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
