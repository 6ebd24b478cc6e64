"""Services of the request workflow: intake, routing (INT-7), priority (INT-6), transitions, history."""

import pytest

from servicedesk.contacts.models import ContactRecord
from servicedesk.contacts.services import contact_create
from servicedesk.core.exceptions import ActionNotAllowed, ValidationFailed
from servicedesk.tickets.exceptions import InvalidAttributes, InvalidTransition
from servicedesk.tickets.models import RequestEvent, RequestStatus, ServiceRequest, WorkOrderStatus
from servicedesk.tickets.services import (
    request_create,
    request_transition,
    work_order_create,
    work_order_transition,
)

pytestmark = pytest.mark.django_db


def _leak(world, dn, **extra):
    return request_create(actor=world.users["agent"], request_type=world.types["leak"],
                          service_point=extra.pop("service_point", world.points["alice"]),
                          attributes={"dn": dn, **extra.pop("attributes", {})}, **extra)


def test_leak_over_dn150_routes_to_engineering(world):
    """INT-7, 003 §8.2: above DN150 the engineering department follows the leak."""
    request = _leak(world, 200)
    assert request.responsible_unit == world.units["engineering"]
    assert request.routing_rule.name == "DN150以上报漏由工程部跟进"


def test_leak_at_dn150_routes_to_the_local_business_office(world):
    """INT-7: DN150 inclusive goes to the business office serving the service point's district."""
    nanshan = _leak(world, 150)
    futian = _leak(world, 100, service_point=world.points["bob"])
    assert nanshan.responsible_unit == world.units["office_nanshan"]
    assert futian.responsible_unit == world.units["office_futian"]


def test_leak_in_the_street_without_service_point_uses_location_and_district(world):
    """INT-3: a passer-by reports a leak at a street corner."""
    request = request_create(actor=world.users["agent"], request_type=world.types["leak"],
                             reporter_kind=ContactRecord.ReporterKind.NON_CUSTOMER, reporter_name="路人",
                             reporter_phone="138 0000 1111",
                             location="福华路与金田路交叉口", district="福田区",
                             attributes={"dn": 80})
    assert request.customer is None
    assert request.responsible_unit == world.units["office_futian"]
    contact = request.contacts.get()
    assert contact.reporter_kind == ContactRecord.ReporterKind.NON_CUSTOMER
    assert contact.reporter_phone == "13800001111"


def test_leak_without_location_is_refused_and_nothing_is_saved(world):
    with pytest.raises(ValidationFailed) as raised:
        request_create(actor=world.users["agent"], request_type=world.types["leak"],
                       reporter_kind=ContactRecord.ReporterKind.UNIDENTIFIED, attributes={"dn": 80})
    assert "location" in raised.value.errors
    assert ServiceRequest.objects.count() == 0
    assert ContactRecord.objects.count() == 0


def test_type_fields_are_validated_by_their_definition(world):
    """INT-4: a leak's DN is a required whole number between 15 and 3000."""
    with pytest.raises(InvalidAttributes) as raised:
        _leak(world, "abc", attributes={"colour": "blue", "severity": "flood"})
    assert set(raised.value.errors) == {"attributes.dn", "attributes.colour", "attributes.severity"}
    with pytest.raises(InvalidAttributes) as raised:
        _leak(world, 5000)
    assert "3000" in raised.value.errors["attributes.dn"]
    assert ServiceRequest.objects.count() == 0


def test_hospital_gets_urgent_priority_with_the_reason(world):
    """INT-6, 004 step 20: priority from the customer's profile flags."""
    request = request_create(actor=world.users["agent"], request_type=world.types["fault"],
                             service_point=world.points["hospital"],
                             attributes={"fault_location": "hv_cable"})
    assert request.customer == world.customers["hospital"]
    assert request.priority == 1
    assert request.priority_reasons == ["医院、生命维持用户优先"]
    assert request.crew_type == "hv_cable"


