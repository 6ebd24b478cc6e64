"""REST endpoints of outages (OUT-2, OUT-3, OUT-6): the dispatcher's board, the calls linked to
each outage, its history, and its workflow (declare, confirm, reject, merge, change ETR or cause,
restore; ``workflow.OUTAGE_TRANSITIONS``)."""

import datetime
from typing import Any, Literal, cast

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from servicedesk.contacts.api import RequestLink
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
from servicedesk.core.api_types import Id, InputSchema, PastMoment, ScheduledMoment
from servicedesk.core.exceptions import ValidationFailed
from servicedesk.core.messages import render
from servicedesk.customers.api import CustomerBrief, ServicePointBrief
from servicedesk.customers.models import Customer
from servicedesk.network.api import DeviceBrief, OutageBrief, OutageRef
from servicedesk.network.models import Device, Utility
from servicedesk.org.api import UserBrief
from servicedesk.org.models import Provider, User
from servicedesk.org.roles import Capability
from servicedesk.outages.api.common import SEE_OUTAGES, published_operation_id, roles
from servicedesk.outages.lifecycle import (
    outage_confirm,
    outage_declare,
    outage_merge,
    outage_reject,
    outage_restore,
    outage_update,
)
from servicedesk.outages.models import FaultCall, OutageStatus
from servicedesk.outages.selectors import (
    outage_calls,
    outage_etr_changes,
    outage_get_for_user,
    outage_history,
    outage_list_for_api,
    outages_for_api,
)
from servicedesk.tickets.selectors import request_list_for_user

router = Router(tags=["outages"])

# The actions open on an outage in each status (POST /outages/{id}/<action>, PATCH for update).
_OUTAGE_ACTIONS: dict[str, list[str]] = {
    OutageStatus.PREDICTED: ["confirm", "reject", "merge", "update"],
    OutageStatus.CONFIRMED: ["merge", "update", "restore"],
}



class OutageOut(OutageBrief):
    origin: str
    request: RequestLink | None = Field(description="The request carrying the crew's work order (or the leak "
                                                    "report whose repair cuts the supply).")
    merged_into: OutageRef | None
    first_call_at: datetime.datetime | None
    last_call_at: datetime.datetime | None
    created_at: datetime.datetime
    confirmed_at: datetime.datetime | None
    confirmed_by: UserBrief | None
    closed_at: datetime.datetime | None
    closed_by: UserBrief | None
    note: str


class OutageEventOut(Schema):
    """One step of the outage's history."""

    at: datetime.datetime
    actor: UserBrief | None = Field(description="Who; empty: the system (e.g. inference from calls).")
    kind: str = Field(description="created, transition (a status change), etr_change or cause_change.")
    action: str = Field(description="The workflow action (predict, declare, confirm, reject, merge, roll_up, "
                                    "restore); empty for an ETR or cause change.")
    from_status: str = Field(description="The status before a transition; empty on creation.")
    to_status: str
    old_etr: datetime.datetime | None = Field(description="An ETR change: the previous ETR.")
    new_etr: datetime.datetime | None = Field(description="An ETR change: the new ETR.")
    changes: dict[str, list[Any]] = Field(description="Other changes, {field: [old, new]} (the cause).")
    reason: str = Field(description="Why, in the answer's language: what the dispatcher typed, else what the "
                                    "system said.")

    @staticmethod
    def resolve_reason(event: Any) -> str:
        if isinstance(event, dict):  # an answer already rendered (the endpoints return dumped details)
            return cast("str", event["reason"])
        return event.reason or render(event.message, "")


class OutageDetailOut(OutageOut):
    available_actions: list[str] = Field(description="Actions this user may take now: confirm, reject, "
                                                     "merge, restore (POST /outages/{id}/<action>), update "
                                                     "(PATCH).")
    events: list[OutageEventOut] = Field(description="The outage's history, oldest first: created, each "
                                                     "status change, each new ETR or cause; who, when, from, "
                                                     "to, why.")

    @staticmethod
    def resolve_events(outage: Any) -> list[Any]:
        # ``_outage_detail`` reads the history (``outage.events`` is the related manager); an answer
        # already rendered (the endpoints return dumped details) keeps its list.
        if isinstance(outage, dict):
            return cast("list[Any]", outage["events"])
        return getattr(outage, "history", None) or []


