"""REST endpoints of fault calls, outages, planned outages and the network (seed 004, OUT-1..OUT-6).

- ``POST /fault-calls`` takes a whole fault call through 004's flow in one call (``fault_call_take``)
  and answers with what to tell the caller; ``GET /service-points/{id}/fault-check`` is what the desk
  knows before and while taking it.
- ``/outages``: the dispatcher's board, the calls linked to each outage, and its workflow (declare,
  confirm, reject, merge, change ETR or cause, restore).
- ``/planned-outages``: announced work and the notices given; ``/public/planned-outages`` is the
  public notice (no sign-in).
- ``/network/devices``: the network model, read-only.

Each endpoint parses, checks the role, fetches, calls one service and renders, like tickets/api.py.
"""

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from servicedesk.contacts.api import RequestLink
from servicedesk.contacts.models import Channel, ContactRecord
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
from servicedesk.core.api_types import Id, InputSchema, PastMoment, ScheduledMoment, StrictBool
from servicedesk.core.exceptions import NotFound, ValidationFailed
from servicedesk.core.messages import render
from servicedesk.customers.api import CustomerBrief, ServicePointBrief
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.customers.phones import PHONE_DESCRIPTION
from servicedesk.customers.selectors import service_point_get_for_user
from servicedesk.network.models import Device, DeviceKind, Utility
from servicedesk.org.api import UnitBrief, UserBrief
from servicedesk.org.models import Provider, User
from servicedesk.org.roles import Capability, roles_with
from servicedesk.outages.config import outage_config
from servicedesk.outages.models import OPEN_OUTAGE_STATUSES, FaultCall, Outage, OutageStatus, PlannedOutage
from servicedesk.outages.models import PlannedOutageNotice as Notice
from servicedesk.outages.selectors import (
    fault_check,
    outage_board,
    outage_calls,
    outage_etr_changes,
    outages_visible,
    planned_outages_public,
    service_point_for_call,
    service_points_under,
)
from servicedesk.outages.services import (
    FaultCallResult,
    TroubleshootingAnswer,
    connection_advice,
    fault_call_take,
    outage_confirm,
    outage_declare,
    outage_merge,
    outage_reject,
    outage_restore,
    outage_update,
    planned_outage_cancel,
    planned_outage_create,
    planned_outage_notices_record,
)
from servicedesk.tickets.selectors import request_list_for_user

router = Router(tags=["outages"])

# Who reads outages, planned outages and the network: the desk, dispatchers, leadership and
# supervisors (outages_visible). Providers, customers and finance are refused.
_SEE_OUTAGES = (Capability.MANAGE_OUTAGES, Capability.LOG_CONTACT, Capability.VIEW_ALL_REQUESTS)
_TAKE_CALLS = (Capability.LOG_CONTACT,)

# The actions open on an outage in each status (POST /outages/{id}/<action>, PATCH for update).
_OUTAGE_ACTIONS = {
    OutageStatus.PREDICTED: ["confirm", "reject", "merge", "update"],
    OutageStatus.CONFIRMED: ["merge", "update", "restore"],
}


def _roles(*capabilities: Capability) -> str:
    return f"\n\n**Roles:** {roles_with(*capabilities)}."


# ----------------------------------------------------------------------------------------------
# Schemas


class DeviceBrief(Schema):
    id: int
    code: str
    kind: str
    name: str


class DeviceOut(DeviceBrief):
    utility: str
    parent: DeviceBrief | None
    dn: int | None = Field(description="Pipe segments: nominal diameter in mm.")
    district: str
    location: str


class OutageRef(Schema):
    id: int
    reference: str = Field(description="O000012")


class OutageLink(OutageRef):
    status: str
    utility: str
    device: DeviceBrief
    cause: str
    etr: datetime.datetime | None = Field(description="Estimated time of restoration.")


class OutageBrief(OutageLink):
    call_count: int


class DeviceDetailOut(DeviceOut):
    ancestors: list[DeviceBrief] = Field(description="The devices above, from the root down.")
    children_count: int
    service_points_count: int = Field(description="Service points supplied through this device.")
    open_outage: OutageBrief | None = Field(description="The open outage of this device or one above it.")


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


