"""One pass of the SLA warning sweep (SLA-4) over 1,000,000 open timers of which 10,000 are due.

    python bench/sla_sweep.py [--timers 1000000] [--due 10000] [--database sd_sweep] [--reuse]

Creates (drops and re-creates) the PostgreSQL database ``--database`` on the server of
``--server`` (default postgres://postgres@127.0.0.1:5432), migrates it, builds the test world
(units with their leads, the agent, the desk manager …), creates one real service request per due
timer and bulk-loads synthetic running timers with COPY (a 7×24 one-hour target; the due ones
started 50 minutes ago, so their 75 % warning is due; the others have their next warning hours to
days ahead and point at requests that are not read). ``--reuse`` keeps a database this script
loaded before and only puts its due timers back (deletes the warnings and notifications).

Then times one full sweep pass with the real ``warnings_sweep`` service: claim (FOR UPDATE SKIP
LOCKED, batches of ``SWEEP_BATCH``), labels and recipients of the requests from the tickets
app's adapter (``facts_many``/``recipients_many``: the real queries), insert the warnings,
notifications to the owner, move each timer's next warning on. A second, instrumented pass over
the same data (put back) gives the time of each kind of statement and of the commits, and EXPLAIN
ANALYZE of the claim and of one batch's UPDATE.
"""

