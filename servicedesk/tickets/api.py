"""REST endpoints of service requests and work orders (INT-4..INT-7, OUT-6).

Each endpoint parses its input, fetches through a selector (which applies the role's scope: objects
outside it are 404), calls one service and renders. POST /requests is the hot path of the hotline
(benchmarked): its answer is rendered from the objects the service already holds, no re-read.
"""

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from servicedesk.contacts.api import RequestTypeBrief
from servicedesk.contacts.models import ContactRecord
from servicedesk.core.api import (
    IdempotencyKey,
    Page,
    PageParams,
    aware,
    current_user,
    paginate,
    referenced_by_pk,
    referenced_by_pk_or_code,
    require,
    write,
)
from servicedesk.core.exceptions import ValidationFailed
from servicedesk.core.messages import render as render_message
from servicedesk.customers.api import CustomerBrief, ServicePointBrief
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.org.api import ProviderBrief, UnitBrief, UserBrief
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Capability, roles_with
from servicedesk.sla.api import ClockOut
from servicedesk.sla.selectors import sla_view, subject_clocks
from servicedesk.tickets.api_inputs import (
    NoteIn,
    RequestFilters,
    RequestIn,
    RequestPatchIn,
    TransitionIn,
    WorkOrderFilters,
    WorkOrderIn,
)
from servicedesk.tickets.models import (
    EventKind,
    RequestType,
    RequestTypeField,
    ServiceRequest,
    WorkOrder,
)
from servicedesk.tickets.selectors import (
    dispatch_queue,
    request_get_for_user,
    request_search,
    request_types_active,
    request_with_timeline,
    work_order_get_for_user,
    work_order_search,
)
from servicedesk.tickets.services import (
    request_add_note,
    request_create,
    request_reclassify,
    request_set_severity,
    request_transition,
    request_update,
    work_order_create,
    work_order_transition,
)
from servicedesk.tickets.workflow import REQUEST_TRANSITIONS, WORK_ORDER_TRANSITIONS, Transition

router = Router(tags=["requests"])

_SEE_REQUESTS = (Capability.VIEW_ALL_REQUESTS, Capability.VIEW_UNIT_QUEUE, Capability.WORK_ON_ORDERS,
                 Capability.VIEW_OWN_REQUESTS)
_SEE_WORK_ORDERS = (Capability.VIEW_ALL_REQUESTS, Capability.VIEW_UNIT_QUEUE, Capability.WORK_ON_ORDERS)


def _roles(*capabilities: Capability) -> str:
    return f"\n\n**Roles:** {roles_with(*capabilities)}."


def _actions_for(user: User, transitions: dict[str, Transition], status: str) -> list[str]:
    """The actions this user may take now: legal from the status and open to the user's role."""
    return [action for action, transition in transitions.items()
            if status in transition.sources and transition.capability is not None
            and user.can(transition.capability)]


# ----------------------------------------------------------------------------------------------
# Schemas


class ChoiceOut(Schema):
    value: str
    label: str


class RequestTypeFieldOut(Schema):
    key: str
    label: str
    kind: str
    required: bool
    choices: list[ChoiceOut]
    min: float | None
    max: float | None
    unit: str
    help_text: str

    @staticmethod
    def resolve_label(field: RequestTypeField) -> str:
        return field.label_en if get_language() == "en" and field.label_en else field.label

    @staticmethod
    def resolve_choices(field: RequestTypeField) -> list[dict[str, str]]:
        english = get_language() == "en"
        return [{"value": str(choice["value"]),
                 "label": str((english and choice.get("label_en")) or choice.get("label") or choice["value"])}
                for choice in field.choices or []]

    @staticmethod
    def resolve_min(field: RequestTypeField) -> float | None:
        return float(field.min_value) if field.min_value is not None else None

    @staticmethod
    def resolve_max(field: RequestTypeField) -> float | None:
        return float(field.max_value) if field.max_value is not None else None


class RequestTypeOut(RequestTypeBrief):
    description: str
    default_priority: int
    answerable_on_contact: bool
    requires_location: bool
    fields: list[RequestTypeFieldOut]

    @staticmethod
    def resolve_fields(request_type: RequestType) -> list[RequestTypeField]:
        return list(request_type.fields.all())


