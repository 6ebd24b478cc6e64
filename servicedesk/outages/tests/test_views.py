"""The outage pages (seed 004): the agent's fault call (OUT-2, OUT-4, OUT-5, OUT-6, INT-3), the
dispatcher's outage board and its actions (OUT-3, OUT-6), planned outages and the public notice
(OUT-2), and the callbacks page (INT-8).

Assertions read data (references, amounts, ids) rather than interface words, so they hold in
either language.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from servicedesk.contacts.models import Callback, ContactRecord, OutboundMessage
from servicedesk.customers.models import ServicePoint
from servicedesk.org.models import User
from servicedesk.outages.fault_calls import FaultCallInput, fault_call_take
from servicedesk.outages.lifecycle import outage_confirm, outage_declare
from servicedesk.outages.models import FaultCall, Outage, OutageStatus, PlannedOutage, PlannedOutageNotice
from servicedesk.outages.planned import planned_outage_create, planned_outage_notices_record
from servicedesk.testing.factories import ServicePointFactory
from servicedesk.tickets.models import RequestStatus, ServiceRequest, WorkOrder
from servicedesk.tickets.services import request_create

pytestmark = pytest.mark.django_db

Outcome = ContactRecord.Outcome
FAULT_CALL = reverse("web:fault_call")


def local(moment: datetime.datetime) -> str:
    """A datetime as the browser's datetime-local input sends it (Asia/Shanghai)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def fault_call_url(world, key: str) -> str:
    return f"{FAULT_CALL}?service_point={world.points[key].pk}"


def post_fault_call(client, url, **fields):
    data = {"fault-utility": "power", "fault-channel": "phone", "fault-reporter_phone": "13800138000"}
    data.update({f"fault-{name}": value for name, value in fields.items()})
    return client.post(url, data)


def has_field_error(body: str, html_name: str) -> bool:
    return re.search(rf'class="field has-error[^"]*" id="field-{re.escape(html_name)}"', body) is not None


def neighbours_call(world, *keys):
    """Calls of neighbours under one transformer, taken through the service (OUT-3)."""
    results = []
    for key in keys:
        point = world.points[key]
        call = FaultCallInput(customer=point.customer, service_point=point,
                              reporter_phone=point.customer.mobile,
                              problem={"fault_location": "service_point"})
        results.append(fault_call_take(call, actor=world.users["agent"]))
    return results


def predicted_outage(world) -> Outage:
    """Three neighbours under T1 call: the third call predicts a transformer outage (rule: 3 service
    points)."""
    neighbours_call(world, "n1", "n2", "n3")
    return Outage.objects.get(status=OutageStatus.PREDICTED)


# ----------------------------------------------------------------------------------------------
# The fault call page: who may use it


@pytest.mark.parametrize("persona",
                         ["agent", "team_lead", "desk_manager", "key_account_manager", "administrator"])
def test_fault_call_page_opens_for_roles_that_take_calls_and_create_requests(client, users, world, persona):
    client.force_login(users[persona])
    response = client.get(fault_call_url(world, "alice"))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.points["alice"].number in body
    assert 'id="fault-call-form"' in body


@pytest.mark.parametrize("persona", ["dispatcher", "leadership", "supervisor", "provider_a_staff", "finance",
                                     "customer_user"])
def test_fault_call_page_refused_to_roles_that_do_not_take_calls(client, users, world, persona):
    client.force_login(users[persona])
    assert client.get(fault_call_url(world, "alice")).status_code == 403
    assert post_fault_call(client, fault_call_url(world, "alice"),
                           attr_fault_location="hv_cable").status_code == 403
    assert ContactRecord.objects.count() == 0


