"""Timers on requests and work orders, derived from their history (SLA-2, SLA-3)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from servicedesk.sla.models import Calendar, Policy, Target, Timer, TimerState
from servicedesk.sla.services import timers_sync
from servicedesk.sla.subjects import subject_adapter
from servicedesk.tickets.services import request_create, request_transition, request_update

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def office_hours(db):
    return Calendar.objects.create(code="office", name="工作日", kind=Calendar.Kind.WORKING_HOURS,
                                   windows="08:30-12:00, 13:30-17:30", weekdays=[0, 1, 2, 3, 4])


@pytest.fixture
def around_the_clock(db):
    return Calendar.objects.create(code="24x7", name="7×24", kind=Calendar.Kind.AROUND_THE_CLOCK, windows="")


@pytest.fixture
def leak_policy(world, office_hours, around_the_clock):
    """The seeds' leak service levels: triage within 1 hour (7×24), resolution within 24 working hours."""
    policy = Policy.objects.create(name="报漏", applies_to="request", request_type=world.types["leak"])
    Target.objects.create(policy=policy, kind="triage_dispatch", calendar=around_the_clock,
                          duration_minutes=60,
                          stop_event="dispatched")
    Target.objects.create(policy=policy, kind="resolution", calendar=office_hours, duration_minutes=24 * 60,
                          stop_event="resolved", pause_statuses=["waiting"], restart_event="reopen")
    return policy


def _leak(world, dn=100):
    return request_create(actor=world.users["agent"], request_type=world.types["leak"],
                          service_point=world.points["alice"], attributes={"dn": dn})


def _timers(request):
    return {t.target.kind: t for t in Timer.objects.filter(subject_type="request", subject_id=request.pk)
            .select_related("target")}


def test_creating_a_request_starts_every_clock_of_its_policy(world, leak_policy):
    """SLA-2, SLA-3; a Friday evening before Spring Festival: 24 working hours run to Thursday 02-26."""
    with time_machine.travel(at(2026, 2, 13, 18, 45), tick=False):
        request = _leak(world)
    timers = _timers(request)
    assert timers["triage_dispatch"].due_at == at(2026, 2, 13, 19, 45)
    # Saturday 02-14 is a make-up working day; 02-15..02-23 are the holiday; 02-28 is also a make-up day.
    assert timers["resolution"].due_at == at(2026, 2, 26, 10, 0)
    assert {t.state for t in timers.values()} == {TimerState.RUNNING}


def test_waiting_for_the_customer_pauses_the_clock_and_resuming_moves_the_due_time(world, leak_policy):
    """SLA-3: paused while waiting; the due time moves by exactly the working time paused."""
    agent = world.users["agent"]
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):  # Monday
        request = _leak(world)
        request_transition(request=request, action="accept", actor=agent)
    before = _timers(request)["resolution"].due_at
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        request_transition(request=request, action="wait", actor=agent, reason="等客户确认维修时间")
    paused = _timers(request)["resolution"]
    assert paused.state == TimerState.PAUSED and paused.due_at is None
    assert paused.paused_since == at(2026, 3, 2, 10, 0)
    with time_machine.travel(at(2026, 3, 2, 14, 30), tick=False):  # 3 working hours later (lunch excluded)
        request_transition(request=request, action="resume", actor=agent)
    resumed = _timers(request)["resolution"]
    assert resumed.state == TimerState.RUNNING
    # Due Thursday 10:30 without the pause; 3 working hours later, across the lunch break.
    assert before == at(2026, 3, 5, 10, 30)
    assert resumed.due_at == at(2026, 3, 5, 15, 0)
    assert resumed.used_seconds == 3600  # 09:00–10:00 only


def test_resolving_in_time_is_met_with_the_achieved_level(world, leak_policy):
    agent = world.users["agent"]
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        request = _leak(world)
        request_transition(request=request, action="accept", actor=agent)
    with time_machine.travel(at(2026, 3, 3, 9, 0), tick=False):  # 7.5 working hours later
        request_transition(request=request, action="resolve", actor=agent, reason="已修复")
    timer = _timers(request)["resolution"]
    assert timer.state == TimerState.MET
    assert timer.stopped_at == at(2026, 3, 3, 9, 0)
    assert timer.used_seconds == 7.5 * 3600
    assert timer.achieved_percent == pytest.approx(31.25, abs=0.1)


def test_a_clock_past_its_due_time_is_breached_then_missed(world, leak_policy):
    agent = world.users["agent"]
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        request = _leak(world)
    with time_machine.travel(at(2026, 3, 2, 10, 30), tick=False):
        timers_sync(subject_type="request", subject_id=request.pk)
        assert _timers(request)["triage_dispatch"].state == TimerState.BREACHED
        request_transition(request=request, action="accept", actor=agent)
        request_transition(request=request, action="dispatch", actor=world.users["dispatcher"])
    assert _timers(request)["triage_dispatch"].state == TimerState.MISSED


