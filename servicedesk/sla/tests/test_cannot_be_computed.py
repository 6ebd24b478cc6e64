"""Clocks that cannot be computed (issue 11 item 5; SLA-1, SLA-3, SLA-5).

The installed holiday data (chinesecalendar) knows China's official holidays up to 2026, and the
engine computes three provisional years after it (to 2029). A clock that reaches 2030 cannot be
computed: its state is "unknown" — shown as "Cannot be computed" (无法计算), counted neither as at
risk nor as breached — until the notice of the next year is entered, which extends the provisional
years and recomputes it.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from servicedesk.core.tests.api_helpers import as_
from servicedesk.sla.models import (
    OPEN_TIMER_STATES,
    Calendar,
    OfficialYear,
    Policy,
    Target,
    Timer,
    TimerState,
)
from servicedesk.sla.official import china_official_schedule
from servicedesk.sla.recompute import provisional_timers_refresh
from servicedesk.sla.selectors import breached_timers, subject_clocks
from servicedesk.sla.services import timers_sync
from servicedesk.sla.tests.test_provisional import NOTICE_2027, package_knows_2027  # noqa: F401 (fixture)
from servicedesk.tickets.services import request_create, request_transition

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
TOOLTIP_EN = "Enter the State Council's holiday notice for that year as an official holiday year"
TOOLTIP_ZH = "请把国务院该年节假日安排通知录入为法定节假日年度"


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def coverage_ends_in_2029():
    # 2026 announced + 3 provisional years: 2030 is the first year nothing is known of.
    assert china_official_schedule().last_year == 2026, (
        "chinesecalendar now knows 2027: move these tests a year on")


@pytest.fixture
def run_tasks_in_process():
    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture
def office_policy(world):
    """On the office calendar (official holidays): triage within 4 working hours, resolution within
    10 working days; waiting pauses both."""
    office = Calendar.objects.create(code="office", name="工作日", kind=Calendar.Kind.WORKING_HOURS,
                                     windows="08:30-12:00, 13:30-17:30", weekdays=[0, 1, 2, 3, 4])
    policy = Policy.objects.create(name="报漏", applies_to="request", request_type=world.types["leak"])
    Target.objects.create(policy=policy, kind="triage_dispatch", calendar=office, duration_minutes=240,
                          stop_event="dispatched", pause_statuses=["waiting"])
    Target.objects.create(policy=policy, kind="resolution", calendar=office, working_days=10,
                          stop_event="resolved", pause_statuses=["waiting"])
    return policy


def leak_at(world, when):
    with time_machine.travel(when, tick=False):
        return request_create(actor=world.users["agent"], request_type=world.types["leak"],
                              service_point=world.points["alice"], attributes={"dn": 200}, subject="漏水")


def act(world, request, when, action, reason=""):
    with time_machine.travel(when, tick=False):
        request_transition(request=request, action=action, actor=world.users["agent"], reason=reason)


def timers(request) -> dict[str, Timer]:
    return {t.target.kind: t for t in Timer.objects.filter(subject_id=request.pk).select_related("target")}


def resync(request, when):
    with time_machine.travel(when, tick=False):
        timers_sync(subject_type="request", subject_id=request.pk)


@pytest.fixture
def late_leak(world, office_policy):
    """A leak of Thursday 2029-12-27 09:00: its 10th working day falls in 2030 (unknown from the
    start); its triage was due at 14:30 (4 working hours, the lunch break excluded) and is breached by the
    next morning; in January 2030 the triage's used time cannot be counted either."""
    request = leak_at(world, at(2029, 12, 27, 9, 0))
    act(world, request, at(2029, 12, 28, 9, 0), "accept")
    return request


