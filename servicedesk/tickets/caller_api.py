"""The caller card (INT-2): a customer with accounts, service points, flags, key account manager and
the number of open requests. Here rather than beside the customer's contact history
(contacts.api) because it counts requests, and contacts sit below tickets."""

import datetime

from django.http import HttpRequest
from ninja import Router

from servicedesk.core.api import current_user
from servicedesk.customers.api import AccountOut, CustomerSummary, ServicePointBrief
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.customers.selectors import customer_get_for_user
from servicedesk.org.roles import Capability, roles_with
from servicedesk.tickets.selectors import open_request_count

router = Router(tags=["contacts"])


class CustomerServicePointOut(ServicePointBrief):
    meter_number: str
    network_code: str
    account_number: str | None

    @staticmethod
    def resolve_account_number(point: ServicePoint) -> str | None:
        return point.account.number if point.account is not None else None


class CustomerDetailOut(CustomerSummary):
    email: str
    notes: str
    accounts: list[AccountOut]
    service_points: list[CustomerServicePointOut]
    open_requests_count: int
    created_at: datetime.datetime


@router.get("/customers/{id:customer_id}", response=CustomerDetailOut, summary="The caller card",
            description="A customer with accounts, service points, flags, key account manager and the number "
                        "of open requests. A self-service customer sees only their own card.\n\n**Roles:** "
                        f"{roles_with(Capability.SEARCH_CUSTOMERS, Capability.VIEW_OWN_REQUESTS)}.")
def customer_detail(request: HttpRequest, customer_id: int) -> Customer:
    customer = customer_get_for_user(current_user(request), customer_id)
    customer.open_requests_count = open_request_count(customer.pk)  # type: ignore[attr-defined]
    return customer
