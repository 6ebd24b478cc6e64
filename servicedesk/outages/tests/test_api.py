"""REST API of fault calls, outages, planned outages, the network and callbacks (seed 004, OUT-1..OUT-6,
INT-8): success, bad input (422 naming the field, nothing saved), refusal (403 for a role that may
not; 404 for what does not exist or is outside the user's scope), and the outage's whole life
through the API."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from servicedesk.contacts.models import Callback, ContactRecord, OutboundMessage
from servicedesk.core.models import IdempotencyRecord
from servicedesk.core.tests.api_helpers import BASE, as_, error_of
from servicedesk.outages.models import FaultCall, Outage, PlannedOutage, PlannedOutageNotice
from servicedesk.testing.factories import ServicePointFactory
from servicedesk.tickets.models import RequestEvent, ServiceRequest, WorkOrder

# Promised times and ETRs must lie ahead (at most two years): a month from today, local date.
SOON = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
SOON_NEXT = (timezone.localdate() + datetime.timedelta(days=31)).isoformat()

pytestmark = pytest.mark.django_db

PROBLEM = {"fault_location": "service_point"}

# Personas whose role lacks a capability (world.py), for the refusals.
NOT_TAKING_CALLS = ["leadership", "supervisor", "dispatcher", "provider_a_staff", "finance", "customer_user"]
NOT_MANAGING_OUTAGES = ["agent", "team_lead", "desk_manager", "leadership", "supervisor", "provider_a_staff",
                        "finance", "customer_user"]
NOT_SEEING_OUTAGES = ["provider_a_staff", "finance", "customer_user"]
NOT_HANDLING_CALLBACKS = ["dispatcher", "leadership", "supervisor", "provider_a_staff", "finance",
                          "customer_user"]


def hours(n: float) -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(hours=n)).replace(microsecond=0)


def at(value: str) -> datetime.datetime:
    assert value.endswith("+08:00"), value
    return datetime.datetime.fromisoformat(value)


def fault_call(world, point="alice", persona="agent", key=None, expect=201, language="zh-hans", **body):
    if point is not None:
        body.setdefault("service_point_id", world.points[point].pk)
    response = as_(world, persona).post("/fault-calls", body, key=key, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == expect, response.content
    return response.json()


def declare(world, device="S1", cause="电缆被挖断", etr=None, persona="dispatcher", **extra):
    response = as_(world, persona).post("/outages", {"device": device, "cause": cause,
                                                     "etr": (etr or hours(3)).isoformat(), **extra})
    assert response.status_code == 201, response.content
    return response.json()


def predicted_on_t1(world):
    """OUT-3: three service points under T1 call; the third call predicts a T1 outage."""
    first = fault_call(world, "alice", problem=PROBLEM)
    second = fault_call(world, "n1", problem=PROBLEM)
    third = fault_call(world, "n2", problem=PROBLEM)
    return first, second, third


def planned(world, devices=("S1",), persona="dispatcher", **extra):
    body = {"reason": "线路检修", "starts_at": hours(-1).isoformat(), "ends_at": hours(3).isoformat(),
            "devices": list(devices), **extra}
    response = as_(world, persona).post("/planned-outages", body)
    assert response.status_code == 201, response.content
    return response.json()


def nothing_saved():
    return (ContactRecord.objects.count(), ServiceRequest.objects.count(), FaultCall.objects.count(),
            IdempotencyRecord.objects.count()) == (0, 0, 0, 0)


def ids(response, key="id"):
    assert response.status_code == 200, response.content
    return [item[key] for item in response.json()["results"]]


# ----------------------------------------------------------------------------------------------
# POST /fault-calls: each outcome of 004's flow


def test_OUT4_cut_supply_is_told_the_amount_owed_and_how_to_reconnect(world):
    body = fault_call(world, "debtor")
    assert body["outcome"] == "connection_cut"
    assert "356.80" in body["tell"]
    assert (body["outage"], body["planned_outage"], body["request"]) == (None, None, None)
    assert [s["step"] for s in body["steps"]] == ["identify", "connection_status"]
    contact = ContactRecord.objects.get()
    assert body["contact"] == {"id": contact.pk, "reference": contact.reference}
    assert contact.outcome == "connection_cut" and contact.steps == body["steps"]
    assert ServiceRequest.objects.count() == 0


def test_OUT2_planned_outage_in_force_is_told_again_with_its_written_notice(world):
    announced = planned(world, area_description="科技南路一带")
    as_(world, "dispatcher").post(f"/planned-outages/{announced['id']}/notices", {"channel": "letter"})
    body = fault_call(world, "alice")
    assert body["outcome"] == "planned_outage"
    assert body["planned_outage"]["reference"] == announced["reference"]
    assert body["planned_outage"]["reason"] == "线路检修" and body["planned_outage"]["written_notice"] is True
    assert body["planned_outage"]["ends_at"] == announced["ends_at"]
    assert "线路检修" in body["tell"]
    assert body["request"] is None and ServiceRequest.objects.count() == 0
    # Under another feeder the call goes on to a work request.
    assert fault_call(world, "bob", problem=PROBLEM)["outcome"] == "request_created"


def test_OUT2_open_outage_links_the_call_tells_cause_and_etr_and_creates_no_work(world):
    etr = hours(2)
    outage = declare(world, "S1", etr=etr)
    body = fault_call(world, "hospital")
    assert body["outcome"] == "outage_linked"
    linked = body["outage"]
    assert ((linked["id"], linked["reference"], linked["status"])
            == (outage["id"], outage["reference"], "confirmed"))
    assert (linked["device"]["code"], linked["cause"]) == ("S1", "电缆被挖断")
    assert at(linked["etr"]) == etr
    assert as_(world, "dispatcher").get(f"/outages/{outage['id']}").json()["call_count"] == 1
    assert "电缆被挖断" in body["tell"] and timezone.localtime(etr).strftime("%H:%M") in body["tell"]
    assert ServiceRequest.objects.count() == 0
    assert FaultCall.objects.get().outage_id == outage["id"]


def test_OUT5_self_check_that_solves_it_leaves_a_contact_record_only(world):
    body = fault_call(world, "alice", troubleshooting=[
        {"script": "main-breaker", "solved": True, "steps_done": [1, 2, 3], "note": "总开关已推上"}])
    assert body["outcome"] == "self_help"
    assert body["request"] is None
    assert body["steps"][-1] == {"told": body["tell"], "step": "troubleshooting", "result": "solved",
                                 "script": "main-breaker",
                                 "steps_done": [1, 2, 3], "note": "总开关已推上",
                                 # issue 10 item 6: what was told, also as a message for any reader's language
                                 "told_message": {"key": "tell_self_help", "params": {
                                     "script": {"zh": "总开关跳闸", "en": "Main breaker"}}}}
    assert ContactRecord.objects.get().first_contact_resolution
    assert ServiceRequest.objects.count() == 0 and not FaultCall.objects.exists()


def test_OUT6_work_request_with_problem_detail_estimate_priority_and_unit(world):
    body = fault_call(world, "hospital", problem={"fault_location": "hv_cable"}, troubleshooting=[
        {"script": "main-breaker", "solved": False, "steps_done": [1, 2]}])
    assert body["outcome"] == "request_created"
    request = body["request"]
    assert request["reference"] == f"SR{request['id']:08d}" and request["status"] == "new"
    assert request["priority"] == 1  # INT-6: the hospital flag
    assert request["responsible_unit"]["code"] == "engineering" and request["crew_type"] == "hv_cable"
    estimate = at(request["estimated_completion_at"])
    assert hours(3.9) < estimate <= hours(4) + datetime.timedelta(seconds=1)  # the 240-minute first estimate
    assert [s["step"] for s in body["steps"]] == ["identify", "connection_status", "planned_outage",
                                                  "open_outage",
                                                  "troubleshooting", "inference", "work_request"]
    assert ContactRecord.objects.get().request_id == request["id"]


def test_OUT6_estimate_given_without_offset_is_read_as_shanghai_time(world):
    tomorrow = (timezone.localtime() + datetime.timedelta(days=1)).replace(microsecond=0, tzinfo=None)
    body = fault_call(world, "bob", problem=PROBLEM, estimated_completion_at=tomorrow.isoformat())
    assert body["request"]["estimated_completion_at"] == tomorrow.isoformat() + "+08:00"


def test_OUT3_the_third_neighbour_call_predicts_a_transformer_outage(world):
    first, second, third = predicted_on_t1(world)
    assert first["outcome"] == second["outcome"] == "request_created"
    assert third["outcome"] == "outage_linked" and third["request"] is None
    assert (third["outage"]["status"], third["outage"]["device"]["code"]) == ("predicted", "T1")
    assert as_(world, "dispatcher").get(f"/outages/{third['outage']['id']}").json()["call_count"] == 3
    assert third["steps"][-1] == {"step": "inference", "result": third["outage"]["reference"], "device": "T1",
                                  "told": third["tell"], "told_message": {
                                      "key": "tell_outage_predicted",
                                      "params": {"ref": third["outage"]["reference"]}}}


def test_INT3_unidentified_caller_without_a_place_gets_a_contact_record_only(world):
    body = fault_call(world, None, reporter_kind="unidentified")
    assert body["outcome"] == "information_recorded" and body["request"] is None
    assert ContactRecord.objects.get().reporter_kind == "unidentified"


def test_INT3_police_report_becomes_a_work_request_without_a_customer(world):
    body = fault_call(world, None, reporter_kind="non_customer", reporter_name="王警官", reporter_phone="110",
                      location="南山区科技园路口电缆被挂断", problem={"fault_location": "hv_cable"})
    assert body["outcome"] == "request_created"
    request = ServiceRequest.objects.get(pk=body["request"]["id"])
    assert request.customer is None and request.location == "南山区科技园路口电缆被挂断"


def test_customer_with_one_service_point_needs_no_choice(world):
    body = fault_call(world, None, customer_id=world.customers["alice"].pk, problem=PROBLEM)
    assert body["outcome"] == "request_created"
    assert ContactRecord.objects.get().service_point == world.points["alice"]


def test_what_to_tell_follows_the_language_of_the_request(world):
    body = fault_call(world, "debtor", language="en")
    assert body["tell"].startswith("Supply was cut for unpaid bills: 356.80 yuan is owed.")


@pytest.mark.parametrize(("change", "field"), [
    ({"problem": {}}, "problem.fault_location"),
    ({"problem": {"fault_location": "roof"}}, "problem.fault_location"),
    ({"troubleshooting": [{"script": "no-such-script", "solved": False}]}, "troubleshooting"),
    ({"troubleshooting": [{"script": "main-breaker", "solved": False, "steps_done": [9]}]},
     "troubleshooting"),
    ({"troubleshooting": [{"script": "stop-valve", "solved": True}]}, "troubleshooting"),  # a water script
    ({"troubleshooting": [{"solved": True}]}, "troubleshooting.0.script"),
    ({"troubleshooting": [{"script": "main-breaker", "solved": "perhaps"}]}, "troubleshooting.0.solved"),
    ({"service_point_id": 999999}, "service_point_id"),
    ({"service_point_id": "SP-1"}, "service_point_id"),
    ({"customer_id": 999999}, "customer_id"),
    ({"customer_id": "bob"}, "customer_id"),
    ({"utility": "gas"}, "utility"),
    ({"channel": "fax"}, "channel"),
    ({"reporter_kind": "alien"}, "reporter_kind"),
    ({"reporter_name": "长" * 101}, "reporter_name"),
    ({"estimated_completion_at": "soon"}, "estimated_completion_at"),
    ({"service_point_id": None, "reporter_kind": "customer"}, "customer_id"),
    ({"service_point_id": None, "reporter_kind": "non_customer"}, "reporter_name"),
])
def test_bad_fault_call_input_names_the_field_and_saves_nothing(world, change, field):
    body = {"service_point_id": world.points["alice"].pk, "problem": PROBLEM, **change}
    response = as_(world, "agent").post("/fault-calls", body, key="bad-input", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422, response.content
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert nothing_saved()


def test_service_point_of_another_customer_is_refused(world):
    response = as_(world, "agent").post("/fault-calls", {"customer_id": world.customers["bob"].pk,
                                                         "service_point_id": world.points["alice"].pk,
                                                         "problem": PROBLEM})
    assert response.status_code == 422 and "service_point_id" in error_of(response)["fields"]
    assert nothing_saved()


def test_customer_with_several_service_points_must_choose_one(world):
    ServicePointFactory(customer=world.customers["alice"], number="SP000000099")
    response = as_(world, "agent").post("/fault-calls", {"customer_id": world.customers["alice"].pk,
                                                         "problem": PROBLEM})
    assert response.status_code == 422 and "service_point_id" in error_of(response)["fields"]
    assert nothing_saved()


@pytest.mark.parametrize("persona", NOT_TAKING_CALLS)
def test_roles_that_do_not_take_calls_are_refused(world, persona):
    response = as_(world, persona).post("/fault-calls", {"service_point_id": world.points["alice"].pk,
                                                         "problem": PROBLEM})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert nothing_saved()


def test_fault_call_without_credentials_is_401(world):
    response = as_(world, None).post("/fault-calls", {"service_point_id": world.points["alice"].pk})
    assert response.status_code == 401
    assert nothing_saved()


def test_fault_call_retried_with_its_key_gets_the_first_answer_and_records_one_contact(world):
    client = as_(world, "agent")
    body = {"service_point_id": world.points["hospital"].pk, "problem": {"fault_location": "hv_cable"}}
    first = client.post("/fault-calls", body, key="call-1")
    again = client.post("/fault-calls", body, key="call-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ContactRecord.objects.count() == 1 and ServiceRequest.objects.count() == 1
    other = client.post("/fault-calls", {**body, "notes": "再次来电"}, key="call-1")
    assert other.status_code == 422 and "Idempotency-Key" in error_of(other)["fields"]
    assert ContactRecord.objects.count() == 1


def test_a_retried_call_that_joined_an_outage_is_not_counted_twice(world):
    outage = declare(world, "T1")
    client = as_(world, "agent")
    body = {"service_point_id": world.points["n3"].pk}
    first = client.post("/fault-calls", body, key="n3").json()
    assert client.post("/fault-calls", body, key="n3").json() == first
    assert Outage.objects.get(pk=outage["id"]).call_count == 1
    assert FaultCall.objects.count() == 1


# ----------------------------------------------------------------------------------------------
# GET /service-points/{id}/fault-check


def test_fault_check_of_a_cut_supply_gives_the_amount_owed_and_advice(world):
    response = as_(world, "agent").get(f"/service-points/{world.points['debtor'].pk}/fault-check")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["connection_status"] == "cut_unpaid"
    assert body["amount_owed"] == "356.80" and "356.80" in body["advice"]
    assert body["service_point"]["number"] == "SP000000004" and body["service_point"]["device"] is None
    assert (body["planned_outage"], body["notice"], body["outage"]) == (None, None, None)


def test_fault_check_shows_planned_outage_notice_open_outage_and_scripts(world):
    announced = planned(world, devices=["T1"])
    as_(world, "dispatcher").post(f"/planned-outages/{announced['id']}/notices",
                                  {"channel": "posted", "service_point_ids": [world.points["alice"].pk]})
    outage = declare(world, "F1", cause="馈线跳闸")
    body = as_(world, "agent").get(f"/service-points/{world.points['alice'].pk}/fault-check").json()
    assert body["connection_status"] == "connected" and body["advice"] == ""
    assert body["service_point"]["device"]["code"] == "T1"
    assert body["planned_outage"]["reference"] == announced["reference"]
    assert body["notice"]["channel"] == "posted" and body["notice"]["written"] is True
    assert (body["outage"]["reference"], body["outage"]["cause"]) == (outage["reference"], "馈线跳闸")
    assert [s["code"] for s in body["scripts"]] == ["main-breaker"]
    assert [s["order"] for s in body["scripts"][0]["steps"]] == [1, 2, 3]
    assert body["scripts"][0]["steps"][0]["instruction"] == "请问邻居家是否有电?"
    assert not ContactRecord.objects.exists()  # a read: nothing is recorded


def test_fault_check_speaks_the_language_of_the_request(world):
    body = as_(world, "agent").get(f"/service-points/{world.points['w1'].pk}/fault-check",
                                   HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["scripts"] == [{"code": "stop-valve", "name": "Inside stop valve", "description": "",
                                "steps": [{"order": 1,
                                           "instruction": "Is the stop valve inside the home open?"}]}]


@pytest.mark.parametrize("persona", NOT_TAKING_CALLS)
def test_fault_check_is_for_the_desk_only(world, persona):
    response = as_(world, persona).get(f"/service-points/{world.points['alice'].pk}/fault-check")
    assert response.status_code == 403


def test_fault_check_of_an_unknown_service_point_is_404(world):
    response = as_(world, "agent").get("/service-points/999999/fault-check")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


# ----------------------------------------------------------------------------------------------
# Outages: the board, detail, calls


def test_outage_board_filters(world):
    _, _, third = predicted_on_t1(world)
    predicted_id = third["outage"]["id"]
    power = declare(world, "T4", cause="变压器故障")
    water = declare(world, "P1", cause="管道抢修")
    dispatcher = as_(world, "dispatcher")
    assert set(ids(dispatcher.get("/outages"))) == {predicted_id, power["id"], water["id"]}
    assert set(ids(dispatcher.get("/outages", {"status": "open"}))) == {predicted_id, power["id"],
                                                                        water["id"]}
    assert ids(dispatcher.get("/outages", {"status": "predicted"})) == [predicted_id]
    assert set(ids(dispatcher.get("/outages", {"status": "confirmed"}))) == {power["id"], water["id"]}
    assert ids(dispatcher.get("/outages", {"status": "restored"})) == []
    assert ids(dispatcher.get("/outages", {"utility": "water"})) == [water["id"]]
    assert ids(dispatcher.get("/outages", {"device": "T4"})) == [power["id"]]
    page = dispatcher.get("/outages", {"page_size": 2}).json()
    assert (page["count"], len(page["results"])) == (3, 2)


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "lost"}, "status"), ({"utility": "gas"}, "utility"), ({"page_size": 201}, "page_size"),
])
def test_bad_outage_filters_name_the_parameter(world, params, field):
    response = as_(world, "agent").get("/outages", params)
    assert response.status_code == 422 and field in error_of(response)["fields"]


def test_outage_detail_and_its_linked_calls(world):
    first, second, third = predicted_on_t1(world)
    outage_id = third["outage"]["id"]
    detail = as_(world, "dispatcher").get(f"/outages/{outage_id}").json()
    assert (detail["status"], detail["origin"], detail["call_count"]) == ("predicted", "inferred", 3)
    assert detail["device"]["code"] == "T1" and detail["request"] is None
    assert detail["available_actions"] == ["confirm", "reject", "merge", "update"]
    assert detail["first_call_at"].endswith("+08:00")
    assert as_(world, "agent").get(f"/outages/{outage_id}").json()["available_actions"] == []
    calls = as_(world, "agent").get(f"/outages/{outage_id}/calls", {"page_size": 2}).json()
    assert calls["count"] == 3
    assert [c["service_point"]["number"] for c in calls["results"]] == [
        world.points["alice"].number, world.points["n1"].number]
    assert calls["results"][0]["customer"]["number"] == "C000000001"
    assert calls["results"][0]["request"]["id"] == first["request"]["id"]
    assert calls["results"][0]["contact"]["id"] == first["contact"]["id"]
    assert calls["results"][0]["device"]["code"] == "T1"
    rest = as_(world, "agent").get(f"/outages/{outage_id}/calls", {"page": 2, "page_size": 2}).json()
    assert (rest["results"][0]["contact"]["id"] == third["contact"]["id"]
            and rest["results"][0]["request"] is None)


def test_outage_lists_do_not_grow_queries_with_the_page(world, django_assert_max_num_queries):
    predicted_on_t1(world)
    declare(world, "T4")
    declare(world, "P1")
    client = as_(world, "dispatcher")
    client.get("/me")  # the token's first use records last_used_at
    with django_assert_max_num_queries(3):
        assert len(client.get("/outages").json()["results"]) == 3
    outage_id = Outage.objects.get(device__code="T1").pk
    with django_assert_max_num_queries(4):
        assert len(client.get(f"/outages/{outage_id}/calls").json()["results"]) == 3


@pytest.mark.parametrize("persona", NOT_SEEING_OUTAGES)
def test_roles_without_outage_access_are_refused(world, persona):
    outage = declare(world, "T4")
    client = as_(world, persona)
    for path in ("/outages", f"/outages/{outage['id']}", f"/outages/{outage['id']}/calls"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert error_of(response)["code"] == "forbidden"


@pytest.mark.parametrize("persona",
                         ["agent", "team_lead", "desk_manager", "key_account_manager", "leadership",
                                     "supervisor", "dispatcher", "administrator"])
def test_desk_roles_and_dispatchers_may_read_outages(world, persona):
    outage = declare(world, "T4")
    assert ids(as_(world, persona).get("/outages")) == [outage["id"]]


def test_unknown_outage_is_404(world):
    for path in ("/outages/999999", "/outages/999999/calls"):
        response = as_(world, "dispatcher").get(path)
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    response = as_(world, "dispatcher").post("/outages/999999/confirm",
                                             {"cause": "x", "etr": hours(1).isoformat()})
    assert response.status_code == 404


# ----------------------------------------------------------------------------------------------
# Outages: declare, confirm, reject, merge, ETR, restore


def test_declared_outage_is_confirmed_at_once_and_merges_predicted_ones_below(world):
    _, _, third = predicted_on_t1(world)
    etr = hours(5)
    body = declare(world, "S1", cause="开关柜故障", etr=etr)
    assert (body["status"], body["origin"], body["cause"]) == ("confirmed", "declared", "开关柜故障")
    assert body["device"] == {"id": world.devices["S1"].pk, "code": "S1", "kind": "section", "name": "S1"}
    assert at(body["etr"]) == etr and body["confirmed_by"]["username"] == "dispatcher"
    assert body["call_count"] == 3 and body["available_actions"] == ["merge", "update", "restore"]
    below = Outage.objects.get(pk=third["outage"]["id"])
    assert (below.status, below.merged_into_id) == ("merged", body["id"])


def test_a_leak_repair_declares_its_affected_area_and_sets_the_leak_report_estimate(world):
    """003 §8.2: the leak report's repair cuts the supply of the pipe segment."""
    leak = as_(world, "agent").post("/requests",
                                    {"request_type": "leak", "location": "后海大道", "district": "南山区",
                                                  "reporter_kind": "non_customer", "reporter_name": "路人",
                                                  "reporter_phone": "13600000000",
                                     "attributes": {"dn": 300}}).json()
    etr = hours(6)
    body = declare(world, "P2", cause="DN300爆管抢修", etr=etr, origin="leak", request_id=leak["id"])
    assert body["origin"] == "leak" and body["request"]["id"] == leak["id"]
    assert ServiceRequest.objects.get(pk=leak["id"]).estimated_completion_at == etr
    # A dispatcher of another unit cannot name a request outside their scope.
    response = as_(world, "office_dispatcher").post("/outages",
                                                    {"device": "P1", "cause": "x", "origin": "leak",
                                                                 "request_id": leak["id"]})
    assert response.status_code == 422 and "request_id" in error_of(response)["fields"]