def test_reopening_runs_the_resolution_clock_again_without_the_resolved_span(world, leak_policy):
    agent = world.users["agent"]
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        request = _leak(world)
        request_transition(request=request, action="accept", actor=agent)
    with time_machine.travel(at(2026, 3, 2, 11, 0), tick=False):
        request_transition(request=request, action="resolve", actor=agent, reason="已处理")
    with time_machine.travel(at(2026, 3, 3, 11, 0), tick=False):
        request_transition(request=request, action="reopen", actor=agent, reason="客户说仍漏水")
    timer = _timers(request)["resolution"]
    assert timer.state == TimerState.RUNNING and timer.stopped_at is None
    assert timer.used_seconds == 2 * 3600  # the day it was resolved does not count


def test_the_clock_explains_itself_from_the_history(world, leak_policy, office_hours):
    agent = world.users["agent"]
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        request = _leak(world)
        request_transition(request=request, action="accept", actor=agent)
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        request_transition(request=request, action="wait", actor=agent, reason="等第三方燃气公司")
    with time_machine.travel(at(2026, 3, 2, 11, 0), tick=False):
        request_transition(request=request, action="resume", actor=agent)
    from servicedesk.sla.config import sla_config
    from servicedesk.sla.engine import clock_compute, spec_from_target

    target = leak_policy.targets.get(kind="resolution")
    clock = clock_compute(spec_from_target(target), sla_config().calendar(office_hours.pk),
                          subject_adapter("request").history(request.pk), at(2026, 3, 2, 12, 0))
    assert [(s.kind, s.start, s.end, s.reason) for s in clock.segments] == [
        ("running", at(2026, 3, 2, 9, 0), at(2026, 3, 2, 10, 0), ""),
        ("paused", at(2026, 3, 2, 10, 0), at(2026, 3, 2, 11, 0), "等第三方燃气公司"),
        ("running", at(2026, 3, 2, 11, 0), None, ""),
    ]


def test_the_most_specific_policy_wins(world, office_hours):
    """SLA-2: a policy for urgent leaks beats the general leak policy; order breaks ties."""
    general = Policy.objects.create(name="报漏", applies_to="request", request_type=world.types["leak"])
    urgent = Policy.objects.create(name="紧急报漏", applies_to="request", request_type=world.types["leak"],
                                   priority=1, sort_order=500)
    for policy in (general, urgent):
        Target.objects.create(policy=policy, kind="resolution", calendar=office_hours, duration_minutes=240,
                              stop_event="resolved")
    request = _leak(world, dn=100)
    assert {t.policy_id for t in Timer.objects.filter(subject_id=request.pk)} == {general.pk}
    request_update(request=request, actor=world.users["agent"], priority=1, reason="医院附近")
    # The general policy's clock is set aside (kept with its warnings), the urgent one's runs.
    assert {(t.policy_id, t.state) for t in Timer.objects.filter(subject_id=request.pk)} == {
        (general.pk, TimerState.REPLACED), (urgent.pk, TimerState.RUNNING)}


def test_a_request_without_a_policy_has_no_clock(world, leak_policy):
    request = request_create(actor=world.users["agent"], request_type=world.types["complaint"],
                             customer=world.customers["alice"])
    assert not Timer.objects.filter(subject_id=request.pk).exists()


def test_cancelling_a_request_stops_its_clocks_as_neither_met_nor_missed(world, leak_policy):
    """A cancelled request must not count against anyone, nor stay breached forever."""
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        request = _leak(world)
    with time_machine.travel(at(2026, 3, 2, 11, 0), tick=False):  # triage already overdue
        request_transition(request=request, action="cancel", actor=world.users["agent"], reason="重复报告")
    timers = _timers(request)
    assert {t.state for t in timers.values()} == {TimerState.CANCELLED}
    assert all(t.next_warning_at is None for t in timers.values())


def test_a_clock_may_stop_at_any_of_several_events(world, office_hours):
    """First response is given by accepting, or by dispatching straight from new."""
    policy = Policy.objects.create(name="首次响应", applies_to="request", request_type=world.types["leak"])
    Target.objects.create(policy=policy, kind="first_response", calendar=office_hours, duration_minutes=120,
                          stop_event="accepted, dispatched")
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        request = _leak(world)
    with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
        request_transition(request=request, action="dispatch", actor=world.users["dispatcher"])
    timer = _timers(request)["first_response"]
    assert timer.state == TimerState.MET and timer.used_seconds == 1800
