"""Outage inference, the dispatcher's decisions and restoration (OUT-3, OUT-6, INT-8, 003 leaks)."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.contacts.models import Callback, ContactRecord, OutboundMessage
from servicedesk.contacts.services import agent_set_available, callback_complete, messages_send
from servicedesk.core.exceptions import ActionNotAllowed, Conflict, ValidationFailed
from servicedesk.outages.fault_calls import FaultCallInput, fault_call_take
from servicedesk.outages.lifecycle import (
    outage_confirm,
    outage_declare,
    outage_merge,
    outage_reject,
    outage_restore,
    outage_update,
)
from servicedesk.outages.models import FaultCall, Outage, OutageStatus
from servicedesk.testing.factories import UserFactory
from servicedesk.tickets.models import EventKind, RequestEvent, RequestStatus, ServiceRequest, WorkOrder
from servicedesk.tickets.services import request_create

Outcome = ContactRecord.Outcome
PROBLEM = {"fault_location": "service_point"}


def call(world, key, **kwargs):
    point = world.points[key]
    kwargs.setdefault("problem", PROBLEM)
    return fault_call_take(FaultCallInput(customer=point.customer, service_point=point,
                           reporter_phone=point.customer.mobile, **kwargs), actor=world.users["agent"])


def later(hours=2):
    return timezone.now() + datetime.timedelta(hours=hours)


@pytest.mark.django_db
def test_OUT3_calls_from_three_service_points_under_one_transformer_predict_its_outage(world):
    first, second = call(world, "n1"), call(world, "n2")
    assert first.outcome == second.outcome == Outcome.REQUEST_CREATED
    assert not Outage.objects.exists()
    third = call(world, "n3")
    assert third.outcome == Outcome.OUTAGE_LINKED and third.request is None
    outage = third.outage
    assert outage.device == world.devices["T1"] and outage.status == OutageStatus.PREDICTED
    assert outage.call_count == 3
    assert set(FaultCall.objects.filter(outage=outage).values_list("contact", flat=True)) == {
        first.contact.pk, second.contact.pk, third.contact.pk}
    # The earlier callers' requests carry a note of the grouping.
    assert RequestEvent.objects.filter(request=first.request, kind=EventKind.NOTE,
                                       message__key="outage_grouped",
                                       message__params__ref=outage.reference).exists()
    # The next neighbour is linked at once: no new work (OUT-2).
    fourth = call(world, "n4")
    assert fourth.outcome == Outcome.OUTAGE_LINKED and fourth.outage == outage
    assert ServiceRequest.objects.count() == 2
    outage.refresh_from_db()
    assert outage.call_count == 4


@pytest.mark.django_db
def test_OUT3_repeat_calls_from_one_service_point_do_not_predict_an_outage(world):
    for _ in range(4):
        call(world, "n1")
    assert not Outage.objects.exists()


@pytest.mark.django_db
def test_OUT3_callers_whose_neighbours_have_supply_are_single_faults_and_not_counted(world):
    """A caller who says the neighbours have supply (outage_scope single) gets a work request and
    does not count towards an outage; once neighbours' calls predict one, their call is grouped
    into it all the same."""
    single = {"fault_location": "service_point", "outage_scope": "single"}
    results = [call(world, key, problem=single) for key in ("n1", "n2", "n3", "n4")]
    assert {r.outcome for r in results} == {Outcome.REQUEST_CREATED}
    assert results[0].contact.steps[-2] == {"step": "inference", "result": "single_premise"}
    assert not Outage.objects.exists()
    assert FaultCall.objects.filter(single_premise=True).count() == 4
    for key in ("n5", "n6"):
        assert call(world, key).outcome == Outcome.REQUEST_CREATED  # two counted callers
    predicted = call(world, "alice")  # the third
    assert predicted.outcome == Outcome.OUTAGE_LINKED and predicted.outage.device == world.devices["T1"]
    assert FaultCall.objects.filter(outage=predicted.outage).count() == 7


@pytest.mark.django_db
def test_OUT3_calls_under_two_transformers_of_one_section_roll_up_to_the_section(world):
    """Section rule: two of its transformers out (S1 has T1 and T2). T1 alone out stays a
    transformer outage; T2 predicted too rolls up to S1, which takes both and their calls."""
    for key in ("n1", "n2", "n3"):
        call(world, key)
    transformer_outage = Outage.objects.get()
    assert transformer_outage.device == world.devices["T1"]
    assert call(world, "m1").outcome == call(world, "m2").outcome == Outcome.REQUEST_CREATED
    result = call(world, "m3")
    assert result.outcome == Outcome.OUTAGE_LINKED
    section_outage = result.outage
    assert section_outage.device == world.devices["S1"]
    assert result.contact.steps[-1]["device"] == "S1"
    assert set(Outage.objects.filter(status=OutageStatus.MERGED).values_list("device__code", flat=True)) == {
        "T1", "T2"}
    transformer_outage.refresh_from_db()
    assert transformer_outage.merged_into == section_outage
    assert FaultCall.objects.filter(outage=section_outage).count() == 6
    assert Outage.objects.filter(status__in=("predicted", "confirmed")).count() == 1
    # A caller under T2 now joins the section outage directly.
    assert call(world, "hospital").outage == section_outage


@pytest.mark.django_db
def test_OUT3_one_transformer_out_of_two_does_not_roll_up_while_a_sibling_has_only_single_calls(world):
    """Calls under T2 below its own threshold are single faults: they do not make S1 out."""
    for key in ("n1", "n2", "n3", "m1", "m2"):
        call(world, key)
    assert list(Outage.objects.values_list("device__code", "status")) == [("T1", "predicted")]
    assert ServiceRequest.objects.count() == 4


@pytest.mark.django_db
def test_OUT3_shares_scale_the_thresholds_to_the_device(world):
    """A transformer's rule in per cent of the service points it supplies (T1 supplies alice and
    n1–n6: seven), a section's in per cent of its transformers."""
    from servicedesk.outages.models import InferenceRule

    InferenceRule.objects.filter(device_kind="transformer").update(min_service_points=2,
                                                                   min_service_points_percent=50)
    section = InferenceRule.objects.get(device_kind="section")
    section.min_children, section.min_children_percent = 1, 100
    section.save()  # drops the cached configuration
    for key in ("n1", "n2", "n3"):
        assert call(world, key).outcome == Outcome.REQUEST_CREATED  # 3 of 7 < 50 %
    result = call(world, "n4")  # 4 of 7
    assert (result.outcome, result.outage.device.code) == (Outcome.OUTAGE_LINKED, "T1")
    # T2 supplies the hospital and m1–m3: two callers are 50 %. Both transformers out: S1 (100 %).
    call(world, "m1")
    result = call(world, "m2")
    assert result.outage.device.code == "S1"


