"""Changing a calendar or a policy recomputes the due times of open timers in the background and
records the change (SLA-5); the admin warns before the official holidays run out (SLA-1)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.checks import run_checks
from huey.contrib.djhuey import HUEY

from servicedesk.sla.changes import acting_user
from servicedesk.sla.checks import checking_command, coverage_warning
from servicedesk.sla.models import Calendar, CalendarOverride, OfficialYear, Policy, SlaChange, Target, Timer
from servicedesk.tickets.services import request_create

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def run_tasks_in_process():
    """The queued task runs at enqueue time (huey's immediate mode): the same task function the
    worker runs, without a worker process (test_worker.py runs the real one)."""
    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture
def office(db):
    return Calendar.objects.create(code="office", name="工作日", kind=Calendar.Kind.WORKING_HOURS,
                                   windows="08:30-12:00, 13:30-17:30", weekdays=[0, 1, 2, 3, 4])


@pytest.fixture
def resolution_policy(world, office):
    policy = Policy.objects.create(name="报漏", applies_to="request", request_type=world.types["leak"])
    target = Target.objects.create(policy=policy, kind="resolution", calendar=office, duration_minutes=8 * 60,
                                   stop_event="resolved")
    return policy, target


def _leak(world):
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):  # Monday
        return request_create(actor=world.users["agent"], request_type=world.types["leak"],
                              service_point=world.points["alice"], attributes={"dn": 100})


def test_a_calendar_override_moves_the_due_time_of_open_timers(world, resolution_policy, office,
                                                               run_tasks_in_process,
                                                               django_capture_on_commit_callbacks):
    """SLA-5: closing Tuesday 03-03 moves the 8-working-hour deadline from Tuesday to Wednesday."""
    request = _leak(world)
    timer = Timer.objects.get(subject_id=request.pk)
    assert timer.due_at == at(2026, 3, 3, 9, 30)
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False), \
            django_capture_on_commit_callbacks(execute=True), acting_user(world.users["administrator"].pk):
        CalendarOverride.objects.create(calendar=office, date=datetime.date(2026, 3, 3), closed=True,
                                        reason="台风停工")
    timer.refresh_from_db()
    assert timer.due_at == at(2026, 3, 4, 9, 30)
    change = SlaChange.objects.get(detail__model="sla.calendaroverride")
    assert change.actor == world.users["administrator"]
    assert change.timers_recomputed == 1 and change.recomputed_at is not None
    assert change.detail["scope"] == {"calendar": office.pk}


def test_a_policy_change_recomputes_its_open_timers_only(world, resolution_policy, office,
                                                         run_tasks_in_process,
                                                         django_capture_on_commit_callbacks):
    policy, target = resolution_policy
    request = _leak(world)
    other = Calendar.objects.create(code="24x7", name="7×24", kind=Calendar.Kind.AROUND_THE_CLOCK, windows="")
    other_policy = Policy.objects.create(name="咨询", applies_to="request",
                                         request_type=world.types["inquiry"])
    other_target = Target.objects.create(policy=other_policy, kind="reply", calendar=other,
                                         duration_minutes=60,
                                         stop_event="resolved")
    with django_capture_on_commit_callbacks(execute=True):
        target.duration_minutes = 16 * 60
        target.save()
    # 16 working hours from Monday 09:00: 7 h on Monday, 7.5 h on Tuesday, 1.5 h on Wednesday.
    assert Timer.objects.get(subject_id=request.pk).due_at == at(2026, 3, 4, 10, 0)
    change = SlaChange.objects.filter(detail__model="sla.target").first()
    assert change.timers_recomputed == 1 and change.actor is None
    with django_capture_on_commit_callbacks(execute=True):
        other_target.duration_minutes = 30
        other_target.save()
    assert SlaChange.objects.filter(detail__pk=other_target.pk).first().timers_recomputed == 0


def test_a_closed_timer_is_not_recomputed(world, resolution_policy, office, run_tasks_in_process,
                                          django_capture_on_commit_callbacks):
    from servicedesk.tickets.services import request_transition

    request = _leak(world)
    with time_machine.travel(at(2026, 3, 2, 11, 0), tick=False):
        request_transition(request=request, action="accept", actor=world.users["agent"])
        request_transition(request=request, action="resolve", actor=world.users["agent"], reason="已修复")
    before = Timer.objects.get(subject_id=request.pk)
    with django_capture_on_commit_callbacks(execute=True):
        CalendarOverride.objects.create(calendar=office, date=datetime.date(2026, 3, 2),
                                        closed=True, reason="x")
    after = Timer.objects.get(subject_id=request.pk)
    assert (after.state, after.used_seconds, after.computed_at) == (before.state, before.used_seconds,
                                                                   before.computed_at)


def test_the_admin_records_the_administrator_and_the_recomputation(world, resolution_policy, office, client,
                                                                   run_tasks_in_process,
                                                                   django_capture_on_commit_callbacks):
    """SLA-5 through the admin: the Calendar form with its override inline."""
    admin = world.users["administrator"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    request = _leak(world)
    client.force_login(admin)
    form = {
        "code": "office", "name": "工作日", "name_en": "", "kind": "working_hours",
        "time_zone": "Asia/Shanghai",
        "windows": "08:30-12:00, 13:30-17:30", "weekdays": "[0, 1, 2, 3, 4]",
        "follows_official_holidays": "on",
        "makeup_day_windows": "",
        "overrides-TOTAL_FORMS": "1", "overrides-INITIAL_FORMS": "0", "overrides-MIN_NUM_FORMS": "0",
        "overrides-MAX_NUM_FORMS": "1000", "overrides-0-date": "2026-03-03", "overrides-0-closed": "on",
        "overrides-0-windows": "", "overrides-0-reason": "台风停工",
    }
    with time_machine.travel(at(2026, 3, 2, 10, 0),
                             tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/sla/calendar/{office.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Timer.objects.get(subject_id=request.pk).due_at == at(2026, 3, 4, 9, 30)
    changes = list(SlaChange.objects.order_by("id").filter(actor=admin)
                   .values_list("detail__model", flat=True))
    assert changes == ["sla.calendar", "sla.calendaroverride"]


def test_the_agent_cannot_reach_the_sla_admin(world, client):
    client.force_login(world.users["agent"])
    assert client.get("/admin/sla/calendar/").status_code == 302  # to the admin login


def test_official_coverage_warning_shows_in_the_admin_and_as_a_system_check(world, client):
    """SLA-1: 60 days before the last known official year ends, administrators are told."""
    admin = world.users["administrator"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    with time_machine.travel(at(2026, 11, 20, 9, 0), tick=False):
        with checking_command():  # the check command (the other commands stay quiet: test_checks.py)
            assert "sla.W001" in [m.id for m in run_checks()]
        page = client.get("/admin/sla/calendar/").content.decode()
        assert "2026-12-31" in page
    with time_machine.travel(at(2027, 1, 5, 9, 0), tick=False):
        assert "2026-12-31" in coverage_warning()
    with time_machine.travel(at(2026, 6, 1, 9, 0), tick=False):
        assert coverage_warning() is None
        with checking_command():
            assert "sla.W001" not in [m.id for m in run_checks()]
    OfficialYear.objects.create(year=2027, holidays="2027-01-01", source="国办发明电〔2026〕N号")
    with time_machine.travel(at(2026, 11, 20, 9, 0), tick=False):
        assert coverage_warning() is None


def test_a_change_whose_recomputation_never_ran_is_caught_up_by_the_sweep(world, resolution_policy):
    """SLA-5 (issue 10 item 1): the engine's rules changed by a migration, which records a change of
    every open clock but cannot enqueue a task; the worker's minute sweep recomputes it once the
    change is two minutes old, and not before (its own task may still be running)."""
    from servicedesk.sla.recompute import sla_recompute_pending

    request = _leak(world)
    # as before the migration
    Timer.objects.filter(subject_id=request.pk).update(at_risk_at=None, due_at=None)
    change = SlaChange.objects.create(what="engine updated", detail={"scope": {"all": True}},
                                      at=at(2026, 3, 2, 10, 0))
    assert sla_recompute_pending(now=at(2026, 3, 2, 10, 1)) == 0
    assert sla_recompute_pending(now=at(2026, 3, 2, 10, 3)) == 1
    timer = Timer.objects.get(subject_id=request.pk)
    assert timer.due_at == at(2026, 3, 3, 9, 30) and timer.at_risk_at is not None
    change.refresh_from_db()
    assert change.timers_recomputed == 1 and change.recomputed_at is not None
    assert sla_recompute_pending(now=at(2026, 3, 2, 10, 5)) == 0  # done once
