"""Warnings fire exactly once with real worker processes (SLA-4): two processes sweeping the same
200 due timers at once, a worker killed with SIGKILL half-way through a batch, and the
``servicedesk worker`` consumer running the queued jobs.

Each test gets a database of its own that subprocesses can share (a new database on the
PostgreSQL server when the suite runs on PostgreSQL, a file otherwise) and a data folder of its
own (the SQLite task queue), like core/tests/test_scale_out.py.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.multiprocess

TIMERS = 200

SETUP = """
import datetime, time_machine
from django.utils import timezone
from servicedesk.sla.models import Calendar, Policy, Target, Timer
from servicedesk.testing.world import build_world
from servicedesk.tickets.services import request_create
w = build_world()
for name in ("agent", "team_lead", "desk_manager"):
    w.users[name].email = name + "@example.cn"
    w.users[name].save()
clock = Calendar.objects.create(code="24x7", name="7×24", kind="24x7", windows="")
policy = Policy.objects.create(name="报漏", applies_to="request", request_type=w.types["leak"])
Target.objects.create(policy=policy, kind="triage_dispatch", calendar=clock, duration_minutes=60,
                      stop_event="dispatched")
# Created two hours ago: 75, 100 and 150 % are all due on every timer.
with time_machine.travel(timezone.now() - datetime.timedelta(hours=2), tick=False):
    for _ in range(%(n)d):
        request_create(actor=w.users["agent"], request_type=w.types["leak"], service_point=w.points["alice"],
                       attributes={"dn": 100})
print(Timer.objects.filter(next_warning_at__lte=timezone.now()).count())
"""

SWEEP = """
import json, sys, time
from servicedesk.sla.services import warnings_sweep
def pause(timers):
    print("claimed", len(timers), flush=True)
    time.sleep(float(sys.argv[-1]) if sys.argv[-1].replace('.', '').isdigit() else %(pause)s)