class ContactRef(Schema):
    id: int
    reference: str
    channel: str
    reporter_kind: str
    reporter_name: str
    reporter_phone: str
    outcome: str


class LinkedCallOut(Schema):
    id: int
    reported_at: datetime.datetime
    contact: ContactRef
    service_point: ServicePointBrief
    customer: CustomerBrief | None
    device: DeviceBrief
    request: RequestLink | None

    @staticmethod
    def resolve_customer(call: FaultCall) -> Customer | None:
        return call.service_point.customer


class EtrChangeOut(Schema):
    at: datetime.datetime
    actor: UserBrief | None = Field(description="Who changed it; empty: the system.")
    old_etr: datetime.datetime | None
    new_etr: datetime.datetime | None
    reason: str = Field(description="Why, in the answer's language: what the dispatcher typed, else what the "
                                    "system said.")

    @staticmethod
    def resolve_reason(change: Any) -> str:
        return change.reason or render(change.message, "")


class RestorationOut(Schema):
    outage: OutageDetailOut
    requests_resolved: int
    callbacks: int = Field(description="Callbacks created for the linked callers.")
    messages: int = Field(description="Messages queued to the linked callers' phones.")



class OutageFilters(PageParams):
    status: Literal["open", "predicted", "confirmed", "restored", "rejected", "merged"] | None = Field(
        None, description="`open`: predicted and confirmed, predicted first, most calls first. Default: all, "
                          "newest first.")
    utility: Utility | None = None
    device: str = Field("", max_length=40, description="Device code.")


class DeclareIn(InputSchema):
    device: Id | str = Field(..., description="Device id or code.")
    cause: str = Field(..., max_length=300)
    etr: ScheduledMoment | None = None
    origin: Literal["declared", "leak"] = Field("declared", description="`leak`: the affected area of a leak "
                                                                       "repair (give `request_id`).")
    request_id: Id | None = Field(None, description="The leak report whose repair cuts the supply.")


class ConfirmIn(InputSchema):
    cause: str = Field(..., max_length=300)
    etr: ScheduledMoment
    provider: Id | str | None = Field(None,
                                      description="Provider id or code: dispatch the crew's work order.")
    crew_type: str = Field("", max_length=50)
    instructions: str = Field("", max_length=4000)
    attributes: dict[str, Any] = Field(default_factory=dict,
                                       description="Fields of the outage's repair request.")


class RejectIn(InputSchema):
    reason: str = Field(..., max_length=4000)


class MergeIn(InputSchema):
    target_id: Id = Field(..., description="The outage this one is part of.")


class OutagePatchIn(InputSchema):
    etr: ScheduledMoment | None = None
    cause: str | None = Field(None, max_length=300)
    reason: str = Field("", max_length=4000)


class RestoreIn(InputSchema):
    note: str = Field("", max_length=4000)
    restored_at: PastMoment | None = Field(
        None, description="When supply came back (default now): not in the future (a minute of clock skew is "
                          "allowed), not before the outage began. The crews' open work orders are completed "
                          "at this time.")



def _outage_detail(user: User, outage_id: int) -> dict[str, Any]:
    outage = outage_get_for_user(user, outage_id)
    outage.available_actions = (  # type: ignore[attr-defined]
        _OUTAGE_ACTIONS.get(outage.status, []) if user.can(Capability.MANAGE_OUTAGES) else [])
    outage.history = list(outage_history(outage))  # type: ignore[attr-defined]
    return OutageDetailOut.from_orm(outage).model_dump()


@router.get("/outages", response=Page[OutageOut], summary="Outages (the dispatcher's board)",
            description="All outages, newest first; `status=open`: predicted and confirmed ones, predicted "
                        "first and most calls first. Filters: `status` (open, predicted, confirmed, "
                        "restored, rejected, merged), `utility`, `device` (code)." + roles(*SEE_OUTAGES),
            operation_id=published_operation_id("outage_list"))