@pytest.mark.parametrize(("body", "field"), [
    ({"device": "NO-SUCH", "cause": "x"}, "device"),
    ({"device": 999999, "cause": "x"}, "device"),
    ({"cause": "x"}, "device"),
    ({"device": "T1"}, "cause"),
    ({"device": "T1", "cause": "  "}, "cause"),
    ({"device": "T1", "cause": "x", "etr": "2020-01-01T08:00:00+08:00"}, "etr"),
    ({"device": "T1", "cause": "x", "etr": "later"}, "etr"),
    ({"device": "T1", "cause": "x", "origin": "inferred"}, "origin"),
    ({"device": "T1", "cause": "x", "request_id": 999999}, "request_id"),
])
def test_bad_declaration_names_the_field_and_saves_nothing(world, body, field):
    response = as_(world, "dispatcher").post("/outages", body, key="declare-bad")
    assert response.status_code == 422, response.content
    assert field in error_of(response)["fields"]
    assert not Outage.objects.exists() and not IdempotencyRecord.objects.exists()


def test_a_second_open_outage_on_one_device_is_a_conflict(world):
    declare(world, "T4")
    response = as_(world, "dispatcher").post("/outages", {"device": "T4", "cause": "x"})
    assert response.status_code == 409 and "device_id" in error_of(response)["fields"]
    assert Outage.objects.count() == 1


