"""The fault call of seed 004, step by step (OUT-2, OUT-4, OUT-5, OUT-6, INT-3)."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from servicedesk.contacts.models import ContactRecord
from servicedesk.core.exceptions import ActionNotAllowed, ValidationFailed
from servicedesk.customers.models import ServicePoint
from servicedesk.outages.fault_calls import FaultCallInput, TroubleshootingAnswer, fault_call_take
from servicedesk.outages.lifecycle import outage_declare
from servicedesk.outages.models import FaultCall, Outage, PlannedOutageNotice
from servicedesk.outages.planned import (
    planned_outage_cancel,
    planned_outage_create,
    planned_outage_notices_record,
)
from servicedesk.tickets.models import ServiceRequest

Outcome = ContactRecord.Outcome
PROBLEM = {"fault_location": "service_point"}


def take(world, key="alice", **kwargs):
    point = world.points[key]
    return fault_call_take(FaultCallInput(customer=point.customer, service_point=point,
                           reporter_phone=point.customer.mobile, **kwargs), actor=world.users["agent"])


def steps_of(contact):
    contact.refresh_from_db()
    return [s["step"] for s in contact.steps]


@pytest.mark.django_db
def test_OUT4_supply_cut_for_unpaid_bills_tells_the_amount_owed_and_how_to_reconnect(world):
    result = take(world, "debtor")
    assert result.outcome == Outcome.CONNECTION_CUT
    assert "356.80" in result.tell
    assert result.request is None
    contact = result.contact
    contact.refresh_from_db()
    assert contact.outcome == Outcome.CONNECTION_CUT
    assert contact.steps[1] == {"step": "connection_status", "result": "cut_unpaid", "told": result.tell,
                                "told_message": {"key": "tell_cut_unpaid", "params": {"owed": "356.80"}}}
    assert ServiceRequest.objects.count() == 0


@pytest.mark.django_db
def test_OUT4_unregistered_move_in_is_advised_to_register(world):
    point = world.points["n1"]
    ServicePoint.objects.filter(pk=point.pk).update(
        connection_status=ServicePoint.ConnectionStatus.CUT_MOVE_IN_UNREGISTERED)
    point.refresh_from_db()
    result = take(world, "n1")
    assert result.outcome == Outcome.CONNECTION_CUT
    assert "register" in result.tell
    assert not FaultCall.objects.exists()


@pytest.mark.django_db
def test_OUT2_planned_outage_in_force_is_told_again_with_its_written_notice(world):
    dispatcher = world.users["dispatcher"]
    now = timezone.now()
    planned = planned_outage_create(actor=dispatcher, utility="power", reason="线路检修",
                                    starts_at=now - datetime.timedelta(hours=1),
                                    ends_at=now + datetime.timedelta(hours=3), devices=[world.devices["S1"]])
    added = planned_outage_notices_record(actor=dispatcher, planned=planned, channel="letter")
    assert added == 1 + 6 + 1 + 3  # alice, n1…n6 under T1; hospital, m1…m3 under T2
    result = take(world)
    assert result.outcome == Outcome.PLANNED_OUTAGE
    assert result.planned_outage == planned
    assert "线路检修" in result.tell and "written notice" in result.tell
    assert steps_of(result.contact) == ["identify", "connection_status", "planned_outage"]
    # Under another feeder: not affected, goes on to a work request.
    other = take(world, "bob", problem=PROBLEM)
    assert other.outcome == Outcome.REQUEST_CREATED


@pytest.mark.django_db
def test_OUT2_planned_outage_by_district_without_notice(world):
    now = timezone.now()
    planned_outage_create(actor=world.users["dispatcher"], utility="power", reason="片区改造",
                          starts_at=now - datetime.timedelta(minutes=5),
                          ends_at=now + datetime.timedelta(hours=1),
                          districts=["福田区"])
    result = take(world, "bob")
    assert result.outcome == Outcome.PLANNED_OUTAGE
    assert "written notice" not in result.tell
    assert not PlannedOutageNotice.objects.exists()


@pytest.mark.django_db
def test_OUT2_the_desk_sees_a_planned_outage_created_cancelled_or_starting_at_once(world):
    """The planned outages in force are read from a cached schedule: a new one, a cancelled one
    and one that starts later must all be seen on the next call, without waiting for expiry."""
    dispatcher = world.users["dispatcher"]
    now = timezone.now()
    assert take(world, "bob", problem=PROBLEM).outcome == Outcome.REQUEST_CREATED  # schedule cached, empty
    planned = planned_outage_create(actor=dispatcher, utility="power", reason="线路检修",
                                    starts_at=now - datetime.timedelta(minutes=1),
                                    ends_at=now + datetime.timedelta(hours=1), devices=[world.devices["S3"]])
    assert take(world, "bob").outcome == Outcome.PLANNED_OUTAGE
    planned_outage_cancel(actor=dispatcher, planned=planned)
    assert take(world, "bob", problem=PROBLEM).outcome == Outcome.REQUEST_CREATED
    later = planned_outage_create(actor=dispatcher, utility="power", reason="更换电缆",
                                  starts_at=now + datetime.timedelta(hours=2),
                                  ends_at=now + datetime.timedelta(hours=4), devices=[world.devices["S3"]])
    assert take(world, "bob", problem=PROBLEM).outcome == Outcome.REQUEST_CREATED  # not yet in force
    with time_machine.travel(now + datetime.timedelta(hours=2, minutes=1), tick=False):
        result = take(world, "bob")
    assert (result.outcome, result.planned_outage) == (Outcome.PLANNED_OUTAGE, later)


@pytest.mark.django_db
def test_OUT2_planned_outage_needs_devices_or_districts_and_an_end_after_the_start(world):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as error:
        planned_outage_create(actor=world.users["dispatcher"], utility="power", reason="",
                              starts_at=now, ends_at=now - datetime.timedelta(hours=1))
    assert set(error.value.errors) == {"reason", "ends_at", "devices"}
    with pytest.raises(ActionNotAllowed):
        planned_outage_create(actor=world.users["agent"], utility="power", reason="x", starts_at=now,
                              ends_at=now + datetime.timedelta(hours=1), districts=["南山区"])


@pytest.mark.django_db
def test_OUT2_open_outage_covering_the_service_point_links_the_call_and_creates_no_work(world):
    etr = timezone.now() + datetime.timedelta(hours=2)
    outage = outage_declare(actor=world.users["dispatcher"], device=world.devices["S1"], cause="电缆被挖断",
                            etr=etr)
    result = take(world)
    assert result.outcome == Outcome.OUTAGE_LINKED
    assert result.outage == outage
    assert "电缆被挖断" in result.tell
    assert timezone.localtime(etr).strftime("%H:%M") in result.tell
    assert ServiceRequest.objects.count() == 0
    outage.refresh_from_db()
    assert outage.call_count == 1
    call = FaultCall.objects.get()
    assert call.contact == result.contact and call.outage == outage and call.device == world.devices["T1"]
    assert steps_of(result.contact) == ["identify", "connection_status", "planned_outage", "open_outage"]


@pytest.mark.django_db
def test_OUT5_troubleshooting_solves_it_on_the_call_contact_record_only(world):
    result = take(world,
                  troubleshooting=[TroubleshootingAnswer("main-breaker", solved=True, steps_done=(1, 2, 3))])
    assert result.outcome == Outcome.SELF_HELP
    result.contact.refresh_from_db()
    assert result.contact.first_contact_resolution
    assert result.contact.steps[-1]["script"] == "main-breaker"
    assert result.contact.steps[-1]["steps_done"] == [1, 2, 3]
    assert ServiceRequest.objects.count() == 0 and not FaultCall.objects.exists()


@pytest.mark.django_db
def test_OUT5_unknown_script_or_step_is_refused_and_nothing_is_saved(world):
    with pytest.raises(ValidationFailed) as error:
        take(world, troubleshooting=[TroubleshootingAnswer("main-breaker", solved=False, steps_done=(9,))])
    assert "troubleshooting" in error.value.errors
    with pytest.raises(ValidationFailed):
        take(world, troubleshooting=[TroubleshootingAnswer("stop-valve", solved=False)])  # a water script
    assert ContactRecord.objects.count() == 0


@pytest.mark.django_db
def test_OUT6_work_request_with_problem_detail_initial_estimate_and_priority(world):
    before = timezone.now()
    result = take(world, "hospital", problem={"fault_location": "hv_cable"},
                  troubleshooting=[TroubleshootingAnswer("main-breaker", solved=False, steps_done=(1, 2))])
    assert result.outcome == Outcome.REQUEST_CREATED
    request = result.request
    assert request.customer == world.customers["hospital"]
    assert request.service_point == world.points["hospital"]
    assert request.attributes["fault_location"] == "hv_cable"
    assert request.crew_type == "hv_cable" and request.responsible_unit == world.units["engineering"]
    assert request.priority == 1  # INT-6: the hospital flag
    assert before + datetime.timedelta(minutes=239) < request.estimated_completion_at
    assert request.estimated_completion_at < timezone.now() + datetime.timedelta(minutes=241)
    result.contact.refresh_from_db()
    assert result.contact.request == request
    assert result.contact.outcome == Outcome.REQUEST_CREATED
    assert [s["step"] for s in result.contact.steps] == [
        "identify", "connection_status", "planned_outage", "open_outage", "troubleshooting", "inference",
        "work_request"]
    assert FaultCall.objects.get().request == request


@pytest.mark.django_db
def test_OUT6_missing_problem_detail_names_the_field_and_saves_nothing(world):
    with pytest.raises(ValidationFailed) as error:
        take(world)
    assert "problem.fault_location" in error.value.errors
    assert ContactRecord.objects.count() == 0
    assert not FaultCall.objects.exists()


@pytest.mark.django_db
def test_INT3_unidentified_caller_without_a_place_gets_a_contact_record_only(world):
    result = fault_call_take(FaultCallInput(reporter_kind="unidentified"), actor=world.users["agent"])
    assert result.outcome == Outcome.INFORMATION_RECORDED
    assert result.contact.pk is not None and result.request is None
    assert result.contact.steps == [{"step": "identify", "result": "unidentified", "service_point": None,
                                     "location": "", "told": result.tell,
                                     "told_message": {"key": "tell_unidentified", "params": {}}}]


@pytest.mark.django_db
def test_INT3_police_report_of_a_damaged_cable_becomes_a_work_request_without_a_customer(world):
    result = fault_call_take(FaultCallInput(reporter_kind="non_customer", reporter_name="王警官",
                             reporter_phone="110", location="南山区科技园路口电缆被挂断",
                             problem={"fault_location": "hv_cable"}), actor=world.users["agent"])
    assert result.outcome == Outcome.REQUEST_CREATED
    assert result.request.customer is None
    assert result.request.location == "南山区科技园路口电缆被挂断"


@pytest.mark.django_db
def test_fault_call_refused_to_roles_that_do_not_take_calls(world):
    for name in ("provider_a_staff", "finance", "customer_user"):
        with pytest.raises(ActionNotAllowed):
            fault_call_take(FaultCallInput(service_point=world.points["alice"],
                            customer=world.customers["alice"], problem=PROBLEM), actor=world.users[name])
    assert ContactRecord.objects.count() == 0


@pytest.mark.django_db
def test_customer_with_one_service_point_needs_no_choice(world):
    result = fault_call_take(FaultCallInput(customer=world.customers["alice"], problem=PROBLEM),
                             actor=world.users["agent"])
    assert result.contact.service_point == world.points["alice"]
    assert Outage.objects.count() == 0


@pytest.mark.django_db
def test_OUT2_a_planned_outage_over_now_is_found_for_a_moment_when_it_was_in_force(world):
    """The cached schedule holds the planned outages not yet over; a moment before it was built
    is answered from the database."""
    from servicedesk.outages.selectors import planned_outages_in_force

    now = timezone.now()
    planned = planned_outage_create(actor=world.users["dispatcher"], utility="power", reason="线路检修",
                                    starts_at=now - datetime.timedelta(hours=3),
                                    ends_at=now - datetime.timedelta(hours=1), devices=[world.devices["S3"]])
    bob = world.points["bob"]
    assert planned_outages_in_force(bob) == []
    assert planned_outages_in_force(bob, at=now - datetime.timedelta(hours=2)) == [planned]
    assert planned_outages_in_force(world.points["alice"], at=now - datetime.timedelta(hours=2)) == []