def outage_list(request: HttpRequest, filters: Query[OutageFilters]) -> dict:
    user = current_user(request)
    require(user, *SEE_OUTAGES)
    return paginate(outage_list_for_api(user, status=filters.status or "", utility=filters.utility or "",
                                        device_code=filters.device), filters)


@router.get("/outages/{id:outage_id}", response=OutageDetailOut, summary="An outage",
            description="The outage with its device, cause, ETR, call count, request and the actions this "
                        "user may take now. The linked calls: GET /outages/{id}/calls." + roles(*SEE_OUTAGES),
            operation_id=published_operation_id("outage_detail"))
def outage_detail(request: HttpRequest, outage_id: int) -> dict[str, Any]:
    user = current_user(request)
    require(user, *SEE_OUTAGES)
    return _outage_detail(user, outage_id)


@router.get("/outages/{id:outage_id}/calls", response=Page[LinkedCallOut],
            summary="The calls linked to an outage",
            description="Each fault call linked to the outage, oldest first: contact, service point, "
                        "customer, device and the caller's request." + roles(*SEE_OUTAGES),
            operation_id=published_operation_id("outage_call_list"))
def outage_call_list(request: HttpRequest, outage_id: int, params: Query[PageParams]) -> dict:
    user = current_user(request)
    require(user, *SEE_OUTAGES)
    outage = outage_get_for_user(user, outage_id)
    return paginate(outage_calls(outage).order_by("reported_at", "id"), params)


@router.get("/outages/{id:outage_id}/etr-changes", response=list[EtrChangeOut],
            summary="The ETR changes of an outage",
            description="Every estimated time of restoration the outage had, oldest first: when, who, the "
                        "previous and the new ETR, and why." + roles(*SEE_OUTAGES),
            operation_id=published_operation_id("outage_etr_change_list"))
def outage_etr_change_list(request: HttpRequest, outage_id: int) -> list[Any]:
    user = current_user(request)
    require(user, *SEE_OUTAGES)
    return list(outage_etr_changes(outage_get_for_user(user, outage_id)))


@router.post("/outages", response={201: OutageDetailOut}, summary="Declare an outage",
             description="A known outage on a device (a SCADA alarm; the area a leak repair cuts, "
                         "`origin=leak` with `request_id`): confirmed at once with its cause and ETR; "
                         "predicted outages below it are merged into it and callers under the device are "
                         "linked to it from now on."
                         + roles(Capability.MANAGE_OUTAGES),
             operation_id=published_operation_id("outage_declare_endpoint"))
