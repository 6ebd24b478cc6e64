"""Restoring an outage closes its work and stops its clocks (issue 10 items 4 and 8; OUT-6, SLA-3)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from servicedesk.core.exceptions import ActionNotAllowed, ValidationFailed
from servicedesk.core.messages import render
from servicedesk.outages.fault_calls import FaultCallInput, fault_call_take
from servicedesk.outages.lifecycle import outage_confirm, outage_restore
from servicedesk.outages.models import Outage, OutageStatus
from servicedesk.sla.models import OPEN_TIMER_STATES, Calendar, Policy, Target, Timer
from servicedesk.tickets.models import (
    EventKind,
    RequestEvent,
    RequestStatus,
    ServiceRequest,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderStatus,
)
from servicedesk.tickets.services import work_order_create, work_order_transition
from servicedesk.tickets.timing import sync_work_order_timers

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)  # a Tuesday
PROBLEM = {"fault_location": "service_point"}


def at(minutes):
    return START + datetime.timedelta(minutes=minutes)


def call(world, key):
    point = world.points[key]
    return fault_call_take(FaultCallInput(customer=point.customer, service_point=point,
                           reporter_phone=point.customer.mobile, problem=PROBLEM), actor=world.users["agent"])


@pytest.fixture
def work_order_clocks(world):
    """The demo's clocks of a work order: a reply within 30 minutes and arrival on site within 4
    hours, both stopped by the order's completion (7×24)."""
    hotline = Calendar.objects.create(code="24x7", name="7×24", kind=Calendar.Kind.AROUND_THE_CLOCK,
                                      windows="")
    policy = Policy.objects.create(name="工单", applies_to="work_order")
    Target.objects.create(policy=policy, kind="reply", calendar=hotline, duration_minutes=30,
                          stop_event="accepted, in_progress, completed")
    Target.objects.create(policy=policy, kind="on_site_arrival", calendar=hotline, duration_minutes=240,
                          stop_event="in_progress, completed")
    return policy


@pytest.fixture
def outage_with_work(world, work_order_clocks):
    """A confirmed outage under T1 whose crew order is issued, with more orders on its request in
    every other status and one issued order on another caller's request."""
    dispatcher, crew_a, crew_b = world.users["dispatcher"], world.users["provider_a_staff"], world.users[
        "provider_b_staff"]
    with time_machine.travel(at(0), tick=False):
        for key in ("n1", "n2", "n3"):
            call(world, key)
    outage = Outage.objects.get()
    with time_machine.travel(at(10), tick=False):
        outage = outage_confirm(actor=dispatcher, outage=outage, cause="变压器烧损", etr=at(240),
                                provider=world.providers["a"], crew_type="hv_cable")
        carrier = outage.request
        issued = WorkOrder.objects.get(request=carrier)

        def order(request, provider):
            return work_order_create(request=request, actor=dispatcher, provider=world.providers[provider])

        accepted, in_progress, completed, cancelled = (order(carrier, "a"), order(carrier, "a"),
                                                       order(carrier, "b"), order(carrier, "b"))
        other_request = ServiceRequest.objects.exclude(pk=carrier.pk).get()
        other = order(other_request, "a")
    with time_machine.travel(at(20), tick=False):
        work_order_transition(work_order=accepted, action="accept", actor=crew_a)
        work_order_transition(work_order=in_progress, action="start", actor=crew_a)
        work_order_transition(work_order=completed, action="start", actor=crew_b)
        work_order_transition(work_order=completed, action="complete", actor=crew_b, reason="更换熔断器")
        work_order_transition(work_order=cancelled, action="cancel", actor=dispatcher, reason="重复派单")
    return {"outage": outage, "carrier": carrier, "other_request": other_request, "issued": issued,
            "accepted": accepted, "in_progress": in_progress, "completed": completed, "cancelled": cancelled,
            "other": other}


def timers(order):
    return Timer.objects.filter(subject_type="work_order", subject_id=order.pk)


