"""REST API of service requests and work orders: success, bad input (named field, nothing saved)
and refusal for every role that may not use each endpoint (INT-3..INT-7, OUT-6)."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.contacts.models import ContactRecord
from servicedesk.core.models import IdempotencyRecord
from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.tickets.models import (
    RequestEvent,
    RequestType,
    RoutingRule,
    ServiceRequest,
    WorkOrder,
    WorkOrderEvent,
)

# Promised times and ETRs must lie ahead (at most two years): a month from today, local date.
SOON = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
SOON_NEXT = (timezone.localdate() + datetime.timedelta(days=31)).isoformat()

pytestmark = pytest.mark.django_db

# Personas whose role lacks a capability (world.py): used to check every refusal.
NOT_CREATING = ["leadership", "supervisor", "dispatcher", "provider_a_staff", "finance",
                "outsider", "customer_user"]
NOT_HANDLING = ["leadership", "supervisor", "provider_a_staff", "finance", "customer_user"]
NOT_DISPATCHING = ["agent", "team_lead", "leadership", "supervisor", "provider_a_staff",
                   "finance", "customer_user"]
NOT_SEEING_REQUESTS = ["finance", "outsider"]
NOT_SEEING_WORK_ORDERS = ["finance", "outsider", "customer_user"]


def leak(world, dn=200, point="alice", **extra):
    return {"request_type": "leak", "service_point_id": world.points[point].pk,
            "attributes": {"dn": dn}, **extra}


def create(world, body, persona="agent"):
    response = as_(world, persona).post("/requests", body)
    assert response.status_code == 201, response.content
    return response.json()


def nothing_saved():
    return (ServiceRequest.objects.count(), ContactRecord.objects.count(), RequestEvent.objects.count(),
            IdempotencyRecord.objects.count()) == (0, 0, 0, 0)


# ----------------------------------------------------------------------------------------------
# POST /requests


def test_dn200_leak_created_through_the_api_lands_at_engineering(world):
    """INT-7, 003 §8.2: above DN150 the engineering department follows the leak."""
    body = create(world, leak(world, 200))
    assert body["responsible_unit"]["code"] == "engineering"
    assert body["crew_type"] == "pipe_repair"
    assert body["reference"] == f"SR{body['id']:08d}"
    assert body["status"] == "new"
    assert body["customer"]["number"] == "C000000001"
    assert body["attributes"] == {"dn": 200}
    assert body["created_at"].endswith("+08:00")
    request = ServiceRequest.objects.get(pk=body["id"])
    assert request.responsible_unit == world.units["engineering"]
    assert request.contacts.get().outcome == ContactRecord.Outcome.REQUEST_CREATED


def test_dn100_leak_goes_to_the_office_of_its_district(world):
    """INT-7: DN150 and below → the local business office of the service point's district."""
    assert create(world, leak(world, 100))["responsible_unit"]["code"] == "office-nanshan"
    assert create(world, leak(world, 100, point="bob"))["responsible_unit"]["code"] == "office-futian"


def test_police_report_of_a_street_leak_needs_no_customer(world):
    """INT-3, 004 step 2: a non-customer reporter, a street location, no service point."""
    body = create(world,
                  {"request_type": "leak", "reporter_kind": "non_customer", "reporter_name": "巡逻民警",
                          "reporter_phone": "+86 110", "location": "福华路与金田路交叉口",
                   "district": "福田区",
                          "attributes": {"dn": 80, "severity": "burst"}})
    assert body["customer"] is None and body["service_point"] is None
    assert body["responsible_unit"]["code"] == "office-futian"
    contact = ContactRecord.objects.get(request_id=body["id"])
    assert contact.reporter_kind == "non_customer" and contact.customer is None


def test_hospital_fault_is_urgent_and_says_why(world):
    """INT-6, 004 step 20: priority from the customer's flags; the crew from the fault location."""
    body = create(world, {"request_type": "power-fault", "service_point_id": world.points["hospital"].pk,
                          "attributes": {"fault_location": "hv_cable"}})
    assert body["priority"] == 1
    assert body["priority_reasons"] == ["医院、生命维持用户优先"]
    assert body["crew_type"] == "hv_cable"