@pytest.mark.parametrize("persona", NOT_MANAGING_OUTAGES)
def test_roles_that_may_not_manage_outages_cannot_declare(world, persona):
    response = as_(world, persona).post("/outages", {"device": "T4", "cause": "x"})
    assert response.status_code == 403
    assert not Outage.objects.exists()


def test_confirm_with_a_crew_sets_the_etr_on_every_linked_request(world):
    first, second, third = predicted_on_t1(world)
    outage_id = third["outage"]["id"]
    etr = hours(4)
    response = as_(world, "dispatcher").post(f"/outages/{outage_id}/confirm", {
        "cause": "变压器烧毁", "etr": etr.isoformat(), "provider": "crew-a", "crew_type": "hv_cable"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["cause"]) == ("confirmed", "变压器烧毁")
    assert body["request"]["id"] == first["request"]["id"]  # the earliest caller's request carries the crew
    assert at(body["etr"]) == etr
    for caller in (first, second):
        assert at(as_(world, "agent").get(f"/requests/{caller['request']['id']}").json()[
            "estimated_completion_at"]) == etr
    order = WorkOrder.objects.get()
    assert (order.provider.code, order.crew_type, order.request_id) == ("crew-a", "hv_cable",
                                                                        first["request"]["id"])
    again = as_(world, "dispatcher").post(f"/outages/{outage_id}/confirm",
                                          {"cause": "x", "etr": etr.isoformat()})
    assert again.status_code == 409 and error_of(again)["code"] == "conflict"


@pytest.mark.parametrize(("body", "field"), [
    ({"etr": f"{SOON}T08:00:00+08:00"}, "cause"),
    ({"cause": "x"}, "etr"),
    ({"cause": " ", "etr": f"{SOON}T08:00:00+08:00"}, "cause"),
    ({"cause": "x", "etr": "2020-01-01T08:00:00+08:00"}, "etr"),
    ({"cause": "x", "etr": f"{SOON}T08:00:00+08:00", "provider": "no-such-crew"}, "provider"),
])
def test_bad_confirmation_names_the_field_and_changes_nothing(world, body, field):
    _, _, third = predicted_on_t1(world)
    response = as_(world, "dispatcher").post(f"/outages/{third['outage']['id']}/confirm", body)
    assert response.status_code == 422, response.content
    assert field in error_of(response)["fields"]
    assert Outage.objects.get(pk=third["outage"]["id"]).status == "predicted"
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("persona", NOT_MANAGING_OUTAGES)
def test_roles_that_may_not_manage_outages_cannot_confirm_reject_merge_update_or_restore(world, persona):
    _, _, third = predicted_on_t1(world)
    outage_id = third["outage"]["id"]
    other = declare(world, "T4")
    client = as_(world, persona)
    for path, body in ((f"/outages/{outage_id}/confirm", {"cause": "x", "etr": hours(1).isoformat()}),
                       (f"/outages/{outage_id}/reject", {"reason": "x"}),
                       (f"/outages/{outage_id}/merge", {"target_id": other["id"]}),
                       (f"/outages/{other['id']}/restore", {})):
        assert client.post(path, body).status_code == 403, path
    assert client.patch(f"/outages/{other['id']}", {"cause": "x"}).status_code == 403
    assert Outage.objects.get(pk=outage_id).status == "predicted"
    assert Outage.objects.get(pk=other["id"]).status == "confirmed"


def test_rejected_prediction_gives_every_caller_a_work_request(world):
    first, second, third = predicted_on_t1(world)
    outage_id = third["outage"]["id"]
    blank = as_(world, "dispatcher").post(f"/outages/{outage_id}/reject", {"reason": " "})
    assert blank.status_code == 422 and "reason" in error_of(blank)["fields"]
    missing = as_(world, "dispatcher").post(f"/outages/{outage_id}/reject", {})
    assert missing.status_code == 422 and "reason" in error_of(missing)["fields"]
    response = as_(world, "dispatcher").post(f"/outages/{outage_id}/reject", {"reason": "三户各自内部故障"})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["note"], body["available_actions"]) == ("rejected", "三户各自内部故障", [])
    assert body["closed_by"]["username"] == "dispatcher"
    assert FaultCall.objects.get(contact_id=third["contact"]["id"]).request_id is not None
    assert ServiceRequest.objects.count() == 3
    late = as_(world, "dispatcher").post(f"/outages/{outage_id}/reject", {"reason": "x"})
    assert late.status_code == 409


