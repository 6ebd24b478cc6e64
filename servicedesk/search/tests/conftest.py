"""Objects of every kind the global search finds (issue 10 item 5, INT-2), made by the services."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from servicedesk.contacts.models import Callback, ContactRecord
from servicedesk.contacts.services import CallbackDraft, callbacks_create, contact_create
from servicedesk.customers.models import ServicePoint
from servicedesk.outages.lifecycle import outage_declare
from servicedesk.outages.models import Outage, PlannedOutage
from servicedesk.outages.planned import planned_outage_create
from servicedesk.tickets.models import ServiceRequest, WorkOrder
from servicedesk.tickets.services import request_create, work_order_create


@dataclass
class Findable:
    request: ServiceRequest  # alice's leak, engineering
    order_a: WorkOrder  # provider A's work order on it
    order_b: WorkOrder  # provider B's work order on another request
    contact: ContactRecord  # alice's call
    callback: Callback  # to alice, unassigned
    outage: Outage
    planned: PlannedOutage
    point: ServicePoint  # alice's service point, meter DB0000000777


@pytest.fixture
def findable(world) -> Findable:
    agent, dispatcher = world.users["agent"], world.users["dispatcher"]
    leak = request_create(actor=agent, request_type=world.types["leak"], service_point=world.points["alice"],
                          attributes={"dn": 200}, subject="科技南路路面冒水")
    other = request_create(actor=agent, request_type=world.types["leak"], service_point=world.points["bob"],
                           attributes={"dn": 300}, subject="福华路爆管", reporter_phone="13612345678")
    order_a = work_order_create(request=leak, actor=dispatcher, provider=world.providers["a"])
    order_b = work_order_create(request=other, actor=dispatcher, provider=world.providers["b"])
    contact = contact_create(agent=agent, customer=world.customers["alice"],
                             service_point=world.points["alice"],
                             request_type=world.types["leak"])
    [callback] = callbacks_create([CallbackDraft(reason="恢复供电回访", customer=world.customers["alice"])])
    outage = outage_declare(actor=dispatcher, device=world.devices["T1"], cause="变压器故障", etr=None)
    now = timezone.now()
    planned = planned_outage_create(actor=dispatcher, utility="power", reason="线路检修",
                                    starts_at=now + datetime.timedelta(days=2),
                                    ends_at=now + datetime.timedelta(days=2, hours=4), districts=["南山区"])
    point = world.points["alice"]
    ServicePoint.objects.filter(pk=point.pk).update(meter_number="DB0000000777")
    return Findable(leak, order_a, order_b, contact, callback, outage, planned, point)
