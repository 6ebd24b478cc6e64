"""The complaint's life through the services: taken, repeated, major, split, answered, reopened
until satisfied (CMP-1..CMP-6), with its clocks and history."""

from decimal import Decimal

import pytest

from servicedesk.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintPart,
    ComplaintStatus,
    PartStatus,
    SettlementDeduction,
)
from servicedesk.complaints.parts import PartInput, complaint_dispatch, part_accept, part_answer
from servicedesk.complaints.refunds import refund_record
from servicedesk.complaints.resolution import complaint_answer, complaint_close, complaint_customer_opinion
from servicedesk.complaints.services import (
    ComplaintInput,
    complaint_flag_major,
    complaint_take,
    complaint_transfer,
    repeat_preview,
)
from servicedesk.core.exceptions import ActionNotAllowed, Conflict, ValidationFailed
from servicedesk.customers.models import Account
from servicedesk.sla.models import Notification, Timer, TimerState
from servicedesk.tickets.models import Priority, RequestStatus
from servicedesk.tickets.services import request_create, work_order_create


@pytest.fixture
def work_order(desk):
    request = request_create(
        actor=desk.users["agent"],
        request_type=desk.types["leak"],
        service_point=desk.points["alice"],
        attributes={"dn": 100},
    )
    return work_order_create(request=request, actor=desk.users["dispatcher"], provider=desk.providers["b"])


def _take(desk, work_order=None, **extra):
    data = ComplaintInput(
        topic="timeliness",
        description="抢修人员迟迟不到，态度敷衍",
        customer=desk.customers["alice"],
        service_point=desk.points["alice"],
        against="provider" if work_order else "utility",
        about_work_order=work_order,
        **extra,
    )
    return complaint_take(data, actor=desk.users["agent"])


def test_complaint_about_a_work_order_names_the_provider_and_owner_CMP_1_CMP_4(desk, work_order):
    complaint = _take(desk, work_order)
    assert complaint.provider == desk.providers["b"]
    assert complaint.about_request == work_order.request
    assert complaint.owner == desk.users["agent"] and complaint.owner_unit == desk.units["hotline"]
    assert complaint.request.request_type == desk.types["complaint"]
    assert complaint.request.attributes == {"about": "timeliness"}
    kinds = {
        t.target.kind: t.state
        for t in Timer.objects.filter(subject_type="request", subject_id=complaint.request_id)
    }
    assert kinds == {"reply": TimerState.RUNNING, "resolution": TimerState.RUNNING}
    assert ComplaintEvent.objects.filter(complaint=complaint, action="take").count() == 1


def test_a_complaint_against_a_provider_must_name_it_CMP_1(desk):
    with pytest.raises(ValidationFailed) as refused:
        complaint_take(
            ComplaintInput(
                topic="attitude", description="态度差", customer=desk.customers["alice"], against="provider"
            ),
            actor=desk.users["agent"],
        )
    assert "provider_id" in refused.value.errors


def test_second_complaint_about_the_same_work_order_is_a_repeat_and_raises_priority_CMP_2(desk, work_order):
    first = _take(desk, work_order)
    preview = ComplaintInput(
        topic="attitude",
        description="又来投诉",
        customer=desk.customers["alice"],
        about_work_order=work_order,
        against="provider",
    )
    assert repeat_preview(preview) == first
    second = _take(desk, work_order)
    assert second.repeat_of == first and second.repeat_depth == 1
    assert second.request.priority == Priority.NORMAL - 1
    third = _take(desk, work_order)
    assert third.repeat_of == second and third.repeat_depth == 2
    # A repeat of a repeat is major (the default rules), and the desk managers are told at once (CMP-3).
    assert third.major and not second.major
    assert Notification.objects.filter(
        user=desk.users["desk_manager"], link__contains=f"/{third.pk}/"
    ).exists()


def test_the_agent_may_unlink_a_repeat_only_with_a_reason_CMP_2(desk, work_order):
    first = _take(desk, work_order)
    with pytest.raises(ValidationFailed) as refused:
        _take(desk, work_order, not_repeat_of=first.pk)
    assert "not_repeat_reason" in refused.value.errors
    second = _take(desk, work_order, not_repeat_of=first.pk, not_repeat_reason="另一位家人投诉的不同事项")
    assert second.repeat_of is None
    assert ComplaintEvent.objects.filter(complaint=second, action="not_repeat").exists()


def test_words_in_the_description_make_it_major_CMP_3(desk):
    complaint = complaint_take(
        ComplaintInput(topic="billing", description="再不处理我就找媒体曝光", customer=desk.customers["bob"]),
        actor=desk.users["agent"],
    )
    assert complaint.major and complaint.major_at is not None
    flagged = complaint_flag_major(complaint=_take(desk), actor=desk.users["agent"], reason="涉及人身安全")
    assert flagged.major