def test_merging_moves_the_calls_into_the_target(world):
    _, _, third = predicted_on_t1(world)
    source_id = third["outage"]["id"]
    target = declare(world, "T4")
    response = as_(world, "dispatcher").post(f"/outages/{source_id}/merge", {"target_id": target["id"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "merged" and body["merged_into"] == {"id": target["id"],
                                                                  "reference": target["reference"]}
    assert Outage.objects.get(pk=target["id"]).call_count == 3


@pytest.mark.parametrize(("target", "field"),
                         [("self", "target_id"), ("water", "target_id"), (999999, "target_id"),
                                               (None, "target_id")])
def test_bad_merge_names_the_field(world, target, field):
    source = declare(world, "T4")
    water = declare(world, "P1")
    target_id = {"self": source["id"], "water": water["id"]}.get(target, target)
    response = as_(world, "dispatcher").post(f"/outages/{source['id']}/merge",
                                             {} if target is None else {"target_id": target_id})
    assert response.status_code == 422 and field in error_of(response)["fields"]
    assert Outage.objects.get(pk=source["id"]).status == "confirmed"


def test_new_etr_reaches_every_linked_request_and_caller(world):
    outage = declare(world, "T1", etr=hours(2))
    linked = [fault_call(world, name) for name in ("alice", "n1")]
    assert all(call["outcome"] == "outage_linked" for call in linked)
    later = hours(8)
    response = as_(world, "dispatcher").patch(f"/outages/{outage['id']}", {"etr": later.isoformat(),
                                                                           "reason": "需更换电缆"})
    assert response.status_code == 200, response.content
    assert at(response.json()["etr"]) == later
    assert OutboundMessage.objects.filter(source=outage["reference"]).count() == 2
    cause = as_(world, "dispatcher").patch(f"/outages/{outage['id']}", {"cause": "电缆老化击穿"})
    assert cause.json()["cause"] == "电缆老化击穿"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "etr"), ({"reason": "x"}, "etr"), ({"etr": "2020-01-01T08:00:00+08:00"}, "etr"),
    ({"etr": "later"}, "etr"),
    ({"cause": "长" * 301}, "cause"),
])
def test_bad_outage_change_names_the_field(world, body, field):
    outage = declare(world, "T4")
    response = as_(world, "dispatcher").patch(f"/outages/{outage['id']}", body)
    assert response.status_code == 422 and field in error_of(response)["fields"]