def test_restoration_completes_every_open_work_order_of_the_outage_and_stops_their_clocks(world,
                                                                                          outage_with_work):
    """Issue 10 item 4 (OUT-6, SLA-3): issued, accepted and in-progress orders, on the outage's
    request and on a linked caller's request, are completed with the restoration as their result,
    at the restoration time, with a history row each; completed and cancelled ones stay as they
    were; no clock of any of them is left running, paused or breached."""
    w = outage_with_work
    # Before: the issued order's reply clock ran out (30 minutes): breached; the others run.
    with time_machine.travel(at(100), tick=False):
        sync_work_order_timers(w["issued"])
    assert timers(w["issued"]).get(target__kind="reply").state == "breached"
    assert timers(w["accepted"]).get(target__kind="on_site_arrival").state == "running"
    restored_at = at(110)
    with time_machine.travel(at(120), tick=False):
        report = outage_restore(actor=world.users["dispatcher"], outage=w["outage"], note="已更换变压器",
                                restored_at=restored_at)
    assert report.outage.status == OutageStatus.RESTORED and report.outage.closed_at == restored_at
    before = {"issued": WorkOrderStatus.ISSUED, "accepted": WorkOrderStatus.ACCEPTED,
              "in_progress": WorkOrderStatus.IN_PROGRESS, "other": WorkOrderStatus.ISSUED}
    for name, status in before.items():
        order = WorkOrder.objects.get(pk=w[name].pk)
        assert order.status == WorkOrderStatus.COMPLETED, name
        assert order.actual_end_at == restored_at
        assert "已更换变压器" in order.result and w["outage"].reference in order.result
        row = WorkOrderEvent.objects.filter(work_order=order).latest("at", "id")
        assert (row.action, row.from_status, row.to_status, row.at) == (
            "restored", status, WorkOrderStatus.COMPLETED, restored_at)
        # What the system did is kept as a message, read in each reader's language (issue 10 item 6).
        assert row.actor is None and row.reason == "" and row.message["key"] == "outage_restored_note"
        assert w["outage"].reference in render(row.message)
    completed = WorkOrder.objects.get(pk=w["completed"].pk)
    assert completed.status == WorkOrderStatus.COMPLETED and completed.result == "更换熔断器"
    assert WorkOrder.objects.get(pk=w["cancelled"].pk).status == WorkOrderStatus.CANCELLED
    for name in ("completed", "cancelled"):
        assert not WorkOrderEvent.objects.filter(work_order=w[name], action="restored").exists()
    for name in ("issued", "accepted", "in_progress", "completed", "cancelled", "other"):
        assert timers(w[name]).exists(), name
        assert not timers(w[name]).filter(state__in=OPEN_TIMER_STATES).exists(), name
    # The issued order's reply was due 30 minutes after it was issued: missed, not left breached.
    assert set(timers(w["issued"]).values_list("target__kind", "state")) == {
        ("reply", "missed"), ("on_site_arrival", "met")}
    # The requests are resolved at the restoration time, as before.
    for request in (w["carrier"], w["other_request"]):
        request.refresh_from_db()
        assert request.status == RequestStatus.RESOLVED and request.resolved_at == restored_at
    assert (report.requests_resolved
            == ServiceRequest.objects.filter(status=RequestStatus.RESOLVED).count() == 2)


def test_only_the_system_completes_a_work_order_on_restoration(world, outage_with_work):
    """Issue 10 item 4: the "restored" step is the system's; no role takes it by hand, not even the
    crew or the dispatcher, and a refused step changes nothing."""
    order = outage_with_work["issued"]
    for name in ("provider_a_staff", "dispatcher", "administrator"):
        with pytest.raises(ActionNotAllowed):
            work_order_transition(work_order=order, action="restored", actor=world.users[name], reason="x")
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.ISSUED
    assert not WorkOrderEvent.objects.filter(work_order=order, action="restored").exists()


def test_a_crew_step_after_the_given_restoration_time_keeps_the_history_in_order(world, outage_with_work):
    """Issue 10 item 4 (SLA-3): the crew reported "on site" after the time the dispatcher gives:
    the order's completion is recorded after that step, not before it, so its clocks stop."""
    w = outage_with_work
    with time_machine.travel(at(60), tick=False):
        work_order_transition(work_order=w["accepted"], action="start", actor=world.users["provider_a_staff"])
    with time_machine.travel(at(90), tick=False):
        outage_restore(actor=world.users["dispatcher"], outage=w["outage"], restored_at=at(45))
    order = WorkOrder.objects.get(pk=w["accepted"].pk)
    rows = list(WorkOrderEvent.objects.filter(work_order=order).order_by("at", "id").values_list("action",
                                                                                                 "at"))
    assert rows[-2:] == [("start", at(60)), ("restored", at(60))]
    assert order.status == WorkOrderStatus.COMPLETED and order.actual_end_at == at(60)
    assert not timers(order).filter(state__in=OPEN_TIMER_STATES).exists()
    # The others are completed at the time given.
    assert WorkOrder.objects.get(pk=w["issued"].pk).actual_end_at == at(45)


@pytest.mark.parametrize(("given", "problem"), [
    (at(122), "in the future"),
    (at(-5), "before the outage began"),
])
def test_the_restoration_time_is_neither_in_the_future_nor_before_the_outage(world, outage_with_work, given,
                                                                             problem):
    """Issue 10 item 8: a restoration time more than a minute ahead of the clock, or before the
    first call, is refused naming the field; nothing is restored or closed."""
    w = outage_with_work
    with time_machine.travel(at(120), tick=False), pytest.raises(ValidationFailed) as error:
        outage_restore(actor=world.users["dispatcher"], outage=w["outage"], restored_at=given)
    assert problem in error.value.errors["restored_at"]
    assert Outage.objects.get(pk=w["outage"].pk).status == OutageStatus.CONFIRMED
    assert WorkOrder.objects.get(pk=w["issued"].pk).status == WorkOrderStatus.ISSUED
    assert not RequestEvent.objects.filter(kind=EventKind.TRANSITION, action="resolve").exists()


def test_a_restoration_time_within_a_minute_of_clock_skew_is_accepted(world, outage_with_work):
    """Issue 10 item 8: the dispatcher's watch may be a little ahead of the server's."""
    with time_machine.travel(at(120), tick=False):
        report = outage_restore(actor=world.users["dispatcher"], outage=outage_with_work["outage"],
                                restored_at=at(120) + datetime.timedelta(seconds=50))
    assert report.outage.status == OutageStatus.RESTORED


def test_restoration_without_a_time_is_now(world, outage_with_work):
    """Issue 10 item 8: no time given: restored now."""
    with time_machine.travel(at(120), tick=False):
        report = outage_restore(actor=world.users["dispatcher"], outage=outage_with_work["outage"])
    assert report.outage.closed_at == at(120)
    assert WorkOrder.objects.get(pk=outage_with_work["issued"].pk).actual_end_at == at(120)
