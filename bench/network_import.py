"""Network CSV import (OUT-1): time ``network_import`` on a generated file with ≥200,000 service
points and ≥2,000 transformers, first import (everything created and attached), the same file
again (nothing changes), and a file that moves a tenth of the service points.

    # PostgreSQL (a database of its own: the script empties its network and bench service points)
    createdb -h 127.0.0.1 -U postgres sd_netimport_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_netimport_bench python bench/network_import.py
    # SQLite
    SERVICEDESK_DATA_DIR=/tmp/bench-netimport python bench/network_import.py

The service points are written first with the demo's bulk loader (numbers ``BENCH…``), without
a device; ``--keep-csv`` leaves the generated file in the temporary folder.
"""

import argparse
import csv
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from common import django_setup, machine

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from servicedesk.customers.models import ServicePoint  # noqa: E402
from servicedesk.demo.loader import BulkWriter  # noqa: E402
from servicedesk.network.import_results import ImportReport  # noqa: E402
from servicedesk.network.importer import COLUMNS, network_import  # noqa: E402
from servicedesk.network.models import Device  # noqa: E402

PREFIX = "BENCH"


class PhaseTimer:
    """A progress factory that records how long each phase (each bar) took."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, description: str, total: int | None, unit: str) -> Any:
        timer = self

        class Bar:
            started = time.perf_counter()

            def update(self, n: int = 1) -> None:
                pass

            def close(self) -> None:
                timer.seconds[description] = round(time.perf_counter() - self.started, 2)

        return Bar()


def prepare(points: int) -> tuple[list[str], list[str]]:
    """An empty network and ``points`` bench service points (80 % power, 20 % water)."""
    with transaction.atomic():
        ServicePoint.objects.filter(device__isnull=False).update(device=None, network_code="")
        Device.objects.update(parent=None, area=None)
        Device.objects.all()._raw_delete(Device.objects.db)  # PROTECT on parent/area: already cleared
        have = ServicePoint.objects.filter(number__startswith=PREFIX).count()
        if have < points:
            writer = BulkWriter()
            first = writer.next_id(ServicePoint)
            rows = ((first + n, f"{PREFIX}{have + n:09d}", "power" if (have + n) % 5 else "water",
                     f"深圳市南山区科技南路{have + n}号", "南山区", "connected", "", "")
                    for n in range(points - have))
            writer.write(ServicePoint, ("id", "number", "utility", "address", "district", "connection_status",
                                        "meter_number", "network_code"), rows)
            writer.reset_sequences([ServicePoint])
    numbers = list(ServicePoint.objects.filter(number__startswith=PREFIX).order_by("number")
                   .values_list("number", "utility")[:points])
    return [n for n, u in numbers if u == "power"], [n for n, u in numbers if u == "water"]


def network_rows(transformers: int, pipes: int,
                 rng: random.Random) -> tuple[list[list[str]], list[str], list[str]]:
    """Substations of 8 feeders, feeders of 2–4 sections, sections of a few transformers; zones of
    50 pipe segments. Returns the device rows and the transformer and pipe codes."""
    rows: list[list[str]] = []
    leaves: list[str] = []
    substation = feeder = 0
    while len(leaves) < transformers:
        if feeder % 8 == 0:
            substation += 1
            rows.append(["substation", f"BS{substation:03d}", "",
                         f"{substation}号110kV变电站", "", "南山区", ""])
        feeder += 1
        rows.append(["feeder", f"BF{feeder:04d}", f"BS{substation:03d}",
                     f"10kV{feeder}号线", "", "南山区", ""])
        for section in range(1, 2 + feeder % 3 + 1):
            code = f"BF{feeder:04d}-K{section}"
            rows.append(["section", code, f"BF{feeder:04d}",
                         f"10kV{feeder}号线第{section}分段", "", "南山区", ""])
            for _ in range(rng.randint(2, 4)):
                leaves.append(f"BF{feeder:04d}-T{len(leaves) + 1:05d}")
                rows.append(["transformer", leaves[-1], code, f"{len(leaves)}号配变", "", "南山区", ""])
    pipe_codes: list[str] = []
    for zone in range(1, pipes // 50 + 2):
        rows.append(["zone", f"BZ{zone:02d}", "", f"{zone:02d}号供水分区", "", "南山区", ""])
        for _ in range(50):
            if len(pipe_codes) < pipes:
                pipe_codes.append(f"BZ{zone:02d}-P{len(pipe_codes) + 1:05d}")
                dn = rng.choice((100, 100, 150, 150, 150, 200, 300, 400, 600))
                rows.append(["pipe", pipe_codes[-1], f"BZ{zone:02d}", f"配水管{len(pipe_codes)}",
                             str(dn), "南山区", ""])
    return rows, leaves, pipe_codes


def write_csv(path: Path, devices: list[list[str]], attach: list[tuple[str, str]],
              rng: random.Random) -> None:
    rows = devices + [["service_point", number, device, "", "", "", ""] for number, device in attach]
    rng.shuffle(rows)  # parents after children, as often as not
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def run(label: str, path: Path) -> ImportReport:
    timer = PhaseTimer()
    started = time.perf_counter()
    report = network_import(path, progress=timer)
    seconds = time.perf_counter() - started
    devices = sum(report.created.values()) + sum(report.updated.values())
    phases = ", ".join(f"{name} {value:.2f} s" for name, value in timer.seconds.items())
    print(f"{label}: {seconds:.2f} s — {report.rows:,} rows, devices written {devices:,}, "
          f"service points attached {report.service_points_attached:,} / unchanged "
          f"{report.service_points_unchanged:,}\n    {phases}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--transformers", type=int, default=2_400)
    parser.add_argument("--pipes", type=int, default=800)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep-csv", action="store_true")
    options = parser.parse_args()
    rng = random.Random(options.seed)
    print(machine())
    print(f"{connection.vendor} "
          f"{connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    power, water = prepare(options.points)
    print(f"prepared {len(power):,} power and {len(water):,} water service points in "
          f"{time.perf_counter() - started:.1f} s")
    devices, transformers, pipes = network_rows(options.transformers, options.pipes, rng)
    attach = [(n, rng.choice(transformers)) for n in power] + [(n, rng.choice(pipes)) for n in water]
    folder = Path(tempfile.mkdtemp(prefix="netimport-"))
    first = folder / "network.csv"
    write_csv(first, devices, attach, rng)
    print(f"{first}: {len(devices):,} devices ({len(transformers):,} transformers, {len(pipes):,} pipe "
          f"segments), {len(attach):,} service points, {first.stat().st_size / 1e6:.1f} MB")
    run("first import", first)
    run("same file again", first)
    is_transformer = set(transformers)
    moved = [(n, rng.choice(transformers if d in is_transformer else pipes)) if i % 10 == 0 else (n, d)
             for i, (n, d) in enumerate(attach)]
    second = folder / "network-moved.csv"
    write_csv(second, devices, moved, rng)
    run("a tenth of the points moved", second)
    if not options.keep_csv:
        for path in (first, second):
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