class RequestOut(Schema):
    id: int
    reference: str = Field(description="SR00000012")
    request_type: RequestTypeBrief
    status: str
    priority: int
    priority_reasons: list[str]
    severity: int | None = Field(description="Severity level 1, 2 or 3; empty until rated.")
    channel: str
    customer: CustomerBrief | None
    service_point: ServicePointBrief | None
    reporter_name: str
    reporter_phone: str
    location: str
    district: str
    subject: str
    description: str
    attributes: dict[str, Any]
    responsible_unit: UnitBrief | None
    crew_type: str
    estimated_completion_at: datetime.datetime | None
    resolution: str
    created_by: UserBrief
    created_at: datetime.datetime
    updated_at: datetime.datetime
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    sla_due_at: datetime.datetime | None = Field(
        None, description="The nearest due time of the request's running SLA clocks (lists only; empty "
                          "when none runs).")

    @staticmethod
    def resolve_sla_due_at(service_request: ServiceRequest) -> datetime.datetime | None:
        return getattr(service_request, "sla_due_at", None)

    sla_due_provisional: bool = Field(
        False, description="The nearest due time was computed with the statutory holidays of a year whose "
                           "official holidays are not announced yet: it may move when they are (lists only).")

    @staticmethod
    def resolve_sla_due_provisional(service_request: ServiceRequest) -> bool:
        return bool(getattr(service_request, "sla_due_provisional", False))

    sla_unknown: bool = Field(
        False, description="One of the request's SLA clocks cannot be computed (state `unknown`: no official "
                           "holidays known for a year it reaches) until that year's holidays are entered "
                           "(lists only).")

    @staticmethod
    def resolve_sla_unknown(service_request: ServiceRequest) -> bool:
        return bool(getattr(service_request, "sla_unknown", False))


class EventOut(Schema):
    id: int
    at: datetime.datetime
    actor: UserBrief | None = Field(description="Empty when the system acted.")
    kind: str
    action: str
    from_status: str
    to_status: str
    changes: dict[str, Any]
    reason: str = Field(description="Why: what a person typed, or what the system noted, in the "
                                    "request's language.")
    message: dict[str, Any] = Field(description="The system's note as a message key and its parameters "
                                                "(empty when a person wrote the reason).")

    @staticmethod
    def resolve_reason(event: Any) -> str:
        return render_message(event.message, event.reason)


class ContactBrief(Schema):
    id: int
    reference: str
    channel: str
    direction: str
    started_at: datetime.datetime
    reporter_kind: str
    reporter_name: str
    reporter_phone: str
    outcome: str


class RequestRef(Schema):
    id: int
    reference: str
    status: str
    subject: str
    location: str
    district: str


class WorkOrderOut(Schema):
    id: int
    reference: str = Field(description="WO00000012")
    request: RequestRef
    provider: ProviderBrief
    status: str
    priority: int
    crew_type: str
    instructions: str
    promised_start_at: datetime.datetime | None
    promised_end_at: datetime.datetime | None
    actual_start_at: datetime.datetime | None
    actual_end_at: datetime.datetime | None
    result: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    sla_due_at: datetime.datetime | None = Field(
        None, description="The nearest due time of the work order's running SLA clocks (lists only; empty "
                          "when none runs).")

    @staticmethod
    def resolve_sla_due_at(work_order: WorkOrder) -> datetime.datetime | None:
        return getattr(work_order, "sla_due_at", None)

    sla_due_provisional: bool = Field(
        False, description="The nearest due time was computed with the statutory holidays of a year whose "
                           "official holidays are not announced yet: it may move when they are (lists only).")

    @staticmethod
    def resolve_sla_due_provisional(work_order: WorkOrder) -> bool:
        return bool(getattr(work_order, "sla_due_provisional", False))

    sla_unknown: bool = Field(
        False,
        description="One of the work order's SLA clocks cannot be computed (state `unknown`: no official "
                           "holidays known for a year it reaches) until that year's holidays are entered "
                           "(lists only).")

    @staticmethod
    def resolve_sla_unknown(work_order: WorkOrder) -> bool:
        return bool(getattr(work_order, "sla_unknown", False))


class WorkOrderDetailOut(WorkOrderOut):
    events: list[EventOut]
    clocks: list[ClockOut] = Field(description="The work order's SLA clocks, as of now.")
    available_actions: list[str] = Field(description="Actions this user may take now (POST …/transitions).")