def test_priority_from_request_attributes(world):
    """INT-6: a DN300 burst is urgent; a DN300 seep keeps the type's default."""
    assert _leak(world, 300, attributes={"severity": "burst"}).priority == 1
    assert _leak(world, 300, attributes={"severity": "seep"}).priority == 2


def test_consultation_answered_on_the_spot_counts_as_first_contact_resolution(world):
    """INT-5."""
    contact = contact_create(agent=world.users["agent"], customer=world.customers["alice"],
                             request_type=world.types["consultation"], notes="问阶梯电价",
                             answered_on_the_spot=True)
    assert contact.first_contact_resolution is True
    assert contact.outcome == ContactRecord.Outcome.ANSWERED
    assert ServiceRequest.objects.count() == 0


def test_a_leak_cannot_be_closed_on_the_call(world):
    with pytest.raises(ValidationFailed) as raised:
        contact_create(agent=world.users["agent"], customer=world.customers["alice"],
                       request_type=world.types["leak"], answered_on_the_spot=True)
    assert "request_type" in raised.value.errors


def test_unidentified_caller_still_yields_a_contact_record(world):
    """INT-3, 004 step 6.2."""
    contact = contact_create(agent=world.users["agent"],
                             reporter_kind=ContactRecord.ReporterKind.UNIDENTIFIED,
                             notes="来电未留姓名")
    assert contact.customer is None and contact.pk


def test_full_workflow_writes_history_for_every_change(world):
    agent, dispatcher = world.users["agent"], world.users["dispatcher"]
    request = _leak(world, 300)
    request_transition(request=request, action="accept", actor=dispatcher)
    order = work_order_create(request=request, actor=dispatcher, provider=world.providers["a"])
    request.refresh_from_db()
    assert request.status == RequestStatus.DISPATCHED
    work_order_transition(work_order=order, action="start", actor=world.users["provider_a_staff"])
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
    work_order_transition(work_order=order, action="complete", actor=world.users["provider_a_staff"],
                          reason="更换DN300阀门")
    request.refresh_from_db()
    assert request.status == RequestStatus.RESOLVED
    assert request.resolution == "更换DN300阀门"
    request_transition(request=request, action="close", actor=agent)
    request_transition(request=request, action="reopen", actor=agent, reason="客户反映仍漏水")
    statuses = [(e.from_status, e.to_status, e.actor_id) for e in
                RequestEvent.objects.filter(request=request, kind="transition").order_by("id")]
    assert statuses == [
        ("new", "accepted", dispatcher.pk),
        ("accepted", "dispatched", dispatcher.pk),
        ("dispatched", "in_progress", None),
        ("in_progress", "resolved", None),
        ("resolved", "closed", agent.pk),
        ("closed", "accepted", agent.pk),
    ]
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.COMPLETED and order.actual_end_at is not None


def test_illegal_transition_is_refused_and_changes_nothing(world):
    request = _leak(world, 100)
    with pytest.raises(InvalidTransition):
        request_transition(request=request, action="close", actor=world.users["agent"])
    request.refresh_from_db()
    assert request.status == RequestStatus.NEW
    assert not RequestEvent.objects.filter(request=request, kind="transition").exists()


def test_roles_that_may_not_act_are_refused(world):
    request = _leak(world, 100)
    with pytest.raises(ActionNotAllowed):
        request_transition(request=request, action="accept", actor=world.users["provider_a_staff"])
    with pytest.raises(ActionNotAllowed):
        work_order_create(request=request, actor=world.users["agent"], provider=world.providers["a"])
    with pytest.raises(ActionNotAllowed):
        request_create(actor=world.users["finance"], request_type=world.types["leak"],
                       service_point=world.points["alice"], attributes={"dn": 80})


def test_history_rows_cannot_be_changed(world):
    event = _leak(world, 100).events.get()
    event.reason = "tampered"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_cancelling_the_only_work_order_returns_the_request_to_the_queue(world):
    request = _leak(world, 300)
    order = work_order_create(request=request, actor=world.users["dispatcher"], provider=world.providers["b"])
    work_order_transition(work_order=order, action="decline", actor=world.users["provider_b_staff"],
                          reason="无DN300施工资质")
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