def test_ownership_passes_only_by_a_team_leads_recorded_act_CMP_4(desk):
    complaint = _take(desk)
    with pytest.raises(ActionNotAllowed):
        complaint_transfer(
            complaint=complaint,
            actor=desk.users["agent"],
            to=desk.users["key_account_manager"],
            reason="转交",
        )
    complaint_transfer(
        complaint=complaint,
        actor=desk.users["team_lead"],
        to=desk.users["key_account_manager"],
        reason="客户是大客户经理跟进的单位",
    )
    complaint.refresh_from_db()
    complaint.request.refresh_from_db()
    assert complaint.owner == desk.users["key_account_manager"]
    assert complaint.request.assignee == desk.users["key_account_manager"]
    event = ComplaintEvent.objects.get(complaint=complaint, action="transfer")
    assert (
        event.actor == desk.users["team_lead"]
        and event.changes["owner"][1] == desk.users["key_account_manager"].pk
    )


def test_joint_dispatch_answers_only_when_every_part_is_then_reopens_until_satisfied_CMP_5_CMP_6(
    desk, work_order
):
    complaint = _take(desk, work_order)
    parts = complaint_dispatch(
        complaint=complaint,
        actor=desk.users["agent"],
        parts=[
            PartInput(provider=desk.providers["b"], urgency="urgent", instructions="核实抢修延误原因"),
            PartInput(unit=desk.units["engineering"], urgency="difficult"),
            PartInput(unit=desk.units["business"], urgency="difficult"),
        ],
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.DISPATCHED and len(parts) == 3
    partner = parts[0]
    clocks = {
        t.target.kind: t for t in Timer.objects.filter(subject_type="complaint_part", subject_id=partner.pk)
    }
    assert set(clocks) == {"triage_dispatch", "reply"}
    assert clocks["reply"].target_seconds == 24 * 3600
    difficult = Timer.objects.get(subject_type="complaint_part", subject_id=parts[1].pk, target__kind="reply")
    assert difficult.target_seconds == 72 * 3600
    # A provider's staff acts only on its own part.
    with pytest.raises(ActionNotAllowed):
        part_accept(part=parts[1], actor=desk.users["provider_b_staff"])
    with pytest.raises(ActionNotAllowed):
        part_accept(part=partner, actor=desk.users["provider_a_staff"])
    part_accept(part=partner, actor=desk.users["provider_b_staff"])
    assert (
        Timer.objects.get(
            subject_type="complaint_part", subject_id=partner.pk, target__kind="triage_dispatch"
        ).state
        == TimerState.MET
    )
    part_answer(part=partner, actor=desk.users["provider_b_staff"], answer="已向客户道歉并当日修复")
    with pytest.raises(Conflict) as waiting:
        complaint_answer(complaint=complaint, actor=desk.users["agent"], result="已处理")
    assert "parts" in waiting.value.errors
    part_answer(part=parts[1], actor=desk.users["dispatcher"], answer="管网已检修")
    with pytest.raises(ActionNotAllowed):
        part_answer(part=parts[2], actor=desk.users["dispatcher"], answer="不是我部门的")
    part_answer(
        part=parts[2], actor=desk.users["team_lead"] if False else _business_member(desk), answer="已减免"
    )
    complaint_answer(
        complaint=complaint, actor=desk.users["agent"], result="已修复并道歉", cause_feedback="抢修队派工延误"
    )
    complaint.refresh_from_db()
    complaint.request.refresh_from_db()
    assert complaint.status == ComplaintStatus.ANSWERED
    assert complaint.request.status == RequestStatus.RESOLVED

    # Not satisfied: reopened, the answered parts sent back to the same parties, counted.
    complaint_customer_opinion(
        complaint=complaint, satisfaction="very_poor", actor=desk.users["agent"], comment="还是没解决"
    )
    complaint.refresh_from_db()
    complaint.request.refresh_from_db()
    assert complaint.status == ComplaintStatus.DISPATCHED and complaint.reopen_count == 1
    assert complaint.request.status == RequestStatus.ACCEPTED
    assert {p.status for p in complaint.parts.all()} == {PartStatus.ACCEPTED}
    assert all(p.reopen_count == 1 for p in complaint.parts.all())
    resolution = Timer.objects.get(
        subject_type="request", subject_id=complaint.request_id, target__kind="resolution"
    )
    assert resolution.state == TimerState.RUNNING
    for part in complaint.parts.all():
        actor = {desk.providers["b"].pk: desk.users["provider_b_staff"]}.get(part.provider_id) or (
            desk.users["dispatcher"] if part.unit == desk.units["engineering"] else _business_member(desk)
        )
        part_answer(part=part, actor=actor, answer="再次核实处理")
    complaint_answer(complaint=complaint, actor=desk.users["agent"], result="再次上门处理")
    complaint_customer_opinion(complaint=complaint, satisfaction="satisfied", actor=desk.users["agent"])
    complaint.refresh_from_db()
    complaint.request.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.satisfaction == "satisfied"
    assert complaint.request.status == RequestStatus.CLOSED
    actions = list(
        ComplaintEvent.objects.filter(complaint=complaint, part=None).values_list("action", flat=True)
    )
    assert actions == ["take", "dispatch", "answer", "reopen", "dispatch", "answer", "close"]


def _business_member(desk):
    from servicedesk.org.models import User
    from servicedesk.org.roles import Role

    return User.objects.get_or_create(
        username="business_clerk", defaults={"role": Role.DISPATCHER, "unit": desk.units["business"]}
    )[0]


def test_a_manager_closes_an_unsatisfied_complaint_with_a_reason_CMP_6(desk):
    complaint = _take(desk)
    complaint_answer(complaint=complaint, actor=desk.users["agent"], result="已解释收费标准")
    with pytest.raises(ActionNotAllowed):
        complaint_close(complaint=complaint, actor=desk.users["team_lead"], reason="客户无理要求")
    complaint_close(
        complaint=complaint, actor=desk.users["desk_manager"], reason="已按政策解释，客户仍不认可"
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.satisfaction == ""


def test_double_refund_and_the_providers_deduction_CMP_7(desk, work_order):
    complaint = _take(desk, work_order)
    account = Account.objects.create(
        number="A0001", customer=desk.customers["alice"], amount_owed=Decimal("50")
    )
    with pytest.raises(ActionNotAllowed):
        refund_record(
            complaint=complaint,
            actor=desk.users["agent"],
            account=account,
            charged_wrongly=Decimal("30"),
            reason="重复收费",
        )
    refund = refund_record(
        complaint=complaint,
        actor=desk.users["team_lead"],
        account=account,
        charged_wrongly=Decimal("30.00"),
        reason="重复收取上门费",
        provider=desk.providers["b"],
    )
    assert refund.amount == Decimal("60.00")
    account.refresh_from_db()
    assert account.amount_owed == Decimal("-10.00")
    deduction = SettlementDeduction.objects.get(refund=refund)
    assert deduction.provider == desk.providers["b"] and deduction.amount == Decimal("60.00")
    other = Account.objects.create(number="A0002", customer=desk.customers["bob"])
    with pytest.raises(ValidationFailed) as refused:
        refund_record(
            complaint=complaint,
            actor=desk.users["team_lead"],
            account=other,
            charged_wrongly=Decimal("1"),
            reason="x",
        )
    assert "account_id" in refused.value.errors


def test_parts_are_refused_twice_to_one_party_and_a_complaint_never_half_saved(desk):
    complaint = _take(desk)
    with pytest.raises(ValidationFailed):
        complaint_dispatch(
            complaint=complaint,
            actor=desk.users["agent"],
            parts=[PartInput(provider=desk.providers["b"]), PartInput(provider=desk.providers["b"])],
        )
    assert not ComplaintPart.objects.exists()
    assert Complaint.objects.get().status == ComplaintStatus.ACCEPTED


def test_the_result_callback_reopens_then_closes_the_complaint_CMP_6(desk):
    """Answering resolves the complaint's request, which asks for a result callback (INT-5); the
    customer's opinion recorded on it reopens the complaint, then closes it when satisfied."""
    from servicedesk.contacts.models import Callback
    from servicedesk.contacts.services import callback_complete

    complaint = _take(desk)
    complaint_answer(complaint=complaint, actor=desk.users["agent"], result="已核实退费")
    callback = Callback.objects.get(request=complaint.request, status=Callback.Status.OPEN)
    agent = callback.assigned_to or desk.users["agent"]
    callback_complete(
        callback=callback,
        actor=agent,
        reached=True,
        satisfaction="very_poor",
        satisfaction_comment="退费金额不对",
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ACCEPTED and complaint.reopen_count == 1
    assert complaint.satisfaction == "very_poor"
    complaint_answer(complaint=complaint, actor=desk.users["agent"], result="已补足差额")
    second = Callback.objects.get(request=complaint.request, status=Callback.Status.OPEN)
    callback_complete(
        callback=second, actor=second.assigned_to or agent, reached=True, satisfaction="satisfied"
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.satisfaction == "satisfied"