def test_request_can_follow_a_recorded_contact(world):
    """INT-1: the request traces back to the contact it came from, with no second contact record."""
    agent = as_(world, "agent")
    contact = agent.post("/contacts", {"customer_id": world.customers["bob"].pk, "notes": "水表漏水"}).json()
    body = create(world, {**leak(world, 60, point="bob"), "contact_id": contact["id"]})
    assert ContactRecord.objects.count() == 1
    assert ContactRecord.objects.get().request_id == body["id"]
    again = agent.post("/requests", {**leak(world, 60, point="bob"), "contact_id": contact["id"]})
    assert again.status_code == 422
    assert "contact_id" in error_of(again)["fields"]


def test_estimated_completion_without_offset_is_read_as_shanghai_time(world):
    tomorrow = (timezone.localtime() + datetime.timedelta(days=1)).replace(microsecond=0, tzinfo=None)
    body = create(world, leak(world, 200, estimated_completion_at=tomorrow.isoformat()))
    assert body["estimated_completion_at"] == tomorrow.isoformat() + "+08:00"
    stored = ServiceRequest.objects.get(pk=body["id"]).estimated_completion_at
    assert timezone.localtime(stored).replace(tzinfo=None) == tomorrow


@pytest.mark.parametrize(("change", "field", "problem"), [
    ({"attributes": {"dn": 5000}}, "attributes.dn", "at most 3000"),
    ({"attributes": {}}, "attributes.dn", "required"),
    ({"attributes": {"dn": 100, "colour": "blue"}}, "attributes.colour", ""),
    ({"attributes": {"dn": "wide"}}, "attributes.dn", "number"),
    ({"request_type": "no-such-type"}, "request_type", ""),
    ({"request_type": None}, "request_type", ""),
    ({"service_point_id": 999999}, "service_point_id", ""),
    ({"service_point_id": "SP-1"}, "service_point_id", ""),
    ({"customer_id": 999999}, "customer_id", ""),
    ({"contact_id": 999999}, "contact_id", ""),
    ({"channel": "fax"}, "channel", ""),
    ({"reporter_kind": "alien"}, "reporter_kind", ""),
    ({"subject": "长" * 201}, "subject", ""),
    ({"service_point_id": None}, "location", ""),
    ({"estimated_completion_at": "2020-01-01T08:00:00+08:00"}, "estimated_completion_at", ""),
    ({"estimated_completion_at": "tomorrow"}, "estimated_completion_at", ""),
])
def test_bad_request_input_names_the_field_and_saves_nothing(world, change, field, problem):
    body = {**leak(world, 200), **change}
    if body.get("request_type") is None:
        del body["request_type"]
    response = as_(world, "agent").post("/requests", body, key="bad-input", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422, response.content
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert problem in error["fields"][field]
    assert nothing_saved()


def test_customer_caller_must_be_identified_or_recorded_otherwise(world):
    """INT-3: a 'customer' reporter needs the customer; otherwise record a non-customer or unidentified."""
    response = as_(world, "agent").post("/requests",
                                        {"request_type": "consultation", "reporter_kind": "customer"})
    assert response.status_code == 422
    assert "customer_id" in error_of(response)["fields"]
    assert nothing_saved()


def test_inactive_request_type_is_refused(world):
    RequestType.objects.filter(code="complaint").update(active=False)
    response = as_(world, "agent").post("/requests", {"request_type": "complaint",
                                                      "customer_id": world.customers["bob"].pk})
    assert response.status_code == 422
    assert "request_type" in error_of(response)["fields"]
    assert nothing_saved()


@pytest.mark.parametrize("persona", NOT_CREATING)
def test_roles_that_may_not_create_requests_are_refused(world, persona):
    response = as_(world, persona).post("/requests", leak(world, 200))
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert nothing_saved()


@pytest.mark.parametrize("persona",
                         ["agent", "team_lead", "desk_manager", "key_account_manager", "administrator"])
def test_desk_roles_may_create_requests(world, persona):
    assert create(world, leak(world, 200), persona)["created_by"]["username"] == persona


def test_create_without_credentials_is_401(world):
    response = as_(world, None).post("/requests", leak(world, 200))
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert nothing_saved()


def test_create_is_lean_in_queries(world, django_assert_max_num_queries):
    """The hotline's hot path (benchmarked at ≥300 creates/s): a fixed, small number of queries.

    With the intake and SLA configurations cached (types, fields, rules, offices, policies: a
    cache read each, a query only with the database cache backend) and an Idempotency-Key: token,
    two cache reads,
    service point, customer flags, request insert, contact insert, creation event, idempotency
    record, and the savepoint pair of the service inside the idempotent write (plus, in a test,
    the savepoint pair that stands for BEGIN/COMMIT inside the test's transaction).
    """
    client = as_(world, "agent")
    assert client.post("/requests", leak(world, 100, point="hospital"), key="warm-up").status_code == 201
    with django_assert_max_num_queries(13):
        response = client.post("/requests", leak(world, 100, point="hospital"), key="lean-1")
    assert response.status_code == 201


def test_a_changed_routing_rule_is_used_by_the_next_create(world):
    """INT-7: the intake configuration is cached, but an administrator's change applies at once."""
    client = as_(world, "agent")
    assert client.post("/requests", leak(world, 200),
                       key="before").json()["responsible_unit"]["code"] == "engineering"
    rule = RoutingRule.objects.get(name="DN150以上报漏由工程部跟进")
    rule.target_unit = world.units["business"]
    rule.save()
    assert client.post("/requests", leak(world, 200),
                       key="after").json()["responsible_unit"]["code"] == "business"


# ----------------------------------------------------------------------------------------------
# GET /requests and /requests/{id}


@pytest.fixture
def requests_of_everyone(world):
    """Alice's DN200 leak (engineering), Bob's DN100 leak (Futian office), the hospital's fault."""
    return {
        "alice": create(world, leak(world, 200)),
        "bob": create(world, leak(world, 100, point="bob")),
        "hospital": create(world,
                           {"request_type": "power-fault", "service_point_id": world.points["hospital"].pk,
                                   "attributes": {"fault_location": "service_point"}, "subject": "医院停电"}),
    }


def _ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_each_role_lists_only_the_requests_in_its_scope(world, requests_of_everyone):
    ids = {name: body["id"] for name, body in requests_of_everyone.items()}
    assert _ids(as_(world, "agent").get("/requests")) == set(ids.values())
    assert _ids(as_(world, "leadership").get("/requests")) == set(ids.values())
    assert _ids(as_(world, "customer_user").get("/requests")) == {ids["alice"]}
    assert _ids(as_(world, "other_customer_user").get("/requests")) == {ids["bob"]}
    assert _ids(as_(world, "dispatcher").get("/requests")) == {ids["alice"]}
    # The hospital's service-point fault goes to its district's office (南山).
    assert _ids(as_(world, "office_dispatcher").get("/requests")) == {ids["hospital"]}
    assert _ids(as_(world, "provider_a_staff").get("/requests")) == set()
    as_(world, "dispatcher").post(f"/requests/{ids['alice']}/work-orders", {"provider": "crew-a"})
    assert _ids(as_(world, "provider_a_staff").get("/requests")) == {ids["alice"]}
    assert _ids(as_(world, "provider_b_staff").get("/requests")) == set()


@pytest.mark.parametrize("persona", NOT_SEEING_REQUESTS)
def test_roles_without_request_access_are_refused_the_list(world, persona):
    response = as_(world, persona).get("/requests")
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_request_filters(world, requests_of_everyone):
    ids = {name: body["id"] for name, body in requests_of_everyone.items()}
    agent = as_(world, "agent")
    as_(world, "dispatcher").post(f"/requests/{ids['alice']}/transitions", {"action": "accept"})
    assert _ids(agent.get("/requests", {"status": "accepted"})) == {ids["alice"]}
    assert _ids(agent.get("/requests", {"status": ["accepted", "new"]})) == set(ids.values())
    assert _ids(agent.get("/requests", {"priority": 1})) == {ids["hospital"]}
    assert _ids(agent.get("/requests", {"request_type": "power-fault"})) == {ids["hospital"]}
    assert _ids(agent.get("/requests", {"responsible_unit": "office-futian"})) == {ids["bob"]}
    assert _ids(agent.get("/requests", {"responsible_unit": world.units["engineering"].pk})) == {ids["alice"]}
    assert _ids(agent.get("/requests", {"customer_id": world.customers["bob"].pk})) == {ids["bob"]}
    assert _ids(agent.get("/requests", {"q": "医院"})) == {ids["hospital"]}
    later = (timezone.now() + datetime.timedelta(minutes=1)).isoformat()
    assert _ids(agent.get("/requests", {"created_after": later})) == set()
    assert _ids(agent.get("/requests", {"created_before": later})) == set(ids.values())


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "lost"}, "status"), ({"priority": 9}, "priority"), ({"page_size": 201}, "page_size"),
    ({"page": 0}, "page"), ({"created_after": "yesterday"}, "created_after"),
    ({"customer_id": "bob"}, "customer_id"),
])
def test_bad_request_filters_name_the_parameter(world, params, field):
    response = as_(world, "agent").get("/requests", params)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