import argparse
import collections
import io
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _sql(server: str, database: str, statement: str) -> str:
    done = subprocess.run(["psql", f"{server}/{database}", "-tAqc", statement],
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timers", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--database", default="sd_sweep")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reuse", action="store_true", help="keep the data of an earlier run of this script")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed passes, the due timers put back before each")
    args = parser.parse_args()
    url = f"{args.server}/{args.database}"
    reuse = args.reuse and _sql(args.server, args.database,
                                "SELECT count(*) FROM sla_timer WHERE "
                                "subject_type = 'request'") == str(args.timers)
    if not reuse:
        subprocess.run(["psql", f"{args.server}/postgres", "-qc",
                        f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)"], check=True)
        subprocess.run(["psql", f"{args.server}/postgres", "-qc",
                        f"CREATE DATABASE {args.database}"], check=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SERVICEDESK_DATA_DIR", "/tmp/sd_sweep_data")
    os.environ.setdefault("SERVICEDESK_FAST_PASSWORD_HASHER", "1")
    root = Path(__file__).resolve().parent.parent
    if not reuse:
        subprocess.run([sys.executable, "-m", "servicedesk.cli", "migrate", "-v0"], check=True, cwd=root,
                       env={**os.environ})
        subprocess.run([sys.executable, "-m", "servicedesk.cli", "createcachetable"], check=True, cwd=root,
                       env={**os.environ})

    from common import django_setup, machine

    django_setup()
    from django.db import connection

    if reuse:
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(started_at) FROM sla_timer")
            now = cursor.fetchone()[0] + timedelta(minutes=50)
        print(f"reusing {args.database}: {args.timers:,} timers")
    else:
        now = _load(args.timers, args.due)

    from django.urls import get_resolver

    from servicedesk.sla.services import SWEEP_BATCH, warnings_sweep

    # The worker is a long-lived process: its first reverse() (the adapters' links) imports the
    # URLconf and with it every API module, 0.25 s once per process, not per pass.
    get_resolver().check()
    times = []
    for _ in range(args.repeat):
        due = _reset(now)
        started = time.perf_counter()
        report = warnings_sweep(now=now)
        seconds = time.perf_counter() - started
        times.append(seconds)
        print(f"sweep pass (batches of {SWEEP_BATCH}): {report.timers:,} timers ({due:,} due), "
              f"{report.warnings:,} warnings, {report.notifications:,} notifications in {seconds:.3f} s "
              f"({report.timers / seconds:,.0f} timers/s)")
    print(f"median of {len(times)} passes: {statistics.median(times):.3f} s")
    started = time.perf_counter()
    again = warnings_sweep(now=now)
    print(f"second pass (nothing due): {again.timers} timers in "
          f"{(time.perf_counter() - started) * 1000:.1f} ms")

    _reset(now)
    _breakdown(now)
    _reset(now)
    _explain(now)
    print(machine())


def _load(timers: int, due: int) -> datetime:
    """The world, one service request per due timer, and the timers (COPY); returns the pass's now."""
    from django.db import connection

    from servicedesk.sla.models import Calendar, Policy, Target
    from servicedesk.testing.world import build_world
    from servicedesk.tickets.models import ServiceRequest

    started = time.perf_counter()
    world = build_world()
    calendar = Calendar.objects.create(code="24x7", name="7×24", kind="24x7", windows="")
    policy = Policy.objects.create(name="报漏", applies_to="request", request_type=world.types["leak"])
    target = Target.objects.create(policy=policy, kind="triage_dispatch", calendar=calendar,
                                   duration_minutes=60,
                                   stop_event="dispatched")
    now = datetime.now(UTC)
    start_due = now - timedelta(minutes=50)  # 75 % reached 5 minutes ago
    # Half taken by the agent for the hotline (its lead is the team lead), half routed to
    # engineering (no lead: the owner's unit lead) and a third of those accepted by the dispatcher.
    hotline, engineering = world.units["hotline"], world.units["engineering"]
    agent, dispatcher = world.users["agent"], world.users["dispatcher"]
    requests = ServiceRequest.objects.bulk_create(
        [ServiceRequest(request_type=world.types["leak"], customer=world.customers["alice"],
                        service_point=world.points["alice"], subject=f"报漏 {i}", attributes={"dn": 100},
                        responsible_unit=hotline if i % 2 else engineering, created_by=agent,
                        assignee=dispatcher if i % 6 == 0 else None,
                        status="accepted" if i % 6 == 0 else "new",
                        created_at=start_due)
         for i in range(due)], batch_size=2000)
    request_ids = [request.pk for request in requests]

    buffer = io.StringIO()
    step = timers // due
    for i in range(timers):
        if i % step == 0 and i // step < due:
            start, subject_id = start_due, request_ids[i // step]
        else:
            start = now - timedelta(minutes=30) + timedelta(minutes=i % 10_000)  # 75 % ahead
            subject_id = 100_000_000 + i  # never read: not due in this pass
        warn = start + timedelta(minutes=45)
        buffer.write(f"request\t{subject_id}\t{policy.pk}\t{target.pk}\trunning\t{start.isoformat()}\t"
                     f"{(start + timedelta(hours=1)).isoformat()}\t3600\t0\t75\t{warn.isoformat()}\t"
                     f"{start.isoformat()}\t\n")
    columns = ("subject_type", "subject_id", "policy_id", "target_id", "state", "started_at", "due_at",
               "target_seconds", "used_seconds", "next_warning_percent", "next_warning_at",
               "computed_at", "problem")
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY sla_timer ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        cursor.execute("VACUUM ANALYZE sla_timer")
    print(f"loaded {timers:,} timers and {due:,} service requests in {time.perf_counter() - started:.1f} s")
    return now


def _reset(now: datetime) -> int:
    """Put the due timers back as they were loaded: no warning fired, 75 % due. Returns their number."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE sla_notification, sla_timerwarning")
        cursor.execute("UPDATE sla_timer SET next_warning_percent = 75, next_warning_at = started_at + "
                       "interval '45 minutes', state = 'running' WHERE started_at = %s",
                       [now - timedelta(minutes=50)])
        due = cursor.rowcount
        cursor.execute("VACUUM ANALYZE sla_timer")  # the reset's dead rows: as after a fresh load
    return due


def _breakdown(now: datetime) -> None:
    """The same pass with each statement and commit timed (the timing adds a little)."""
    from django.db import connection

    from servicedesk.sla.services import warnings_sweep

    spent: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            words = sql.split()
            table = next((w for w in words[1:] if w.startswith('"')), "")
            key = f"{words[0]} {table}".replace('"', "")
            spent[key][0] += 1
            spent[key][1] += time.perf_counter() - started

    commit = connection._commit

    def timed_commit():
        started = time.perf_counter()
        try:
            return commit()
        finally:
            spent["COMMIT"][0] += 1
            spent["COMMIT"][1] += time.perf_counter() - started

    connection._commit = timed_commit
    try:
        with connection.execute_wrapper(timed):
            started = time.perf_counter()
            warnings_sweep(now=now)
            total = time.perf_counter() - started
    finally:
        connection._commit = commit
    print(f"instrumented pass: {total:.3f} s")
    accounted = 0.0
    for key, (count, seconds) in sorted(spent.items(), key=lambda item: -item[1][1]):
        accounted += seconds
        print(f"  {seconds * 1000:7.1f} ms  {count:4d} × {key}")
    print(f"  {(total - accounted) * 1000:7.1f} ms  Python: calendar arithmetic, rows, JSON, titles, "
          "decoding the fetched rows")


def _explain(now: datetime) -> None:
    from django.db import connection, transaction

    from servicedesk.sla.models import Timer
    from servicedesk.sla.services import SWEEP_BATCH, _update_timers

    claim = (Timer.objects.filter(next_warning_at__lte=now).order_by("next_warning_at")
             .select_for_update(skip_locked=True, of=("self",)).values_list("id", "started_at"))[:SWEEP_BATCH]
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = claim.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print(f"EXPLAIN ANALYZE of the claim query (one batch of {SWEEP_BATCH}):")
        print("\n".join(row[0] for row in cursor.fetchall()))
        rows = [(pk, 100, started + timedelta(hours=1), "running", "") for pk, started in claim]
        captured: list[tuple[str, list]] = []

        def capture(execute, sql, params, many, context):
            captured.append((sql, params))

        with connection.execute_wrapper(capture):
            _update_timers(rows)
        sql, params = captured[0]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print(f"EXPLAIN ANALYZE of the timers' UPDATE (one batch of {len(rows)}):")
        print("\n".join(row[0] for row in cursor.fetchall()))
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