def test_restoring_resolves_requests_and_counts_callbacks_and_messages(world):
    outage = declare(world, "T2")
    fault_call(world, "hospital")
    fault_call(world, "m1")
    response = as_(world, "dispatcher").post(f"/outages/{outage['id']}/restore", {"note": "已更换熔断器"},
                                             key="r1")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outage"]["status"] == "restored" and body["outage"]["note"] == "已更换熔断器"
    assert (body["requests_resolved"], body["callbacks"], body["messages"]) == (0, 2, 2)
    again = as_(world, "dispatcher").post(f"/outages/{outage['id']}/restore", {"note": "已更换熔断器"},
                                          key="r1")
    assert again.json() == body and Callback.objects.count() == 2
    late = as_(world, "dispatcher").post(f"/outages/{outage['id']}/restore", {})
    assert late.status_code == 409 and error_of(late)["code"] == "conflict"
    changed = as_(world, "dispatcher").patch(f"/outages/{outage['id']}", {"cause": "x"})
    assert changed.status_code == 409


def test_only_a_confirmed_outage_can_be_restored(world):
    _, _, third = predicted_on_t1(world)
    response = as_(world, "dispatcher").post(f"/outages/{third['outage']['id']}/restore", {})
    assert response.status_code == 409
    assert not Callback.objects.exists()