@pytest.mark.django_db
def test_OUT3_thresholds_are_data(world):
    from servicedesk.outages.models import InferenceRule

    rule = InferenceRule.objects.get(device_kind="transformer")
    rule.min_service_points = 2
    rule.save()  # as the administration pages do: the cached configuration is dropped
    call(world, "n1")
    assert call(world, "n2").outcome == Outcome.OUTAGE_LINKED
    rule.active = False
    rule.save()
    assert call(world, "k1").outcome == Outcome.REQUEST_CREATED
    assert call(world, "k2").outcome == Outcome.REQUEST_CREATED


@pytest.mark.django_db
def test_OUT3_confirm_gives_cause_etr_and_a_crew_work_order_and_tells_linked_callers(world):
    for key in ("n1", "n2", "n3"):
        call(world, key)
    outage = Outage.objects.get()
    etr = later(3)
    confirmed = outage_confirm(actor=world.users["dispatcher"], outage=outage, cause="变压器烧损", etr=etr,
                               provider=world.providers["a"], crew_type="hv_cable")
    assert confirmed.status == OutageStatus.CONFIRMED and confirmed.etr == etr
    work_order = WorkOrder.objects.get()
    assert work_order.request == confirmed.request and work_order.provider == world.providers["a"]
    assert work_order.promised_end_at == etr
    # Both requests of the first callers now carry the ETR, with a history row.
    for request in ServiceRequest.objects.all():
        assert request.estimated_completion_at == etr
    assert RequestEvent.objects.filter(kind=EventKind.CHANGE, message__key="outage_confirmed",
                                       message__params__cause__text="变压器烧损").count() == 2
    # Every linked caller gets a message with the ETR (OUT-6).
    assert OutboundMessage.objects.filter(source=outage.reference).count() == 3
    # A new caller is told the cause and the ETR.
    result = call(world, "n5")
    assert "变压器烧损" in result.tell and timezone.localtime(etr).strftime("%H:%M") in result.tell


@pytest.mark.django_db
def test_OUT6_etr_change_reaches_every_linked_caller(world):
    for key in ("n1", "n2", "n3", "n4"):
        call(world, key)
    outage = outage_confirm(actor=world.users["dispatcher"], outage=Outage.objects.get(), cause="电缆故障",
                            etr=later(2))
    sent_before = OutboundMessage.objects.count()
    new_etr = later(5)
    outage_update(actor=world.users["dispatcher"], outage=outage, etr=new_etr, reason="需更换电缆")
    assert OutboundMessage.objects.count() - sent_before == 4
    assert set(ServiceRequest.objects.values_list("estimated_completion_at", flat=True)) == {new_etr}
    with pytest.raises(ValidationFailed) as error:
        outage_update(actor=world.users["dispatcher"], outage=outage,
                      etr=timezone.now() - datetime.timedelta(days=1))
    assert "etr" in error.value.errors