class RequestDetailOut(RequestOut):
    events: list[EventOut]
    work_orders: list[WorkOrderOut]
    contacts: list[ContactBrief]
    available_actions: list[str] = Field(description="Actions this user may take now (POST …/transitions).")
    clocks: list[ClockOut] = Field(description="The request's SLA clocks, as of now.")

    @staticmethod
    def resolve_events(service_request: ServiceRequest) -> list[Any]:
        return service_request.visible_events  # type: ignore[attr-defined,no-any-return]


# ----------------------------------------------------------------------------------------------
# Request types


@router.get("/request-types", response=Page[RequestTypeOut], summary="Active request types and their fields",
            description="The types an agent can create with their fields: key, label in the active "
                        "language (Accept-Language), kind, required, choices, min/max, unit."
                        "\n\n**Roles:** every authenticated user.")
def request_type_list(request: HttpRequest, params: Query[PageParams]) -> dict:
    return paginate(request_types_active(), params)


# ----------------------------------------------------------------------------------------------
# Requests


def _request_create_arguments(payload: RequestIn) -> dict[str, Any]:
    """The service's arguments: the body's fields, with its ids and codes resolved to objects."""
    return {
        **payload.model_dump(include={"channel", "reporter_kind", "reporter_name",
                                      "reporter_phone", "location",
                                      "district", "subject", "description", "attributes"}),
        "request_type": payload.request_type,  # a code: the service resolves it from the intake configuration
        "customer": referenced_by_pk(Customer.objects.all(), payload.customer_id, field="customer_id"),
        # The service reads the point's customer and district: one query with the customer.
        "service_point": referenced_by_pk(ServicePoint.objects.select_related("customer"),
                                          payload.service_point_id, field="service_point_id"),
        "contact": referenced_by_pk(ContactRecord.objects.select_related("customer", "service_point"),
                                    payload.contact_id, field="contact_id"),
        "estimated_completion_at": aware(payload.estimated_completion_at),
    }


def _with_detail(user: User, service_request: ServiceRequest) -> ServiceRequest:
    """Add what RequestDetailOut shows beyond the fields: the events this user may see and the
    actions open to them."""
    events = list(service_request.events.all())
    if user.can(Capability.VIEW_OWN_REQUESTS):
        # Notes are the staff's working remarks, not part of what a self-service customer sees.
        events = [event for event in events if event.kind != EventKind.NOTE]
    service_request.visible_events = events  # type: ignore[attr-defined]
    service_request.available_actions = _actions_for(  # type: ignore[attr-defined]
        user, REQUEST_TRANSITIONS, service_request.status)
    service_request.clocks = subject_clocks("request", service_request.pk)  # type: ignore[attr-defined]
    return service_request


def _request_detail(user: User, request_id: int) -> ServiceRequest:
    return _with_detail(user, request_get_for_user(user, request_id, with_timeline=True))


def _changed_request_detail(user: User, service_request: ServiceRequest) -> dict[str, Any]:
    """The answer to a change, read from the service's own (locked, fresh) row rather than through
    the user's scope: handing a request to another unit takes it out of a dispatcher's scope, yet
    the dispatcher must see what their change did."""
    return RequestDetailOut.from_orm(_with_detail(user, request_with_timeline(service_request))).model_dump()


@router.post("/requests", response={201: RequestOut}, summary="Create a service request",
             description="Create a request from a call: the type's fields are checked, the "
                         "responsible unit comes from the routing rules (e.g. a leak above DN150 goes to "
                         "engineering) and the priority from the priority rules. Linked to `contact_id`, or "
                         "to a new contact record made from the caller's details."
             + _roles(Capability.CREATE_REQUEST))
def request_create_endpoint(request: HttpRequest, payload: RequestIn,
                            idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.CREATE_REQUEST)

    def create() -> dict[str, Any]:
        created = request_create(actor=user, **_request_create_arguments(payload))
        return RequestOut.from_orm(created).model_dump()

    return write(request, payload=payload, idempotency_key=idempotency_key, action=create)


@router.get("/requests", response=Page[RequestOut], summary="List service requests",
            description="Newest first, or `sort=due` (nearest SLA due time first). Filters: "
                        "`status` (repeatable), `priority`, `request_type`, `responsible_unit`, "
                        "`customer_id`, `created_after`, `created_before`, `q` (subject, number or "
                        "reporter phone), `sla` (at_risk | breached | unknown). Scope: desk roles "
                        "see all; a dispatcher their units; provider staff the requests of their "
                        "work orders; a customer their own." + _roles(*_SEE_REQUESTS))
