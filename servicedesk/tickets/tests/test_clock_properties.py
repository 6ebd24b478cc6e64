"""Clocks never run after they stopped, and an ended subject has no running clock (SLA-3; issue 10
item 1): properties over random histories walked through the real request and work-order
workflows, and the fault request of the report (dispatched, worked on site, resolved).

The report: a fault request's triage-and-dispatch clock stopped at dispatch, then ran again from
the moment the work order started on site (the request moved to "in progress"), and the resolved
request showed it running and near breach, so the warning sweep would have fired on it.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from servicedesk.sla.calendar import WorkingCalendar
from servicedesk.sla.engine import ENDED_STATUSES, TERMINAL_STATUSES, TargetSpec, clock_compute, event_names
from servicedesk.sla.models import Calendar, Policy, Target, Timer, TimerState
from servicedesk.sla.selectors import at_risk_timers, subject_clocks
from servicedesk.sla.subjects import SubjectEvent
from servicedesk.tickets.models import RequestStatus, WorkOrderStatus
from servicedesk.tickets.services import (
    request_create,
    request_transition,
    work_order_create,
    work_order_transition,
)
from servicedesk.tickets.workflow import REQUEST_TRANSITIONS, WORK_ORDER_TRANSITIONS, Transition

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOTLINE = WorkingCalendar.around_the_clock()
DESK = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30")
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
OPEN_STATES = {"running", "paused", "breached"}

WORKFLOWS: dict[str, tuple[str, dict[str, Transition]]] = {
    "request": (RequestStatus.NEW, REQUEST_TRANSITIONS),
    "work_order": (WorkOrderStatus.ISSUED, WORK_ORDER_TRANSITIONS),
}
# Names a target may start, stop or restart at: the workflows' actions and statuses.
ALL_NAMES = sorted({"created"} | {a for _s, table in WORKFLOWS.values() for a in table}
                   | {t.target for _s, table in WORKFLOWS.values() for t in table.values()})


@st.composite
def histories(draw: st.DrawFn) -> tuple[str, list[SubjectEvent]]:
    """A subject's history: created, then up to 14 legal transitions a few minutes to hours apart."""
    subject_type = draw(st.sampled_from(sorted(WORKFLOWS)))
    status, table = WORKFLOWS[subject_type]
    at = START
    events = [SubjectEvent(at=at, action="created", from_status="", to_status=status)]
    for _ in range(draw(st.integers(min_value=0, max_value=14))):
        legal = sorted(action for action, t in table.items() if status in t.sources)
        if not legal:
            break
        action = draw(st.sampled_from(legal))
        at += datetime.timedelta(minutes=draw(st.integers(min_value=1, max_value=600)))
        events.append(SubjectEvent(at=at, action=action, from_status=status, to_status=table[action].target))
        status = table[action].target
    return subject_type, events


@st.composite
def targets(draw: st.DrawFn) -> TargetSpec:
    names = st.lists(st.sampled_from(ALL_NAMES), min_size=1, max_size=3).map(", ".join)
    return TargetSpec(
        id=1, start_event=draw(st.sampled_from(["created", "created", "reopen", "accepted", "dispatched"])),
        stop_event=draw(names), restart_event=draw(st.one_of(st.just(""), names)),
        pause_statuses=tuple(draw(st.sampled_from([(), ("waiting",)]))),
        duration=datetime.timedelta(minutes=draw(st.sampled_from([15, 60, 240, 1440]))), working_days=None,
        thresholds=((75, "owner"), (100, "team_lead")),
    )


def _named(event: SubjectEvent, names: str) -> bool:
    wanted = event_names(names)
    return event.action in wanted or event.to_status in wanted


checked = settings(deadline=None, max_examples=300)