class OutageDetailOut(OutageOut):
    available_actions: list[str] = Field(description="Actions this user may take now: confirm, reject, merge, "
                                                     "restore (POST /outages/{id}/<action>), update (PATCH).")


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


class PlannedOutageBrief(Schema):
    id: int
    reference: str = Field(description="P000012")
    utility: str
    reason: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    area_description: str


class PlannedOutageOut(PlannedOutageBrief):
    devices: list[DeviceBrief]
    districts: list[str]
    status: str
    published: bool
    in_force: bool
    notices_count: int
    created_by: UserBrief
    created_at: datetime.datetime

    @staticmethod
    def resolve_devices(planned: PlannedOutage) -> list[Device]:
        return list(planned.devices.all())

    @staticmethod
    def resolve_in_force(planned: PlannedOutage) -> bool:
        return planned.in_force()

    @staticmethod
    def resolve_notices_count(planned: PlannedOutage) -> int:
        count = getattr(planned, "notices_count", None)
        return planned.notices.count() if count is None else count


class PublicPlannedOutageOut(Schema):
    """What the public notice shows: no ids of devices or people."""

    reference: str
    utility: str
    reason: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    districts: list[str]
    area_description: str


class FaultCallPlannedOut(PlannedOutageBrief):
    written_notice: bool = Field(description="A written notice was given to this service point.")


class FaultCallRequestOut(Schema):
    id: int
    reference: str
    status: str
    priority: int
    responsible_unit: UnitBrief | None
    crew_type: str
    estimated_completion_at: datetime.datetime | None


class ContactLink(Schema):
    id: int
    reference: str


class FaultCallOut(Schema):
    outcome: str = Field(description="connection_cut, planned_outage, outage_linked, self_help, request_created "
                                     "or information_recorded.")
    tell: str = Field(description="What to tell the caller, in the request's language.")
    steps: list[dict[str, Any]] = Field(description="The flow's steps as recorded on the contact.")
    contact: ContactLink
    outage: OutageLink | None = Field(description="The outage the call is linked to (its calls are counted "
                                                  "on /outages/{id}).")
    planned_outage: FaultCallPlannedOut | None
    request: FaultCallRequestOut | None


class TroubleshootingIn(InputSchema):
    script: str = Field(..., max_length=50, description="Script code, e.g. `main-breaker`.")
    solved: StrictBool
    steps_done: list[Annotated[int, Field(ge=1, le=1000)]] = Field(default_factory=list, max_length=50)
    note: str = Field("", max_length=1000)


class FaultCallIn(InputSchema):
    service_point_id: Id | None = Field(None, description="The service point without supply.")
    customer_id: Id | None = Field(None, description="Enough when the customer has one service point of the "
                                                      "utility.")
    utility: Utility = Utility.POWER
    channel: Channel = Channel.PHONE
    reporter_kind: ContactRecord.ReporterKind = ContactRecord.ReporterKind.CUSTOMER
    reporter_name: str = Field("", max_length=100)
    reporter_phone: str = Field("", max_length=40, description=PHONE_DESCRIPTION)
    location: str = Field("", max_length=300, description="Where, when there is no service point (police report).")
    notes: str = Field("", max_length=4000)
    troubleshooting: list[TroubleshootingIn] = Field(default_factory=list, max_length=20)
    problem: dict[str, Any] = Field(default_factory=dict, description="The work request's fields (e.g. "
                                                                      "{\"fault_location\": \"hv_cable\"}), needed "
                                                                      "only when the call ends in a work request.")
    estimated_completion_at: ScheduledMoment | None = None


class ScriptStepOut(Schema):
    order: int
    instruction: str


class ScriptOut(Schema):
    code: str
    name: str
    description: str
    steps: list[ScriptStepOut]


class NoticeOut(Schema):
    channel: str
    notified_at: datetime.datetime
    written: bool


class FaultCheckPointOut(ServicePointBrief):
    device: DeviceBrief | None