def request_list(request: HttpRequest, filters: Query[RequestFilters]) -> dict:
    requests = request_search(
        current_user(request), statuses=filters.status, priority=filters.priority,
        request_type=filters.request_type, responsible_unit=filters.responsible_unit,
        customer_id=filters.customer_id, created_after=aware(filters.created_after),
        created_before=aware(filters.created_before), text=filters.q,
    )
    return paginate(sla_view(requests, "request", sla=filters.sla or "",
                             by_due=filters.sort == "due"), filters)


@router.get("/requests/{id:request_id}", response=RequestDetailOut,
            summary="A service request with its timeline",
            description="The request, its history (every change: who, when, from, to, why), its work orders, "
                        "the contacts linked to it, and the actions this user may take now. Requests outside "
                        "the user's scope are 404." + _roles(*_SEE_REQUESTS))
def request_detail(request: HttpRequest, request_id: int) -> ServiceRequest:
    return _request_detail(current_user(request), request_id)


@router.post("/requests/{id:request_id}/transitions", response=RequestDetailOut,
             summary="Move a request along its workflow",
             description="Actions: accept, dispatch, start, wait (reason), resume, resolve (reason), close, "
                         "reopen (reason), cancel (reason), return (reason). An action illegal in the "
                         "current status is 409; one the role may not take is "
                         "403." + _roles(Capability.HANDLE_REQUEST, Capability.DISPATCH))
def request_transition_endpoint(request: HttpRequest, request_id: int, payload: TransitionIn,
                                idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.HANDLE_REQUEST, Capability.DISPATCH)

    def transition() -> dict[str, Any]:
        changed = request_transition(request=request_get_for_user(user, request_id), action=payload.action,
                                     actor=user, reason=payload.reason)
        return _changed_request_detail(user, changed)

    return write(request, payload=payload, idempotency_key=idempotency_key, action=transition, status=200)


def _request_patch_apply(user: User, service_request: ServiceRequest,
                         payload: RequestPatchIn) -> ServiceRequest:
    """The body's changes, each by its own service (each writes its history row); ``write`` runs
    them in one transaction, so a refused one leaves nothing of the others."""
    if payload.attributes is not None and payload.request_type is None:
        raise ValidationFailed(_("Type fields change only with the request type."), field="attributes")
    if payload.request_type is not None:
        service_request = request_reclassify(
            request=service_request, actor=user, attributes=payload.attributes, reason=payload.reason,
            request_type=referenced_by_pk_or_code(RequestType.objects.all(), payload.request_type,
                                                  field="request_type"))
    if "severity" in payload.model_fields_set:
        service_request = request_set_severity(request=service_request, actor=user, severity=payload.severity,
                                               reason=payload.reason)
    if {"priority", "responsible_unit", "estimated_completion_at"} & payload.model_fields_set:
        service_request = request_update(
            request=service_request, actor=user, priority=payload.priority,
            responsible_unit=(referenced_by_pk_or_code(OrgUnit.objects.filter(active=True),
                                                       payload.responsible_unit,
                                                       field="responsible_unit")
                              if payload.responsible_unit is not None else None),
            estimated_completion_at=aware(payload.estimated_completion_at), reason=payload.reason,
        )
    return service_request


@router.patch("/requests/{id:request_id}", response=RequestDetailOut,
              summary="Change priority, unit, ETR, severity or type",
              description="Change the priority, the responsible unit, the estimated completion or the "
                          "severity level (1, 2, 3; `null` clears it) of an open request, or its wrongly "
                          "chosen type (`request_type`, with the new type's `attributes`): always with a "
                          "reason, kept in the history. The SLA clocks follow: a policy for the new severity "
                          "or type replaces the old one's. A finished request is 422 on `status`."
                          + _roles(Capability.HANDLE_REQUEST, Capability.DISPATCH))
def request_patch(request: HttpRequest, request_id: int, payload: RequestPatchIn) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.HANDLE_REQUEST, Capability.DISPATCH)

    def update() -> dict[str, Any]:
        changed = _request_patch_apply(user, request_get_for_user(user, request_id), payload)
        return _changed_request_detail(user, changed)

    return write(request, payload=payload, idempotency_key=None, action=update, status=200)


@router.post("/requests/{id:request_id}/notes", response={201: EventOut}, summary="Add a note to a request",
             description="A working note in the request's history." + _roles(Capability.HANDLE_REQUEST,
                                                                             Capability.DISPATCH))