def test_sla1_sla3_a_clock_reaching_an_unknown_year_is_unknown_not_breached_even_if_breached_before(
    world, late_leak
):
    """SLA-1, SLA-3, issue 11 item 5: the resolution clock (due in 2030) is unknown from the start;
    the triage clock, breached in 2029, turns unknown — not breached — once its used time reaches
    2030. Both keep the reason, have no due time, warning or at-risk instant."""
    before = timers(late_leak)
    assert before["triage_dispatch"].state == TimerState.BREACHED
    assert before["resolution"].state == TimerState.UNKNOWN
    assert before["resolution"].due_at is None and "2030" in before["resolution"].problem

    resync(late_leak, at(2030, 1, 3, 10, 0))
    after = timers(late_leak)
    for kind in ("triage_dispatch", "resolution"):
        timer = after[kind]
        assert timer.state == TimerState.UNKNOWN, kind
        assert (timer.due_at, timer.next_warning_at, timer.at_risk_at) == (None, None, None)
        assert "2030" in timer.problem
    # The last computed figures stay: the triage used 4 working hours (and more) before 2030.
    assert after["triage_dispatch"].used_seconds >= 4 * 3600
    assert after["triage_dispatch"].target_seconds == 4 * 3600
    assert TimerState.UNKNOWN in OPEN_TIMER_STATES


def test_sla3_an_unknown_clock_is_neither_breached_nor_at_risk_in_the_queue_filters(client, world, late_leak):
    """SLA-3, issue 11 item 5: ``sla=breached`` (pages and API) does not count an unknown clock;
    ``sla=unknown`` finds it."""
    resync(late_leak, at(2030, 1, 3, 10, 0))
    assert not breached_timers("request", at(2030, 1, 3, 10, 0)).filter(subject_id=late_leak.pk).exists()
    api = as_(world, "dispatcher")
    with time_machine.travel(at(2030, 1, 3, 10, 0), tick=False):
        client.force_login(world.users["dispatcher"])
        breached = client.get(reverse("web:queue"), {"sla": "breached"}).content.decode()
        at_risk = client.get(reverse("web:queue"), {"sla": "at_risk"}).content.decode()
        unknown = client.get(reverse("web:queue"), {"sla": "unknown"}).content.decode()
        api_breached = api.get("/requests", {"sla": "breached"}).json()
        api_unknown = api.get("/requests", {"sla": "unknown"}).json()
    assert late_leak.reference not in breached and late_leak.reference not in at_risk
    assert late_leak.reference in unknown
    assert [item["id"] for item in api_breached["results"]] == []
    assert [item["id"] for item in api_unknown["results"]] == [late_leak.pk]


@pytest.mark.parametrize(("language", "label", "tooltip"), [
    ("en", "Cannot be computed", TOOLTIP_EN),
    ("zh-hans", "无法计算", TOOLTIP_ZH),
])
def test_sla3_the_list_and_the_detail_page_say_cannot_be_computed_and_what_to_do(client, world, late_leak,
                                                                                 language, label, tooltip):
    """SLA-3, issue 11 item 5: the request list, the queue and the request page show the state's
    label (never the code) with what to do in the reader's language: enter the year's holidays."""
    resync(late_leak, at(2030, 1, 3, 10, 0))
    with time_machine.travel(at(2030, 1, 3, 10, 0), tick=False):
        client.force_login(world.users["dispatcher"])
        client.cookies["django_language"] = language
        pages = {
            "list": client.get(reverse("web:requests")).content.decode(),
            "queue": client.get(reverse("web:queue")).content.decode(),
            "detail": client.get(reverse("web:request_detail", args=[late_leak.pk])).content.decode(),
        }
    for name, html in pages.items():
        assert 'class="sla-state tone-unknown"' in html, name
        assert f">{label}</span>" in html, name
        assert tooltip in html, name
        assert ">unknown<" not in html, name
        assert "tone-breached" not in html, name
    assert 'id="clock-triage_dispatch"' in pages["detail"] and "tone-unknown" in pages["detail"]