class FaultCheckOut(Schema):
    service_point: FaultCheckPointOut
    connection_status: str
    amount_owed: Decimal
    advice: str = Field(description="What to tell a caller whose supply is cut; empty when connected.")
    planned_outage: PlannedOutageBrief | None = Field(description="A planned outage in force here.")
    notice: NoticeOut | None = Field(description="The notice of that planned outage given here, if any.")
    outage: OutageBrief | None = Field(description="The open outage covering this service point.")
    scripts: list[ScriptOut] = Field(description="Guided self-checks for the utility.")


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
    provider: Id | str | None = Field(None, description="Provider id or code: dispatch the crew's work order.")
    crew_type: str = Field("", max_length=50)
    instructions: str = Field("", max_length=4000)
    attributes: dict[str, Any] = Field(default_factory=dict, description="Fields of the outage's repair request.")


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
                          "allowed), not before the outage began. The crews' open work orders are completed at "
                          "this time.")


class PlannedOutageFilters(PageParams):
    status: PlannedOutage.Status | None = None
    utility: Utility | None = None
    current: bool = Field(False, description="Only those not yet over.")


class PlannedOutageIn(InputSchema):
    utility: Utility = Utility.POWER
    reason: str = Field(..., max_length=300)
    starts_at: ScheduledMoment
    ends_at: ScheduledMoment
    devices: list[str] = Field(default_factory=list, max_length=500, description="Device codes.")
    districts: list[str] = Field(default_factory=list, max_length=50)
    area_description: str = Field("", max_length=300)
    published: StrictBool = True


class NoticesIn(InputSchema):
    channel: Notice.Channel = Notice.Channel.LETTER
    service_point_ids: list[Id] | None = Field(None, max_length=10_000, description="Default: every service "
                                                                                     "point affected.")
    notified_at: PastMoment | None = None


class NoticesOut(Schema):
    added: int = Field(description="Notices recorded now; a service point already notified keeps its first.")
    notices_count: int


class DeviceFilters(PageParams):
    code: str = Field("", max_length=40, description="Code, or its beginning.")
    kind: DeviceKind | None = None
    utility: Utility | None = None
    parent: str = Field("", max_length=40, description="The parent's code: its children.")
    district: str = Field("", max_length=50)


# ----------------------------------------------------------------------------------------------
# Fault calls (004)


def _service_point_for_call(pk: int | None) -> ServicePoint | None:
    if pk is None:
        return None
    point = service_point_for_call(pk)
    if point is None:
        raise ValidationFailed(_("No such object: %(value)s.") % {"value": pk}, field="service_point_id")
    return point


def _fault_call_answer(result: FaultCallResult) -> dict[str, Any]:
    if result.planned_outage is not None:
        step = next((s for s in result.steps if s["step"] == "planned_outage"), {})
        result.planned_outage.written_notice = bool(step.get("written_notice"))  # type: ignore[attr-defined]
    return FaultCallOut.from_orm(result).model_dump()


@router.post("/fault-calls", response={201: FaultCallOut}, summary="Take a fault call",
             description="The whole fault call in one request: identify the service point "
                         "(`service_point_id`, or `customer_id` with one service point; or `reporter_kind` "
                         "non_customer with a `location`; or unidentified) → connection status (cut: the amount "
                         "owed and how to reconnect) → planned outage in force → open outage covering it (the "
                         "call is linked, no new work) → the self-checks done (`troubleshooting`; solved: a "
                         "contact record only) → outage inference from neighbours' calls → a work request with "
                         "`problem` and an initial estimate. Answers with the outcome, what to tell the caller "
                         "(in the request's language) and each step, as recorded on the contact. Errors name "
                         "the field: `problem.fault_location`, `troubleshooting`, `service_point_id`…"
                         + _roles(*_TAKE_CALLS))
def fault_call_create(request: HttpRequest, payload: FaultCallIn,
                      idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.LOG_CONTACT)

    def take() -> dict[str, Any]:
        result = fault_call_take(
            actor=user, **payload.model_dump(include={"utility", "channel", "reporter_kind", "reporter_name",
                                                      "reporter_phone", "location", "notes", "problem"}),
            customer=referenced_by_pk(Customer.objects.all(), payload.customer_id, field="customer_id"),
            service_point=_service_point_for_call(payload.service_point_id),
            troubleshooting=[TroubleshootingAnswer(script=t.script, solved=t.solved, steps_done=tuple(t.steps_done),
                                                   note=t.note) for t in payload.troubleshooting],
            estimated_completion_at=aware(payload.estimated_completion_at),
        )
        return _fault_call_answer(result)

    return write(request, payload=payload, idempotency_key=idempotency_key, action=take)


