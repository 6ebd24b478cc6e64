"""When a running clock shows "at risk" (issue 10 item 2; SLA-3, SLA-4): relative to its target, as
data on the target, never from the first second.

The report: any 1-hour target showed "near breach" as soon as it was created, since the rule was
"due within an hour, or 75 % used". The rule now: the target's share used (75 % by default) or its
margin left (an hour by default), whichever comes first, but never before half the limit.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicedesk.sla.calendar import WorkingCalendar, working_time_between
from servicedesk.sla.engine import TargetSpec, at_risk_used, clock_compute
from servicedesk.sla.selectors import Tone, clock_tone
from servicedesk.sla.subjects import SubjectEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOTLINE = WorkingCalendar.around_the_clock()
DESK = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30")
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def _spec(minutes: int, percent: int = 75, margin_minutes: int = 60) -> TargetSpec:
    return TargetSpec(id=1, start_event="created", stop_event="resolved", pause_statuses=(),
                      duration=datetime.timedelta(minutes=minutes), working_days=None, thresholds=(),
                      at_risk_percent=percent, at_risk_margin=datetime.timedelta(minutes=margin_minutes))


def _created(at: datetime.datetime) -> list[SubjectEvent]:
    return [SubjectEvent(at=at, action="created", from_status="", to_status="new")]


@pytest.mark.parametrize(("minutes", "at_risk_after"), [
    (15, 7.5), (60, 30), (90, 45), (120, 60), (240, 180), (12 * 60, 9 * 60), (24 * 60, 18 * 60),
])
def test_default_rule_relative_to_the_target(minutes, at_risk_after):
    """A 1-hour target turns at risk after 30 minutes (half), a 2-hour one with an hour left, a
    24-hour one at 75 % used."""
    clock = clock_compute(_spec(minutes), HOTLINE, _created(START), START)
    assert clock is not None
    assert clock.at_risk_at == START + datetime.timedelta(minutes=at_risk_after)
    assert clock_tone(clock.state, clock.at_risk_at, int((clock.due_at - START).total_seconds()), START) \
        == Tone.ON_TRACK


def test_the_rule_is_data_on_the_target():
    """An administrator's share of 50 % and no margin: at risk at half of a 24-hour limit."""
    clock = clock_compute(_spec(24 * 60, percent=50, margin_minutes=0), HOTLINE, _created(START), START)
    assert clock is not None and clock.at_risk_at == START + datetime.timedelta(hours=12)


def test_working_time_rule_follows_the_calendar():
    """On the desk calendar, 75 % of 8 working hours is reached after the lunch break of the next
    day, not 6 wall-clock hours later."""
    start = datetime.datetime(2026, 3, 2, 15, 30, tzinfo=SHANGHAI)  # a Monday: 2 working hours left today
    clock = clock_compute(_spec(8 * 60), DESK, _created(start), start)
    assert clock is not None
    assert clock.at_risk_at == datetime.datetime(2026, 3, 3, 14, 0, tzinfo=SHANGHAI)  # 2 h + 3.5 h + 0.5 h


@settings(deadline=None, max_examples=300)
@given(st.integers(min_value=1, max_value=10 * 24 * 60), st.integers(min_value=1, max_value=100),
       st.integers(min_value=0, max_value=24 * 60), st.sampled_from([HOTLINE, DESK]),
       st.datetimes(min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2026, 10, 31),
                    timezones=st.just(SHANGHAI)))
def test_never_at_risk_before_half_the_limit_nor_after_the_due_time(minutes, percent,
                                                                    margin, calendar, start):
    """Property: for any target and any start, the at-risk instant lies between half the limit used
    and the due time, so a new clock is never at risk in its first second."""
    spec = _spec(minutes, percent, margin)
    clock = clock_compute(spec, calendar, _created(start), start)
    assert clock is not None and clock.at_risk_at is not None and clock.due_at is not None
    assert clock.at_risk_at <= clock.due_at
    used = working_time_between(calendar, start, clock.at_risk_at).total_seconds()
    assert used == at_risk_used(spec, minutes * 60)
    assert minutes * 60 // 2 <= used or used == minutes * 60 * percent // 100
    assert used >= min(minutes * 60 * percent // 100, minutes * 60 // 2)
    assert clock_tone(clock.state, clock.at_risk_at, None, start) == Tone.ON_TRACK or used == 0


@pytest.mark.django_db
def test_queue_lists_a_new_one_hour_clock_at_risk_only_after_half_an_hour(world):
    """Issue 10 item 2: the dispatcher's at-risk view (stored ``at_risk_at``) agrees with the rule."""
    import time_machine

    from servicedesk.sla.models import Calendar, Policy, Target
    from servicedesk.sla.selectors import at_risk_timers
    from servicedesk.tickets.services import request_create

    hotline = Calendar.objects.create(code="24x7", name="7×24",
                                      kind=Calendar.Kind.AROUND_THE_CLOCK, windows="")
    policy = Policy.objects.create(name="抢修", applies_to="request", request_type=world.types["leak"])
    Target.objects.create(policy=policy, kind="triage_dispatch", calendar=hotline, duration_minutes=60,
                          stop_event="dispatched")
    with time_machine.travel(START, tick=False):
        request = request_create(actor=world.users["agent"], request_type=world.types["leak"],
                                 service_point=world.points["alice"], attributes={"dn": 100})
    minute = datetime.timedelta(minutes=1)
    assert not at_risk_timers("request", START + minute).filter(subject_id=request.pk).exists()
    assert not at_risk_timers("request", START + 29 * minute).filter(subject_id=request.pk).exists()
    assert at_risk_timers("request", START + 31 * minute).filter(subject_id=request.pk).exists()