def request_note_create(request: HttpRequest, request_id: int, payload: NoteIn,
                        idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.HANDLE_REQUEST, Capability.DISPATCH)

    def add_note() -> dict[str, Any]:
        event = request_add_note(request=request_get_for_user(user, request_id),
                                 actor=user, text=payload.text)
        return EventOut.from_orm(event).model_dump()

    return write(request, payload=payload, idempotency_key=idempotency_key, action=add_note)


@router.get("/queue", response=Page[RequestOut], summary="The dispatcher's queue",
            description="Open requests of the dispatcher's units and the units below them, most urgent and "
                        "oldest first." + _roles(Capability.DISPATCH))
def queue(request: HttpRequest, params: Query[PageParams]) -> dict:
    return paginate(dispatch_queue(current_user(request)), params)


# ----------------------------------------------------------------------------------------------
# Work orders


def _work_order_detail(user: User, work_order_id: int) -> WorkOrder:
    order = work_order_get_for_user(user, work_order_id, with_timeline=True)
    order.available_actions = _actions_for(user, WORK_ORDER_TRANSITIONS, order.status)  # type: ignore[attr-defined]
    order.clocks = subject_clocks("work_order", order.pk)  # type: ignore[attr-defined]
    return order


@router.post("/requests/{id:request_id}/work-orders", response={201: WorkOrderDetailOut},
             summary="Dispatch a work order",
             description="Send field work for the request to one provider; the request becomes dispatched."
                         + _roles(Capability.DISPATCH))
def work_order_create_endpoint(request: HttpRequest, request_id: int, payload: WorkOrderIn,
                               idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.DISPATCH)

    def create() -> dict[str, Any]:
        order = work_order_create(
            request=request_get_for_user(user, request_id), actor=user,
            provider=referenced_by_pk_or_code(Provider.objects.all(), payload.provider, field="provider"),
            crew_type=payload.crew_type, instructions=payload.instructions,
            promised_start_at=aware(payload.promised_start_at),
            promised_end_at=aware(payload.promised_end_at),
        )
        return WorkOrderDetailOut.from_orm(_work_order_detail(user, order.pk)).model_dump()

    return write(request, payload=payload, idempotency_key=idempotency_key, action=create)


@router.get("/work-orders", response=Page[WorkOrderOut], summary="List work orders",
            description="Newest first, or `sort=due` (nearest SLA due time first; the default "
                        "for provider staff, whose queue this is). Filters: `status` "
                        "(repeatable), `provider` (id or code), `sla` (at_risk | breached | "
                        "unknown). Provider staff see only their own provider's work orders; a "
                        "dispatcher those of their units." + _roles(*_SEE_WORK_ORDERS))
def work_order_list(request: HttpRequest, filters: Query[WorkOrderFilters]) -> dict:
    user = current_user(request)
    orders = work_order_search(user, statuses=filters.status, provider=filters.provider)
    sort = filters.sort or ("due" if user.can(Capability.WORK_ON_ORDERS) else "newest")
    return paginate(sla_view(orders, "work_order", sla=filters.sla or "", by_due=sort == "due"), filters)


@router.get("/work-orders/{id:work_order_id}", response=WorkOrderDetailOut, summary="A work order",
            description="The work order with its history and the actions this user may take now. Work orders "
                        "outside the user's scope (another provider's) are 404." + _roles(*_SEE_WORK_ORDERS))
def work_order_detail(request: HttpRequest, work_order_id: int) -> WorkOrder:
    return _work_order_detail(current_user(request), work_order_id)


@router.post("/work-orders/{id:work_order_id}/transitions", response=WorkOrderDetailOut,
             summary="Move a work order along its workflow",
             description="Provider staff: accept, decline (reason), start, complete (reason). Dispatchers: "
                         "cancel (reason). The request follows: started, resolved when all are done, back to "
                         "the queue when none is "
                         "left." + _roles(Capability.WORK_ON_ORDERS, Capability.DISPATCH))
def work_order_transition_endpoint(request: HttpRequest, work_order_id: int, payload: TransitionIn,
                                   idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.WORK_ON_ORDERS, Capability.DISPATCH)

    def transition() -> dict[str, Any]:
        order = work_order_get_for_user(user, work_order_id)
        work_order_transition(work_order=order, action=payload.action, actor=user, reason=payload.reason)
        return WorkOrderDetailOut.from_orm(_work_order_detail(user, work_order_id)).model_dump()

    return write(request, payload=payload, idempotency_key=idempotency_key, action=transition, status=200)