@checked
@given(histories(), targets(), st.sampled_from([HOTLINE, DESK]), st.integers(min_value=0, max_value=3000))
def test_an_ended_subject_has_no_running_clock(history, spec, calendar, minutes_later):
    """SLA-3: whatever the history, a resolved, closed, completed or cancelled subject has no clock
    running, paused or breached, at any later moment; and no running clock has an at-risk or warning
    instant left once stopped."""
    _subject_type, events = history
    now = events[-1].at + datetime.timedelta(minutes=minutes_later)
    clock = clock_compute(spec, calendar, events, now)
    if clock is None:
        return
    if events[-1].to_status in ENDED_STATUSES | TERMINAL_STATUSES:
        assert clock.state not in OPEN_STATES, (clock.state, events)
        assert clock.stopped_at is not None and clock.stopped_at <= events[-1].at
    if clock.state not in OPEN_STATES:
        assert clock.next_warning_at is None and clock.at_risk_at is None and clock.segments[-1].end is None


@checked
@given(histories(), targets(), st.sampled_from([HOTLINE, DESK]))
def test_a_stopped_clock_runs_again_only_at_a_configured_restart(history, spec, calendar):
    """SLA-3: after the clock's first stop (its stop event, or the subject ending), a stopped span
    ends only at an event named by the target's restart event (then the clock runs, and may pause
    and resume, until it stops again); with none configured it never runs again."""
    _subject_type, events = history
    now = events[-1].at + datetime.timedelta(minutes=5)
    clock = clock_compute(spec, calendar, events, now)
    if clock is None:
        return
    start = next(i for i, e in enumerate(events) if _named(e, spec.start_event))
    first_stop = next((e.at for e in events[start:]
                       if _named(e, spec.stop_event)
                       or e.to_status in ENDED_STATUSES | TERMINAL_STATUSES), None)
    if first_stop is None:
        return
    restarts = {e.at for e in events if spec.restart_event and _named(e, spec.restart_event)}
    stopped = [s for s in clock.segments if s.kind in ("stopped", "cancelled")]
    assert stopped and stopped[0].start == first_stop
    for segment in stopped:
        assert segment.end is None or segment.end in restarts, (segment, spec, events)
    if not any(at > first_stop for at in restarts):
        assert clock.stopped_at == first_stop
        assert all(s.start < first_stop for s in clock.segments if s.kind in ("running", "paused"))


def test_restarted_clock_stops_again_at_its_stop_event():
    """SLA-3: a reopen configured as the restart runs the resolution clock again from the reopening,
    without the resolved span, until the next resolution."""
    spec = TargetSpec(id=1, start_event="created", stop_event="resolved",
                      restart_event="reopen", pause_statuses=(),
                      duration=datetime.timedelta(hours=24), working_days=None, thresholds=())
    hours = [START + datetime.timedelta(hours=n) for n in range(6)]
    events = [SubjectEvent(hours[0], "created", "", "new"),
              SubjectEvent(hours[1], "accept", "new", "accepted"),
              SubjectEvent(hours[2], "resolve", "accepted", "resolved"),
              SubjectEvent(hours[3], "reopen", "resolved", "accepted"),
              SubjectEvent(hours[4], "resolve", "accepted", "resolved")]
    clock = clock_compute(spec, HOTLINE, events, hours[5])
    assert clock is not None and clock.state == "met" and clock.stopped_at == hours[4]
    assert clock.used_seconds == 3 * 3600  # 9–11 and 12–13: the resolved hour is not counted


# -- the fault request of the report, through the real services --------------------------------------


@pytest.fixture
def fault_policy(world):
    """The demo's emergency-repair service levels: dispatch within 1 hour (again after a return to
    the queue), resolution within 24 hours, around the clock."""
    hotline = Calendar.objects.create(code="24x7", name="7×24",
                                      kind=Calendar.Kind.AROUND_THE_CLOCK, windows="")
    policy = Policy.objects.create(name="抢修", applies_to="request", request_type=world.types["leak"])
    Target.objects.create(policy=policy, kind="triage_dispatch", calendar=hotline, duration_minutes=60,
                          stop_event="dispatched", restart_event="return")
    Target.objects.create(policy=policy, kind="resolution", calendar=hotline, duration_minutes=24 * 60,
                          stop_event="resolved", pause_statuses=["waiting"])
    return policy


