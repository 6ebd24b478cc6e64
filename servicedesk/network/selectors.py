"""Reads of the network model (OUT-1): devices by code, service points by number, subtrees."""

from collections.abc import Sequence
from typing import NamedTuple

from django.db import connection
from django.db.models import Q, QuerySet

from servicedesk.core.prepared import column_name
from servicedesk.customers.models import ServicePoint
from servicedesk.network.models import Device, DeviceKind


class DeviceState(NamedTuple):
    """What the importer needs to know of a device already in the network."""

    id: int
    code: str
    kind: str
    parent_id: int | None
    lineage: list[int]
    area_id: int | None
    name: str
    dn: int | None
    district: str
    location: str


class ServicePointState(NamedTuple):
    # The names are the model's field names (``device_id`` is the device foreign key's column).
    id: int
    number: str
    utility: str
    device_id: int | None
    network_code: str


def device_get_by_code(code: str) -> Device | None:
    return Device.objects.filter(code=code).first()


def device_states() -> dict[str, DeviceState]:
    """Every device of the network by code (a city has tens of thousands: one query, tuples)."""
    rows = Device.objects.values_list("id", "code", "kind", "parent_id", "lineage", "area_id", "name", "dn",
                                      "district", "location")
    return {row[1]: DeviceState(*row) for row in rows.iterator(chunk_size=10_000)}


def lookup_chunk_size() -> int:
    """How many values one ``IN (…)`` may carry: SQLite allows 999 parameters, PostgreSQL 65,535."""
    return min(connection.features.max_query_params or 10_000, 10_000) - 10


def service_point_states(numbers: Sequence[str]) -> list[ServicePointState]:
    """The service points with these numbers (one query: keep to ``lookup_chunk_size()`` numbers)."""
    if connection.vendor == "postgresql":
        # One array parameter instead of thousands of %s: psycopg quotes each of those in Python.
        meta = ServicePoint._meta
        columns = ", ".join(connection.ops.quote_name(column_name(ServicePoint, name))
                            for name in ServicePointState._fields)
        with connection.cursor() as cursor:
            number = connection.ops.quote_name(column_name(ServicePoint, "number"))
            cursor.execute(f"SELECT {columns} FROM {connection.ops.quote_name(meta.db_table)} "
                           f"WHERE {number} = ANY(%s)",
                           [list(numbers)])
            return [ServicePointState(*row) for row in cursor.fetchall()]
    rows = ServicePoint.objects.filter(number__in=numbers).values_list(*ServicePointState._fields)
    return [ServicePointState(*row) for row in rows]


def devices_below(device: Device) -> list[Device]:
    """The devices under ``device`` (not itself), top-down (lineage is read in Python: SQLite has
    no JSON containment lookup)."""
    below: list[Device] = []
    level = [device.pk]
    size = lookup_chunk_size()
    while level:
        children = [child for start in range(0, len(level), size)
                    for child in (Device.objects.filter(parent_id__in=level[start:start + size])
                                  .order_by("code"))]
        below += children
        level = [child.pk for child in children]
    return below


# How many levels a device of each kind is above the service points' devices.
_DEPTH = {
    DeviceKind.TRANSFORMER: 0, DeviceKind.PIPE: 0,
    DeviceKind.SECTION: 1, DeviceKind.ZONE: 1,
    DeviceKind.FEEDER: 2,
    DeviceKind.SUBSTATION: 3,
}


def service_points_under(device: Device) -> QuerySet[ServicePoint]:
    """The service points supplied through ``device`` (joins up the tree; each step indexed)."""
    path = "device" + "__parent" * _DEPTH[DeviceKind(device.kind)]
    return ServicePoint.objects.filter(**{path: device.pk})


def devices_under(device: Device) -> QuerySet[Device]:
    """The devices below ``device`` and the device itself."""
    q = Q(pk=device.pk)
    for depth in range(1, 4):
        q |= Q(**{"parent" + "__parent" * (depth - 1): device.pk})
    return Device.objects.filter(q)


def devices_filtered(*, code: str = "", kind: str = "", utility: str = "", parent: str = "",
                     district: str = "") -> QuerySet[Device]:
    """Devices by code: ``code`` or its beginning, ``kind``, ``utility``, ``parent`` (its code: its
    children), ``district``."""
    devices = Device.objects.select_related("parent").order_by("code", "id")
    if code:
        devices = devices.filter(code__startswith=code)
    if kind:
        devices = devices.filter(kind=kind)
    if utility:
        devices = devices.filter(utility=utility)
    if parent:
        devices = devices.filter(parent__code=parent)
    if district:
        devices = devices.filter(district=district)
    return devices


def device_with_surroundings(code: str) -> Device | None:
    """The device with its ancestors (root first), how many children and service points it has."""
    device = Device.objects.select_related("parent").filter(code=code).first()
    if device is None:
        return None
    above = Device.objects.in_bulk(device.lineage)
    device.ancestors = [above[pk] for pk in device.lineage if pk in above]  # type: ignore[attr-defined]
    device.children_count = device.children.count()  # type: ignore[attr-defined]
    device.service_points_count = service_points_under(device).count()  # type: ignore[attr-defined]
    return device
