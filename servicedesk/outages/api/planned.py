"""REST endpoints of planned outages (OUT-2, 004 steps 10–13): announced work and the notices
given; ``/public/planned-outages`` is the public notice (no sign-in)."""

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from servicedesk.core.api import (
    IdempotencyKey,
    Page,
    PageParams,
    aware,
    current_user,
    paginate,
    require,
    write,
)
from servicedesk.core.api_types import Id, InputSchema, PastMoment, ScheduledMoment, StrictBool
from servicedesk.network.api import DeviceBrief
from servicedesk.network.models import Device, Utility
from servicedesk.org.api import UserBrief
from servicedesk.org.roles import Capability
from servicedesk.outages.api.common import SEE_OUTAGES, published_operation_id, roles
from servicedesk.outages.models import PlannedOutage
from servicedesk.outages.models import PlannedOutageNotice as Notice
from servicedesk.outages.planned import (
    planned_outage_cancel,
    planned_outage_create,
    planned_outage_notices_record,
)
from servicedesk.outages.selectors import (
    devices_by_code,
    planned_outage_get,
    planned_outages_filtered,
    planned_outages_public,
    service_points_by_ids,
)

router = Router(tags=["outages"])


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



@router.get("/planned-outages", response=Page[PlannedOutageOut], summary="Planned outages",
            description="By start time. Filters: `status` (scheduled, cancelled), `utility`, `current` (not "
                        "yet over)." + roles(*SEE_OUTAGES),
            operation_id=published_operation_id("planned_outage_list"))
def planned_outage_list(request: HttpRequest, filters: Query[PlannedOutageFilters]) -> dict:
    require(current_user(request), *SEE_OUTAGES)
    planned = planned_outages_filtered(status=filters.status or "", utility=filters.utility or "",
                                       current=filters.current)
    return paginate(planned, filters)


@router.get("/planned-outages/{id:planned_id}", response=PlannedOutageOut, summary="A planned outage",
            description="With its devices, districts and the number of notices given." + roles(*SEE_OUTAGES),
            operation_id=published_operation_id("planned_outage_detail"))
def planned_outage_detail(request: HttpRequest, planned_id: int) -> PlannedOutage:
    require(current_user(request), *SEE_OUTAGES)
    return planned_outage_get(planned_id)


@router.post("/planned-outages", response={201: PlannedOutageOut}, summary="Announce a planned outage",
             description="The work's reason, start and end, and the area: `devices` (codes; the service "
                         "points under them) and/or whole `districts`. Callers there are told of it; "
                         "`published` ones appear on the public notice." + roles(Capability.MANAGE_OUTAGES),
             operation_id=published_operation_id("planned_outage_create_endpoint"))
def planned_outage_create_endpoint(request: HttpRequest, payload: PlannedOutageIn,
                                   idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def create() -> dict[str, Any]:
        planned = planned_outage_create(
            actor=user, **payload.model_dump(include={"utility", "reason", "districts", "area_description",
                                                      "published"}),
            starts_at=aware(payload.starts_at), ends_at=aware(payload.ends_at),
            devices=devices_by_code(payload.devices),
        )
        return PlannedOutageOut.from_orm(planned_outage_get(planned.pk)).model_dump()

    return write(request, payload=payload, idempotency_key=idempotency_key, action=create)


@router.post("/planned-outages/{id:planned_id}/cancel", response=PlannedOutageOut,
             summary="Cancel a planned outage",
             description="It is no longer told to callers nor shown on the public notice."
                         + roles(Capability.MANAGE_OUTAGES),
             operation_id=published_operation_id("planned_outage_cancel_endpoint"))
def planned_outage_cancel_endpoint(request: HttpRequest, planned_id: int,
                                   idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def cancel() -> dict[str, Any]:
        planned_outage_cancel(actor=user, planned=planned_outage_get(planned_id))
        return PlannedOutageOut.from_orm(planned_outage_get(planned_id)).model_dump()

    return write(request, payload=None, idempotency_key=idempotency_key, action=cancel, status=200)


@router.post("/planned-outages/{id:planned_id}/notices", response={201: NoticesOut},
             summary="Record the notices given",
             description="The notice (`channel`: letter, posted, sms, phone) was given to the listed "
                         "`service_point_ids`, or to every service point affected. Returns how many notices "
                         "were added." + roles(Capability.MANAGE_OUTAGES),
             operation_id=published_operation_id("planned_outage_notices_endpoint"))
def planned_outage_notices_endpoint(request: HttpRequest, planned_id: int, payload: NoticesIn,
                                    idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.MANAGE_OUTAGES)

    def record() -> dict[str, Any]:
        planned = planned_outage_get(planned_id)
        points = (None if payload.service_point_ids is None
                  else service_points_by_ids(payload.service_point_ids))
        added = planned_outage_notices_record(actor=user, planned=planned, channel=payload.channel,
                                              service_points=points, notified_at=aware(payload.notified_at))
        return {"added": added, "notices_count": planned.notices.count()}

    return write(request, payload=payload, idempotency_key=idempotency_key, action=record)


@router.get("/public/planned-outages", response=Page[PublicPlannedOutageOut], auth=None,
            summary="Planned outages: the public notice",
            description="Published planned outages in force or to come, by start time: reason, times, "
                        "districts and the area in words.\n\n**Roles:** anyone; no sign-in needed.",
            operation_id=published_operation_id("planned_outage_public_list"))
def planned_outage_public_list(request: HttpRequest, params: Query[PageParams]) -> dict:
    return paginate(planned_outages_public().order_by("starts_at", "id"), params)

