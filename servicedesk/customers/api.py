"""REST endpoints for finding a caller (INT-2) and reading service points; the short forms of
customers and service points that other apps' answers embed.

The caller card (``GET /customers/{id}`` with its open requests) and the contact history live in
contacts/api.py: they read the intake apps, which this foundation app may not import.
"""

import datetime
from decimal import Decimal
from typing import Literal

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from servicedesk.core.api import (
    Page,
    PageParams,
    current_user,
    paginate,
    require,
)
from servicedesk.customers.models import Customer, CustomerFlag, ServicePoint
from servicedesk.customers.selectors import caller_search, service_point_get_for_user
from servicedesk.org.api import UserBrief
from servicedesk.org.roles import Capability, roles_with

router = Router(tags=["customers"])

# The search ranks a bounded list of candidates; pages are cut from it.
SEARCH_LIMIT = 200


class FlagOut(Schema):
    code: str
    name: str

    @staticmethod
    def resolve_name(flag: CustomerFlag) -> str:
        return flag.display_name


class CustomerBrief(Schema):
    id: int
    number: str
    name: str


class CustomerSummary(CustomerBrief):
    kind: str
    customer_class: str
    phone: str
    mobile: str
    is_key_account: bool
    key_account_manager: UserBrief | None
    flags: list[FlagOut]

    @staticmethod
    def resolve_flags(customer: Customer) -> list[CustomerFlag]:
        return list(customer.flags.all())


class AccountOut(Schema):
    id: int
    number: str
    status: str
    amount_owed: Decimal
    opened_on: datetime.date | None


class ServicePointBrief(Schema):
    id: int
    number: str
    utility: str
    address: str
    district: str
    connection_status: str


class ServicePointOut(ServicePointBrief):
    meter_number: str
    network_code: str
    customer: CustomerBrief | None
    account: AccountOut | None


class CallerHitOut(Schema):
    customer: CustomerSummary | None
    matched_on: str = Field(description="phone, account, name or address")
    service_points: list[ServicePointBrief]


class CallerSearchParams(PageParams):
    q: str = Field(..., min_length=1, max_length=200, description="Phone, account or customer number, "
                                                                   "name, or a fragment of the address "
                                                                   "(Chinese text).")
    kind: Literal["auto", "phone", "account", "name", "address"] = "auto"


@router.get("/customers/search", response=Page[CallerHitOut], summary="Find a caller",
            description="Search customers and service points by phone, account or customer number, name, or "
                        "a fragment of the address; `kind=auto` guesses from the text. At most "
                        f"{SEARCH_LIMIT} candidates, paginated.\n\n"
                        f"**Roles:** {roles_with(Capability.SEARCH_CUSTOMERS)}.")
def customer_search(request: HttpRequest, params: Query[CallerSearchParams]) -> dict:
    require(current_user(request), Capability.SEARCH_CUSTOMERS)
    hits = caller_search(query=params.q, kind=params.kind, limit=SEARCH_LIMIT)
    page = paginate(hits, params)
    # Customers found through an address come without their flags; fetch those in one query.
    prefetch_related_objects([hit.customer for hit in page["results"] if hit.customer is not None], "flags")
    return page


@router.get("/service-points/{id:service_point_id}", response=ServicePointOut, summary="A service point",
            description="Address, connection status, network position, customer and account of a service "
                        "point. A self-service customer sees only their own.\n\n**Roles:** "
                        f"{roles_with(Capability.SEARCH_CUSTOMERS, Capability.VIEW_OWN_REQUESTS)}.")
def service_point_detail(request: HttpRequest, service_point_id: int) -> ServicePoint:
    return service_point_get_for_user(current_user(request), service_point_id)
