"""What the requests and work-orders API accepts: the request bodies and the list filters,
with their bounds (core.api_types)."""

from typing import Any, Literal

from ninja import Field

from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.core.api import (
    PageParams,
)
from servicedesk.core.api_types import FilterMoment, Id, InputSchema, ScheduledMoment
from servicedesk.customers.phones import PHONE_DESCRIPTION
from servicedesk.tickets.models import (
    Priority,
    RequestStatus,
    Severity,
    WorkOrderStatus,
)


class RequestIn(InputSchema):
    request_type: str = Field(..., max_length=50, description="Request type code, e.g. `leak`.")
    channel: Channel = Channel.PHONE
    customer_id: Id | None = None
    service_point_id: Id | None = None
    reporter_kind: ContactRecord.ReporterKind = ContactRecord.ReporterKind.CUSTOMER
    reporter_name: str = Field("", max_length=100)
    reporter_phone: str = Field("", max_length=40, description=PHONE_DESCRIPTION)
    location: str = Field("", max_length=300)
    district: str = Field("", max_length=50)
    subject: str = Field("", max_length=200)
    description: str = Field("", max_length=4000)
    attributes: dict[str, Any] = Field(default_factory=dict,
                                       description="The type's fields by key (GET /request-types), "
                                                   "e.g. {\"dn\": 200}.")
    estimated_completion_at: ScheduledMoment | None = None
    contact_id: Id | None = Field(None,
                                  description="Link to an already recorded contact instead of a new one.")


class TransitionIn(InputSchema):
    action: str = Field(..., max_length=30)
    reason: str = Field("", max_length=4000)


class RequestPatchIn(InputSchema):
    priority: Priority | None = None
    responsible_unit: Id | str | None = Field(None, description="Unit id or code.")
    estimated_completion_at: ScheduledMoment | None = None
    severity: Severity | None = Field(
        None, description="Severity level 1, 2 or 3, on which service-level policies may match; `null` "
                          "clears it. Left out: unchanged.")
    request_type: Id | str | None = Field(
        None, description="Another active request type (id or code) for a wrongly chosen one. The "
                          "routing stays as it is.")
    attributes: dict[str, Any] | None = Field(
        None, description="With `request_type`: the new type's fields by key (GET /request-types). Left "
                          "out: the request's values of the fields the new type also has.")
    reason: str = Field("", max_length=4000, description="Why: required for every change.")


class NoteIn(InputSchema):
    text: str = Field(..., min_length=1, max_length=4000)


class WorkOrderIn(InputSchema):
    provider: Id | str = Field(..., description="Provider id or code.")
    crew_type: str = Field("", max_length=50)
    instructions: str = Field("", max_length=4000)
    promised_start_at: ScheduledMoment | None = None
    promised_end_at: ScheduledMoment | None = None


class RequestFilters(PageParams):
    status: list[RequestStatus] = Field(default_factory=list,
                                        description="Repeatable: ?status=new&status=accepted")
    priority: Priority | None = None
    request_type: str = Field("", max_length=50, description="Request type code.")
    responsible_unit: str = Field("", max_length=50, description="Unit id or code.")
    customer_id: Id | None = None
    created_after: FilterMoment | None = None
    created_before: FilterMoment | None = None
    q: str = Field("", max_length=200, description="Words in the subject, the request's number "
                                                   "(`SR00000012`, `sr12`) or the reporter's phone.")
    sort: Literal["newest", "due"] = Field("newest",
                                           description="`due`: nearest SLA due time first, requests "
                                                                 "without a running clock last.")
    sla: Literal["at_risk", "breached", "unknown"] | None = Field(
        None, description="`at_risk`: a running clock past its target's at-risk instant (75 % of the limit "
                          "used or an hour left by default, never before half the limit); "
                          "`breached`: a clock past its due time (running or stopped late); "
                          "`unknown`: a clock that cannot be computed (no official holidays known for a year "
                          "it reaches), counted neither as at risk nor as breached.")


class WorkOrderFilters(PageParams):
    status: list[WorkOrderStatus] = Field(default_factory=list, description="Repeatable.")
    provider: str = Field("", max_length=50, description="Provider id or code.")
    sort: Literal["newest", "due"] | None = Field(
        None, description="`due`: nearest SLA due time first, work orders without a running clock last "
                          "(then most urgent, oldest); `newest`. Default: `due` for provider staff, else "
                          "`newest`.")
    sla: Literal["at_risk", "breached", "unknown"] | None = Field(
        None, description="`at_risk`: a running clock past its target's at-risk instant (75 % of the limit "
                          "used or an hour left by default, never before half the limit); "
                          "`breached`: a clock past its due time (running or stopped late); "
                          "`unknown`: a clock that cannot be computed (no official holidays known for a year "
                          "it reaches), counted neither as at risk nor as breached.")