def _script_out(script: Any, steps: list[Any]) -> dict[str, Any]:
    english = get_language() == "en"
    return {"code": script.code, "name": script.display_name, "description": script.description,
            "steps": [{"order": step.order,
                       "instruction": step.instruction_en if english and step.instruction_en else step.instruction}
                      for step in steps]}


@router.get("/service-points/{id:service_point_id}/fault-check", response=FaultCheckOut,
            summary="What the desk knows before taking a fault call",
            description="For the service point: connection status, amount owed and what to advise when supply is "
                        "cut; the planned outage in force and the notice given; the open outage "
                        "covering it with cause, ETR and calls; the troubleshooting scripts and their "
                        "steps. Reads only: nothing is recorded." + _roles(*_TAKE_CALLS))
def service_point_fault_check(request: HttpRequest, service_point_id: int) -> dict[str, Any]:
    user = current_user(request)
    require(user, *_TAKE_CALLS)
    point = service_point_get_for_user(user, service_point_id)
    check = fault_check(point)
    config = outage_config()
    connected = check.connection_status == ServicePoint.ConnectionStatus.CONNECTED
    return {
        "service_point": point, "connection_status": check.connection_status, "amount_owed": check.amount_owed,
        "advice": "" if connected else connection_advice(point),
        "planned_outage": check.planned_outage, "notice": check.notice, "outage": check.outage,
        "scripts": [_script_out(script, config.steps_by_script.get(script.pk, [])) for script in check.scripts],
    }


# ----------------------------------------------------------------------------------------------
# Outages (OUT-2, OUT-3, OUT-6)


def _outages(user: User) -> Any:
    return outages_visible(user).select_related("merged_into", "confirmed_by", "closed_by")


def _outage_get(user: User, outage_id: int) -> Outage:
    try:
        return _outages(user).get(pk=outage_id)
    except Outage.DoesNotExist:
        raise NotFound(_("No such outage.")) from None


def _outage_detail(user: User, outage_id: int) -> dict[str, Any]:
    outage = _outage_get(user, outage_id)
    outage.available_actions = (  # type: ignore[attr-defined]
        _OUTAGE_ACTIONS.get(outage.status, []) if user.can(Capability.MANAGE_OUTAGES) else [])
    return OutageDetailOut.from_orm(outage).model_dump()


@router.get("/outages", response=Page[OutageOut], summary="Outages (the dispatcher's board)",
            description="All outages, newest first; `status=open`: predicted and confirmed ones, predicted first "
                        "and most calls first. Filters: `status` (open, predicted, confirmed, restored, rejected, "
                        "merged), `utility`, `device` (code)." + _roles(*_SEE_OUTAGES))
def outage_list(request: HttpRequest, filters: Query[OutageFilters]) -> dict:
    user = current_user(request)
    require(user, *_SEE_OUTAGES)
    outages = outage_board(user, status=filters.status or "").select_related("merged_into", "confirmed_by",
                                                                             "closed_by")
    if filters.utility:
        outages = outages.filter(utility=filters.utility)
    if filters.device:
        outages = outages.filter(device__code=filters.device)
    return paginate(outages.order_by(*outages.query.order_by, "-id"), filters)


@router.get("/outages/{id:outage_id}", response=OutageDetailOut, summary="An outage",
            description="The outage with its device, cause, ETR, call count, request and the actions this user may "
                        "take now. The linked calls: GET /outages/{id}/calls." + _roles(*_SEE_OUTAGES))
def outage_detail(request: HttpRequest, outage_id: int) -> dict[str, Any]:
    user = current_user(request)
    require(user, *_SEE_OUTAGES)
    return _outage_detail(user, outage_id)


@router.get("/outages/{id:outage_id}/calls", response=Page[LinkedCallOut], summary="The calls linked to an outage",
            description="Each fault call linked to the outage, oldest first: contact, service point, customer, "
                        "device and the caller's request." + _roles(*_SEE_OUTAGES))
def outage_call_list(request: HttpRequest, outage_id: int, params: Query[PageParams]) -> dict:
    user = current_user(request)
    require(user, *_SEE_OUTAGES)
    outage = _outage_get(user, outage_id)
    return paginate(outage_calls(outage).order_by("reported_at", "id"), params)