def test_fault_call_page_sends_anonymous_visitors_to_sign_in(client, world):
    response = client.get(fault_call_url(world, "alice"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_customer_panel_links_each_service_point_to_the_fault_call(client, users, world):
    """The way in from the agent desk: one link per service point (004 step 3)."""
    client.force_login(users["agent"])
    body = client.get(reverse("web:customer_panel", args=[world.customers["alice"].pk])).content.decode()
    assert f'href="{fault_call_url(world, "alice")}"' in body
    client.force_login(users["leadership"])  # sees the panel, may not take the call
    body = client.get(reverse("web:customer_panel", args=[world.customers["alice"].pk])).content.decode()
    assert "fault-call-link" not in body


def test_desk_offers_the_fault_call_for_a_caller_without_a_customer(client, users, world):
    """004 step 2: a police officer or passer-by reporting a damaged cable."""
    client.force_login(users["agent"])
    assert f'href="{FAULT_CALL}"' in client.get(reverse("web:desk")).content.decode()
    client.force_login(users["dispatcher"])  # searches callers, does not take calls
    assert f'href="{FAULT_CALL}"' not in client.get(reverse("web:desk")).content.decode()


# ----------------------------------------------------------------------------------------------
# The fault call page: each outcome of 004's flow


def test_OUT4_cut_supply_shows_the_amount_owed_and_only_records_the_call(client, users, world):
    client.force_login(users["agent"])
    url = fault_call_url(world, "debtor")
    body = client.get(url).content.decode()
    assert "356.80" in body
    assert 'id="check-connection"' in body and "check-stop" in body
    assert "fault-attr_fault_location" not in body  # a stop: no problem detail to fill in
    response = post_fault_call(client, url)
    contact = ContactRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:fault_call_result", args=[contact.pk])
    assert contact.outcome == Outcome.CONNECTION_CUT
    assert contact.customer == world.customers["debtor"]
    assert [s["step"] for s in contact.steps] == ["identify", "connection_status"]
    assert ServiceRequest.objects.count() == 0
    result = client.get(response["Location"]).content.decode()
    tell = re.search(r'<div class="tell" id="tell".*?</div>', result, re.S).group(0)
    assert "356.80" in tell  # what to tell the caller, in the prominent box
    assert 'data-outcome="connection_cut"' in result
    assert reverse("web:customer_panel", args=[world.customers["debtor"].pk]) in result


def test_OUT2_planned_outage_in_force_is_shown_with_its_written_notice_and_told_again(client, users, world):
    now = timezone.now()
    planned = planned_outage_create(actor=users["dispatcher"], utility="power", reason="10kV线路检修",
                                    starts_at=now - datetime.timedelta(hours=1),
                                    ends_at=now + datetime.timedelta(hours=3), devices=[world.devices["T1"]])
    planned_outage_notices_record(actor=users["dispatcher"], planned=planned, channel="letter")
    client.force_login(users["agent"])
    url = fault_call_url(world, "alice")
    body = client.get(url).content.decode()
    planned_box = re.search(r'id="check-planned".*?</li>', body, re.S).group(0)
    assert "10kV线路检修" in planned_box and planned.reference in planned_box
    assert timezone.localtime(planned.ends_at).strftime("%Y-%m-%d %H:%M") in planned_box
    assert "badge ok" in planned_box  # the written notice given to this service point
    response = post_fault_call(client, url)
    contact = ContactRecord.objects.get()
    assert contact.outcome == Outcome.PLANNED_OUTAGE
    assert {k: v for k, v in contact.steps[-1].items() if k not in ("told", "told_message")} == {
        "step": "planned_outage", "result": planned.reference, "written_notice": True}
    assert planned.reason in contact.steps[-1]["told"]
    result = client.get(response["Location"]).content.decode()
    assert "10kV线路检修" in result
    assert reverse("web:planned_detail", args=[planned.pk]) in result


def test_OUT2_open_outage_covering_the_point_shows_cause_etr_and_calls_and_links_the_call(client, users,
                                                                                          world):
    etr = timezone.now() + datetime.timedelta(hours=2)
    outage = outage_declare(actor=users["dispatcher"], device=world.devices["S1"], cause="电缆被挖断",
                            etr=etr)
    client.force_login(users["agent"])
    url = fault_call_url(world, "hospital")
    body = client.get(url).content.decode()
    box = re.search(r'id="check-outage".*?</li>', body, re.S).group(0)
    assert outage.reference in box and "电缆被挖断" in box
    assert timezone.localtime(etr).strftime("%Y-%m-%d %H:%M") in box
    response = post_fault_call(client, url)
    contact = ContactRecord.objects.get()
    assert contact.outcome == Outcome.OUTAGE_LINKED
    assert FaultCall.objects.get().outage == outage
    assert ServiceRequest.objects.count() == 0
    result = client.get(response["Location"]).content.decode()
    assert reverse("web:outage_detail", args=[outage.pk]) in result
    assert "电缆被挖断" in result


def test_OUT5_guided_self_check_solved_on_the_call_records_the_steps_and_no_request(client, users, world):
    client.force_login(users["agent"])
    url = fault_call_url(world, "alice")
    body = client.get(url).content.decode()
    assert "请查看电表箱内总开关是否跳下。" in body  # the script's steps as a checklist
    response = client.post(url, {
        "fault-utility": "power", "fault-channel": "phone", "fault-reporter_phone": "13800138000",
        "fault-ts_main-breaker_steps": ["1", "2", "3"], "fault-ts_main-breaker_result": "solved",
        "fault-ts_main-breaker_note": "总开关跳闸,已推上",
    })
    assert response.status_code == 302
    contact = ContactRecord.objects.get()
    assert contact.outcome == Outcome.SELF_HELP and contact.first_contact_resolution
    assert {k: v for k, v in contact.steps[-1].items() if k not in ("told", "told_message")} == {
        "step": "troubleshooting", "result": "solved", "script": "main-breaker", "steps_done": [1, 2, 3],
        "note": "总开关跳闸,已推上"}
    assert ServiceRequest.objects.count() == 0 and not FaultCall.objects.exists()
    result = client.get(response["Location"]).content.decode()
    assert "总开关跳闸" in result  # the tell names the self-check; the step list shows the note


def test_OUT6_not_solved_becomes_a_work_request_with_problem_detail_and_estimate(client, users, world):
    client.force_login(users["agent"])
    estimate = timezone.now() + datetime.timedelta(hours=3)
    response = post_fault_call(client, fault_call_url(world, "hospital"), **{
        "ts_main-breaker_steps": ["1", "2"], "ts_main-breaker_result": "not_solved",
        "attr_fault_location": "hv_cable", "estimated_completion_at": local(estimate), "notes": "整栋楼停电"})
    assert response.status_code == 302
    contact = ContactRecord.objects.get()
    request = ServiceRequest.objects.get()
    assert contact.request == request and contact.outcome == Outcome.REQUEST_CREATED
    assert request.attributes == {"fault_location": "hv_cable"}
    assert request.crew_type == "hv_cable" and request.priority == 1  # INT-6: hospital flag
    assert timezone.localtime(request.estimated_completion_at).strftime("%Y-%m-%dT%H:%M") == local(estimate)
    assert [s["step"] for s in contact.steps] == [
        "identify", "connection_status", "planned_outage", "open_outage", "troubleshooting", "inference",
        "work_request"]
    assert contact.steps[4]["steps_done"] == [1, 2]
    result = client.get(response["Location"]).content.decode()
    assert f'href="{reverse("web:request_detail", args=[request.pk])}" id="request-link"' in result
    assert request.reference in re.search(r'id="tell".*?</div>', result, re.S).group(0)


def test_OUT6_missing_fault_location_is_shown_beside_the_field_and_nothing_is_saved(client, users, world):
    client.force_login(users["agent"])
    response = post_fault_call(client, fault_call_url(world, "alice"),
                               **{"ts_main-breaker_result": "not_solved",
                                                                          "notes": "没电了"})
    assert response.status_code == 422
    body = response.content.decode()
    assert has_field_error(body, "fault-attr_fault_location")
    assert "没电了" in body  # the agent's input is kept
    assert ContactRecord.objects.count() == 0
    assert not FaultCall.objects.exists() and ServiceRequest.objects.count() == 0


def test_OUT5_a_step_the_script_does_not_have_is_refused_and_nothing_is_saved(client, users, world):
    client.force_login(users["agent"])
    response = post_fault_call(client, fault_call_url(world, "alice"), **{
        "ts_main-breaker_steps": ["9"], "ts_main-breaker_result": "solved"})
    assert response.status_code == 422
    assert 'class="script has-error" id="script-main-breaker"' in response.content.decode()
    assert ContactRecord.objects.count() == 0


def test_OUT3_neighbours_calls_through_the_page_predict_an_outage_and_link_the_third(client, users, world):
    client.force_login(users["agent"])
    for key in ("n1", "n2"):
        assert post_fault_call(client, fault_call_url(world, key), attr_fault_location="service_point"
                               ).status_code == 302
    assert ServiceRequest.objects.count() == 2
    response = post_fault_call(client, fault_call_url(world, "n3"), attr_fault_location="service_point")
    outage = Outage.objects.get()
    assert outage.status == OutageStatus.PREDICTED and outage.device == world.devices["T1"]
    contact = ContactRecord.objects.latest("pk")
    assert contact.outcome == Outcome.OUTAGE_LINKED and contact.steps[-1]["step"] == "inference"
    assert ServiceRequest.objects.count() == 2  # the third caller is linked, no new work
    assert reverse("web:outage_detail", args=[outage.pk]) in client.get(response["Location"]).content.decode()


def test_INT3_police_report_without_a_customer_becomes_a_work_request_at_the_place(client, users, world):
    client.force_login(users["agent"])
    body = client.get(FAULT_CALL).content.decode()
    assert 'name="fault-location"' in body and 'name="fault-reporter_kind"' in body
    response = post_fault_call(client, FAULT_CALL, reporter_kind="non_customer", reporter_name="王警官",
                               reporter_phone="110", location="科技园路口电缆被挂断",
                               attr_fault_location="hv_cable")
    assert response.status_code == 302
    request = ServiceRequest.objects.get()
    assert request.customer is None and request.location == "科技园路口电缆被挂断"
    contact = ContactRecord.objects.get()
    assert contact.reporter_kind == "non_customer" and contact.reporter_name == "王警官"
    assert contact.steps[0]["step"] == "identify" and contact.steps[-1]["step"] == "work_request"


def test_INT3_unidentified_caller_without_a_place_gets_a_contact_record(client, users, world):
    client.force_login(users["agent"])
    response = post_fault_call(client, FAULT_CALL, reporter_kind="unidentified", reporter_phone="")
    assert response.status_code == 302
    contact = ContactRecord.objects.get()
    assert contact.outcome == Outcome.INFORMATION_RECORDED and contact.customer is None
    assert ServiceRequest.objects.count() == 0


def test_water_caller_without_a_customer_gets_the_water_request_fields(client, users, world):
    client.force_login(users["agent"])
    body = client.get(f"{FAULT_CALL}?utility=water").content.decode()
    assert 'name="fault-attr_outage_scope"' in body
    assert 'name="fault-attr_fault_location"' not in body


def test_customer_with_several_service_points_chooses_the_one_without_supply(client, users, world):
    water = ServicePointFactory(number="SW-ALICE", customer=world.customers["alice"],
                                utility=ServicePoint.Utility.WATER, address="海岸城3栋1201",
                                district="南山区")
    client.force_login(users["agent"])
    body = client.get(f"{FAULT_CALL}?customer={world.customers['alice'].pk}").content.decode()
    assert f"?service_point={world.points['alice'].pk}" in body and f"?service_point={water.pk}" in body
    assert 'id="fault-call-form"' not in body


def test_fault_call_result_of_an_unknown_contact_is_not_found(client, users, world):
    client.force_login(users["agent"])
    assert client.get(reverse("web:fault_call_result", args=[999999])).status_code == 404


# ----------------------------------------------------------------------------------------------
# The outage board (OUT-3, OUT-6)


@pytest.mark.parametrize("persona",
                         ["dispatcher", "administrator", "agent", "key_account_manager", "leadership"])
def test_outage_board_opens_for_dispatchers_and_read_only_for_desk_roles(client, users, world, persona):
    outage = predicted_outage(world)
    client.force_login(users[persona])
    body = client.get(reverse("web:outages")).content.decode()
    assert outage.reference in body and "T1" in body
    manages = persona in ("dispatcher", "administrator")
    assert ('id="declare-form"' in body) is manages
    detail = client.get(reverse("web:outage_detail", args=[outage.pk])).content.decode()
    assert ('id="confirm-form"' in detail) is manages


@pytest.mark.parametrize("persona", ["provider_a_staff", "finance", "customer_user"])
def test_outage_pages_refused_to_providers_finance_and_customers(client, users, world, persona):
    outage = predicted_outage(world)
    client.force_login(users[persona])
    for url in (reverse("web:outages"), reverse("web:outage_detail", args=[outage.pk]),
                reverse("web:planned")):
        assert client.get(url).status_code == 403


def test_outage_board_lists_open_ones_predicted_first_with_calls_and_polls(client, users, world,
                                                                           django_assert_max_num_queries):
    predicted = predicted_outage(world)
    confirmed = outage_declare(actor=users["dispatcher"], device=world.devices["T4"], cause="变压器烧毁",
                               etr=timezone.now() + datetime.timedelta(hours=4))
    client.force_login(users["dispatcher"])
    with django_assert_max_num_queries(12):
        body = client.get(reverse("web:outages")).content.decode()
    assert body.index(predicted.reference) < body.index(confirmed.reference)
    row = re.search(rf"{predicted.reference}.*?</tr>", body, re.S).group(0)
    assert '<td class="num">3</td>' in row
    assert 'hx-trigger="every 30s"' in body
    partial = client.get(reverse("web:outages"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and predicted.reference in partial and 'id="outage-board"' in partial


def test_outage_board_filters_closed_statuses(client, users, world):
    outage = outage_declare(actor=users["dispatcher"], device=world.devices["T4"], cause="树枝碰线",
                            etr=timezone.now() + datetime.timedelta(hours=1))
    client.force_login(users["dispatcher"])
    response = client.post(reverse("web:outage_restore", args=[outage.pk]), {"restore-note": ""})
    client.get(response["Location"])  # the restoration's message is shown there
    assert outage.reference not in client.get(reverse("web:outages")).content.decode()
    assert outage.reference in client.get(reverse("web:outages") + "?status=restored").content.decode()


def test_outage_detail_lists_the_linked_calls_with_caller_service_point_and_request(client, users, world):
    outage = predicted_outage(world)
    client.force_login(users["agent"])
    body = client.get(reverse("web:outage_detail", args=[outage.pk])).content.decode()
    calls = re.search(r'id="outage-calls".*?</table>', body, re.S).group(0)
    for key in ("n1", "n2", "n3"):
        assert world.points[key].number in calls and world.customers[key].name in calls
    for request in ServiceRequest.objects.all():
        assert reverse("web:request_detail", args=[request.pk]) in calls


def test_OUT3_dispatcher_confirms_with_cause_etr_and_crew_then_restores_and_callers_get_callbacks(
        client, users, world):
    outage = predicted_outage(world)
    etr = timezone.now() + datetime.timedelta(hours=2)
    client.force_login(users["dispatcher"])
    response = client.post(reverse("web:outage_confirm", args=[outage.pk]), {
        "confirm-cause": "变压器低压侧熔断", "confirm-etr": local(etr),
        "confirm-provider": world.providers["a"].pk,
        "confirm-crew_type": "hv_cable", "confirm-instructions": "带备用熔断器"})
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.status == OutageStatus.CONFIRMED and outage.cause == "变压器低压侧熔断"
    assert local(outage.etr) == local(etr)
    work_order = WorkOrder.objects.get()
    assert work_order.provider == world.providers["a"] and work_order.request == outage.request
    body = client.get(response["Location"]).content.decode()
    assert 'id="restore-form"' in body and 'id="confirm-form"' not in body

    response = client.post(reverse("web:outage_restore", args=[outage.pk]), {"restore-note": "已更换熔断器"})
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.status == OutageStatus.RESTORED and outage.note == "已更换熔断器"
    assert not ServiceRequest.objects.exclude(status=RequestStatus.RESOLVED).exists()
    callbacks = Callback.objects.all()
    assert callbacks.count() == 3 and {c.assigned_to for c in callbacks} == {users["agent"]}
    assert OutboundMessage.objects.filter(source=outage.reference).count() >= 3
    # The page says what the restoration did (RestorationReport: requests, callbacks, messages).
    message = client.get(response["Location"]).content.decode()
    report = re.search(r'<li class="message success">(.*?)</li>', message, re.S).group(1)
    assert outage.reference in report and "3" in report


def test_OUT3_confirm_without_etr_shows_the_error_beside_the_field_and_changes_nothing(client, users, world):
    outage = predicted_outage(world)
    client.force_login(users["dispatcher"])
    response = client.post(reverse("web:outage_confirm", args=[outage.pk]), {"confirm-cause": "未知"})
    assert response.status_code == 422
    assert has_field_error(response.content.decode(), "confirm-etr")
    outage.refresh_from_db()
    assert outage.status == OutageStatus.PREDICTED and not WorkOrder.objects.exists()


def test_OUT3_an_etr_in_the_past_is_refused_by_the_service_beside_the_field(client, users, world):
    outage = predicted_outage(world)
    client.force_login(users["dispatcher"])
    response = client.post(reverse("web:outage_confirm", args=[outage.pk]), {
        "confirm-cause": "未知", "confirm-etr": local(timezone.now() - datetime.timedelta(hours=2))})
    assert response.status_code == 422
    assert has_field_error(response.content.decode(), "confirm-etr")
    outage.refresh_from_db()
    assert outage.status == OutageStatus.PREDICTED


def test_agents_may_not_confirm_reject_merge_update_or_restore(client, users, world):
    outage = predicted_outage(world)
    client.force_login(users["agent"])
    for name in ("outage_confirm", "outage_reject", "outage_merge", "outage_update", "outage_restore"):
        assert client.post(reverse(f"web:{name}", args=[outage.pk]), {}).status_code == 403
    assert client.post(reverse("web:outage_declare"), {}).status_code == 403
    outage.refresh_from_db()
    assert outage.status == OutageStatus.PREDICTED


def test_OUT3_dispatcher_rejects_a_predicted_outage_with_a_reason(client, users, world):
    outage = predicted_outage(world)
    client.force_login(users["dispatcher"])
    assert client.post(reverse("web:outage_reject", args=[outage.pk]),
                       {"reject-reason": ""}).status_code == 422
    response = client.post(reverse("web:outage_reject", args=[outage.pk]), {"reject-reason": "各户故障无关"})
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.status == OutageStatus.REJECTED and outage.note == "各户故障无关"
    # Every call has a work request again, no caller lost.
    assert not FaultCall.objects.filter(request__isnull=True).exists()


def test_dispatcher_merges_one_open_outage_into_another(client, users, world):
    source = predicted_outage(world)
    target = outage_declare(actor=users["dispatcher"], device=world.devices["T4"], cause="同一故障",
                            etr=timezone.now() + datetime.timedelta(hours=1))
    client.force_login(users["dispatcher"])
    detail = client.get(reverse("web:outage_detail", args=[source.pk])).content.decode()
    assert f'value="{target.pk}"' in re.search(r'id="merge-form".*?</form>', detail, re.S).group(0)
    response = client.post(reverse("web:outage_merge", args=[source.pk]), {"merge-target": target.pk})
    assert response["Location"] == reverse("web:outage_detail", args=[target.pk])
    source.refresh_from_db()
    assert source.status == OutageStatus.MERGED and source.merged_into == target
    assert FaultCall.objects.filter(outage=target).count() == 3


def test_OUT6_new_etr_through_the_page_reaches_the_linked_requests(client, users, world):
    outage = predicted_outage(world)
    outage_confirm(actor=users["dispatcher"], outage=outage, cause="熔断",
                   etr=timezone.now() + datetime.timedelta(hours=1))
    later = timezone.now() + datetime.timedelta(hours=5)
    client.force_login(users["dispatcher"])
    response = client.post(reverse("web:outage_update", args=[outage.pk]), {
        "update-etr": local(later), "update-cause": "", "update-reason": "需更换变压器"})
    assert response.status_code == 302
    outage.refresh_from_db()
    assert local(outage.etr) == local(later)
    assert {local(r.estimated_completion_at) for r in ServiceRequest.objects.all()} == {local(later)}


def test_leak_repair_area_declared_with_its_leak_request(client, users, world):
    """003 §8.2: the supply area a leak repair cuts off, with the leak report and its estimated completion."""
    leak = request_create(actor=users["agent"], request_type=world.types["leak"],
                          service_point=world.points["w1"],
                          attributes={"dn": 300}, location="后海大道路口")
    etr = timezone.now() + datetime.timedelta(hours=6)
    client.force_login(users["dispatcher"])
    response = client.post(reverse("web:outage_declare"), {
        "declare-device_code": "P1", "declare-cause": "DN300主管爆管抢修", "declare-etr": local(etr),
        "declare-leak_request": leak.reference})
    assert response.status_code == 302
    outage = Outage.objects.get()
    assert (outage.origin == Outage.Origin.LEAK and outage.request == leak
            and outage.device == world.devices["P1"])
    leak.refresh_from_db()
    assert local(leak.estimated_completion_at) == local(etr)


def test_declare_with_an_unknown_device_or_request_shows_the_error_beside_the_field(client, users, world):
    client.force_login(users["dispatcher"])
    response = client.post(reverse("web:outage_declare"), {
        "declare-device_code": "NOPE", "declare-cause": "x", "declare-leak_request": "SR99999999"})
    assert response.status_code == 422
    body = response.content.decode()
    assert has_field_error(body, "declare-device_code")
    assert f'hx-get="{reverse("web:outages")}"' in body  # the board still polls the board, not the POST URL
    response = client.post(reverse("web:outage_declare"), {
        "declare-device_code": "P1", "declare-cause": "x", "declare-leak_request": "SR99999999"})
    assert response.status_code == 422
    assert has_field_error(response.content.decode(), "declare-leak_request")
    outage_declare(actor=users["dispatcher"], device=world.devices["P1"], cause="已有", etr=None)
    response = client.post(reverse("web:outage_declare"),
                           {"declare-device_code": "P1", "declare-cause": "again"})
    assert response.status_code == 422
    assert has_field_error(response.content.decode(), "declare-device_code")
    assert Outage.objects.count() == 1


# ----------------------------------------------------------------------------------------------
# Planned outages and the public notice (OUT-2)


def test_dispatcher_announces_a_planned_outage_and_records_notices(client, users, world):
    now = timezone.now()
    client.force_login(users["dispatcher"])
    response = client.post(reverse("web:planned_new"), {
        "planned-utility": "power", "planned-reason": "线路检修",
        "planned-starts_at": local(now + datetime.timedelta(days=1)),
        "planned-ends_at": local(now + datetime.timedelta(days=1, hours=4)), "planned-devices": "T1, T3",
        "planned-districts": "", "planned-area_description": "科技南路一带", "planned-published": "on"})
    assert response.status_code == 302
    planned = PlannedOutage.objects.get()
    assert set(planned.devices.values_list("code", flat=True)) == {"T1", "T3"}
    assert planned.published and planned.created_by == users["dispatcher"]
    body = client.get(response["Location"]).content.decode()
    assert re.search(r'id="affected">\s*9<', body)  # alice, n1…n6 under T1; k1, k2 under T3

    url = reverse("web:planned_notices", args=[planned.pk])
    response = client.post(url,
                           {"notice-channel": "sms", "notice-service_points": world.points["bob"].number})
    assert response.status_code == 422  # bob is under T4: not affected
    assert has_field_error(response.content.decode(), "notice-service_points")
    assert client.post(url, {"notice-channel": "sms",
                             "notice-service_points": world.points["alice"].number}).status_code == 302
    assert client.post(url, {"notice-channel": "letter", "notice-service_points": ""}).status_code == 302
    notices = PlannedOutageNotice.objects.filter(planned_outage=planned)
    assert notices.count() == 9
    assert notices.get(service_point=world.points["alice"]).channel == "sms"  # the first notice is kept


def test_planned_outage_form_errors_are_shown_and_nothing_is_saved(client, users, world):
    now = timezone.now()
    client.force_login(users["dispatcher"])
    response = client.post(reverse("web:planned_new"), {
        "planned-utility": "power", "planned-reason": "检修", "planned-starts_at": local(now),
        "planned-ends_at": local(now - datetime.timedelta(hours=1)), "planned-devices": "",
        "planned-districts": ""})
    assert response.status_code == 422
    body = response.content.decode()
    assert has_field_error(body, "planned-ends_at") and has_field_error(body, "planned-devices")
    response = client.post(reverse("web:planned_new"), {
        "planned-utility": "power", "planned-reason": "检修", "planned-starts_at": local(now),
        "planned-ends_at": local(now + datetime.timedelta(hours=1)), "planned-devices": "NOPE"})
    assert has_field_error(response.content.decode(), "planned-devices")
    assert not PlannedOutage.objects.exists()


def test_agents_see_planned_outages_read_only(client, users, world):
    now = timezone.now()
    planned = planned_outage_create(actor=users["dispatcher"], utility="power", reason="线路检修",
                                    starts_at=now + datetime.timedelta(hours=1),
                                    ends_at=now + datetime.timedelta(hours=2), districts=["福田区"])
    client.force_login(users["agent"])
    body = client.get(reverse("web:planned")).content.decode()
    assert planned.reference in body and 'id="planned-form"' not in body
    detail = client.get(reverse("web:planned_detail", args=[planned.pk])).content.decode()
    assert "线路检修" in detail and 'id="notice-form"' not in detail
    assert client.post(reverse("web:planned_new"), {}).status_code == 403
    assert client.post(reverse("web:planned_notices", args=[planned.pk]), {}).status_code == 403
    assert client.post(reverse("web:planned_cancel", args=[planned.pk])).status_code == 403


def test_public_page_needs_no_login_and_shows_only_published_current_and_upcoming(client, users, world):
    now = timezone.now()

    def planned(reason, start, end, **extra):
        return planned_outage_create(actor=users["dispatcher"], utility="power", reason=reason,
                                     starts_at=now + datetime.timedelta(hours=start),
                                     ends_at=now + datetime.timedelta(hours=end), districts=["福田区"],
                                     **extra)

    planned("正在检修", -1, 2, area_description="福华路一带")
    planned("明日检修", 20, 24)
    planned("内部计划", 1, 2, published=False)
    planned("已结束检修", -5, -1)
    cancelled = planned("取消的检修", 3, 4)
    client.force_login(users["dispatcher"])
    client.post(reverse("web:planned_cancel", args=[cancelled.pk]))
    client.logout()
    response = client.get(reverse("web:public_planned"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "正在检修" in body and "福华路一带" in body and "明日检修" in body
    assert "福田区" in body
    assert "内部计划" not in body and "已结束检修" not in body and "取消的检修" not in body
    assert body.index("正在检修") < body.index("明日检修")  # in force first, then upcoming


# ----------------------------------------------------------------------------------------------
# Callbacks (INT-8)


def restored_outage_with_callbacks(world, *keys):
    neighbours_call(world, *keys)
    outage = Outage.objects.get(status=OutageStatus.PREDICTED)
    outage_confirm(actor=world.users["dispatcher"], outage=outage, cause="熔断",
                   etr=timezone.now() + datetime.timedelta(hours=1))
    from servicedesk.outages.lifecycle import outage_restore

    outage_restore(actor=world.users["dispatcher"], outage=outage)
    return outage


def test_INT8_callbacks_after_restoration_appear_on_the_agents_callback_page(client, users, world):
    outage = restored_outage_with_callbacks(world, "n1", "n2", "n3")
    client.force_login(users["agent"])
    body = client.get(reverse("web:callbacks")).content.decode()
    mine = re.search(r'id="callbacks-mine".*?</table>', body, re.S).group(0)
    for key in ("n1", "n2", "n3"):
        assert world.customers[key].name in mine and world.customers[key].mobile in mine
    assert outage.reference in mine
    for request in ServiceRequest.objects.all():
        assert reverse("web:request_detail", args=[request.pk]) in mine


def test_INT8_key_account_callbacks_go_to_the_key_account_manager_page(client, users, world):
    neighbours_call(world, "hospital", "m1", "m2")
    outage = Outage.objects.get(status=OutageStatus.PREDICTED)
    outage_confirm(actor=users["dispatcher"], outage=outage, cause="熔断",
                   etr=timezone.now() + datetime.timedelta(hours=1))
    from servicedesk.outages.lifecycle import outage_restore

    outage_restore(actor=users["dispatcher"], outage=outage)
    client.force_login(users["key_account_manager"])
    mine = re.search(r'id="callbacks-mine".*?</table>', client.get(reverse("web:callbacks")).content.decode(),
                     re.S).group(0)
    assert "南山人民医院" in mine and world.customers["m1"].name not in mine


def test_INT8_agent_records_a_callback_reached_and_it_is_kept_as_an_outbound_contact(client, users, world):
    restored_outage_with_callbacks(world, "n1", "n2", "n3")
    callback = Callback.objects.filter(customer=world.customers["n1"]).get()
    client.force_login(users["agent"])
    url = reverse("web:callback_done", args=[callback.pk])
    assert client.post(url, {f"cb{callback.pk}-result": "x"}).status_code == 422  # reached? not answered
    response = client.post(url, {f"cb{callback.pk}-reached": "yes",
                                 f"cb{callback.pk}-result": "已恢复供电,客户满意"})
    assert response.status_code == 302
    callback.refresh_from_db()
    assert callback.status == Callback.Status.DONE and callback.result == "已恢复供电,客户满意"
    outbound = ContactRecord.objects.get(direction=ContactRecord.Direction.OUTBOUND)
    assert outbound.customer == world.customers["n1"] and outbound.agent == users["agent"]
    body = client.get(reverse("web:callbacks")).content.decode()
    assert f'id="callback-{callback.pk}"' not in body  # no longer open
    other = Callback.objects.filter(customer=world.customers["n2"]).get()
    assert client.post(reverse("web:callback_done", args=[other.pk]),
                       {f"cb{other.pk}-reached": "no"}).status_code == 302
    other.refresh_from_db()
    assert other.status == Callback.Status.UNREACHABLE


def test_INT8_someone_elses_callback_is_refused_to_an_agent_and_open_to_a_team_lead(client, users, world):
    restored_outage_with_callbacks(world, "n1", "n2", "n3")
    callback = Callback.objects.filter(customer=world.customers["n1"]).get()  # assigned to "agent"
    client.force_login(users["key_account_manager"])
    assert client.post(reverse("web:callback_done", args=[callback.pk]),
                       {f"cb{callback.pk}-reached": "yes"}).status_code == 403
    client.force_login(users["team_lead"])
    team = re.search(r'id="callbacks-team".*?</table>', client.get(reverse("web:callbacks")).content.decode(),
                     re.S).group(0)
    assert f'id="callback-{callback.pk}"' in team
    assert client.post(reverse("web:callback_done", args=[callback.pk]),
                       {f"cb{callback.pk}-reached": "yes"}).status_code == 302


def test_INT8_unassigned_callbacks_are_in_the_queue_when_no_agent_is_available(client, users, world):
    User.objects.filter(pk=users["agent"].pk).update(available=False)
    restored_outage_with_callbacks(world, "n1", "n2", "n3")
    assert not Callback.objects.filter(assigned_to__isnull=False).exists()
    client.force_login(users["team_lead"])
    queue = re.search(r'id="callbacks-unassigned".*?</table>',
                      client.get(reverse("web:callbacks")).content.decode(),
                      re.S).group(0)
    assert world.customers["n1"].name in queue


def test_INT8_agent_switches_availability_on_the_callbacks_page(client, users, world):
    client.force_login(users["agent"])
    assert client.post(reverse("web:availability"), {"available": "0"}).status_code == 302
    users["agent"].refresh_from_db()
    assert users["agent"].available is False
    restored_outage_with_callbacks(world, "n1", "n2", "n3")
    assert not Callback.objects.filter(assigned_to=users["agent"]).exists()  # away: none routed to them
    client.post(reverse("web:availability"), {"available": "1", "next": "https://evil.example/"})
    users["agent"].refresh_from_db()
    assert users["agent"].available is True


@pytest.mark.parametrize("persona",
                         ["dispatcher", "provider_a_staff", "finance", "customer_user", "leadership"])
def test_INT8_callbacks_page_refused_to_roles_that_do_not_call_customers(client, users, world, persona):
    client.force_login(users[persona])
    assert client.get(reverse("web:callbacks")).status_code == 403
    assert client.post(reverse("web:availability"), {"available": "0"}).status_code == 403


def test_public_page_is_chinese_by_default_and_english_on_request(client, world):
    assert '<html lang="zh-CN">' in client.get(reverse("web:public_planned")).content.decode()
    client.cookies["django_language"] = "en"
    body = client.get(reverse("web:public_planned")).content.decode()
    assert '<html lang="en">' in body and "Planned power and water outages" in body
