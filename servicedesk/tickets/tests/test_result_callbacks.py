"""Result callbacks (INT-5, INT-8; 002 §5 (四) 2 投诉回访制度): resolving a request whose type says the
customer must hear back owes the customer one call, routed as every callback, linked to the request
and the contact that raised it; the request page shows how it went (CMP-6)."""

import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse

from servicedesk.contacts.models import Callback, CallbackEvidence
from servicedesk.contacts.services import CallbackDraft, callback_complete, callbacks_create
from servicedesk.core.tests.api_helpers import as_
from servicedesk.org.roles import Role
from servicedesk.testing.factories import UserFactory
from servicedesk.tickets.models import RequestCategory, RequestType
from servicedesk.tickets.services import request_create, request_transition

pytestmark = pytest.mark.django_db

RESULT = Callback.Kind.RESULT


def _complaint(world, customer="alice", **extra):
    request = request_create(actor=world.users["agent"], request_type=world.types["complaint"],
                             customer=world.customers[customer], subject="多收电费",
                             description="上月电费比往常多一倍", **extra)
    request_transition(request=request, action="accept", actor=world.users["agent"])
    return request


def _resolve(world, request, reason="已核实并退还多收电费"):
    return request_transition(request=request, action="resolve", actor=world.users["agent"], reason=reason)


def test_INT5_resolving_a_complaint_owes_the_customer_one_routed_callback(world):
    request = _complaint(world)
    _resolve(world, request)
    callback = Callback.objects.get()
    assert callback.kind == RESULT and callback.status == Callback.Status.OPEN
    assert callback.request_id == request.pk and callback.source == request.reference
    assert callback.contact == request.contacts.get()  # the contact that raised it
    assert callback.customer == world.customers["alice"] and callback.phone == "13800138000"
    assert callback.assigned_to == world.users["agent"]  # the only available agent
    assert callback.message["key"] == "callback_result_note"
    assert request.reference in callback.display_reason and "已核实并退还多收电费" in callback.display_reason
    assert callback.display_reason.startswith("告知客户")  # rendered in the reader's language


def test_INT8_result_callback_goes_to_the_least_loaded_available_agent(world):
    second = UserFactory(username="agent2", role=Role.AGENT, full_name="agent2")
    callbacks_create([CallbackDraft(reason="另一回访", customer=world.customers["bob"])])  # agent2 or agent
    busy = Callback.objects.get().assigned_to
    _resolve(world, _complaint(world))
    result = Callback.objects.get(kind=RESULT)
    assert result.assigned_to == ({world.users["agent"], second} - {busy}).pop()


def test_INT8_a_key_accounts_result_callback_goes_to_its_key_account_manager(world):
    _resolve(world, _complaint(world, "hospital"))
    assert Callback.objects.get(kind=RESULT).assigned_to == world.users["key_account_manager"]


def test_INT5_resolving_again_while_the_first_call_is_open_makes_no_second_one(world):
    request = _complaint(world)
    _resolve(world, request)
    request_transition(request=request, action="reopen", actor=world.users["agent"], reason="客户仍有疑问")
    _resolve(world, request, reason="再次核实")
    assert Callback.objects.filter(request=request, kind=RESULT).count() == 1
    first = Callback.objects.get(kind=RESULT)
    callback_complete(callback=first, actor=world.users["agent"], reached=True, satisfaction="average")
    request_transition(request=request, action="reopen", actor=world.users["agent"], reason="客户不满意")
    _resolve(world, request, reason="第三次处理")
    assert Callback.objects.filter(request=request, kind=RESULT).count() == 2
    assert Callback.objects.filter(request=request, kind=RESULT, status=Callback.Status.OPEN).count() == 1


def test_INT5_a_type_without_result_callbacks_makes_none_until_configured(world):
    leak = request_create(actor=world.users["agent"], request_type=world.types["leak"],
                          service_point=world.points["alice"], attributes={"dn": 80})
    request_transition(request=leak, action="accept", actor=world.users["agent"])
    _resolve(world, leak)
    assert not Callback.objects.exists()
    RequestType.objects.filter(pk=world.types["leak"].pk).update(result_callback=True)
    request_transition(request=leak, action="reopen", actor=world.users["agent"], reason="仍在漏")
    _resolve(world, leak)
    assert Callback.objects.get().kind == RESULT