@router.get("/outages/{id:outage_id}/etr-changes", response=list[EtrChangeOut],
            summary="The ETR changes of an outage",
            description="Every estimated time of restoration the outage had, oldest first: when, who, the "
                        "previous and the new ETR, and why." + _roles(*_SEE_OUTAGES))
def outage_etr_change_list(request: HttpRequest, outage_id: int) -> list[Any]:
    user = current_user(request)
    require(user, *_SEE_OUTAGES)
    return list(outage_etr_changes(_outage_get(user, outage_id)))


@router.post("/outages", response={201: OutageDetailOut}, summary="Declare an outage",
             description="A known outage on a device (a SCADA alarm; the area a leak repair cuts, `origin=leak` "
                         "with `request_id`): confirmed at once with its cause and ETR; predicted outages below it "
                         "are merged into it and callers under the device are linked to it from now on."
                         + _roles(Capability.MANAGE_OUTAGES))
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


@router.post("/outages/{id:outage_id}/confirm", response=OutageDetailOut, summary="Confirm a predicted outage",
             description="The dispatcher confirms a predicted outage with its cause and ETR; the crew's work "
                         "order goes to `provider`, which must have a crew for the outage's utility (422 "
                         "otherwise). Every linked caller's request gets the ETR as its estimated completion and "
                         "each caller a message. Only a predicted outage: else 409."
                         + _roles(Capability.MANAGE_OUTAGES))
