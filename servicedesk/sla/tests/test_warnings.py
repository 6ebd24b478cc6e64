"""Warnings and escalation at 75 / 100 / 150 % of a target, each fired exactly once (SLA-4), and
the e-mail of the notifications sent once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from servicedesk.sla.models import Calendar, Notification, Policy, Target, Timer, TimerState, TimerWarning
from servicedesk.sla.services import notifications_email, timers_sync, warnings_sweep
from servicedesk.tickets.services import request_create, request_transition

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def triage_policy(world):
    """Triage and dispatch of a leak within 1 hour, 7×24: warnings at 09:45, 10:00 and 10:30 for a
    request created at 09:00."""
    clock = Calendar.objects.create(code="24x7", name="7×24", kind=Calendar.Kind.AROUND_THE_CLOCK, windows="")
    policy = Policy.objects.create(name="报漏", applies_to="request", request_type=world.types["leak"])
    Target.objects.create(policy=policy, kind="triage_dispatch", calendar=clock, duration_minutes=60,
                          stop_event="dispatched")
    return policy


def _leak(world):
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        return request_create(actor=world.users["agent"], request_type=world.types["leak"],
                              service_point=world.points["alice"], attributes={"dn": 100})


def _sweep(*when: int):
    with time_machine.travel(at(*when), tick=False):
        return warnings_sweep()


def _inbox(user):
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_thresholds_fire_once_each_to_the_owner_then_the_team_lead_then_the_desk_manager(world,
                                                                                         triage_policy):
    """SLA-4: 75 % → the owner (the agent who took the call), 100 % → the unit's team lead,
    150 % → the desk managers; each exactly once, whatever the number of sweeps."""
    request = _leak(world)
    agent, lead, manager = world.users["agent"], world.users["team_lead"], world.users["desk_manager"]
    timer = Timer.objects.get(subject_id=request.pk)
    assert (timer.next_warning_percent, timer.next_warning_at) == (75, at(2026, 3, 2, 9, 45))

    assert _sweep(2026, 3, 2, 9, 44).warnings == 0
    report = _sweep(2026, 3, 2, 9, 46)
    assert (report.warnings, report.notifications) == (1, 1)
    assert len(_inbox(agent)) == 1 and _inbox(lead) == [] and _inbox(manager) == []
    timer.refresh_from_db()
    assert (timer.next_warning_percent, timer.next_warning_at, timer.state) == (
        100, at(2026, 3, 2, 10, 0), TimerState.RUNNING)
    assert _sweep(2026, 3, 2, 9, 50).warnings == 0  # a re-run fires nothing more

    report = _sweep(2026, 3, 2, 10, 1)
    assert report.warnings == 1 and report.breached == 1
    assert len(_inbox(lead)) == 1 and len(_inbox(agent)) == 1
    timer.refresh_from_db()
    assert timer.state == TimerState.BREACHED and timer.next_warning_percent == 150

    # A change of the request recomputes the timer from history: fired percents stay fired.
    with time_machine.travel(at(2026, 3, 2, 10, 10), tick=False):
        request_transition(request=request, action="accept", actor=agent)
    timer.refresh_from_db()
    assert timer.next_warning_percent == 150 and timer.next_warning_at == at(2026, 3, 2, 10, 30)

    assert _sweep(2026, 3, 2, 10, 31).warnings == 1
    assert len(_inbox(manager)) == 1
    for minute in (32, 40, 59):
        assert _sweep(2026, 3, 2, 10, minute).warnings == 0
    timer.refresh_from_db()
    assert timer.next_warning_at is None and timer.next_warning_percent is None
    fired = list(TimerWarning.objects.filter(timer=timer).values_list("percent", "notify", "recipients"))
    assert fired == [(75, "owner", [agent.pk]), (100, "team_lead", [lead.pk]),
                     (150, "desk_manager", [manager.pk])]
    assert Notification.objects.count() == 3


def test_a_late_first_sweep_fires_every_threshold_passed_once(world, triage_policy):
    """SLA-4: a worker that was down catches up: three warnings, once each, in one pass."""
    request = _leak(world)
    report = _sweep(2026, 3, 2, 11, 0)
    assert (report.warnings, report.breached) == (3, 1)
    assert _sweep(2026, 3, 2, 11, 5).warnings == 0
    percents = TimerWarning.objects.filter(timer__subject_id=request.pk).values_list("percent", flat=True)
    assert sorted(percents) == [
        75, 100, 150]


def test_a_stopped_clock_warns_no_more(world, triage_policy):
    request = _leak(world)
    _sweep(2026, 3, 2, 9, 46)
    with time_machine.travel(at(2026, 3, 2, 9, 50), tick=False):
        request_transition(request=request, action="accept", actor=world.users["agent"])
        request_transition(request=request, action="dispatch", actor=world.users["dispatcher"])
    assert Timer.objects.get(subject_id=request.pk).state == TimerState.MET
    assert _sweep(2026, 3, 2, 12, 0).warnings == 0
    assert TimerWarning.objects.count() == 1


def test_the_unique_constraint_is_the_arbiter_when_a_stale_row_asks_again(world, triage_policy):
    """SLA-4: a timer whose next warning was written back by a concurrent recomputation that had not
    seen the warning yet asks for it again; the insert conflicts and nobody is notified twice."""
    request = _leak(world)
    _sweep(2026, 3, 2, 9, 46)
    Timer.objects.filter(subject_id=request.pk).update(next_warning_percent=75,
                                                       next_warning_at=at(2026, 3, 2, 9, 45))
    report = _sweep(2026, 3, 2, 9, 47)
    assert (report.timers, report.warnings, report.notifications) == (1, 0, 0)
    assert Notification.objects.count() == 1
    assert Timer.objects.get(subject_id=request.pk).next_warning_percent == 100


def test_each_notification_is_mailed_once(world, triage_policy, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for name in ("agent", "team_lead", "desk_manager"):
        world.users[name].email = f"{name}@example.cn"
        world.users[name].save(update_fields=["email"])
    _leak(world)
    _sweep(2026, 3, 2, 11, 0)
    assert notifications_email() == 3
    assert notifications_email() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["agent@example.cn", "desk_manager@example.cn",
                                                    "team_lead@example.cn"]
    assert Notification.objects.filter(email_sent_at__isnull=True).count() == 0


def test_a_notification_claimed_by_another_worker_is_not_mailed(world, triage_policy, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.users["agent"].email = "agent@example.cn"
    world.users["agent"].save(update_fields=["email"])
    _leak(world)
    _sweep(2026, 3, 2, 9, 46)
    Notification.objects.update(email_claimed_at=at(2026, 3, 2, 9, 46))
    assert notifications_email() == 0 and mail.outbox == []


def test_a_mail_error_is_raised_not_swallowed(world, triage_policy, settings):
    settings.EMAIL_BACKEND = "servicedesk.sla.tests.test_warnings.FailingBackend"
    world.users["agent"].email = "agent@example.cn"
    world.users["agent"].save(update_fields=["email"])
    _leak(world)
    _sweep(2026, 3, 2, 9, 46)
    with pytest.raises(ConnectionRefusedError):
        notifications_email()
    # Claimed and not sent: never mailed twice, visible in the admin.
    assert list(Notification.objects.values_list("email_sent_at", flat=True)) == [None]
    assert Notification.objects.filter(email_claimed_at__isnull=False).count() == 1


class FailingBackend:
    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


def test_timers_sync_keeps_fired_thresholds(world, triage_policy):
    request = _leak(world)
    _sweep(2026, 3, 2, 9, 46)
    with time_machine.travel(at(2026, 3, 2, 9, 47), tick=False):
        timers_sync(subject_type="request", subject_id=request.pk)
    assert Timer.objects.get(subject_id=request.pk).next_warning_percent == 100