def test_request_pages_are_stable_and_complete(world):
    ids = {create(world, leak(world, 200 + n))["id"] for n in range(5)}
    agent = as_(world, "agent")
    seen: list[int] = []
    for page in (1, 2, 3):
        body = agent.get("/requests", {"page": page, "page_size": 2}).json()
        assert (body["count"], body["page"], body["page_size"]) == (5, page, 2)
        seen += [item["id"] for item in body["results"]]
    assert seen == sorted(ids, reverse=True)  # newest first, no overlap, nothing missing
    assert agent.get("/requests", {"page": 9, "page_size": 2}).json()["results"] == []


def test_request_list_query_count_does_not_grow_with_the_page(world, django_assert_max_num_queries):
    """No N+1: token, count and one page query, whether the page holds 2 or 20 requests."""
    for n in range(20):
        create(world, leak(world, 100 + n, point="bob" if n % 2 else "alice"))
    agent = as_(world, "agent")
    agent.get("/me")  # the token's first use records last_used_at; later calls only read it
    with django_assert_max_num_queries(3):
        assert len(agent.get("/requests", {"page_size": 2}).json()["results"]) == 2
    with django_assert_max_num_queries(3):
        assert len(agent.get("/requests", {"page_size": 20}).json()["results"]) == 20


def test_request_detail_shows_timeline_work_orders_contacts_and_actions(world):
    body = create(world, leak(world, 300))
    dispatcher = as_(world, "dispatcher")
    dispatcher.post(f"/requests/{body['id']}/work-orders", {"provider": "crew-a", "instructions": "关阀"})
    dispatcher.post(f"/requests/{body['id']}/notes", {"text": "已通知抢修一队"})
    detail = as_(world, "agent").get(f"/requests/{body['id']}").json()
    assert detail["status"] == "dispatched"
    assert [e["kind"] for e in detail["events"]] == ["created", "work_order", "transition", "note"]
    assert detail["events"][2]["actor"]["username"] == "dispatcher"
    assert detail["events"][0]["at"].endswith("+08:00")
    assert [w["provider"]["code"] for w in detail["work_orders"]] == ["crew-a"]
    assert len(detail["contacts"]) == 1 and detail["contacts"][0]["reference"].startswith("C")
    assert detail["available_actions"] == ["start", "resolve", "wait"]
    assert as_(world, "dispatcher").get(f"/requests/{body['id']}").json()["available_actions"] == [
        "start", "resolve", "wait", "return"]


