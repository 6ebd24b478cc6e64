"""Due-time computations per second (SLA-1): the working-calendar arithmetic in one process.

    python bench/due_time.py --n 200000

The calendar is the desk's: Monday–Friday 08:30–12:00 and 13:30–17:30 with China's official 2026
holidays and make-up working days. Starts are random instants of 2026 (up to 20 December, so that
five working days later is still inside the official schedule's years); targets are random
durations from 1 hour to 5 working days (37.5 h), a fifth of them with one or two pauses, and
separately targets in working days (1–5). Inputs are aware UTC datetimes, as Django reads them.
"""

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import machine  # noqa: E402

from servicedesk.sla.calendar import (  # noqa: E402
    WorkingCalendar,
    add_working_days,
    add_working_time,
    working_time_between,
)

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(hours=8)  # 2026-01-01 00:00 in Shanghai
LAST_START = datetime(2026, 12, 20, tzinfo=UTC)
WORKING_DAY = timedelta(hours=7.5)

Pauses = list[tuple[datetime, datetime | None]]


def workload(n: int, rng: random.Random) -> list[tuple[datetime, timedelta, Pauses]]:
    span = int((LAST_START - YEAR_START).total_seconds())
    cases = []
    for _ in range(n):
        start = YEAR_START + timedelta(seconds=rng.randrange(span))
        duration = timedelta(seconds=rng.randint(3600, int(5 * WORKING_DAY.total_seconds())))
        pauses: Pauses = []
        if rng.random() < 0.2:
            for _ in range(rng.randint(1, 2)):
                begin = start + timedelta(minutes=rng.randint(0, 4 * 24 * 60))
                pauses.append((begin, begin + timedelta(minutes=rng.randint(10, 2 * 24 * 60))))
        cases.append((start, duration, pauses))
    return cases


def rate(label: str, count: int, began: tuple[float, float]) -> None:
    """Per second of wall time and of this process's CPU time (other load on the machine shows as a gap)."""
    wall = time.perf_counter() - began[0]
    cpu = time.process_time() - began[1]
    print(f"{label:<44} {count:>9,} in {wall:6.3f} s = {count / wall:>10,.0f}/s wall, "
          f"{count / cpu:>10,.0f}/s CPU")


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20260930)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cases = workload(args.n, rng)
    print(f"machine: {machine()}")

    began_build = time.perf_counter()
    calendar = WorkingCalendar.working_hours("08:30-12:00, 13:30-17:30")
    add_working_time(calendar, cases[0][0], cases[0][1])  # computes the year 2026 once
    print(f"calendar built and year 2026 precomputed in {(time.perf_counter() - began_build) * 1000:.1f} ms")

    plain = [(start, duration) for start, duration, pauses in cases if not pauses]
    paused = [case for case in cases if case[2]]

    began = clock()
    for start, duration, pauses in cases:
        add_working_time(calendar, start, duration, pauses)
    rate(f"add_working_time, mixed ({len(paused) / len(cases):.0%} with pauses)", len(cases), began)

    began = clock()
    for start, duration in plain:
        add_working_time(calendar, start, duration)
    rate("add_working_time, no pauses", len(plain), began)

    began = clock()
    for start, duration, pauses in paused:
        add_working_time(calendar, start, duration, pauses)
    rate("add_working_time, 1-2 pauses", len(paused), began)

    shanghai = ZoneInfo("Asia/Shanghai")
    local_plain = [(start.astimezone(shanghai), duration) for start, duration in plain]
    began = clock()
    for start, duration in local_plain:
        add_working_time(calendar, start, duration)
    rate("add_working_time, no pauses, Shanghai inputs", len(local_plain), began)

    days = [(start, rng.randint(1, 5)) for start, _, _ in cases]
    began = clock()
    for start, count in days:
        add_working_days(calendar, start, count)
    rate("add_working_days (1-5)", len(days), began)

    ends = [(start, start + duration) for start, duration in plain]
    began = clock()
    for start, end in ends:
        working_time_between(calendar, start, end)
    rate("working_time_between, no pauses", len(ends), began)


if __name__ == "__main__":
    main()