def test_the_outage_lifecycle_through_the_api(world):
    """OUT-3 → OUT-6 → INT-8: calls predict an outage, the dispatcher confirms it with a crew and an
    ETR, a later ETR reaches the callers' requests, another caller is told, restoration resolves the
    requests and the agent finds the callbacks in their list and makes them."""
    first, second, third = predicted_on_t1(world)
    dispatcher, agent = as_(world, "dispatcher"), as_(world, "agent")
    board = dispatcher.get("/outages", {"status": "open"}).json()["results"]
    assert ([(o["id"], o["status"], o["call_count"]) for o in board]
            == [(third["outage"]["id"], "predicted", 3)])
    outage_id = board[0]["id"]

    confirmed = dispatcher.post(f"/outages/{outage_id}/confirm",
                                {"cause": "变压器烧毁", "etr": hours(3).isoformat(),
                                                                  "provider": "crew-a"}, key="confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    later = hours(6)
    assert dispatcher.patch(f"/outages/{outage_id}", {"etr": later.isoformat(), "reason": "需吊装新变压器"}
                            ).status_code == 200
    for caller in (first, second):
        detail = agent.get(f"/requests/{caller['request']['id']}").json()
        assert at(detail["estimated_completion_at"]) == later
        assert detail["events"][-1]["kind"] == "change" and detail["events"][-1]["reason"] == "需吊装新变压器"

    fourth = fault_call(world, "n3")
    assert fourth["outcome"] == "outage_linked"
    assert dispatcher.get(f"/outages/{fourth['outage']['id']}").json()["call_count"] == 4
    assert "变压器烧毁" in fourth["tell"] and at(fourth["outage"]["etr"]) == later

    restored = dispatcher.post(f"/outages/{outage_id}/restore", {"note": "新变压器投运"},
                               key="restore").json()
    assert (restored["requests_resolved"], restored["callbacks"], restored["messages"]) == (2, 4, 4)
    for caller in (first, second):
        assert agent.get(f"/requests/{caller['request']['id']}").json()["status"] == "resolved"

    mine = agent.get("/callbacks", {"mine": 1, "status": "open"}).json()
    assert mine["count"] == 4
    assert {c["customer"]["number"] for c in mine["results"]} == {
        world.customers[name].number for name in ("alice", "n1", "n2", "n3")}
    assert all(c["assigned_to"]["username"] == "agent" and c["source"] == restored["outage"]["reference"]
               for c in mine["results"])
    done = agent.post(f"/callbacks/{mine['results'][0]['id']}/complete",
                      {"reached": True, "result": "已恢复供电"})
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["result"]) == ("done", "已恢复供电")
    assert agent.get("/callbacks", {"mine": 1, "status": "open"}).json()["count"] == 3
    assert ContactRecord.objects.filter(direction="out", customer__isnull=False).count() == 1


# ----------------------------------------------------------------------------------------------
# Planned outages (OUT-2)


def test_planned_outage_is_announced_listed_and_shown(world):
    body = planned(world, devices=["S1", "T3"], districts=["福田区"], area_description="科技南路、福田片区")
    assert body["reference"] == f"P{body['id']:06d}" and body["status"] == "scheduled"
    assert [d["code"] for d in body["devices"]] == ["S1", "T3"]
    assert body["districts"] == ["福田区"] and body["in_force"] is True and body["notices_count"] == 0
    assert body["created_by"]["username"] == "dispatcher" and body["starts_at"].endswith("+08:00")
    assert ids(as_(world, "agent").get("/planned-outages")) == [body["id"]]
    assert as_(world, "agent").get(f"/planned-outages/{body['id']}").json() == body


def test_planned_outage_filters(world):
    now_running = planned(world, devices=["T1"])
    later = planned(world, devices=["T4"], starts_at=hours(24).isoformat(), ends_at=hours(30).isoformat())
    water = planned(world, devices=["P1"], utility="water")
    over = PlannedOutage.objects.create(utility="power", reason="已完成", starts_at=hours(-30),
                                        ends_at=hours(-24),
                                        created_by=world.users["dispatcher"])
    as_(world, "dispatcher").post(f"/planned-outages/{later['id']}/cancel")
    agent = as_(world, "agent")
    assert set(ids(agent.get("/planned-outages"))) == {now_running["id"], later["id"], water["id"], over.pk}
    assert set(ids(agent.get("/planned-outages", {"current": True}))) == {now_running["id"], later["id"],
                                                                          water["id"]}
    assert ids(agent.get("/planned-outages", {"status": "cancelled"})) == [later["id"]]
    assert ids(agent.get("/planned-outages", {"utility": "water"})) == [water["id"]]
    bad = agent.get("/planned-outages", {"status": "done"})
    assert bad.status_code == 422 and "status" in error_of(bad)["fields"]


