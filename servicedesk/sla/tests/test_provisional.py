"""Due times past the announced official holidays (issue 10 item 14, SLA-1, SLA-5).

chinesecalendar 1.11.0 knows China's holidays up to 2026. From 1 January 2027, until the State
Council's notice is entered, working-day clocks are computed with the statutory holidays (no
make-up working days), marked provisional in the pages and the API, the administrators are warned
once a day, and entering the notice recomputes them and clears the mark.
"""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from servicedesk.core.tests.api_helpers import as_
from servicedesk.sla.models import (
    Calendar,
    Notification,
    OfficialYear,
    Policy,
    ProvisionalCalendarWarning,
    SlaChange,
    Target,
    Timer,
)
from servicedesk.sla.official import china_official_schedule
from servicedesk.sla.recompute import provisional_calendar_warn, provisional_timers_refresh
from servicedesk.tickets.services import request_create

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")

# A plausible notice for 2027 (the real one is not out yet): Spring Festival 02-05..02-11 with the
# make-up working days Sunday 01-31 and Saturday 02-20.
NOTICE_2027 = {
    "holidays": "2027-01-01, 2027-01-02, 2027-01-03, 2027-02-05, 2027-02-06, 2027-02-07, 2027-02-08, "
                "2027-02-09, 2027-02-10, 2027-02-11, 2027-04-03, 2027-04-04, 2027-04-05, 2027-05-01, "
                "2027-05-02, 2027-05-03, 2027-05-04, 2027-05-05, 2027-06-09, 2027-09-15, 2027-10-01, "
                "2027-10-02, 2027-10-03, 2027-10-04, 2027-10-05, 2027-10-06, 2027-10-07",
    "makeup_working_dates": "2027-01-31, 2027-02-20",
    "source": "国办发明电〔2026〕N号",
}


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def package_ends_in_2026():
    # These tests freeze clocks in 2027, the first year the installed holiday data does not know.
    assert china_official_schedule().last_year == 2026, (
        "chinesecalendar now knows 2027: move these tests to the first year it does not know")


@pytest.fixture
def run_tasks_in_process():
    HUEY.immediate = True
    yield
    HUEY.immediate = False


@pytest.fixture
def arrival_policy(world):
    """On-site arrival within 10 working days on the office calendar (official holidays)."""
    office = Calendar.objects.create(code="office", name="工作日", kind=Calendar.Kind.WORKING_HOURS,
                                     windows="08:30-12:00, 13:30-17:30", weekdays=[0, 1, 2, 3, 4])
    policy = Policy.objects.create(name="报漏", applies_to="request", request_type=world.types["leak"])
    Target.objects.create(policy=policy, kind="on_site_arrival", calendar=office, working_days=10,
                          stop_event="resolved")
    return policy


def leak_at(world, when):
    with time_machine.travel(when, tick=False):
        return request_create(actor=world.users["agent"], request_type=world.types["leak"],
                              service_point=world.points["alice"], attributes={"dn": 200}, subject="漏水")


def test_january_2027_due_time_is_provisional_skips_spring_festival_and_the_notice_recomputes_it(
        world, arrival_policy, run_tasks_in_process, django_capture_on_commit_callbacks):
    """Issue 10 item 14, SLA-1, SLA-5: with a frozen clock on Friday 2027-01-22, the 10th working day
    is counted over the statutory Spring Festival (除夕 02-05 to 初三 02-08): Tuesday 02-09, marked
    provisional. Entering the notice (holiday to 02-11, make-up Sunday 01-31) recomputes it to
    Thursday 02-04 and clears the mark."""
    request = leak_at(world, at(2027, 1, 22, 10, 0))
    timer = Timer.objects.get(subject_id=request.pk)
    assert timer.problem == ""
    # 01-25..29 (5), 02-01..04 (9), 02-05..08 off, Tuesday 02-09 (10).
    assert timer.due_at == at(2027, 2, 9, 17, 30)
    assert timer.provisional is True
    with time_machine.travel(at(2027, 1, 25, 9, 0),
                             tick=False), django_capture_on_commit_callbacks(execute=True):
        OfficialYear.objects.create(year=2027, **NOTICE_2027)
    timer.refresh_from_db()
    # 01-25..29 (5), Sunday 01-31 (6), 02-01..04 (10).
    assert timer.due_at == at(2027, 2, 4, 17, 30)
    assert timer.provisional is False
    assert SlaChange.objects.get(detail__model="sla.officialyear").timers_recomputed == 1


def test_a_due_time_inside_the_announced_year_is_not_provisional(world, arrival_policy):
    """Issue 10 item 14, SLA-1: only computations that reach a provisional year are marked."""
    inside = leak_at(world, at(2026, 12, 1, 10, 0))
    across = leak_at(world, at(2026, 12, 28, 10, 0))
    assert Timer.objects.get(subject_id=inside.pk).due_at == at(2026, 12, 15, 17, 30)
    assert Timer.objects.get(subject_id=inside.pk).provisional is False
    # 12-29..31 (3), 2027-01-01 statutory 元旦, 01-04..08 (8), 01-11, 01-12 (10).
    assert Timer.objects.get(subject_id=across.pk).due_at == at(2027, 1, 12, 17, 30)
    assert Timer.objects.get(subject_id=across.pk).provisional is True


