"""REST endpoints of the network model (OUT-1), read-only: ``/network/devices``.

A device's answer names the open outage covering it. The network knows nothing of outages (they
are a row below it, STYLE: layers): the outage app registers the reader of that outage where the
API is assembled (``register_open_outage_reader``), and the brief schemas of an outage are
declared here, where the device answer needs them, for the outage API to extend.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from servicedesk.core.api import Page, PageParams, current_user, paginate, require
from servicedesk.core.exceptions import NotFound
from servicedesk.network.models import Device, DeviceKind, Utility
from servicedesk.network.selectors import device_with_surroundings, devices_filtered
from servicedesk.org.roles import Capability, roles_with

router = Router(tags=["outages"])

# Who reads the network: as outages (the desk, dispatchers, leadership, supervisors).
SEE_NETWORK = (Capability.MANAGE_OUTAGES, Capability.LOG_CONTACT, Capability.VIEW_ALL_REQUESTS)

# The open outage covering a device (its own or one above it), or None: registered at start-up.
OpenOutageReader = Callable[[Device], Any]
_open_outage_reader: list[OpenOutageReader] = []


def register_open_outage_reader(reader: OpenOutageReader) -> None:
    _open_outage_reader[:] = [reader]


def _roles(*capabilities: Capability) -> str:
    return f"\n\n**Roles:** {roles_with(*capabilities)}."


def _operation_id(name: str) -> str:
    # As published while these endpoints were in outages/api.py (see outages.api.common).
    return f"servicedesk_outages_api_{name}"


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



class DeviceFilters(PageParams):
    code: str = Field("", max_length=40, description="Code, or its beginning.")
    kind: DeviceKind | None = None
    utility: Utility | None = None
    parent: str = Field("", max_length=40, description="The parent's code: its children.")
    district: str = Field("", max_length=50)


@router.get("/network/devices", response=Page[DeviceOut], summary="Network devices",
            description="By code. Filters: `code` (or its beginning), `kind`, `utility`, `parent` (code: its "
                        "children), `district`." + _roles(*SEE_NETWORK),
            operation_id=_operation_id("device_list"))
def device_list(request: HttpRequest, filters: Query[DeviceFilters]) -> dict:
    require(current_user(request), *SEE_NETWORK)
    devices = devices_filtered(code=filters.code, kind=filters.kind or "", utility=filters.utility or "",
                               parent=filters.parent, district=filters.district)
    return paginate(devices, filters)


@router.get("/network/devices/{code}", response=DeviceDetailOut, summary="A network device",
            description="The device with the devices above it, how many children and service points it "
                        "has, and the open outage covering it." + _roles(*SEE_NETWORK),
            operation_id=_operation_id("device_detail"))
def device_detail(request: HttpRequest, code: str) -> Device:
    require(current_user(request), *SEE_NETWORK)
    device = device_with_surroundings(code)
    if device is None:
        raise NotFound(_("No such device."))
    device.open_outage = _open_outage_reader[0](device) if _open_outage_reader else None  # type: ignore[attr-defined]
    return device