def test_sla3_the_api_gives_state_unknown_with_its_label_and_reason(world, late_leak):
    """SLA-3, issue 11 item 5: the clocks of GET /requests/{id} say ``unknown`` (the label in the
    request's language), with no due time, and the list row says ``sla_unknown``; the OpenAPI schema
    lists the state among the clock's states."""
    resync(late_leak, at(2030, 1, 3, 10, 0))
    api = as_(world, "agent")
    with time_machine.travel(at(2030, 1, 3, 10, 0), tick=False):
        body = api.get(f"/requests/{late_leak.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
        listed = api.get("/requests").json()
        schema = api.get("/openapi.json").json()
    clocks = {c["target_kind"]: c for c in body["clocks"]}
    for clock in clocks.values():
        assert (clock["state"], clock["state_label"], clock["tone"]) == ("unknown", "无法计算", "unknown")
        assert clock["due_at"] is None and clock["time_left_seconds"] is None
        assert "2030" in clock["problem"]
    assert [s["kind"] for s in clocks["triage_dispatch"]["segments"]] == ["running"]
    row = next(item for item in listed["results"] if item["id"] == late_leak.pk)
    assert row["sla_unknown"] is True and row["sla_due_at"] is None
    states = schema["components"]["schemas"]["TimerState"]["enum"]
    assert "unknown" in states and "breached" in states


def test_sla5_entering_the_next_years_notice_recomputes_the_unknown_clocks_to_their_real_state(
        world, late_leak, run_tasks_in_process, django_capture_on_commit_callbacks):
    """SLA-5, issue 11 item 5: entering the notice for 2027 moves the provisional years on to 2030;
    the recomputation gives each unknown clock its state again — the triage breached (due
    2029-12-27 14:30), the resolution running to its 10th working day, Friday 2030-01-11
    (provisional: 2030 is not announced) — and clears the reason."""
    resync(late_leak, at(2030, 1, 3, 10, 0))
    with time_machine.travel(at(2030, 1, 3, 11, 0),
                             tick=False), django_capture_on_commit_callbacks(execute=True):
        OfficialYear.objects.create(year=2027, **NOTICE_2027)
    after = timers(late_leak)
    triage, resolution = after["triage_dispatch"], after["resolution"]
    assert (triage.state, triage.due_at, triage.problem) == (TimerState.BREACHED,
                                                             at(2029, 12, 27, 14, 30), "")
    # 12-28 (1), 12-31 (2), 01-01 off, 01-02..04 (5), 01-07..11 (10).
    assert (resolution.state, resolution.due_at, resolution.problem) == (
        TimerState.RUNNING, at(2030, 1, 11, 17, 30), "")
    assert resolution.provisional is True


def test_sla5_after_a_package_update_the_hourly_job_recomputes_the_unknown_clocks(world, late_leak,
                                                                                  package_knows_2027):  # noqa: F811
    """SLA-5, issue 11 item 5: a chinesecalendar update that knows 2027 changes nothing in the
    database, so no SLA-5 change is recorded; the worker's hourly job retries the unknown clocks,
    which the moved provisional years (to 2030) now compute."""
    resync(late_leak, at(2030, 1, 3, 10, 0))
    with time_machine.travel(at(2030, 1, 3, 10, 7), tick=False):
        provisional_timers_refresh()
    assert {t.state for t in timers(late_leak).values()} == {TimerState.UNKNOWN}  # nothing new is known yet
    package_knows_2027()
    with time_machine.travel(at(2030, 1, 3, 11, 7), tick=False):
        assert provisional_timers_refresh() == 2
    after = timers(late_leak)
    assert (after["triage_dispatch"].state,
            after["resolution"].state) == (TimerState.BREACHED, TimerState.RUNNING)
    assert after["resolution"].problem == ""


def test_sla3_pausing_and_resuming_an_unknown_clock_keeps_it_unknown_and_records_the_pause(world, late_leak):
    """SLA-3, engine rule 8: the history still tells the pause — the clock stays unknown (not
    paused: its due time is not known either way) and the explanation shows the pause."""
    act(world, late_leak, at(2030, 1, 3, 10, 0), "wait", reason="等待用户在家")
    paused = timers(late_leak)["resolution"]
    assert (paused.state, paused.paused_since) == (TimerState.UNKNOWN, at(2030, 1, 3, 10, 0))
    act(world, late_leak, at(2030, 1, 3, 11, 0), "resume")
    resumed = timers(late_leak)["resolution"]
    assert (resumed.state, resumed.paused_since) == (TimerState.UNKNOWN, None)
    with time_machine.travel(at(2030, 1, 3, 12, 0), tick=False):
        view = {c.target_kind: c for c in subject_clocks("request", late_leak.pk)}["resolution"]
    assert view.state == TimerState.UNKNOWN and view.tone == "unknown"
    assert [s.kind for s in view.segments] == ["running", "paused", "running"]


def test_sla3_stopping_an_unknown_clock_keeps_it_unknown_until_the_notice_gives_met_or_missed(
        world, late_leak, run_tasks_in_process, django_capture_on_commit_callbacks):
    """SLA-3, engine rule 8: met or missed needs the calendar, so a clock stopped while it cannot be
    computed stays unknown with its stop recorded; entering the notice gives the verdict."""
    act(world, late_leak, at(2030, 1, 3, 10, 0), "resolve", reason="已修复")
    stopped = timers(late_leak)["resolution"]
    assert (stopped.state, stopped.stopped_at) == (TimerState.UNKNOWN, at(2030, 1, 3, 10, 0))
    with time_machine.travel(at(2030, 1, 4, 9, 0),
                             tick=False), django_capture_on_commit_callbacks(execute=True):
        OfficialYear.objects.create(year=2027, **NOTICE_2027)
    after = timers(late_leak)
    assert (after["resolution"].state, after["resolution"].problem) == (TimerState.MET, "")
    assert after["triage_dispatch"].state == TimerState.MISSED  # stopped too, long after 14:30 on 12-27


def test_sla3_cancelling_needs_no_calendar_the_clock_is_cancelled(world, late_leak):
    """SLA-3, engine rule 8: a cancelled subject's clock counts neither as met nor as missed, with or
    without the calendar: cancelled, nothing left to compute."""
    act(world, late_leak, at(2030, 1, 3, 10, 0), "cancel", reason="重复报修")
    for kind, timer in timers(late_leak).items():
        assert (timer.state, timer.problem) == (TimerState.CANCELLED, ""), kind
        assert timer.stopped_at == at(2030, 1, 3, 10, 0)


def test_the_admin_lists_the_state_by_its_label(admin_client, world, late_leak):
    """Issue 11 item 5: no internal code on the admin's timer list either."""
    admin_client.cookies["django_language"] = "en"
    html = admin_client.get(reverse("admin:sla_timer_changelist"), {"state": "unknown"}).content.decode()
    assert "Cannot be computed" in html and str(late_leak.pk) in html


@pytest.mark.parametrize(("language", "one", "two"), [
    ("en", "1 clock cannot be computed", "2 clocks cannot be computed"),
    ("zh-hans", "1 个计时无法计算", "2 个计时无法计算"),
])
def test_the_admin_index_counts_the_clocks_that_cannot_be_computed(admin_client, world,
                                                                   late_leak, language, one,
                                                                   two):
    """Issue 11 item 5: the administrators' banner says how many clocks cannot be computed and what
    to do, in the reader's language: the resolution clock from the start, the triage too in 2030."""
    admin_client.cookies["django_language"] = language
    before = admin_client.get("/admin/").content.decode()
    resync(late_leak, at(2030, 1, 3, 10, 0))
    after = admin_client.get("/admin/").content.decode()
    assert one in before and two not in before
    assert two in after
    assert ("official holiday year" if language == "en" else "录入为法定节假日年度") in after


def test_the_migration_turns_open_timers_with_a_stored_problem_unknown_and_back(world, late_leak):
    """Issue 11 item 5: rows written before the state existed (a problem, no due time, the old state
    kept — breached) become unknown; rows with a due time are left; backwards they run again."""
    migration = __import__("servicedesk.sla.migrations.0008_timer_state_unknown",
                           fromlist=["open_problem_timers_unknown", "unknown_timers_running"])
    resolution = timers(late_leak)["resolution"]
    triage = timers(late_leak)["triage_dispatch"]
    Timer.objects.filter(pk=resolution.pk).update(state=TimerState.BREACHED)  # what the old engine left
    Timer.objects.filter(pk=triage.pk).update(problem="a later warning cannot be placed")  # has a due time
    migration.open_problem_timers_unknown(apps, None)
    resolution.refresh_from_db()
    triage.refresh_from_db()
    assert resolution.state == TimerState.UNKNOWN
    assert triage.state == TimerState.BREACHED
    migration.unknown_timers_running(apps, None)
    resolution.refresh_from_db()
    assert resolution.state == TimerState.RUNNING