def test_customer_sees_own_request_without_staff_notes(world):
    body = create(world, leak(world, 200))
    as_(world, "agent").post(f"/requests/{body['id']}/notes", {"text": "客户语气激动"})
    detail = as_(world, "customer_user").get(f"/requests/{body['id']}").json()
    assert detail["id"] == body["id"]
    assert "note" not in [e["kind"] for e in detail["events"]]
    assert detail["available_actions"] == []


@pytest.mark.parametrize("persona", ["other_customer_user", "office_dispatcher", "provider_a_staff"])
def test_requests_outside_the_scope_are_not_found(world, persona):
    body = create(world, leak(world, 200))
    response = as_(world, persona).get(f"/requests/{body['id']}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("persona", NOT_SEEING_REQUESTS)
def test_roles_without_request_access_are_refused_the_detail(world, persona):
    body = create(world, leak(world, 200))
    assert as_(world, persona).get(f"/requests/{body['id']}").status_code == 403


def test_unknown_request_is_404(world):
    assert error_of(as_(world, "agent").get("/requests/999999"))["code"] == "not_found"


# ----------------------------------------------------------------------------------------------
# Transitions, changes, notes


def test_request_transitions_follow_the_workflow(world):
    body = create(world, leak(world, 100))
    agent = as_(world, "agent")
    accepted = agent.post(f"/requests/{body['id']}/transitions", {"action": "accept"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    again = agent.post(f"/requests/{body['id']}/transitions", {"action": "accept"})
    assert again.status_code == 409
    assert error_of(again)["code"] == "invalid_transition"
    no_reason = agent.post(f"/requests/{body['id']}/transitions", {"action": "resolve"})
    assert no_reason.status_code == 422 and "reason" in error_of(no_reason)["fields"]
    unknown = agent.post(f"/requests/{body['id']}/transitions", {"action": "teleport"})
    assert unknown.status_code == 422 and "action" in error_of(unknown)["fields"]
    missing = agent.post(f"/requests/{body['id']}/transitions", {"reason": "x"})
    assert missing.status_code == 422 and "action" in error_of(missing)["fields"]
    resolved = agent.post(f"/requests/{body['id']}/transitions",
                          {"action": "resolve", "reason": "已关阀修复"})
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolution"] == "已关阀修复"
    transitions = RequestEvent.objects.filter(request_id=body["id"], kind="transition")
    assert [(e.from_status, e.to_status) for e in transitions] == [("new", "accepted"),
                                                                   ("accepted", "resolved")]


def test_a_role_without_the_action_gets_action_not_allowed(world):
    body = create(world, leak(world, 100))
    response = as_(world, "agent").post(f"/requests/{body['id']}/transitions", {"action": "dispatch"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "action_not_allowed"
    assert ServiceRequest.objects.get(pk=body["id"]).status == "new"


@pytest.mark.parametrize("persona", NOT_HANDLING)
def test_roles_that_may_not_handle_requests_are_refused_transitions(world, persona):
    body = create(world, leak(world, 100))
    response = as_(world, persona).post(f"/requests/{body['id']}/transitions", {"action": "accept"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert ServiceRequest.objects.get(pk=body["id"]).status == "new"


def test_dispatcher_of_another_unit_cannot_move_the_request(world):
    body = create(world, leak(world, 200))  # engineering
    response = as_(world, "office_dispatcher").post(f"/requests/{body['id']}/transitions",
                                                    {"action": "accept"})
    assert response.status_code == 404


def test_patch_changes_priority_unit_and_estimate_with_a_reason(world):
    """The dispatcher hands the request to another unit: the answer still shows the result, though
    the request has now left the dispatcher's scope."""
    body = create(world, leak(world, 200))
    eta = (timezone.now() + datetime.timedelta(hours=4)).replace(microsecond=0)
    response = as_(world, "dispatcher").patch(f"/requests/{body['id']}", {
        "priority": 1, "responsible_unit": "business", "estimated_completion_at": eta.isoformat(),
        "reason": "市政要求优先处理"})
    assert response.status_code == 200, response.content
    changed = response.json()
    assert changed["priority"] == 1 and changed["responsible_unit"]["code"] == "business"
    assert changed["estimated_completion_at"].endswith("+08:00")
    event = RequestEvent.objects.get(request_id=body["id"], kind="change")
    assert set(event.changes) == {"priority", "responsible_unit", "estimated_completion_at"}
    assert changed["events"][-1]["kind"] == "change"
    assert as_(world, "dispatcher").get(f"/requests/{body['id']}").status_code == 404


@pytest.mark.parametrize(("change", "field"), [
    ({"priority": 1}, "reason"),
    ({"priority": 9, "reason": "x"}, "priority"),
    ({"responsible_unit": "no-such-unit", "reason": "x"}, "responsible_unit"),
    ({"responsible_unit": 999999, "reason": "x"}, "responsible_unit"),
    ({"estimated_completion_at": "soon", "reason": "x"}, "estimated_completion_at"),
])
def test_bad_patch_names_the_field_and_changes_nothing(world, change, field):
    body = create(world, leak(world, 200))
    response = as_(world, "agent").patch(f"/requests/{body['id']}", change)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    request = ServiceRequest.objects.get(pk=body["id"])
    assert (request.priority, request.responsible_unit.code) == (2, "engineering")
    assert not RequestEvent.objects.filter(request=request, kind="change").exists()


@pytest.mark.parametrize("persona",
                         ["leadership", "supervisor", "provider_a_staff", "finance", "customer_user"])
def test_roles_that_may_not_handle_requests_cannot_patch(world, persona):
    body = create(world, leak(world, 200))
    response = as_(world, persona).patch(f"/requests/{body['id']}", {"priority": 1, "reason": "x"})
    assert response.status_code == 403
    assert ServiceRequest.objects.get(pk=body["id"]).priority == 2


def test_notes_are_added_to_the_timeline(world):
    body = create(world, leak(world, 200))
    response = as_(world, "agent").post(f"/requests/{body['id']}/notes", {"text": "客户来电催办"})
    assert response.status_code == 201
    assert response.json()["kind"] == "note" and response.json()["reason"] == "客户来电催办"
    empty = as_(world, "agent").post(f"/requests/{body['id']}/notes", {"text": ""})
    assert empty.status_code == 422 and "text" in error_of(empty)["fields"]
    assert RequestEvent.objects.filter(request_id=body["id"], kind="note").count() == 1


@pytest.mark.parametrize("persona", NOT_HANDLING)
def test_roles_that_may_not_handle_requests_cannot_add_notes(world, persona):
    body = create(world, leak(world, 200))
    assert as_(world, persona).post(f"/requests/{body['id']}/notes", {"text": "x"}).status_code == 403
    assert not RequestEvent.objects.filter(request_id=body["id"], kind="note").exists()


# ----------------------------------------------------------------------------------------------
# Queue


def test_dispatch_queue_is_most_urgent_then_oldest_and_open_only(world):
    normal = create(world, leak(world, 200))
    urgent = create(world, {"request_type": "power-fault", "service_point_id": world.points["hospital"].pk,
                            "attributes": {"fault_location": "hv_cable"}})
    done = create(world, leak(world, 250))
    dispatcher = as_(world, "dispatcher")
    dispatcher.post(f"/requests/{done['id']}/transitions", {"action": "cancel", "reason": "重复报障"})
    body = dispatcher.get("/queue").json()
    assert [item["id"] for item in body["results"]] == [urgent["id"], normal["id"]]
    assert as_(world, "office_dispatcher").get("/queue").json()["count"] == 0


@pytest.mark.parametrize("persona", NOT_DISPATCHING)
def test_only_dispatchers_have_a_queue(world, persona):
    response = as_(world, persona).get("/queue")
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


# ----------------------------------------------------------------------------------------------
# Work orders


@pytest.fixture
def dispatched(world):
    """A DN300 leak (engineering) with a work order for crew A."""
    body = create(world, leak(world, 300))
    response = as_(world, "dispatcher").post(f"/requests/{body['id']}/work-orders", {
        "provider": "crew-a", "crew_type": "pipe_repair", "instructions": "先关阀",
        "promised_start_at": f"{SOON}T09:00:00+08:00", "promised_end_at": f"{SOON}T17:00:00+08:00"})
    assert response.status_code == 201, response.content
    return {"request": body, "work_order": response.json()}


def test_dispatching_a_work_order(world, dispatched):
    order = dispatched["work_order"]
    assert order["reference"] == f"WO{order['id']:08d}"
    assert order["provider"]["code"] == "crew-a" and order["status"] == "issued"
    assert order["promised_end_at"] == f"{SOON}T17:00:00+08:00"
    assert order["request"]["status"] == "dispatched"
    assert order["available_actions"] == ["cancel"]
    second = as_(world, "dispatcher").post(f"/requests/{dispatched['request']['id']}/work-orders",
                                           {"provider": world.providers["b"].pk})
    assert second.status_code == 201 and second.json()["provider"]["code"] == "partner-b"


@pytest.mark.parametrize(("change", "field"), [
    ({"provider": "no-such-provider"}, "provider"),
    ({"provider": 999999}, "provider"),
    ({}, "provider"),
    ({"provider": "crew-a", "promised_start_at": f"{SOON_NEXT}T09:00:00+08:00",
      "promised_end_at": f"{SOON}T09:00:00+08:00"}, "promised_end_at"),
    ({"provider": "crew-a", "promised_end_at": "later"}, "promised_end_at"),
])
def test_bad_work_order_input_names_the_field_and_saves_nothing(world, change, field):
    body = create(world, leak(world, 300))
    response = as_(world, "dispatcher").post(f"/requests/{body['id']}/work-orders", change, key="wo-bad")
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    assert WorkOrder.objects.count() == 0
    assert ServiceRequest.objects.get(pk=body["id"]).status == "new"
    assert not IdempotencyRecord.objects.exists()


def test_inactive_provider_is_refused(world):
    world.providers["b"].active = False
    world.providers["b"].save()
    body = create(world, leak(world, 300))
    response = as_(world, "dispatcher").post(f"/requests/{body['id']}/work-orders", {"provider": "partner-b"})
    assert response.status_code == 422 and WorkOrder.objects.count() == 0


@pytest.mark.parametrize("persona", NOT_DISPATCHING)
def test_roles_that_may_not_dispatch_cannot_create_work_orders(world, persona):
    body = create(world, leak(world, 300))
    response = as_(world, persona).post(f"/requests/{body['id']}/work-orders", {"provider": "crew-a"})
    assert response.status_code == 403
    assert WorkOrder.objects.count() == 0


def test_dispatcher_of_another_unit_cannot_dispatch_the_request(world):
    body = create(world, leak(world, 300))
    response = as_(world, "office_dispatcher").post(f"/requests/{body['id']}/work-orders",
                                                    {"provider": "crew-a"})
    assert response.status_code == 404 and WorkOrder.objects.count() == 0


def test_provider_staff_see_only_their_own_work_orders(world, dispatched):
    order_id = dispatched["work_order"]["id"]
    assert _ids(as_(world, "provider_a_staff").get("/work-orders")) == {order_id}
    assert _ids(as_(world, "provider_b_staff").get("/work-orders")) == set()
    response = as_(world, "provider_b_staff").get(f"/work-orders/{order_id}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    detail = as_(world, "provider_a_staff").get(f"/work-orders/{order_id}").json()
    assert detail["available_actions"] == ["accept", "decline", "start"]
    assert [e["kind"] for e in detail["events"]] == ["created"]


def test_work_order_filters(world, dispatched):
    order_id = dispatched["work_order"]["id"]
    dispatcher = as_(world, "dispatcher")
    assert _ids(dispatcher.get("/work-orders", {"status": "issued"})) == {order_id}
    assert _ids(dispatcher.get("/work-orders", {"status": ["accepted", "completed"]})) == set()
    assert _ids(dispatcher.get("/work-orders", {"provider": "crew-a"})) == {order_id}
    assert _ids(dispatcher.get("/work-orders", {"provider": world.providers["b"].pk})) == set()
    assert _ids(as_(world, "office_dispatcher").get("/work-orders")) == set()
    bad = dispatcher.get("/work-orders", {"status": "lost"})
    assert bad.status_code == 422 and "status" in error_of(bad)["fields"]


@pytest.mark.parametrize("persona", NOT_SEEING_WORK_ORDERS)
def test_roles_without_work_order_access_are_refused(world, dispatched, persona):
    client = as_(world, persona)
    assert client.get("/work-orders").status_code == 403
    assert client.get(f"/work-orders/{dispatched['work_order']['id']}").status_code == 403


def test_provider_works_the_order_and_the_request_follows(world, dispatched):
    """OUT-6: the request is started with its work order and resolved when the work is done."""
    order_id, request_id = dispatched["work_order"]["id"], dispatched["request"]["id"]
    crew = as_(world, "provider_a_staff")
    assert crew.post(f"/work-orders/{order_id}/transitions",
                     {"action": "accept"}).json()["status"] == "accepted"
    started = crew.post(f"/work-orders/{order_id}/transitions", {"action": "start"}).json()
    assert started["status"] == "in_progress" and started["actual_start_at"].endswith("+08:00")
    no_reason = crew.post(f"/work-orders/{order_id}/transitions", {"action": "complete"})
    assert no_reason.status_code == 422 and "reason" in error_of(no_reason)["fields"]
    done = crew.post(f"/work-orders/{order_id}/transitions",
                     {"action": "complete", "reason": "更换DN300阀门"})
    assert done.status_code == 200 and done.json()["result"] == "更换DN300阀门"
    request = ServiceRequest.objects.get(pk=request_id)
    assert (request.status, request.resolution) == ("resolved", "更换DN300阀门")


def test_other_provider_cannot_touch_the_work_order(world, dispatched):
    order_id = dispatched["work_order"]["id"]
    response = as_(world, "provider_b_staff").post(f"/work-orders/{order_id}/transitions",
                                                   {"action": "accept"})
    assert response.status_code == 404
    assert WorkOrder.objects.get(pk=order_id).status == "issued"


@pytest.mark.parametrize("persona", ["agent", "leadership", "supervisor", "finance", "customer_user"])
def test_roles_that_neither_work_nor_dispatch_cannot_move_work_orders(world, dispatched, persona):
    order_id = dispatched["work_order"]["id"]
    response = as_(world, persona).post(f"/work-orders/{order_id}/transitions", {"action": "accept"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert not WorkOrderEvent.objects.filter(work_order_id=order_id, kind="transition").exists()


def test_dispatcher_cancels_and_the_request_returns_to_the_queue(world, dispatched):
    order_id = dispatched["work_order"]["id"]
    dispatcher = as_(world, "dispatcher")
    refused = dispatcher.post(f"/work-orders/{order_id}/transitions", {"action": "accept"})
    assert refused.status_code == 403 and error_of(refused)["code"] == "action_not_allowed"
    cancelled = dispatcher.post(f"/work-orders/{order_id}/transitions",
                                {"action": "cancel", "reason": "改派"})
    assert cancelled.json()["status"] == "cancelled"
    assert ServiceRequest.objects.get(pk=dispatched["request"]["id"]).status == "accepted"
    late = dispatcher.post(f"/work-orders/{order_id}/transitions", {"action": "cancel", "reason": "改派"})
    assert late.status_code == 409


# ----------------------------------------------------------------------------------------------
# Request types


def test_request_types_list_active_types_with_their_fields(world):
    RequestType.objects.filter(code="complaint").update(active=False)
    body = as_(world, "agent").get("/request-types").json()
    assert [t["code"] for t in body["results"]] == ["consultation", "bill-inquiry", "leak", "power-fault",
                                                    "water-outage"]
    leak_type = body["results"][2]
    dn = leak_type["fields"][0]
    assert (dn["key"], dn["label"], dn["kind"], dn["required"], dn["min"], dn["max"], dn["unit"]) == (
        "dn", "管径DN", "integer", True, 15.0, 3000.0, "mm")
    assert leak_type["fields"][1]["choices"] == [{"value": "seep", "label": "渗漏"},
                                                 {"value": "burst", "label": "爆管"}]


def test_request_type_labels_follow_the_language(world):
    body = as_(world, "agent").get("/request-types", HTTP_ACCEPT_LANGUAGE="en").json()
    leak_type = next(t for t in body["results"] if t["code"] == "leak")
    assert leak_type["name"] == "Leak report"
    assert leak_type["fields"][0]["label"] == "Pipe diameter DN"
    assert leak_type["fields"][1]["choices"][1] == {"value": "burst", "label": "Burst"}


@pytest.mark.parametrize("persona", ["agent", "dispatcher", "provider_a_staff", "finance", "customer_user"])
def test_every_signed_in_role_may_read_request_types(world, persona):
    assert as_(world, persona).get("/request-types").status_code == 200


def test_request_types_need_credentials(world):
    assert as_(world, None).get("/request-types").status_code == 401
