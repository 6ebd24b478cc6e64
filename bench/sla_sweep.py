"""One pass of the SLA warning sweep (SLA-4) over 1,000,000 open timers of which 10,000 are due.

    python bench/sla_sweep.py [--timers 1000000] [--due 10000] [--database sd_sweep]

Creates (drops and re-creates) the PostgreSQL database ``--database`` on the server of
``--server`` (default postgres://postgres@127.0.0.1:5432), migrates it, bulk-loads synthetic
running timers with COPY (a 7×24 one-hour target; the due ones started 50 minutes ago, so their
75 % warning is due; the others have their next warning hours to days ahead), then times one full
sweep pass with the real ``warnings_sweep`` service: claim (FOR UPDATE SKIP LOCKED, batches of
500), insert the warnings, notifications to the owner, move each timer's next warning on. The
subjects are a synthetic subject type whose adapter answers from memory, so the figure is the
sweep's own cost, not the tickets app's recipient queries. Prints EXPLAIN of the claim query.
"""

import argparse
import io
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timers", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--database", default="sd_sweep")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    url = f"{args.server}/{args.database}"
    subprocess.run(["psql", f"{args.server}/postgres", "-qc", f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)"],
                   check=True)
    subprocess.run(["psql", f"{args.server}/postgres", "-qc", f"CREATE DATABASE {args.database}"], check=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SERVICEDESK_DATA_DIR", "/tmp/sd_sweep_data")
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "servicedesk.cli", "migrate", "-v0"], check=True, cwd=root,
                   env={**os.environ})
    subprocess.run([sys.executable, "-m", "servicedesk.cli", "createcachetable"], check=True, cwd=root,
                   env={**os.environ})

    from common import django_setup, machine

    django_setup()
    from django.db import connection, transaction

    from servicedesk.org.models import User
    from servicedesk.sla.models import Calendar, Policy, Target, Timer
    from servicedesk.sla.services import warnings_sweep
    from servicedesk.sla.subjects import SubjectFacts, register_subject

    owner = User.objects.create(username="owner", full_name="owner")

    class BenchSubject:
        def facts(self, subject_id: int) -> SubjectFacts:
            return SubjectFacts(label=f"B{subject_id}", link=f"/bench/{subject_id}")

        def history(self, subject_id: int) -> list:
            return []

        def recipients(self, subject_id: int) -> dict[str, list[int]]:
            return {"owner": [owner.pk], "team_lead": [owner.pk], "desk_manager": [owner.pk]}

    register_subject("bench", BenchSubject())
    calendar = Calendar.objects.create(code="24x7", name="7×24", kind="24x7", windows="")
    policy = Policy.objects.create(name="bench", applies_to="request")
    target = Target.objects.create(policy=policy, kind="triage_dispatch", calendar=calendar, duration_minutes=60,
                                   stop_event="dispatched")

    now = datetime.now(UTC)
    started = time.perf_counter()
    buffer = io.StringIO()
    for i in range(args.timers):
        if i % (args.timers // args.due) == 0 and i // (args.timers // args.due) < args.due:
            start = now - timedelta(minutes=50)  # 75 % reached 5 minutes ago
        else:
            start = now - timedelta(minutes=30) + timedelta(minutes=i % 10_000)  # 75 % ahead
        warn = start + timedelta(minutes=45)
        buffer.write(f"bench\t{i}\t{policy.pk}\t{target.pk}\trunning\t{start.isoformat()}\t"
                     f"{(start + timedelta(hours=1)).isoformat()}\t3600\t0\t75\t{warn.isoformat()}\t"
                     f"{start.isoformat()}\t\n")
    buffer.seek(0)
    columns = ("subject_type", "subject_id", "policy_id", "target_id", "state", "started_at", "due_at",
               "target_seconds", "used_seconds", "next_warning_percent", "next_warning_at", "computed_at", "problem")
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY sla_timer ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        cursor.execute("ANALYZE sla_timer")
        cursor.execute("SELECT count(*) FROM sla_timer WHERE next_warning_at <= %s", [now])
        due = cursor.fetchone()[0]
    print(f"loaded {args.timers:,} timers ({due:,} due) in {time.perf_counter() - started:.1f} s")

    claim = (Timer.objects.filter(next_warning_at__lte=now).order_by("next_warning_at")
             .select_for_update(skip_locked=True, of=("self",)))[:500]
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = claim.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print("EXPLAIN ANALYZE of the claim query (one batch):\n" + plan)

    started = time.perf_counter()
    report = warnings_sweep(now=now)
    seconds = time.perf_counter() - started
    print(f"sweep pass: {report.timers:,} timers, {report.warnings:,} warnings, "
          f"{report.notifications:,} notifications in {seconds:.3f} s ({report.timers / seconds:,.0f} timers/s)")
    started = time.perf_counter()
    again = warnings_sweep(now=now)
    print(f"second pass (nothing due): {again.timers} timers in {(time.perf_counter() - started) * 1000:.1f} ms")
    print(machine())


if __name__ == "__main__":
    main()