def test_provisional_due_times_are_marked_in_the_api_and_on_the_pages(client, world, arrival_policy):
    """Issue 10 item 14: `due_provisional` on each clock, `sla_due_provisional` in lists, and a
    "暂定" tag with its explanation beside the due time on the request page and in the queue."""
    request = leak_at(world, at(2027, 1, 22, 10, 0))
    announced = leak_at(world, at(2026, 12, 1, 10, 0))
    with time_machine.travel(at(2027, 1, 22, 11, 0), tick=False):
        detail = as_(world, "agent").get(f"/requests/{request.pk}").json()
        listed = {r["id"]: r
                  for r in as_(world, "dispatcher").get("/requests", {"sort": "due"}).json()["results"]}
        client.force_login(world.users["dispatcher"])
        page = client.get(reverse("web:request_detail", args=[request.pk])).content.decode()
        queue = client.get(reverse("web:queue")).content.decode()
    [clock] = detail["clocks"]
    assert clock["due_at"] == "2027-02-09T17:30:00+08:00" and clock["due_provisional"] is True
    assert listed[request.pk]["sla_due_provisional"] is True
    assert listed[announced.pk]["sla_due_provisional"] is False
    assert 'class="provisional-due"' in page and "暂定" in page and "法定节假日" in page
    assert queue.count('class="provisional-due"') == 1


def test_administrators_are_warned_once_a_day_while_due_times_are_provisional(world, arrival_policy):
    """Issue 10 item 14: one notification per active administrator per day, whatever the number of
    runs; none for other roles or inactive administrators; nothing while nothing is provisional."""
    admin = world.users["administrator"]
    retired = world.users["administrator"].__class__.objects.create_user(
        username="retired_admin", role="administrator", is_active=False)
    with time_machine.travel(at(2026, 12, 1, 9, 0), tick=False):
        leak_at(world, at(2026, 12, 1, 9, 0))
        assert provisional_calendar_warn() is None  # nothing provisional yet
    leak_at(world, at(2026, 12, 28, 10, 0))
    with time_machine.travel(at(2026, 12, 28, 10, 7), tick=False):
        first = provisional_calendar_warn()
        assert provisional_calendar_warn() is None  # a rerun, or a second worker
    assert first is not None and first.provisional_timers == 1
    [notice] = Notification.objects.filter(title="到期时间暂定")
    assert notice.user == admin and "2027" in notice.body and notice.link == "/admin/sla/officialyear/"
    assert not Notification.objects.filter(user=retired).exists()
    with time_machine.travel(at(2026, 12, 29, 9, 7), tick=False):
        assert provisional_calendar_warn() is not None
    assert Notification.objects.filter(user=admin, title="到期时间暂定").count() == 2
    assert list(ProvisionalCalendarWarning.objects.values_list("day", flat=True)) == [
        datetime.date(2026, 12, 29), datetime.date(2026, 12, 28)]


def test_administrators_are_warned_in_january_even_before_any_clock_is_provisional(world):
    """Issue 10 item 14: from 1 January without the notice, provisional years are in use."""
    with time_machine.travel(at(2027, 1, 2, 9, 7), tick=False):
        warning = provisional_calendar_warn()
    assert warning is not None and warning.provisional_timers == 0
    assert Notification.objects.filter(user=world.users["administrator"]).count() == 1


def test_admin_index_shows_the_banner_while_due_times_are_provisional(client, world, arrival_policy):
    """Issue 10 item 14: the administrators' home page says how many due times are provisional."""
    leak_at(world, at(2027, 1, 22, 10, 0))
    with time_machine.travel(at(2027, 1, 22, 11, 0), tick=False):
        client.force_login(world.users["administrator"])
        page = client.get("/admin/").content.decode()
    assert "official-holiday-banner" in page
    assert "1 个未结束的到期时间为暂定" in page and "/admin/sla/officialyear/" in page
    with time_machine.travel(at(2026, 6, 1, 9, 0), tick=False):
        client.force_login(world.users["administrator"])
        Timer.objects.update(provisional=False)
        assert "official-holiday-banner" not in client.get("/admin/").content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_four_workers_at_once_warn_the_administrators_once(world):
    """Issue 10 item 14: the day's row decides; the workers that lose write nothing."""
    start = threading.Barrier(4)
    results: list = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            start.wait(timeout=60)
            result = provisional_calendar_warn(now=at(2027, 1, 2, 9, 7))
            with lock:
                results.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 4 and sum(result is not None for result in results) == 1
    assert ProvisionalCalendarWarning.objects.count() == 1
    assert Notification.objects.filter(user=world.users["administrator"]).count() == 1


@pytest.fixture
def package_knows_2027(monkeypatch):
    """As after an update of chinesecalendar that carries the 2027 notice."""
    from servicedesk.sla import calendars
    from servicedesk.sla.calendars import parse_dates

    updated = china_official_schedule().extended(
        year=2027, holidays=parse_dates(NOTICE_2027["holidays"]),
        makeup_working_dates=parse_dates(NOTICE_2027["makeup_working_dates"]), source="chinesecalendar 1.12")

    def clear() -> None:
        calendars.official_schedule.cache_clear()
        calendars.working_calendar.cache_clear()

    def update() -> None:
        monkeypatch.setattr(calendars, "china_official_schedule", lambda: updated)
        clear()

    yield update
    monkeypatch.undo()
    clear()


def test_a_package_update_that_announces_the_year_clears_the_provisional_mark(world, arrival_policy,
                                                                                package_knows_2027):
    """Issue 10 item 14: no OfficialYear is entered, so no SLA-5 change; the worker's hourly job
    finds the clocks whose year is now announced and recomputes them."""
    request = leak_at(world, at(2027, 1, 22, 10, 0))
    assert Timer.objects.get(subject_id=request.pk).provisional is True
    assert provisional_timers_refresh() == 0  # still provisional: nothing to redo
    package_knows_2027()
    with time_machine.travel(at(2027, 1, 25, 9, 7), tick=False):
        assert provisional_timers_refresh() == 1
    timer = Timer.objects.get(subject_id=request.pk)
    assert (timer.due_at, timer.provisional) == (at(2027, 2, 4, 17, 30), False)