@pytest.mark.django_db
def test_OUT3_reject_turns_linked_calls_into_single_work_requests(world):
    for key in ("n1", "n2", "n3", "n4"):
        call(world, key)
    outage = Outage.objects.get()
    outage_reject(actor=world.users["dispatcher"], outage=outage, reason="各户独立故障")
    outage.refresh_from_db()
    assert outage.status == OutageStatus.REJECTED
    # The two linked calls without a request got one each: four requests for four callers.
    assert ServiceRequest.objects.count() == 4
    assert not FaultCall.objects.filter(request__isnull=True).exists()
    # The same calls do not predict the same outage again.
    assert call(world, "n5").outcome == Outcome.REQUEST_CREATED
    with pytest.raises(Conflict):
        outage_confirm(actor=world.users["dispatcher"], outage=outage, cause="x", etr=later())


@pytest.mark.django_db
def test_OUT3_merge_moves_the_calls(world):
    for key in ("n1", "n2", "n3"):
        call(world, key)
    first = Outage.objects.get()
    second = outage_declare(actor=world.users["dispatcher"], device=world.devices["T3"], cause="树枝搭线",
                            etr=later())
    call(world, "k1")
    merged = outage_merge(actor=world.users["dispatcher"], source=first, target=second)
    first.refresh_from_db()
    assert first.status == OutageStatus.MERGED and first.merged_into == second
    assert merged.call_count == 4
    with pytest.raises(ValidationFailed):
        outage_merge(actor=world.users["dispatcher"], source=second, target=second)


@pytest.mark.django_db
def test_OUT6_INT8_restoration_resolves_linked_requests_and_calls_back_every_caller(world):
    # A second agent who is away gets no callbacks; the key account goes to its manager.
    away = UserFactory(username="agent_away", role="agent")
    agent_set_available(agent=away, available=False)
    for key in ("n1", "n2", "n3", "m1", "hospital", "m2", "n4"):
        call(world, key)
    outage = Outage.objects.get(status__in=("predicted",))
    assert outage.device == world.devices["S1"]  # T1 and T2 out: rolled up
    outage = outage_confirm(actor=world.users["dispatcher"], outage=outage, cause="开关故障", etr=later(),
                            provider=world.providers["a"])
    call(world, "n1")  # n1 calls again: one callback per caller, not per call
    report = outage_restore(actor=world.users["dispatcher"], outage=outage, note="已更换开关")
    outage.refresh_from_db()
    assert outage.status == OutageStatus.RESTORED and outage.closed_by == world.users["dispatcher"]
    linked_requests = ServiceRequest.objects.filter(pk__in=FaultCall.objects.filter(outage=outage)
                                                    .values("request"))
    assert linked_requests.count() == report.requests_resolved >= 2
    assert set(linked_requests.values_list("status", flat=True)) == {RequestStatus.RESOLVED}
    callbacks = Callback.objects.filter(source=outage.reference)
    assert report.callbacks == callbacks.count() == 7
    assert (callbacks.get(customer=world.customers["hospital"]).assigned_to
            == world.users["key_account_manager"])
    assert set(callbacks.exclude(customer=world.customers["hospital"]).values_list("assigned_to",
                                                                                   flat=True)) == {
        world.users["agent"].pk}
    assert not callbacks.filter(assigned_to=away).exists()
    messages = OutboundMessage.objects.filter(source=outage.reference, text__contains="restored")
    assert messages.count() == report.messages == 7
    ids = list(messages.values_list("pk", flat=True))
    assert messages_send(ids) == 7
    assert set(OutboundMessage.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"sent"}
    # The agent calls back: the callback is done and an outbound contact is recorded.
    callback = callbacks.exclude(customer=world.customers["hospital"]).first()
    callback_complete(callback=callback, actor=world.users["agent"], reached=True, result="客户确认已来电")
    callback.refresh_from_db()
    assert callback.status == Callback.Status.DONE
    assert ContactRecord.objects.filter(direction="out", customer=callback.customer).exists()
    with pytest.raises(ActionNotAllowed):
        callback_complete(callback=callbacks.get(customer=world.customers["hospital"]),
                          actor=world.users["agent"],
                          reached=True)
    # A call after restoration is not linked to the restored outage.
    assert call(world, "n6").outage != outage


