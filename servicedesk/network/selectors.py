"""Reads of the network model (OUT-1): devices by code, service points by number, subtrees."""

from collections.abc import Sequence
from typing import NamedTuple

from django.db import connection

from servicedesk.customers.models import ServicePoint
from servicedesk.network.models import Device


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
    rows = ServicePoint.objects.filter(number__in=numbers).values_list(
        "id", "number", "utility", "device_id", "network_code")
    return [ServicePointState(*row) for row in rows]


def devices_below(device: Device) -> list[Device]:
    """The devices under ``device`` (not itself), top-down (lineage is read in Python: SQLite has
    no JSON containment lookup)."""
    below: list[Device] = []
    level = [device.pk]
    size = lookup_chunk_size()
    while level:
        children = [child for start in range(0, len(level), size)
                    for child in Device.objects.filter(parent_id__in=level[start:start + size]).order_by("code")]
        below += children
        level = [child.pk for child in children]
    return below