def test_INT5_a_system_resolution_owes_a_callback_too(world):
    """A request resolved by the system (its work orders done) says why in a message, not a reason."""
    request = _complaint(world)
    from servicedesk.core.messages import message

    request_transition(request=request, action="resolve", actor=None, note=message("work_order_completed",
                                                                                   ref="WO00000001"))
    callback = Callback.objects.get()
    assert callback.message["key"] == "callback_result" and request.reference in callback.display_reason


def test_INT5_a_new_complaint_type_calls_back_by_default_and_others_do_not(world):
    complaints, meters = RequestCategory.COMPLAINT, RequestCategory.METER_SERVICE
    complaint = RequestType.objects.create(code="complaint-2", name="服务投诉", category=complaints)
    other = RequestType.objects.create(code="meter-2", name="表计", category=meters)
    opted_out = RequestType.objects.create(code="complaint-3", name="建议", category=complaints,
                                           result_callback=False)
    assert [t.result_callback for t in (complaint, other, opted_out)] == [True, False, False]
    assert world.types["complaint"].calls_back_with_result and not world.types["leak"].calls_back_with_result


def test_INT5_the_data_migration_turns_result_callbacks_on_for_existing_complaint_types(world):
    RequestType.objects.update(result_callback=None)
    migration = importlib.import_module("servicedesk.tickets.migrations.0007_requesttype_result_callback")
    migration.complaints_call_back(apps, None)
    values = dict(RequestType.objects.values_list("code", "result_callback"))
    assert values["complaint"] is True and values["leak"] is False and None not in values.values()


def test_INT5_resolving_through_the_api_shows_the_callback_in_the_agents_list(world):
    request = _complaint(world)
    agent = as_(world, "agent")
    response = agent.post(f"/requests/{request.pk}/transitions", {"action": "resolve", "reason": "已退费"})
    assert response.status_code == 200, response.content
    listed = agent.get("/callbacks", {"kind": "result", "status": "open"}).json()["results"]
    assert [(c["request"]["reference"], c["kind"], c["satisfaction"], c["evidence"]) for c in listed] == [
        (request.reference, "result", "", [])]


# ----------------------------------------------------------------------------------------------
# The request page (CMP-6)


def _wav_evidence(world, callback):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from servicedesk.contacts.services import callback_evidence_add
    from servicedesk.contacts.tests.test_callbacks import wav_bytes

    return callback_evidence_add(callback=callback, actor=world.users["agent"],
                                 upload=SimpleUploadedFile("回访录音.wav", wav_bytes()))


def test_CMP6_the_request_page_shows_its_result_callbacks_with_opinion_and_evidence(client, world):
    request = _complaint(world)
    _resolve(world, request)
    callback = Callback.objects.get()
    callback_complete(callback=callback, actor=world.users["agent"], reached=True, satisfaction="very_poor",
                      satisfaction_comment="退费太慢")
    evidence = _wav_evidence(world, callback)
    client.force_login(world.users["team_lead"])
    body = client.get(reverse("web:request_detail", args=[request.pk])).content.decode()
    section = re.search(r'id="result-callbacks".*?</table>', body, re.S).group(0)
    assert callback.reference in section and "已回访" in section
    assert "很差" in section and "退费太慢" in section
    assert reverse("web:callback_evidence_file", args=[evidence.pk]) in section


@pytest.mark.parametrize("persona", ["customer_user", "dispatcher"])
def test_CMP6_the_request_page_keeps_result_callbacks_from_customers_and_dispatchers(client, world, persona):
    request = _complaint(world)
    _resolve(world, request)
    _wav_evidence(world, Callback.objects.get())
    client.force_login(world.users[persona])
    response = client.get(reverse("web:request_detail", args=[request.pk]))
    if response.status_code == 200:  # the customer's own request; the dispatcher may not see this unit's
        assert 'id="result-callbacks"' not in response.content.decode()
        assert CallbackEvidence.objects.get().file.name not in response.content.decode()
    else:
        assert response.status_code in (403, 404)