def _timer(request, kind):
    return Timer.objects.get(subject_type="request", subject_id=request.pk, target__kind=kind)


@pytest.mark.django_db
def test_dispatch_clock_stays_stopped_when_the_crew_starts_on_site(world, fault_policy):
    """Issue 10 item 1, SLA-3: dispatched at 20 minutes, the crew starts on site, the request is
    resolved: the triage-and-dispatch clock stays met, stopped at the dispatch; no clock runs on the
    resolved request, none is listed at risk, and the page shows none running."""
    travel = time_machine.travel(START, tick=False)
    with travel as clock:
        request = request_create(actor=world.users["agent"], request_type=world.types["leak"],
                                 service_point=world.points["alice"], attributes={"dn": 100})
        clock.shift(datetime.timedelta(minutes=20))
        order = work_order_create(request=request, actor=world.users["dispatcher"],
                                  provider=world.providers["a"])
        dispatched_at = START + datetime.timedelta(minutes=20)
        clock.shift(datetime.timedelta(minutes=40))
        staff = world.users["provider_a_staff"]
        work_order_transition(work_order=order, action="accept", actor=staff)
        clock.shift(datetime.timedelta(minutes=30))
        work_order_transition(work_order=order, action="start", actor=staff)
        triage = _timer(request, "triage_dispatch")
        assert (triage.state, triage.stopped_at, triage.at_risk_at) == (TimerState.MET, dispatched_at, None)
        clock.shift(datetime.timedelta(hours=2))
        work_order_transition(work_order=order, action="complete", actor=staff, reason="更换阀门")
        request.refresh_from_db()
        if request.status != RequestStatus.RESOLVED:
            request_transition(request=request, action="resolve",
                               actor=world.users["dispatcher"], reason="已修复")
        clock.shift(datetime.timedelta(hours=1))
        states = dict(Timer.objects.filter(subject_type="request", subject_id=request.pk)
                      .values_list("target__kind", "state"))
        assert states == {"triage_dispatch": TimerState.MET, "resolution": TimerState.MET}
        assert _timer(request, "triage_dispatch").stopped_at == dispatched_at
        assert not at_risk_timers("request",
                                  START + datetime.timedelta(hours=5)).filter(subject_id=request.pk)
        assert {view.state for view in subject_clocks("request", request.pk)} == {TimerState.MET}


@pytest.mark.django_db
def test_dispatch_clock_runs_again_when_the_request_returns_to_the_queue(world, fault_policy):
    """SLA-3: the restart is configured (``return``): the only work order declined sends the request
    back to the dispatcher, whose dispatch clock runs again from the return, without the dispatched
    span."""
    with time_machine.travel(START, tick=False) as clock:
        request = request_create(actor=world.users["agent"], request_type=world.types["leak"],
                                 service_point=world.points["alice"], attributes={"dn": 100})
        clock.shift(datetime.timedelta(minutes=10))
        order = work_order_create(request=request, actor=world.users["dispatcher"],
                                  provider=world.providers["a"])
        clock.shift(datetime.timedelta(minutes=30))
        work_order_transition(work_order=order, action="decline", actor=world.users["provider_a_staff"],
                              reason="无此工种")
        request.refresh_from_db()
        if request.status == RequestStatus.DISPATCHED:
            request_transition(request=request, action="return",
                               actor=world.users["dispatcher"], reason="重新派单")
        clock.shift(datetime.timedelta(minutes=15))
        triage = _timer(request, "triage_dispatch")
        assert triage.state == TimerState.RUNNING and triage.stopped_at is None
        assert triage.due_at == START + datetime.timedelta(minutes=60 + 30)  # the dispatched span excluded
