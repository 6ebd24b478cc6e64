"""REST endpoints of the fault call (seed 004): ``POST /fault-calls`` takes a whole fault call
through 004's flow in one call (``fault_call_take``) and answers with what to tell the caller;
``GET /service-points/{id}/fault-check`` is what the desk knows before and while taking it."""

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.core.api import (
    IdempotencyKey,
    aware,
    current_user,
    referenced_by_pk,
    require,
    write,
)
from servicedesk.core.api_types import Id, InputSchema, ScheduledMoment, StrictBool
from servicedesk.core.exceptions import ValidationFailed
from servicedesk.customers.api import ServicePointBrief
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.customers.phones import PHONE_DESCRIPTION
from servicedesk.customers.selectors import service_point_get_for_user
from servicedesk.network.api import DeviceBrief, OutageBrief, OutageLink
from servicedesk.network.models import Utility
from servicedesk.org.api import UnitBrief
from servicedesk.org.roles import Capability
from servicedesk.outages.api.common import TAKE_CALLS, published_operation_id, roles
from servicedesk.outages.api.planned import PlannedOutageBrief
from servicedesk.outages.config import outage_config
from servicedesk.outages.fault_calls import (
    FaultCallInput,
    FaultCallResult,
    TroubleshootingAnswer,
    connection_advice,
    fault_call_take,
)
from servicedesk.outages.selectors import (
    fault_check,
    service_point_for_call,
)

router = Router(tags=["outages"])


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
    outcome: str = Field(description="connection_cut, planned_outage, outage_linked, self_help, "
                                     "request_created or information_recorded.")
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
    location: str = Field("", max_length=300,
                          description="Where, when there is no service point (police report).")
    notes: str = Field("", max_length=4000)
    troubleshooting: list[TroubleshootingIn] = Field(default_factory=list, max_length=20)
    problem: dict[str, Any] = Field(default_factory=dict, description="The work request's fields (e.g. "
                                                                      "{\"fault_location\": \"hv_cable\"}), "
                                                                      "needed only when the call ends in a "
                                                                      "work request.")
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
                         "non_customer with a `location`; or unidentified) → connection status (cut: the "
                         "amount owed and how to reconnect) → planned outage in force → open outage covering "
                         "it (the call is linked, no new work) → the self-checks done (`troubleshooting`; "
                         "solved: a contact record only) → outage inference from neighbours' calls → a work "
                         "request with `problem` and an initial estimate. Answers with the outcome, what to "
                         "tell the caller (in the request's language) and each step, as recorded on the "
                         "contact. Errors name the field: `problem.fault_location`, `troubleshooting`, "
                         "`service_point_id`…"
                         + roles(*TAKE_CALLS),
             operation_id=published_operation_id("fault_call_create"))
def fault_call_create(request: HttpRequest, payload: FaultCallIn,
                      idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.LOG_CONTACT)

    def take() -> dict[str, Any]:
        call = FaultCallInput(
            **payload.model_dump(include={"utility", "channel", "reporter_kind", "reporter_name",
                                          "reporter_phone", "location", "notes", "problem"}),
            customer=referenced_by_pk(Customer.objects.all(), payload.customer_id, field="customer_id"),
            service_point=_service_point_for_call(payload.service_point_id),
            troubleshooting=[TroubleshootingAnswer(script=t.script, solved=t.solved,
                                                   steps_done=tuple(t.steps_done),
                                                   note=t.note) for t in payload.troubleshooting],
            estimated_completion_at=aware(payload.estimated_completion_at),
        )
        result = fault_call_take(call, actor=user)
        return _fault_call_answer(result)

    return write(request, payload=payload, idempotency_key=idempotency_key, action=take)


def _script_out(script: Any, steps: list[Any]) -> dict[str, Any]:
    english = get_language() == "en"
    return {"code": script.code, "name": script.display_name, "description": script.description,
            "steps": [{"order": step.order,
                       "instruction": (step.instruction_en if english and step.instruction_en
                                       else step.instruction)}
                      for step in steps]}


@router.get("/service-points/{id:service_point_id}/fault-check", response=FaultCheckOut,
            summary="What the desk knows before taking a fault call",
            description="For the service point: connection status, amount owed and what to advise when "
                        "supply is cut; the planned outage in force and the notice given; the open outage "
                        "covering it with cause, ETR and calls; the troubleshooting scripts and their steps. "
                        "Reads only: nothing is recorded." + roles(*TAKE_CALLS),
            operation_id=published_operation_id("service_point_fault_check"))
def service_point_fault_check(request: HttpRequest, service_point_id: int) -> dict[str, Any]:
    user = current_user(request)
    require(user, *TAKE_CALLS)
    point = service_point_get_for_user(user, service_point_id)
    check = fault_check(point)
    config = outage_config()
    connected = check.connection_status == ServicePoint.ConnectionStatus.CONNECTED
    return {
        "service_point": point, "connection_status": check.connection_status,
        "amount_owed": check.amount_owed,
        "advice": "" if connected else connection_advice(point),
        "planned_outage": check.planned_outage, "notice": check.notice, "outage": check.outage,
        "scripts": [_script_out(script, config.steps_by_script.get(script.pk, []))
                    for script in check.scripts],
    }

