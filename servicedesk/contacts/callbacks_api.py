"""REST endpoints of callbacks (INT-8): the calls the desk owes customers, e.g. after an outage is
restored, routed to available agents (key accounts to their manager); and the agent's availability.

Scope: an agent (or key account manager) sees the callbacks assigned to them and the unassigned
ones any agent may take; team leads, desk managers and administrators see all. Others are 404.
"""

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from servicedesk.contacts.api import RequestLink
from servicedesk.contacts.models import Callback
from servicedesk.contacts.services import SUPERVISING_ROLES, agent_set_available, callback_complete
from servicedesk.core.api import (
    IdempotencyKey,
    Page,
    PageParams,
    current_user,
    paginate,
    require,
    write,
)
from servicedesk.core.api_types import InputSchema, StrictBool
from servicedesk.core.exceptions import NotFound
from servicedesk.customers.api import CustomerBrief
from servicedesk.org.api import UserBrief
from servicedesk.org.models import User
from servicedesk.org.roles import Capability, roles_with

router = Router(tags=["callbacks"])

_ROLES = f"\n\n**Roles:** {roles_with(Capability.LOG_CONTACT)}."


class CallbackOut(Schema):
    id: int
    reference: str = Field(description="CB0000012")
    status: str
    reason: str
    source: str = Field(description="What it is about, e.g. the outage's reference.")
    customer: CustomerBrief | None
    name: str
    phone: str
    contact_id: int | None = Field(description="The original contact.")
    request: RequestLink | None
    assigned_to: UserBrief | None = Field(description="Empty: in the team's queue, any agent may take it.")
    created_at: datetime.datetime
    completed_at: datetime.datetime | None
    completed_by: UserBrief | None
    result: str


class CallbackFilters(PageParams):
    mine: bool = Field(False, description="Only my work: assigned to me, or unassigned.")
    status: Callback.Status | None = None
    source: str = Field("", max_length=40, description="e.g. an outage's reference, O000012.")


class CallbackCompleteIn(InputSchema):
    reached: StrictBool = Field(..., description="False: the customer could not be reached.")
    result: str = Field("", max_length=4000)


class AvailabilityIn(InputSchema):
    available: StrictBool


class AvailabilityOut(Schema):
    username: str
    available: bool
    open_callbacks: int


def callbacks_for_user(user: User) -> QuerySet[Callback]:
    """The callbacks a user may see: all for supervisors, else their own and the unassigned ones."""
    require(user, Capability.LOG_CONTACT)
    callbacks = Callback.objects.select_related("customer", "request", "assigned_to", "completed_by")
    if user.role in SUPERVISING_ROLES:
        return callbacks
    return callbacks.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))


def _callback_get(user: User, callback_id: int) -> Callback:
    try:
        return callbacks_for_user(user).get(pk=callback_id)
    except Callback.DoesNotExist:
        raise NotFound(_("No such callback.")) from None


@router.get("/callbacks", response=Page[CallbackOut], summary="Callbacks to make (INT-8)",
            description="Oldest first. An agent sees those assigned to them and the unassigned ones; team "
                        "leads and desk managers see all. Filters: `mine` (assigned to me or unassigned), "
                        "`status` (open, done, unreachable, cancelled), `source`." + _ROLES)
def callback_list(request: HttpRequest, filters: Query[CallbackFilters]) -> dict:
    user = current_user(request)
    callbacks = callbacks_for_user(user)
    if filters.mine:
        callbacks = callbacks.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
    if filters.status:
        callbacks = callbacks.filter(status=filters.status)
    if filters.source.strip():
        callbacks = callbacks.filter(source=filters.source.strip())
    return paginate(callbacks.order_by("created_at", "id"), filters)


@router.get("/callbacks/{id:callback_id}", response=CallbackOut, summary="A callback",
            description=_ROLES.strip())
def callback_detail(request: HttpRequest, callback_id: int) -> Callback:
    return _callback_get(current_user(request), callback_id)


@router.post("/callbacks/{id:callback_id}/complete", response=CallbackOut,
             summary="Record a callback's outcome",
             description="The customer was reached (`reached`) or not, and what was said "
                         "(`result`); the call is kept as an outbound contact. An unassigned "
                         "callback becomes the caller's." + _ROLES)
def callback_complete_endpoint(request: HttpRequest, callback_id: int, payload: CallbackCompleteIn,
                               idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.LOG_CONTACT)

    def complete() -> dict[str, Any]:
        callback_complete(callback=_callback_get(user, callback_id), actor=user, reached=payload.reached,
                          result=payload.result)
        return CallbackOut.from_orm(_callback_get(user, callback_id)).model_dump()

    return write(request, payload=payload, idempotency_key=idempotency_key, action=complete, status=200)


@router.post("/agents/me/availability", response=AvailabilityOut, summary="Available for callbacks, or away",
             description="Only available agents receive new callbacks (INT-8)." + _ROLES)
def agent_availability(request: HttpRequest, payload: AvailabilityIn,
                       idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.LOG_CONTACT)

    def set_available() -> dict[str, Any]:
        agent = agent_set_available(agent=user, available=payload.available)
        return {"username": agent.username, "available": agent.available,
                "open_callbacks": Callback.objects.filter(assigned_to=agent,
                                                          status=Callback.Status.OPEN).count()}

    return write(request, payload=payload, idempotency_key=idempotency_key, action=set_available, status=200)