def outage_confirm_endpoint(request: HttpRequest, outage_id: int, payload: ConfirmIn,
                            idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def confirm() -> dict[str, Any]:
        provider = (referenced_by_pk_or_code(Provider.objects.all(), payload.provider, field="provider")
                    if payload.provider is not None else None)
        outage_confirm(actor=user, outage=_outage_get(user, outage_id), cause=payload.cause, etr=aware(payload.etr),
                       provider=provider, crew_type=payload.crew_type, instructions=payload.instructions,
                       attributes=payload.attributes)
        return _outage_detail(user, outage_id)

    return write(request, payload=payload, idempotency_key=idempotency_key, action=confirm, status=200)


@router.post("/outages/{id:outage_id}/reject", response=OutageDetailOut, summary="Reject a predicted outage",
             description="Not an outage: the calls go back to being single faults and every linked call "
                         "without a work request gets one. Only a predicted outage: else 409."
                         + _roles(Capability.MANAGE_OUTAGES))
def outage_reject_endpoint(request: HttpRequest, outage_id: int, payload: RejectIn,
                           idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def reject() -> dict[str, Any]:
        outage_reject(actor=user, outage=_outage_get(user, outage_id), reason=payload.reason)
        return _outage_detail(user, outage_id)

    return write(request, payload=payload, idempotency_key=idempotency_key, action=reject, status=200)


@router.post("/outages/{id:outage_id}/merge", response=OutageDetailOut, summary="Merge an outage into another",
             description="Both open, same utility: this outage's calls move to `target_id`, this one becomes "
                         "merged (the answer shows it, with `merged_into`)." + _roles(Capability.MANAGE_OUTAGES))
def outage_merge_endpoint(request: HttpRequest, outage_id: int, payload: MergeIn,
                          idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def merge() -> dict[str, Any]:
        source = _outage_get(user, outage_id)
        target = referenced_by_pk(_outages(user), payload.target_id, field="target_id")
        outage_merge(actor=user, source=source, target=target)  # type: ignore[arg-type]
        return _outage_detail(user, outage_id)

    return write(request, payload=payload, idempotency_key=idempotency_key, action=merge, status=200)


@router.patch("/outages/{id:outage_id}", response=OutageDetailOut, summary="Change the ETR or cause of an outage",
              description="A new ETR reaches every linked caller: their requests' estimated completion (with a "
                          "history row giving `reason`) and a message. Open outages only: else 409."
                          + _roles(Capability.MANAGE_OUTAGES))
def outage_patch(request: HttpRequest, outage_id: int, payload: OutagePatchIn) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def update() -> dict[str, Any]:
        if payload.etr is None and payload.cause is None:
            raise ValidationFailed(_("Give the new ETR or cause."), field="etr")
        outage_update(actor=user, outage=_outage_get(user, outage_id), etr=aware(payload.etr), cause=payload.cause,
                      reason=payload.reason)
        return _outage_detail(user, outage_id)

    return write(request, payload=payload, idempotency_key=None, action=update, status=200)


@router.post("/outages/{id:outage_id}/restore", response=RestorationOut, summary="Supply restored",
             description="Supply is back at `restored_at` (default now): the open work orders of the outage's "
                         "request and of the linked requests are completed with the restoration as their result; "
                         "every linked request is resolved; every linked caller gets a message and a callback "
                         "routed to an available agent, key accounts to their manager. Only a confirmed outage: "
                         "else 409; a restoration time in the future or before the outage began: 422."
                         + _roles(Capability.MANAGE_OUTAGES))
def outage_restore_endpoint(request: HttpRequest, outage_id: int, payload: RestoreIn,
                            idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def restore() -> dict[str, Any]:
        report = outage_restore(actor=user, outage=_outage_get(user, outage_id), note=payload.note,
                                restored_at=aware(payload.restored_at))
        return {"outage": _outage_detail(user, outage_id), "requests_resolved": report.requests_resolved,
                "callbacks": report.callbacks, "messages": report.messages}

    return write(request, payload=payload, idempotency_key=idempotency_key, action=restore, status=200)


# ----------------------------------------------------------------------------------------------
# Planned outages (OUT-2)


def _planned_outages() -> Any:
    return (PlannedOutage.objects.select_related("created_by").prefetch_related("devices")
            .annotate(notices_count=Count("notices")))


def _planned_get(planned_id: int) -> PlannedOutage:
    try:
        return _planned_outages().get(pk=planned_id)
    except PlannedOutage.DoesNotExist:
        raise NotFound(_("No such planned outage.")) from None


@router.get("/planned-outages", response=Page[PlannedOutageOut], summary="Planned outages",
            description="By start time. Filters: `status` (scheduled, cancelled), `utility`, `current` (not yet "
                        "over)." + _roles(*_SEE_OUTAGES))
def planned_outage_list(request: HttpRequest, filters: Query[PlannedOutageFilters]) -> dict:
    require(current_user(request), *_SEE_OUTAGES)
    planned = _planned_outages()
    if filters.status:
        planned = planned.filter(status=filters.status)
    if filters.utility:
        planned = planned.filter(utility=filters.utility)
    if filters.current:
        planned = planned.filter(ends_at__gt=timezone.now())
    return paginate(planned.order_by("starts_at", "id"), filters)


@router.get("/planned-outages/{id:planned_id}", response=PlannedOutageOut, summary="A planned outage",
            description="With its devices, districts and the number of notices given." + _roles(*_SEE_OUTAGES))
def planned_outage_detail(request: HttpRequest, planned_id: int) -> PlannedOutage:
    require(current_user(request), *_SEE_OUTAGES)
    return _planned_get(planned_id)


def _devices_by_code(codes: list[str]) -> list[Device]:
    wanted = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    devices = {device.code: device for device in Device.objects.filter(code__in=wanted)}
    missing = [code for code in wanted if code not in devices]
    if missing:
        raise ValidationFailed(_("No such device: %(code)s.") % {"code": missing[0]}, field="devices")
    return [devices[code] for code in wanted]


@router.post("/planned-outages", response={201: PlannedOutageOut}, summary="Announce a planned outage",
             description="The work's reason, start and end, and the area: `devices` (codes; the service points "
                         "under them) and/or whole `districts`. Callers there are told of it; "
                         "`published` ones appear on the public notice." + _roles(Capability.MANAGE_OUTAGES))
def planned_outage_create_endpoint(request: HttpRequest, payload: PlannedOutageIn,
                                   idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def create() -> dict[str, Any]:
        planned = planned_outage_create(
            actor=user, **payload.model_dump(include={"utility", "reason", "districts", "area_description",
                                                      "published"}),
            starts_at=aware(payload.starts_at), ends_at=aware(payload.ends_at),
            devices=_devices_by_code(payload.devices),
        )
        return PlannedOutageOut.from_orm(_planned_get(planned.pk)).model_dump()

    return write(request, payload=payload, idempotency_key=idempotency_key, action=create)


@router.post("/planned-outages/{id:planned_id}/cancel", response=PlannedOutageOut,
             summary="Cancel a planned outage",
             description="It is no longer told to callers nor shown on the public notice."
                         + _roles(Capability.MANAGE_OUTAGES))
def planned_outage_cancel_endpoint(request: HttpRequest, planned_id: int,
                                   idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def cancel() -> dict[str, Any]:
        planned_outage_cancel(actor=user, planned=_planned_get(planned_id))
        return PlannedOutageOut.from_orm(_planned_get(planned_id)).model_dump()

    return write(request, payload=None, idempotency_key=idempotency_key, action=cancel, status=200)


@router.post("/planned-outages/{id:planned_id}/notices", response={201: NoticesOut},
             summary="Record the notices given",
             description="The notice (`channel`: letter, posted, sms, phone) was given to the listed "
                         "`service_point_ids`, or to every service point affected. Returns how many notices were "
                         "added." + _roles(Capability.MANAGE_OUTAGES))
def planned_outage_notices_endpoint(request: HttpRequest, planned_id: int, payload: NoticesIn,
                                    idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def record() -> dict[str, Any]:
        planned = _planned_get(planned_id)
        points = None
        if payload.service_point_ids is not None:
            ids = set(payload.service_point_ids)
            points = list(ServicePoint.objects.filter(pk__in=ids))
            if len(points) != len(ids):
                missing = min(ids - {point.pk for point in points})
                raise ValidationFailed(_("No such object: %(value)s.") % {"value": missing},
                                       field="service_point_ids")
        added = planned_outage_notices_record(actor=user, planned=planned, channel=payload.channel,
                                              service_points=points, notified_at=aware(payload.notified_at))
        return {"added": added, "notices_count": planned.notices.count()}

    return write(request, payload=payload, idempotency_key=idempotency_key, action=record)


@router.get("/public/planned-outages", response=Page[PublicPlannedOutageOut], auth=None,
            summary="Planned outages: the public notice",
            description="Published planned outages in force or to come, by start time: reason, times, districts "
                        "and the area in words.\n\n**Roles:** anyone; no sign-in needed.")
def planned_outage_public_list(request: HttpRequest, params: Query[PageParams]) -> dict:
    return paginate(planned_outages_public().order_by("starts_at", "id"), params)


# ----------------------------------------------------------------------------------------------
# The network (OUT-1)


@router.get("/network/devices", response=Page[DeviceOut], summary="Network devices",
            description="By code. Filters: `code` (or its beginning), `kind`, `utility`, `parent` (code: its "
                        "children), `district`." + _roles(*_SEE_OUTAGES))
def device_list(request: HttpRequest, filters: Query[DeviceFilters]) -> dict:
    require(current_user(request), *_SEE_OUTAGES)
    devices = Device.objects.select_related("parent").order_by("code", "id")
    if filters.code:
        devices = devices.filter(code__startswith=filters.code)
    if filters.kind:
        devices = devices.filter(kind=filters.kind)
    if filters.utility:
        devices = devices.filter(utility=filters.utility)
    if filters.parent:
        devices = devices.filter(parent__code=filters.parent)
    if filters.district:
        devices = devices.filter(district=filters.district)
    return paginate(devices, filters)


@router.get("/network/devices/{code}", response=DeviceDetailOut, summary="A network device",
            description="The device with the devices above it, how many children and service points it has, and "
                        "the open outage covering it." + _roles(*_SEE_OUTAGES))
def device_detail(request: HttpRequest, code: str) -> Device:
    require(current_user(request), *_SEE_OUTAGES)
    device = Device.objects.select_related("parent").filter(code=code).first()
    if device is None:
        raise NotFound(_("No such device."))
    above = Device.objects.in_bulk(device.lineage)
    device.ancestors = [above[pk] for pk in device.lineage if pk in above]  # type: ignore[attr-defined]
    device.children_count = device.children.count()  # type: ignore[attr-defined]
    device.service_points_count = service_points_under(device).count()  # type: ignore[attr-defined]
    device.open_outage = (Outage.objects.select_related("device")  # type: ignore[attr-defined]
                          .filter(device_id__in=device.covering_ids, status__in=OPEN_OUTAGE_STATUSES)
                          .order_by("status", "id").first())
    return device