def outage_declare_endpoint(request: HttpRequest, payload: DeclareIn,
                            idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def declare() -> dict[str, Any]:
        outage = outage_declare(
            actor=user, device=referenced_by_pk_or_code(Device.objects.all(), payload.device, field="device"),
            cause=payload.cause, etr=aware(payload.etr), origin=payload.origin,
            request=referenced_by_pk(request_list_for_user(user), payload.request_id, field="request_id"),
        )
        return _outage_detail(user, outage.pk)

    return write(request, payload=payload, idempotency_key=idempotency_key, action=declare)


@router.post("/outages/{id:outage_id}/confirm", response=OutageDetailOut,
             summary="Confirm a predicted outage",
             description="The dispatcher confirms a predicted outage with its cause and ETR; the crew's work "
                         "order goes to `provider`, which must have a crew for the outage's utility (422 "
                         "otherwise). Every linked caller's request gets the ETR as its estimated completion "
                         "and each caller a message. Only a predicted outage: else 409."
                         + roles(Capability.MANAGE_OUTAGES),
             operation_id=published_operation_id("outage_confirm_endpoint"))
def outage_confirm_endpoint(request: HttpRequest, outage_id: int, payload: ConfirmIn,
                            idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def confirm() -> dict[str, Any]:
        provider = (referenced_by_pk_or_code(Provider.objects.all(), payload.provider, field="provider")
                    if payload.provider is not None else None)
        outage_confirm(actor=user, outage=outage_get_for_user(user, outage_id), cause=payload.cause,
                       etr=aware(payload.etr),
                       provider=provider, crew_type=payload.crew_type, instructions=payload.instructions,
                       attributes=payload.attributes)
        return _outage_detail(user, outage_id)

    return write(request, payload=payload, idempotency_key=idempotency_key, action=confirm, status=200)


@router.post("/outages/{id:outage_id}/reject", response=OutageDetailOut, summary="Reject a predicted outage",
             description="Not an outage: the calls go back to being single faults and every linked call "
                         "without a work request gets one. Only a predicted outage: else 409."
                         + roles(Capability.MANAGE_OUTAGES),
             operation_id=published_operation_id("outage_reject_endpoint"))
def outage_reject_endpoint(request: HttpRequest, outage_id: int, payload: RejectIn,
                           idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def reject() -> dict[str, Any]:
        outage_reject(actor=user, outage=outage_get_for_user(user, outage_id), reason=payload.reason)
        return _outage_detail(user, outage_id)

    return write(request, payload=payload, idempotency_key=idempotency_key, action=reject, status=200)


@router.post("/outages/{id:outage_id}/merge", response=OutageDetailOut,
             summary="Merge an outage into another",
             description="Both open, same utility: this outage's calls move to `target_id`, this one becomes "
                         "merged (the answer shows it, with `merged_into`)."
                         + roles(Capability.MANAGE_OUTAGES),
             operation_id=published_operation_id("outage_merge_endpoint"))
def outage_merge_endpoint(request: HttpRequest, outage_id: int, payload: MergeIn,
                          idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def merge() -> dict[str, Any]:
        source = outage_get_for_user(user, outage_id)
        target = referenced_by_pk(outages_for_api(user), payload.target_id, field="target_id")
        outage_merge(actor=user, source=source, target=target)  # type: ignore[arg-type]
        return _outage_detail(user, outage_id)

    return write(request, payload=payload, idempotency_key=idempotency_key, action=merge, status=200)


@router.patch("/outages/{id:outage_id}", response=OutageDetailOut,
              summary="Change the ETR or cause of an outage",
              description="A new ETR reaches every linked caller: their requests' estimated completion (with "
                          "a history row giving `reason`) and a message. Open outages only: else 409."
                          + roles(Capability.MANAGE_OUTAGES),
              operation_id=published_operation_id("outage_patch"))
def outage_patch(request: HttpRequest, outage_id: int, payload: OutagePatchIn) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def update() -> dict[str, Any]:
        if payload.etr is None and payload.cause is None:
            raise ValidationFailed(_("Give the new ETR or cause."), field="etr")
        outage_update(actor=user, outage=outage_get_for_user(user, outage_id), etr=aware(payload.etr),
                      cause=payload.cause,
                      reason=payload.reason)
        return _outage_detail(user, outage_id)

    return write(request, payload=payload, idempotency_key=None, action=update, status=200)


@router.post("/outages/{id:outage_id}/restore", response=RestorationOut, summary="Supply restored",
             description="Supply is back at `restored_at` (default now): the open work orders of the "
                         "outage's request and of the linked requests are completed with the restoration as "
                         "their result; every linked request is resolved; every linked caller gets a message "
                         "and a callback routed to an available agent, key accounts to their manager. Only a "
                         "confirmed outage: else 409; a restoration time in the future or before the outage "
                         "began: 422."
                         + roles(Capability.MANAGE_OUTAGES),
             operation_id=published_operation_id("outage_restore_endpoint"))
def outage_restore_endpoint(request: HttpRequest, outage_id: int, payload: RestoreIn,
                            idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def restore() -> dict[str, Any]:
        report = outage_restore(actor=user, outage=outage_get_for_user(user, outage_id), note=payload.note,
                                restored_at=aware(payload.restored_at))
        return {"outage": _outage_detail(user, outage_id), "requests_resolved": report.requests_resolved,
                "callbacks": report.callbacks, "messages": report.messages}

    return write(request, payload=payload, idempotency_key=idempotency_key, action=restore, status=200)