@pytest.mark.parametrize(("change", "field"), [
    ({"devices": ["NO-SUCH"]}, "devices"),
    ({"devices": []}, "devices"),
    ({"devices": ["P1"]}, "devices"),  # a water pipe in a power outage
    ({"ends_at": "2020-01-01T08:00:00+08:00"}, "ends_at"),
    ({"starts_at": None}, "starts_at"),
    ({"starts_at": "tomorrow"}, "starts_at"),
    ({"reason": " "}, "reason"),
    ({"reason": None}, "reason"),
    ({"utility": "gas"}, "utility"),
])
def test_bad_planned_outage_names_the_field_and_saves_nothing(world, change, field):
    body = {"reason": "线路检修", "starts_at": hours(1).isoformat(), "ends_at": hours(3).isoformat(),
            "devices": ["S1"], **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = as_(world, "dispatcher").post("/planned-outages", body, key="planned-bad")
    assert response.status_code == 422, response.content
    assert field in error_of(response)["fields"]
    assert not PlannedOutage.objects.exists() and not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("persona", NOT_MANAGING_OUTAGES)
def test_roles_that_may_not_manage_outages_cannot_announce_cancel_or_record_notices(world, persona):
    body = planned(world)
    client = as_(world, persona)
    assert client.post("/planned-outages", {"reason": "x", "starts_at": hours(1).isoformat(),
                                            "ends_at": hours(2).isoformat(),
                                            "districts": ["南山区"]}).status_code == 403
    assert client.post(f"/planned-outages/{body['id']}/cancel").status_code == 403
    assert client.post(f"/planned-outages/{body['id']}/notices", {"channel": "letter"}).status_code == 403
    assert PlannedOutage.objects.get().status == "scheduled" and not PlannedOutageNotice.objects.exists()


@pytest.mark.parametrize("persona", NOT_SEEING_OUTAGES)
def test_roles_without_outage_access_cannot_list_planned_outages(world, persona):
    body = planned(world)
    assert as_(world, persona).get("/planned-outages").status_code == 403
    assert as_(world, persona).get(f"/planned-outages/{body['id']}").status_code == 403


def test_cancelled_planned_outage_is_no_longer_told_to_callers(world):
    body = planned(world)
    response = as_(world, "dispatcher").post(f"/planned-outages/{body['id']}/cancel", key="cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert response.json()["in_force"] is False
    assert fault_call(world, "alice", problem=PROBLEM)["outcome"] == "request_created"


def test_notices_are_recorded_once_per_service_point(world):
    body = planned(world)  # S1: alice, n1…n6 under T1; hospital, m1…m3 under T2
    dispatcher = as_(world, "dispatcher")
    one = dispatcher.post(f"/planned-outages/{body['id']}/notices",
                          {"channel": "sms", "service_point_ids": [world.points["alice"].pk]})
    assert one.status_code == 201, one.content
    assert one.json() == {"added": 1, "notices_count": 1}
    everyone = dispatcher.post(f"/planned-outages/{body['id']}/notices", {"channel": "letter"}, key="all")
    assert everyone.json() == {"added": 10, "notices_count": 11}
    assert dispatcher.post(f"/planned-outages/{body['id']}/notices", {"channel": "letter"},
                           key="all").json() == {
        "added": 10, "notices_count": 11}  # the replay: same answer, nothing added
    assert dispatcher.post(f"/planned-outages/{body['id']}/notices",
                           {"channel": "letter"}).json()["added"] == 0
    assert PlannedOutageNotice.objects.get(service_point=world.points["alice"]).channel == "sms"


@pytest.mark.parametrize(("body", "field"), [
    ({"channel": "fax"}, "channel"),
    ({"service_point_ids": [999999]}, "service_point_ids"),
    ({"service_point_ids": ["SP1"]}, "service_point_ids.0"),
    ({"service_point_ids": "bob"}, "service_point_ids"),
    ("bob", "service_point_ids"),  # a service point the planned outage does not reach
])
def test_bad_notices_name_the_field_and_record_nothing(world, body, field):
    announced = planned(world)
    if body == "bob":
        body = {"service_point_ids": [world.points["bob"].pk]}
    response = as_(world, "dispatcher").post(f"/planned-outages/{announced['id']}/notices", body)
    assert response.status_code == 422, response.content
    assert field in error_of(response)["fields"]
    assert not PlannedOutageNotice.objects.exists()


def test_unknown_planned_outage_is_404(world):
    dispatcher = as_(world, "dispatcher")
    assert dispatcher.get("/planned-outages/999999").status_code == 404
    assert dispatcher.post("/planned-outages/999999/cancel").status_code == 404
    assert dispatcher.post("/planned-outages/999999/notices", {"channel": "letter"}).status_code == 404


def test_public_notice_shows_published_current_and_coming_outages_without_internal_data(world):
    running = planned(world, area_description="科技南路一带")
    coming = planned(world, devices=["T4"], starts_at=hours(24).isoformat(), ends_at=hours(30).isoformat())
    planned(world, devices=["T3"], published=False)
    cancelled = planned(world, devices=["P1"], utility="water")
    as_(world, "dispatcher").post(f"/planned-outages/{cancelled['id']}/cancel")
    PlannedOutage.objects.create(utility="power", reason="已完成", starts_at=hours(-30), ends_at=hours(-24),
                                 districts=["南山区"], created_by=world.users["dispatcher"])
    response = Client().get(f"{BASE}/public/planned-outages")  # no credentials at all
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["reference"] for r in results] == [running["reference"], coming["reference"]]
    assert results[0] == {"reference": running["reference"], "utility": "power", "reason": "线路检修",
                          "starts_at": running["starts_at"], "ends_at": running["ends_at"], "districts": [],
                          "area_description": "科技南路一带"}


# ----------------------------------------------------------------------------------------------
# The network (OUT-1)


def test_devices_are_listed_and_filtered(world):
    client = as_(world, "agent")
    assert ids(client.get("/network/devices", {"kind": "transformer"}), "code") == ["T1", "T2", "T3", "T4"]
    assert ids(client.get("/network/devices", {"parent": "S1"}), "code") == ["T1", "T2"]
    assert ids(client.get("/network/devices", {"code": "F"}), "code") == ["F1", "F2"]
    assert ids(client.get("/network/devices", {"utility": "water"}), "code") == ["P1", "P2", "Z1"]
    assert ids(client.get("/network/devices", {"district": "福田区"}), "code") == ["T4"]
    pipe = client.get("/network/devices", {"code": "P2"}).json()["results"][0]
    assert (pipe["dn"], pipe["parent"]["code"], pipe["utility"]) == (300, "Z1", "water")
    bad = client.get("/network/devices", {"kind": "pylon"})
    assert bad.status_code == 422 and "kind" in error_of(bad)["fields"]


def test_device_detail_counts_children_and_service_points_and_shows_the_open_outage(world):
    client = as_(world, "dispatcher")
    transformer = client.get("/network/devices/T1").json()
    assert [d["code"] for d in transformer["ancestors"]] == ["SS1", "F1", "S1"]
    assert (transformer["children_count"], transformer["service_points_count"]) == (0, 7)
    assert transformer["open_outage"] is None
    feeder = client.get("/network/devices/F1").json()
    assert (feeder["children_count"], feeder["service_points_count"]) == (2, 13)
    outage = declare(world, "S1")
    assert client.get("/network/devices/T1").json()["open_outage"]["id"] == outage["id"]
    assert client.get("/network/devices/F1").json()["open_outage"] is None
    missing = client.get("/network/devices/NO-SUCH")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"


@pytest.mark.parametrize("persona", NOT_SEEING_OUTAGES)
def test_roles_outside_the_desk_and_dispatch_cannot_read_the_network(world, persona):
    assert as_(world, persona).get("/network/devices").status_code == 403
    assert as_(world, persona).get("/network/devices/T1").status_code == 403


# ----------------------------------------------------------------------------------------------
# Callbacks and availability (INT-8)


@pytest.fixture
def restored_s1(world):
    """The hospital (a key account) and alice called during an S1 outage, now restored: the
    hospital's callback goes to its key account manager, alice's to the available agent."""
    outage = declare(world, "S1")
    fault_call(world, "hospital")
    fault_call(world, "alice")
    as_(world, "dispatcher").post(f"/outages/{outage['id']}/restore", {})
    return {c.customer.number: c for c in Callback.objects.select_related("customer")}


def test_callbacks_are_seen_by_their_assignee_and_by_supervisors(world, restored_s1):
    hospital, alice = restored_s1["C000000003"], restored_s1["C000000001"]
    assert ids(as_(world, "agent").get("/callbacks")) == [alice.pk]
    assert ids(as_(world, "key_account_manager").get("/callbacks")) == [hospital.pk]
    assert set(ids(as_(world, "team_lead").get("/callbacks"))) == {hospital.pk, alice.pk}
    assert set(ids(as_(world, "desk_manager").get("/callbacks", {"status": "open"}))) == {hospital.pk,
                                                                                          alice.pk}
    assert ids(as_(world, "team_lead").get("/callbacks", {"mine": True})) == []
    assert ids(as_(world, "team_lead").get("/callbacks", {"source": "O999999"})) == []
    detail = as_(world, "key_account_manager").get(f"/callbacks/{hospital.pk}").json()
    assert detail["assigned_to"]["username"] == "key_account_manager"
    assert detail["customer"]["number"] == "C000000003" and detail["status"] == "open"


def test_a_callback_outside_the_agents_scope_is_404(world, restored_s1):
    hospital = restored_s1["C000000003"]
    agent = as_(world, "agent")
    assert agent.get(f"/callbacks/{hospital.pk}").status_code == 404
    response = agent.post(f"/callbacks/{hospital.pk}/complete", {"reached": True})
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert Callback.objects.get(pk=hospital.pk).status == "open"


def test_completing_a_callback_records_an_outbound_contact_once(world, restored_s1):
    alice = restored_s1["C000000001"]
    agent = as_(world, "agent")
    missing = agent.post(f"/callbacks/{alice.pk}/complete", {"result": "x"})
    assert missing.status_code == 422 and "reached" in error_of(missing)["fields"]
    response = agent.post(f"/callbacks/{alice.pk}/complete", {"reached": False, "result": "无人接听"},
                          key="cb")
    assert response.status_code == 200, response.content
    assert (response.json()["status"] == "unreachable"
            and response.json()["completed_by"]["username"] == "agent")
    assert agent.post(f"/callbacks/{alice.pk}/complete", {"reached": False, "result": "无人接听"},
                      key="cb").json() == response.json()
    again = agent.post(f"/callbacks/{alice.pk}/complete", {"reached": True})
    assert again.status_code == 422 and "status" in error_of(again)["fields"]
    assert ContactRecord.objects.filter(direction="out").count() == 1


def test_an_agent_away_gets_no_callbacks_and_unassigned_ones_are_everyones(world):
    agent = as_(world, "agent")
    away = agent.post("/agents/me/availability", {"available": False})
    assert away.status_code == 200, away.content
    assert away.json() == {"username": "agent", "available": False, "open_callbacks": 0}
    outage = declare(world, "T4")
    fault_call(world, "bob")
    as_(world, "dispatcher").post(f"/outages/{outage['id']}/restore", {})
    callback = Callback.objects.get()
    assert callback.assigned_to is None
    assert ids(agent.get("/callbacks", {"mine": True})) == [callback.pk]
    taken = agent.post(f"/callbacks/{callback.pk}/complete", {"reached": True, "result": "已恢复"})
    assert taken.json()["assigned_to"]["username"] == "agent"
    back = agent.post("/agents/me/availability", {"available": True})
    assert back.json()["available"] is True
    bad = agent.post("/agents/me/availability", {"available": "maybe"})
    assert bad.status_code == 422 and "available" in error_of(bad)["fields"]


@pytest.mark.parametrize(("params", "field"), [({"status": "late"}, "status"), ({"mine": "perhaps"}, "mine")])
def test_bad_callback_filters_name_the_parameter(world, params, field):
    response = as_(world, "agent").get("/callbacks", params)
    assert response.status_code == 422 and field in error_of(response)["fields"]


@pytest.mark.parametrize("persona", NOT_HANDLING_CALLBACKS)
def test_roles_that_do_not_call_customers_have_no_callbacks(world, restored_s1, persona):
    client = as_(world, persona)
    some = next(iter(restored_s1.values()))
    assert client.get("/callbacks").status_code == 403
    assert client.get(f"/callbacks/{some.pk}").status_code == 403
    assert client.post(f"/callbacks/{some.pk}/complete", {"reached": True}).status_code == 403
    assert client.post("/agents/me/availability", {"available": False}).status_code == 403
    assert not Callback.objects.exclude(status="open").exists()


# ----------------------------------------------------------------------------------------------
# The OpenAPI document


def test_openapi_document_lists_the_outage_endpoints_with_their_roles(world):
    schema = Client().get(f"{BASE}/openapi.json").json()
    paths = {path.removeprefix(BASE): methods for path, methods in schema["paths"].items()}
    for path, method in (("/fault-calls", "post"), ("/service-points/{service_point_id}/fault-check", "get"),
                         ("/outages", "get"), ("/outages", "post"), ("/outages/{outage_id}", "patch"),
                         ("/outages/{outage_id}/calls", "get"), ("/outages/{outage_id}/confirm", "post"),
                         ("/outages/{outage_id}/reject", "post"), ("/outages/{outage_id}/merge", "post"),
                         ("/outages/{outage_id}/restore", "post"), ("/planned-outages", "post"),
                         ("/planned-outages/{planned_id}/notices", "post"),
                         ("/public/planned-outages", "get"),
                         ("/network/devices/{code}", "get"), ("/callbacks", "get"),
                         ("/callbacks/{callback_id}/complete", "post"), ("/agents/me/availability", "post")):
        operation = paths[path][method]
        assert "**Roles:**" in operation["description"], path
        if method == "post":
            assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", [])], path
    assert "security" not in paths["/public/planned-outages"]["get"]
    assert "dispatcher" in paths["/outages/{outage_id}/confirm"]["post"]["description"]
    assert "agent" not in paths["/outages/{outage_id}/confirm"]["post"]["description"]
    assert RequestEvent.objects.count() == 0
