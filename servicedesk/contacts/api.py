"""REST endpoints of contact records (INT-1, INT-3, INT-5) and a customer's contact history (INT-2).
The caller card, which also counts open requests, is tickets.caller_api."""

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.contacts.selectors import contact_get_for_user, contact_search, topics
from servicedesk.contacts.services import contact_create
from servicedesk.core.api import (
    IdempotencyKey,
    Page,
    PageParams,
    aware,
    current_user,
    paginate,
    referenced,
    referenced_by_pk,
    require,
    write,
)
from servicedesk.core.api_types import FilterMoment, Id, InputSchema, PastMoment, StrictBool
from servicedesk.core.exceptions import NotFound
from servicedesk.customers.api import (
    CustomerBrief,
    ServicePointBrief,
)
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.customers.phones import PHONE_DESCRIPTION
from servicedesk.org.api import UserBrief
from servicedesk.org.roles import Capability, roles_with

router = Router(tags=["contacts"])


class RequestTypeBrief(Schema):
    code: str
    name: str
    category: str

    @staticmethod
    def resolve_name(request_type: Any) -> str:
        return str(request_type.display_name)


class RequestLink(Schema):
    id: int
    reference: str
    status: str


class ContactOut(Schema):
    id: int
    reference: str = Field(description="C00000012")
    channel: str
    direction: str
    started_at: datetime.datetime
    agent: UserBrief
    reporter_kind: str
    reporter_name: str
    reporter_phone: str
    customer: CustomerBrief | None
    service_point: ServicePointBrief | None
    request_type: RequestTypeBrief | None
    notes: str
    outcome: str
    first_contact_resolution: bool
    request: RequestLink | None


class ContactIn(InputSchema):
    channel: Channel = Channel.PHONE
    direction: ContactRecord.Direction = ContactRecord.Direction.INBOUND
    reporter_kind: ContactRecord.ReporterKind = ContactRecord.ReporterKind.CUSTOMER
    customer_id: Id | None = None
    service_point_id: Id | None = None
    reporter_name: str = Field("", max_length=100)
    reporter_phone: str = Field("", max_length=40, description=PHONE_DESCRIPTION)
    request_type: str | None = Field(None, max_length=50,
                                     description="What the caller asked about: a type code.")
    notes: str = Field("", max_length=4000)
    answered_on_the_spot: StrictBool = Field(False,
                                             description="A consultation or inquiry answered on the call "
                                                          "is closed as first-contact resolution.")
    started_at: PastMoment | None = None


class ContactFilters(PageParams):
    customer_id: Id | None = None
    reporter_phone: str = Field("", max_length=40)
    channel: Channel | None = None
    outcome: ContactRecord.Outcome | None = None
    started_after: FilterMoment | None = None
    started_before: FilterMoment | None = None


_SEARCH = roles_with(Capability.SEARCH_CUSTOMERS)


@router.post("/contacts", response={201: ContactOut}, summary="Record a contact",
             description="Record one contact: a customer, a non-customer such as the police (name "
                         "or phone required), or an unidentified caller. `answered_on_the_spot` "
                         "closes a consultation or inquiry as first-contact resolution."
                         f"\n\n**Roles:** {roles_with(Capability.LOG_CONTACT)}.")
def contact_create_endpoint(request: HttpRequest, payload: ContactIn,
                            idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.LOG_CONTACT)

    def create() -> dict[str, Any]:
        contact = contact_create(
            agent=user,
            **payload.model_dump(include={"channel", "direction", "reporter_kind",
                                          "reporter_name", "reporter_phone",
                                          "notes", "answered_on_the_spot"}),
            customer=referenced_by_pk(Customer.objects.all(), payload.customer_id, field="customer_id"),
            service_point=referenced_by_pk(ServicePoint.objects.select_related("customer"),
                                           payload.service_point_id,
                                           field="service_point_id"),
            request_type=(referenced(topics(), field="request_type", code=payload.request_type)
                          if payload.request_type else None),
            started_at=aware(payload.started_at),
        )
        return ContactOut.from_orm(contact).model_dump()

    return write(request, payload=payload, idempotency_key=idempotency_key, action=create)


@router.get("/contacts", response=Page[ContactOut], summary="List contact records",
            description="Newest first. Filters: `customer_id`, `reporter_phone` (any format), `channel`, "
                        f"`outcome`, `started_after`, `started_before`.\n\n**Roles:** {_SEARCH}.")
def contact_list(request: HttpRequest, filters: Query[ContactFilters]) -> dict:
    contacts = contact_search(
        current_user(request), customer_id=filters.customer_id, reporter_phone=filters.reporter_phone,
        channel=filters.channel or "", outcome=filters.outcome or "",
        started_after=aware(filters.started_after), started_before=aware(filters.started_before),
    )
    return paginate(contacts, filters)


@router.get("/contacts/{id:contact_id}", response=ContactOut, summary="A contact record",
            description=f"**Roles:** {_SEARCH}.")
def contact_detail(request: HttpRequest, contact_id: int) -> ContactRecord:
    return contact_get_for_user(current_user(request), contact_id)


@router.get("/customers/{id:customer_id}/contacts", response=Page[ContactOut],
            summary="A customer's contact history",
            description="Every contact with this customer, newest first, shared by all "
                        f"agents.\n\n**Roles:** {_SEARCH}.")
def customer_contact_history(request: HttpRequest, customer_id: int, params: Query[PageParams]) -> dict:
    user = current_user(request)
    require(user, Capability.SEARCH_CUSTOMERS)
    if not Customer.objects.filter(pk=customer_id).exists():
        raise NotFound(_("No such customer."))
    return paginate(contact_search(user, customer_id=customer_id), params)