@pytest.mark.django_db
def test_restore_only_confirmed_and_only_by_dispatchers(world):
    for key in ("n1", "n2", "n3"):
        call(world, key)
    outage = Outage.objects.get()
    with pytest.raises(Conflict):
        outage_restore(actor=world.users["dispatcher"], outage=outage)
    for name in ("agent", "provider_a_staff", "customer_user"):
        with pytest.raises(ActionNotAllowed):
            outage_confirm(actor=world.users[name], outage=outage, cause="x", etr=later())
    with pytest.raises(ValidationFailed) as error:
        outage_confirm(actor=world.users["dispatcher"], outage=outage, cause="", etr=None)
    assert {"cause"} <= set(error.value.errors) or {"etr"} <= set(error.value.errors)


@pytest.mark.django_db
def test_gateway_failure_is_kept_on_the_message(world, settings):
    settings.SERVICEDESK_SMS_GATEWAY = "servicedesk.contacts.gateways.FailingGateway"
    for key in ("n1", "n2", "n3"):
        call(world, key)
    outage = outage_confirm(actor=world.users["dispatcher"], outage=Outage.objects.get(), cause="x",
                            etr=later())
    ids = list(OutboundMessage.objects.filter(source=outage.reference).values_list("pk", flat=True))
    assert messages_send(ids) == 0
    assert set(OutboundMessage.objects.filter(pk__in=ids).values_list("status", "error")) == {
        ("failed", "gateway unavailable")}


@pytest.mark.django_db
def test_leak_affected_area_and_estimated_completion_are_told_to_callers(world):
    """003 §8.2: a leak is recorded with the reporter's phone and exact location, routed by DN, and
    the supply area its repair cuts (a pipe segment) and the estimated completion reach callers."""
    with pytest.raises(ValidationFailed) as error:
        request_create(actor=world.users["agent"], request_type="leak", reporter_kind="unidentified",
                       location="后海大道与创业路口", district="南山区", attributes={"dn": 100})
    assert "reporter_phone" in error.value.errors
    leak = request_create(actor=world.users["agent"], request_type="leak", reporter_kind="non_customer",
                          reporter_name="路人", reporter_phone="13600001111",
                          location="后海大道与创业路口东北角", district="南山区", attributes={"dn": 100})
    assert leak.responsible_unit == world.units["office_nanshan"]  # DN ≤ 150: the local business office
    etr = later(4)
    outage = outage_declare(actor=world.users["office_dispatcher"], device=world.devices["P1"],
                            cause="DN100管道抢修停水", etr=etr, origin=Outage.Origin.LEAK, request=leak)
    leak.refresh_from_db()
    assert leak.estimated_completion_at == etr
    call = FaultCallInput(service_point=world.points["w1"], customer=world.customers["w1"],
                          reporter_phone="13600002222")
    result = fault_call_take(call, actor=world.users["agent"])
    assert result.outcome == Outcome.OUTAGE_LINKED and result.outage == outage
    assert "DN100管道抢修停水" in result.tell
    assert ServiceRequest.objects.count() == 1


@pytest.mark.django_db
def test_OUT3_calls_are_counted_when_read_on_the_board_the_outage_and_the_admin(world, client):
    """No counter is written by the callers: every reader counts the linked calls."""
    from servicedesk.outages.selectors import outage_board

    for key in ("n1", "n2", "n3", "n4"):
        call(world, key)
    outage = Outage.objects.get()
    assert outage.call_count == 4 and outage.first_call_at <= outage.last_call_at
    assert [(o.pk, o.call_count) for o in outage_board(world.users["dispatcher"])] == [(outage.pk, 4)]
    call(world, "n5")
    outage.refresh_from_db()
    assert outage.call_count == 5
    admin = world.users["administrator"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    page = client.get("/admin/outages/outage/")
    assert page.status_code == 200 and '<td class="field-call_count">5</td>' in page.content.decode()


@pytest.mark.django_db
def test_OUT3_an_inference_share_over_100_percent_is_refused_in_the_admin(world, client):
    """The administrator's form names the field; the rule keeps its values."""
    from servicedesk.outages.models import InferenceRule

    rule = InferenceRule.objects.get(device_kind="section")
    admin = world.users["administrator"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    page = client.post(f"/admin/outages/inferencerule/{rule.pk}/change/", {
        "device_kind": "section", "min_service_points": 5, "min_service_points_percent": 0, "min_children": 2,
        "min_children_percent": 150, "window_minutes": 120, "active": "on"})
    assert page.status_code == 200
    errors = page.context["adminform"].form.errors
    assert list(errors) == ["min_children_percent"]
    rule.refresh_from_db()
    assert rule.min_children_percent == 0