report = warnings_sweep(batch_size=%(batch)d, before_commit=pause if %(pause)s else None)
print(json.dumps(report.__dict__), flush=True)
"""

STATE = """
import json
from django.db.models import Count
from servicedesk.sla.models import Notification, Timer, TimerWarning
print(json.dumps({
    "warnings": TimerWarning.objects.count(),
    "pairs": TimerWarning.objects.values("timer_id", "percent").distinct().count(),
    "per_percent": dict(TimerWarning.objects.values_list("percent").annotate(n=Count("id")).order_by()),
    "notifications": Notification.objects.count(),
    "duplicate_notifications": Notification.objects.values("warning_id", "user_id").annotate(
        n=Count("id")).filter(n__gt=1).count(),
    "mailed": Notification.objects.filter(email_sent_at__isnull=False).count(),
    "still_due": Timer.objects.filter(next_warning_at__isnull=False).count(),
    "breached": Timer.objects.filter(state="breached").count(),
}))
"""


@pytest.fixture
def env(transactional_db) -> Iterator[dict[str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        if connection.vendor == "postgresql":
            params = connection.settings_dict
            name = f"sd_worker_{uuid.uuid4().hex[:8]}"
            host, port = params.get("HOST") or "127.0.0.1", params.get("PORT") or 5432
            base = f"postgres://{params.get('USER') or 'postgres'}@{host}:{port}"
            subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
            url = f"{base}/{name}"
        else:
            base, name, url = "", "", f"sqlite:///{Path(folder) / 'shared.sqlite3'}"
        environment = {**os.environ, "DATABASE_URL": url, "SERVICEDESK_DATA_DIR": folder,
                       "SERVICEDESK_FAST_PASSWORD_HASHER": "1", "CONN_MAX_AGE": "0",
                       "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
        environment.pop("SERVICEDESK_TASKS_IMMEDIATE", None)
        try:
            _run(environment, "migrate", "--verbosity", "0")
            _run(environment, "createcachetable")
            due = _shell(environment, SETUP % {"n": TIMERS})
            assert int(due) == TIMERS
            yield environment
        finally:
            if name:
                subprocess.run(["psql", f"{base}/postgres", "-qc",
                                f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                               check=False)


def _manage() -> list[str]:
    return [sys.executable, "-m", "servicedesk.cli"]


def _run(environment: dict[str, str], *args: str) -> str:
    done = subprocess.run([*_manage(), *args], env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _shell(environment: dict[str, str], code: str) -> str:
    return _run(environment, "shell", "-c", code).strip().splitlines()[-1]


def _state(environment: dict[str, str]) -> dict:
    return json.loads(_shell(environment, STATE))


def _sweeper(environment: dict[str, str], *, batch: int, pause: float = 0) -> subprocess.Popen:
    return subprocess.Popen([*_manage(), "shell", "-c", SWEEP % {"batch": batch, "pause": pause}],
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _assert_each_warning_once(state: dict) -> None:
    assert state["warnings"] == state["pairs"] == 3 * TIMERS
    assert state["per_percent"] == {"75": TIMERS, "100": TIMERS, "150": TIMERS}
    # 75 % → the agent, 100 % → the hotline lead, 150 % → the one desk manager: one each.
    assert state["notifications"] == 3 * TIMERS and state["duplicate_notifications"] == 0
    assert state["still_due"] == 0 and state["breached"] == TIMERS


def test_two_worker_processes_sweeping_the_same_timers_fire_each_warning_once(env):
    """SLA-4: two processes start sweeping the same 200 due timers at once (batches of 20)."""
    sweepers = [_sweeper(env, batch=20) for _ in range(2)]
    reports = []
    for sweeper in sweepers:
        out, err = sweeper.communicate(timeout=300)
        assert sweeper.returncode == 0, err[-3000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["warnings"] for r in reports) == 3 * TIMERS
    assert sum(r["timers"] for r in reports) == TIMERS  # each timer claimed by one of them only
    _assert_each_warning_once(_state(env))


def test_a_worker_killed_mid_batch_leaves_nothing_half_done_and_the_next_run_completes(env):
    """SLA-4: SIGKILL after the worker claimed a batch and wrote its warnings and notifications,
    before commit: none of it remains; the next run fires everything once."""
    victim = _sweeper(env, batch=50, pause=120)
    line = victim.stdout.readline()
    while line and not line.startswith("claimed"):  # the shell's start-up chatter
        line = victim.stdout.readline()
    if not line.startswith("claimed 50"):
        os.killpg(victim.pid, signal.SIGKILL)
        raise AssertionError(victim.stderr.read()[-3000:])
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    state = _state(env)
    assert (state["warnings"], state["notifications"], state["still_due"]) == (0, 0, TIMERS)

    survivor = _sweeper(env, batch=50)
    out, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err[-3000:]
    assert json.loads(out.strip().splitlines()[-1])["warnings"] == 3 * TIMERS
    _assert_each_warning_once(_state(env))


def test_the_worker_command_runs_the_queued_sweep_and_mails_once(env):
    """``servicedesk worker``: the sweep enqueued on the persistent queue (SQLite file in the data
    folder) is run by the consumer, which then mails each notification once."""
    log = Path(env["SERVICEDESK_DATA_DIR"]) / "worker.log"  # a file: a full pipe would block the worker
    worker = subprocess.Popen([*_manage(), "worker", "--workers", "2", "--no-periodic"], env=env,
                              stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        enqueue = "from servicedesk.sla.tasks import sla_sweep_task; sla_sweep_task(); print('queued')"
        _shell(env, enqueue)
        assert (Path(env["SERVICEDESK_DATA_DIR"]) / "tasks.sqlite3").exists()
        deadline = time.monotonic() + 120
        state = _state(env)
        while time.monotonic() < deadline and state["mailed"] < 3 * TIMERS:
            assert worker.poll() is None, log.read_text()[-3000:]
            time.sleep(1)
            state = _state(env)
            if state["still_due"]:
                # The setup's configuration changes queued recomputations, which the worker runs
                # beside the sweep; the sweep skips the rows they lock (SKIP LOCKED) and the next
                # pass (every minute, here enqueued again) takes them.
                _shell(env, enqueue)
        _assert_each_warning_once(state)
        assert state["mailed"] == 3 * TIMERS
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    output = log.read_text()
    assert output.count("Subject: ") == 3 * TIMERS  # the console mail backend: each mail once
