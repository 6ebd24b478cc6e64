"""Outage storm (issue 4 part 8): a synthetic network, faults at three levels and a storm of fault
calls through ``outages.fault_calls.fault_call_take`` (the code the API runs) and through
``POST /api/v1/fault-calls``; intake rate, latency, and precision and recall of the predicted
outages against the injected faults.

    python bench/storm.py build                      # (re)creates the database sd_storm, ~1 min
    python bench/storm.py simulate --rules demo      # the inference model alone, no database, ~1 s
    python bench/storm.py service --processes 2 --rules demo
    python bench/storm.py http --workers 2 --connections 16 --rules demo
    python bench/storm.py profile --calls 3000       # statements and time per call, by outcome

``--database`` (default sd_storm) on ``--server`` (default postgres://postgres@127.0.0.1:5432).

build: the demo utility's configuration (``demo.reference.reference_data_load``: request types
with their fields, routing and priority rules, SLA policies, inference rules, troubleshooting
scripts, staff), then the network of ``bench/storm_model.py`` (default 28 feeders × 8 sections ×
10 transformers × 100 service points: 2,240 transformers, 224,000 service points, each with its
customer and account), written with COPY (``demo.loader.BulkWriter``), ``lineage`` and ``area``
set as ``network.services`` sets them.

build then plays a first storm (``--history`` calls, another seed) through the service and ages it
by 30 days: its outages restored, its calls explained. A service centre's tables are never empty,
and PostgreSQL plans its statements (foreign-key checks and prepared statements included) by the
tables' statistics: with empty tables a connection keeps sequential-scan plans while the tables
grow, and the rate fell from about 500 to 230 calls/s over a storm.

service / http: delete what earlier runs wrote after the history (contacts, fault calls, outages,
requests and their events, SLA timers, idempotency records), set the inference rules (``--rules``: a preset or
``transformer=3:15%,section=/2:50%,feeder=/2:50%,window=120``: service points calling under a
transformer, children out under a section or feeder, each a count, a share or both), make the storm
(``storm_model.storm_make``: ``--calls``, faults at ``--feeders/--sections/--transformers``,
noise, unidentified callers) and play it in storm order: ``service`` in ``--processes``
processes, each taking every n-th call in turn (fetch the service point as the API does, then
``fault_call_take``); ``http`` against ``servicedesk serve`` (gunicorn) driven by wrk (Debian's
``wrk``), each wrk thread sending every n-th call. Then: calls/s, per-call latency, outcomes, and
precision and recall of the open outages' devices against the injected faults, with the model's
answer for the same calls beside them.

The storm lasts ``--minutes`` of simulated time, but the service takes the time of each call
from the clock: the calls of 45 simulated minutes are taken in about two real minutes, so every
inference window of 45 minutes or more sees the same calls it would have seen in real time
(``simulate`` uses the simulated times; with a shorter window only it is meaningful).
"""

import argparse
import json
import multiprocessing as mp
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from storm_model import (  # noqa: E402
    NOISE,
    POLICE,
    Network,
    Storm,
    evaluate,
    rules_parse,
    rules_text,
    simulate,
    storm_make,
)

ROOT = Path(__file__).resolve().parent.parent
SP_PREFIX = "ST"
DISTRICT_NAMES = ("福田区", "罗湖区", "南山区", "宝安区", "龙岗区", "龙华区", "盐田区")
# What a call writes; emptied back to the history before each run.
RUN_TABLES = ("outages_faultcall", "outages_outage", "contacts_callback", "contacts_outboundmessage",
              "contacts_contactrecord", "tickets_requestevent", "tickets_servicerequest", "sla_timer",
              "sla_timerwarning", "sla_notification", "core_idempotencyrecord")
HISTORY_TABLE = "storm_history"  # each run table's last id of the history
HISTORY_AGE = "30 days"


# ----------------------------------------------------------------------------------------------
# Set-up


def _psql(server: str, database: str, statement: str) -> subprocess.CompletedProcess:
    return subprocess.run(["psql", f"{server}/{database}", "-qtAc", statement],
                          capture_output=True, text=True)


def _use_database(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = f"{args.server}/{args.database}"
    os.environ.setdefault("SERVICEDESK_DATA_DIR", f"/tmp/{args.database}_data")
    os.environ.setdefault("SERVICEDESK_FAST_PASSWORD_HASHER", "1")
    from common import django_setup

    django_setup()


class AutoAnalyze(threading.Thread):
    """What autovacuum does for the planner on a production server, where this machine's server has
    it off (``autovacuum = off``, set for the test runs): every ``naptime`` seconds, ANALYZE each
    table a call writes that changed by more than 50 rows and 10 % of its rows since it was last
    analyzed (autovacuum's defaults). Without it the statistics of the tables a storm fills stay
    those of before the storm. Does nothing when the server runs autovacuum itself."""

    def __init__(self, dsn: str, naptime: float = 60.0) -> None:
        super().__init__(daemon=True)
        self.dsn, self.naptime = dsn, naptime
        self.halt = threading.Event()
        self.analyzed: list[str] = []

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as connection:
            if connection.execute("SHOW autovacuum").fetchone()[0] == "on":
                return
            while not self.halt.wait(self.naptime):
                changed = connection.execute(
                    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE "
                    "s.relname = ANY(%s) AND s.n_mod_since_analyze > 50 + 0.1 * GREATEST(c.reltuples, 0)",
                    [list(RUN_TABLES)]).fetchall()
                for (table,) in changed:
                    connection.execute(f"ANALYZE {table}")
                    self.analyzed.append(table)

    def __enter__(self) -> "AutoAnalyze":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.halt.set()
        self.join()

    def __str__(self) -> str:
        return (f"autovacuum's ANALYZE done by the benchmark every {self.naptime:.0f} s: "
                f"{len(self.analyzed)} tables analyzed ({', '.join(sorted(set(self.analyzed))) or 'none'})")


def cpu_busy(seconds: float = 3.0) -> float:
    """Share of the machine's CPU time spent busy over ``seconds`` (other processes' load)."""
    def sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = values[3] + values[4]
        return sum(values), idle

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


class LoadMeter:
    """CPU used during a run by everything else on the machine: the total busy time less this
    process's tree (workers, gunicorn, wrk) and the PostgreSQL backends of this database."""

    def __init__(self) -> None:
        self.ticks = os.sysconf("SC_CLK_TCK")
        self.mine: dict[int, float] = {}  # pid → CPU seconds when first seen
        self.used: dict[int, float] = {}  # pid → CPU seconds last seen
        self.start_total, self.start_idle = self._machine()
        self.began = time.perf_counter()

    @staticmethod
    def _machine() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(values), values[3] + values[4]

    def _cpu(self, pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / self.ticks

    def _tree(self, root: int) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(parent, []).append(int(entry.name))
        found, todo = [], [root]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def sample(self, backends: list[int] = ()) -> None:
        for pid in [*self._tree(os.getpid()), *backends]:
            cpu = self._cpu(pid)
            if cpu is None:
                continue
            self.mine.setdefault(pid, cpu)
            self.used[pid] = cpu

    def split(self, backends: list[int]) -> str:
        """CPU seconds per call site since the start: this process tree, the database's backends."""
        tree = sum(self.used[pid] - self.mine[pid] for pid in self.used if pid not in backends)
        database = sum(self.used[pid] - self.mine[pid] for pid in self.used if pid in backends)
        return f"CPU: clients {tree:.0f} s, PostgreSQL backends {database:.0f} s"

    def others(self) -> float:
        """Share of the machine's CPU the others used since the start."""
        total, idle = self._machine()
        busy = (total - self.start_total - (idle - self.start_idle)) / self.ticks
        mine = sum(self.used[pid] - self.mine[pid] for pid in self.used)
        capacity = (time.perf_counter() - self.began) * (os.cpu_count() or 1)
        return max(0.0, busy - mine) / capacity


def _backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [row[0] for row in cursor.fetchall()]


def cpu_probe() -> float:
    """Seconds for 10⁷ additions in pure Python: the speed this shared machine gives us now (it
    varied from 0.6 to 1.4 s between sessions and within one), to compare runs by."""
    began = time.perf_counter()
    total = 0
    for number in range(10**7):
        total += number
    return time.perf_counter() - began


def _say_load() -> None:
    busy = cpu_busy()
    print(f"Before the run the machine was {busy:.0%} busy with other work"
          + (" — figures will be low; run again when it is idle" if busy > 0.1 else "")
          + f"; CPU probe (10⁷ Python additions): {cpu_probe():.2f} s")


def _network_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--feeders", type=int, default=28)
    parser.add_argument("--sections", type=int, default=8, help="per feeder")
    parser.add_argument("--transformers", type=int, default=10, help="per section")
    parser.add_argument("--points", type=int, default=100, help="service points per transformer")


def _storm_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--fault-feeders", type=int, default=5)
    parser.add_argument("--fault-sections", type=int, default=10)
    parser.add_argument("--fault-transformers", type=int, default=40)
    parser.add_argument("--minutes", type=float, default=45.0, help="simulated length of the storm")
    parser.add_argument("--noise", type=float, default=0.15,
                        help="share of calls from unaffected service points")
    parser.add_argument("--unidentified", type=float, default=0.03,
                        help="share of callers without a service point")
    parser.add_argument("--self-help", type=float, default=0.2,
                        help="share of noise calls the self-check solves")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rules", default="demo",
                        help="preset (demo) or transformer=3:15%%,section=/2:50%%,…,window=120")
    parser.add_argument("--warmup", type=int, default=2000,
                        help="calls of another storm taken before the run, then deleted (service, http)")


def _warmup(args: argparse.Namespace, network: Network) -> Storm:
    """Calls of another storm, taken before the run and then deleted: a production server has been
    taking calls when a storm comes (connections open, statements prepared, bundles cached)."""
    storm = storm_make(network, calls=args.warmup, seed=args.seed + 7919)
    print(f"Warm-up: {len(storm.calls):,} calls of another storm, deleted before the run")
    return storm


def _storm(args: argparse.Namespace, network: Network) -> Storm:
    return storm_make(network, calls=args.calls, feeders=args.fault_feeders, sections=args.fault_sections,
                      transformers=args.fault_transformers, minutes=args.minutes, noise=args.noise,
                      unidentified=args.unidentified, self_help=args.self_help, seed=args.seed)


def build(args: argparse.Namespace) -> None:
    network = Network(feeders=args.feeders, sections=args.sections, transformers=args.transformers,
                      points=args.points)
    subprocess.run(["psql", f"{args.server}/postgres", "-qc",
                    f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)"],
                   check=True)
    subprocess.run(["psql", f"{args.server}/postgres", "-qc", f"CREATE DATABASE {args.database}"], check=True)
    started = time.perf_counter()
    env = {**os.environ, "DATABASE_URL": f"{args.server}/{args.database}"}
    subprocess.run([sys.executable, "-m", "servicedesk.cli", "migrate", "-v0"], check=True, cwd=ROOT, env=env)
    subprocess.run([sys.executable, "-m", "servicedesk.cli", "createcachetable"],
                   check=True, cwd=ROOT, env=env)
    migrated = time.perf_counter()
    _use_database(args)
    from django.db import transaction

    from servicedesk.demo.reference import reference_data_load

    reference_data_load()
    configured = time.perf_counter()
    with transaction.atomic():
        _load_network(network)
    loaded = time.perf_counter()
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("network_device", "customers_customer", "customers_account", "customers_servicepoint"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"migrate {migrated - started:.1f} s, configuration {configured - migrated:.1f} s, network and "
          f"customers {loaded - configured:.1f} s, vacuum {time.perf_counter() - loaded:.1f} s")
    print(f"{network.substation_count} substations, {network.feeders} feeders, {network.section_count} "
          f"sections, {network.transformer_count:,} transformers, {network.point_count:,} service "
          "points and customers")
    if args.history:
        _history_make(args)


def _history_make(args: argparse.Namespace) -> None:
    """A first storm through the service, aged by ``HISTORY_AGE``: what the tables hold when the
    next storm comes (its outages restored, its calls explained, nothing inside a window)."""
    from django.db import connection, connections, transaction

    from servicedesk.outages.models import OutageStatus

    began = time.perf_counter()
    loaded = Loaded()
    history = storm_make(loaded.network, calls=args.history, seed=args.history_seed)
    _reset_and_configure("demo", history_expected=False)
    connections.close_all()
    reports, _ = _play(history.calls, processes=2, first_point=loaded.first_point, description="history")
    failed = sum(sum(r["errors"].values()) for r in reports)
    if failed:
        raise SystemExit(f"{failed} history calls failed: {[r['errors'] for r in reports]}")
    age = f"interval '{HISTORY_AGE}'"
    with transaction.atomic(), connection.cursor() as cursor:
        _history_rewrite(cursor)
        cursor.execute("UPDATE outages_outage SET status = %s, closed_at = COALESCE(closed_at, created_at "
                       "+ interval '3 hours') WHERE status = ANY(%s)",
                       [OutageStatus.RESTORED, [OutageStatus.PREDICTED, OutageStatus.CONFIRMED]])
        for table, columns in (("outages_outage", ("created_at", "closed_at", "etr", "confirmed_at")),
                               ("outages_faultcall", ("reported_at",)),
                               ("contacts_contactrecord", ("started_at",)),
                               ("tickets_servicerequest",
                                ("created_at", "updated_at", "estimated_completion_at",
                                                           "resolved_at", "closed_at")),
                               ("tickets_requestevent", ("at",)),
                               ("sla_timer", ("started_at", "due_at", "next_warning_at", "computed_at")),
                               ("core_idempotencyrecord", ("created_at",))):
            cursor.execute(f"UPDATE {table} SET " + ", ".join(f"{c} = {c} - {age}" for c in columns))
        # Calls grouped into an outage were explained when it was confirmed; single faults stay
        # unexplained (outside every window now).
        cursor.execute("UPDATE outages_faultcall SET unexplained = false WHERE outage_id IS NOT NULL")
        cursor.execute(f"DROP TABLE IF EXISTS {HISTORY_TABLE}")
        cursor.execute(f"CREATE TABLE {HISTORY_TABLE} (name text PRIMARY KEY, last_id bigint NOT NULL)")
        for table in RUN_TABLES:
            cursor.execute(f"INSERT INTO {HISTORY_TABLE} SELECT %s, COALESCE(MAX(id), 0) FROM {table}",
                           [table])
    with connection.cursor() as cursor:
        for table in RUN_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"history: {args.history:,} calls (seed {args.history_seed}) taken and aged by {HISTORY_AGE} in "
          f"{time.perf_counter() - began:.0f} s; rows kept: {_history_marks()}")


def _history_rewrite(cursor) -> None:  # type: ignore[no-untyped-def]
    """Let this transaction age and delete history rows: the request history is append-only, by a
    trigger (the benchmark connects as a superuser)."""
    cursor.execute("SET LOCAL session_replication_role = replica")


def _history_marks() -> dict[str, int]:
    """Each run table's last id of the history ({} in a database built without one)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [HISTORY_TABLE])
        if not cursor.fetchone()[0]:
            return {}
        cursor.execute(f"SELECT name, last_id FROM {HISTORY_TABLE}")
        return dict(cursor.fetchall())


def _load_network(network: Network) -> None:
    import datetime
    from decimal import Decimal

    from django.utils import timezone
    from tqdm import tqdm

    from servicedesk.customers.models import Account, Customer, ServicePoint
    from servicedesk.demo.generate import ACCOUNT_FIELDS, CUSTOMER_FIELDS, SERVICE_POINT_FIELDS
    from servicedesk.demo.loader import BulkWriter
    from servicedesk.demo.network import DEVICE_FIELDS
    from servicedesk.network.models import Device

    writer = BulkWriter()
    next_device = writer.next_id(Device)
    rows = []
    ids: dict[str, int] = {}

    def device(code: str, kind: str, parent: str | None, name: str, district: str) -> None:
        nonlocal next_device
        pk = next_device
        next_device += 1
        ids[code] = pk
        above = rows[ids[parent] - rows[0][0]] if parent else None
        lineage = [*above[6], above[0]] if above else []
        area = pk if kind == "feeder" else (above[7] if above else None)
        rows.append((pk, code, kind, "power", name, above[0] if above else None, lineage,
                     area, None, district,
                     f"深圳市{district}"))

    for number in range(network.substation_count):
        device(network.substation_code(number), "substation", None, f"风暴{number + 1}号变电站",
               DISTRICT_NAMES[number % len(DISTRICT_NAMES)])
    for f in range(network.feeders):
        substation = network.substation_code(f // 4)
        district = DISTRICT_NAMES[(f // 4) % len(DISTRICT_NAMES)]
        device(network.feeder_code(f), "feeder", substation, f"10kV风暴{f + 1}线", district)
        for s in range(network.sections):
            section = f * network.sections + s
            device(network.section_code(section), "section", network.feeder_code(f),
                   f"10kV风暴{f + 1}线第{s + 1}分段",
                   district)
            for t in range(network.transformers):
                transformer = section * network.transformers + t
                device(network.transformer_code(transformer), "transformer", network.section_code(section),
                       f"风暴{f + 1}线{s + 1}段{t + 1}号配变", district)
    writer.write(Device, DEVICE_FIELDS, rows)
    transformer_ids = [ids[network.transformer_code(t)] for t in range(network.transformer_count)]
    district_of = {pk: row[9] for pk, row in zip((r[0] for r in rows), rows, strict=True)}
    first = {"customer": writer.next_id(Customer), "account": writer.next_id(Account),
             "point": writer.next_id(ServicePoint)}
    cut = network.cut_points()
    now = timezone.now()
    opened = datetime.date(2015, 1, 1)
    bar = tqdm(total=network.point_count, desc="customers and service points", unit="points", unit_scale=True)

    def customers():  # type: ignore[no-untyped-def]
        for i in range(network.point_count):
            yield (first["customer"] + i, f"SC{i:09d}", f"风暴用户{i}", "person", "residential", "",
                   f"13{i:09d}", "", None, "", now)

    def accounts():  # type: ignore[no-untyped-def]
        for i in range(network.point_count):
            yield (first["account"] + i, f"SA{i:09d}", first["customer"] + i, "active",
                   Decimal("0.00"), opened)

    def points():  # type: ignore[no-untyped-def]
        for i in range(network.point_count):
            transformer = transformer_ids[network.transformer_of(i)]
            district = district_of[transformer]
            yield (first["point"] + i, f"{SP_PREFIX}{i:09d}", "power", first["customer"] + i,
                   first["account"] + i,
                   f"深圳市{district}风暴路{i // 400 + 1}号{i % 400 + 1}室", district,
                   "cut_unpaid" if i in cut else "connected", f"DB{i:010d}",
                   network.transformer_code(network.transformer_of(i)), transformer)
            if i % 5000 == 4999:
                bar.update(5000)

    writer.write(Customer, CUSTOMER_FIELDS, customers())
    writer.write(Account, ACCOUNT_FIELDS, accounts())
    writer.write(ServicePoint, SERVICE_POINT_FIELDS, points())
    bar.update(network.point_count % 5000)
    bar.close()
    writer.reset_sequences([Device, Customer, Account, ServicePoint])


# ----------------------------------------------------------------------------------------------
# The network as loaded, and the run's set-up


class Loaded:
    """The storm network read back: its shape, device codes → ids, the first service point's id."""

    def __init__(self) -> None:
        from servicedesk.customers.models import ServicePoint
        from servicedesk.network.models import Device

        codes = dict(Device.objects.filter(code__startswith="STM-").values_list("code", "pk"))
        kinds = Counter(Device.objects.filter(code__startswith="STM-").values_list("kind", flat=True))
        if not kinds["feeder"]:
            raise SystemExit("No storm network in this database: run `python bench/storm.py build` first.")
        sections = kinds["section"] // kinds["feeder"]
        transformers = kinds["transformer"] // kinds["section"]
        points = ServicePoint.objects.filter(number__startswith=SP_PREFIX).count() // kinds["transformer"]
        self.network = Network(feeders=kinds["feeder"], sections=sections,
                               transformers=transformers, points=points)
        self.ids = codes
        self.first_point = ServicePoint.objects.get(number=f"{SP_PREFIX}{0:09d}").pk
        last = self.network.point_count - 1
        if ServicePoint.objects.get(number=f"{SP_PREFIX}{last:09d}").pk != self.first_point + last:
            raise SystemExit("The storm service points' ids are not consecutive; rebuild the database.")
        self.level_of = {}
        for level, count in (("feeder", self.network.feeders), ("section", self.network.section_count),
                             ("transformer", self.network.transformer_count)):
            for index in range(count):
                self.level_of[codes[self.network.code(level, index)]] = (level, index)


def _reset_and_configure(rules_spec: str, *, history_expected: bool = True) -> None:
    from django.db import connection, transaction

    from servicedesk.outages.models import InferenceRule

    marks = _history_marks()
    if marks:
        with transaction.atomic(), connection.cursor() as cursor:
            _history_rewrite(cursor)
            for table in RUN_TABLES:
                cursor.execute(f"DELETE FROM {table} WHERE id > %s", [marks.get(table, 0)])
    else:
        if history_expected:
            print("No history in this database (built before `build --history`): the run starts "
                  "on empty tables")
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(RUN_TABLES)} RESTART IDENTITY CASCADE")
    rules = rules_parse(rules_spec)
    for kind in ("transformer", "section", "feeder"):
        rule = rules.get(kind)
        if rule is None:
            InferenceRule.objects.filter(device_kind=kind).update(active=False)
            continue
        row, _ = InferenceRule.objects.get_or_create(device_kind=kind)
        row.min_service_points, row.min_service_points_percent = rule.points, round(rule.share * 100)
        row.min_children, row.min_children_percent = rule.children, round(rule.child_share * 100)
        row.window_minutes, row.active = rule.window, True
        row.save()  # post_save drops the cached outage configuration
    with connection.cursor() as cursor:
        for table in RUN_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")


def _problem(call) -> dict:  # type: ignore[no-untyped-def]
    """The work request's detail as the agent records it; ``outage_scope`` is the caller's answer
    about the neighbours (``storm_model.SCOPE_ANSWERS``)."""
    if call.kind == POLICE:
        return {"fault_location": "hv_cable", "outage_scope": "area", "hazard": True}
    if call.kind == NOISE:
        return {"fault_location": "service_point", "outage_scope": call.scope}
    return {"fault_location": "unknown", "outage_scope": call.scope}


def _troubleshooting(call) -> list[tuple[str, bool, tuple[int, ...]]]:  # type: ignore[no-untyped-def]
    if call.solved:
        return [("main-breaker", True, (1, 2, 3))]
    if call.checked:
        return [("main-breaker", False, (1, 2) if call.kind == NOISE else (1,))]
    return []


def take_call(call, actor, first_point: int):  # type: ignore[no-untyped-def]
    """One call as the API takes it: the service point fetched as the endpoint does, then the service."""
    from servicedesk.outages.fault_calls import FaultCallInput, TroubleshootingAnswer, fault_call_take
    from servicedesk.outages.selectors import service_point_for_call

    answers = [TroubleshootingAnswer(script=s, solved=ok, steps_done=done) for s, ok,
               done in _troubleshooting(call)]
    if call.point >= 0:
        point = service_point_for_call(first_point + call.point)
        return fault_call_take(FaultCallInput(service_point=point, reporter_phone=point.customer.mobile,
                               troubleshooting=answers, problem=_problem(call)), actor=actor)
    if call.kind == POLICE:
        return fault_call_take(FaultCallInput(reporter_kind="non_customer", reporter_name="110 民警",
                               reporter_phone="110", location="深圳市福田区风暴路口 电线落地",
                               problem=_problem(call)), actor=actor)
    return fault_call_take(FaultCallInput(reporter_kind="unidentified", problem={}), actor=actor)


def _agents() -> list[int]:
    from servicedesk.org.models import User

    return list(User.objects.filter(role="agent", is_active=True).order_by("pk").values_list("pk", flat=True))


# ----------------------------------------------------------------------------------------------
# Service layer, several processes


def _worker(number: int, calls: list, agent_ids: list[int], first_point: int, done, ready, results,  # type: ignore[no-untyped-def]
            warmup: list = (), warmed=None) -> None:
    from django.db import OperationalError, connections

    connections.close_all()  # a connection of its own, not the parent's
    from servicedesk.org.models import User
    from servicedesk.outages.config import outage_config
    from servicedesk.tickets.config import intake_config

    agents = list(User.objects.filter(pk__in=agent_ids))
    outage_config()
    intake_config()
    for n, call in enumerate(warmup):  # a server that has been taking calls (the parent then deletes them)
        try:
            take_call(call, agents[n % len(agents)], first_point)
        except Exception:  # noqa: BLE001, S110 - a warm-up call that failed warmed up all the same
            pass
    if warmed is not None:
        warmed.wait()
    latencies: list[float] = []
    outcomes: Counter = Counter()
    errors: Counter = Counter()
    retries = 0
    ready.wait()
    started = time.perf_counter()
    for n, call in enumerate(calls):
        actor = agents[(n * 7 + number) % len(agents)]
        begun = time.perf_counter()
        for attempt in range(3):
            try:
                result = take_call(call, actor, first_point)
                outcomes[result.outcome] += 1
                break
            except OperationalError as error:  # deadlock: the client would retry
                retries += 1
                if attempt == 2:
                    errors[type(error).__name__ + ": " + str(error).splitlines()[0][:80]] += 1
            except Exception as error:  # noqa: BLE001 - counted and reported
                errors[type(error).__name__ + ": " + str(error).splitlines()[0][:80]] += 1
                break
        latencies.append(time.perf_counter() - begun)
        if n % 50 == 49:
            done[number] = n + 1
    done[number] = len(calls)
    finished = time.perf_counter()
    connections.close_all()
    results.put({"worker": number, "latencies": latencies, "outcomes": dict(outcomes), "errors": dict(errors),
                 "retries": retries, "started": started, "finished": finished})


def _play(calls: list, *, processes: int, first_point: int, description: str, warmup: list = (),  # type: ignore[type-arg]
          rules: str = "demo") -> tuple[list[dict], str]:
    """The calls through ``take_call`` in ``processes`` processes, each taking every n-th call in
    turn; the workers' reports and what the machine did meanwhile. With ``warmup`` calls, the
    workers take those first, the database is reset to the history, and then the calls begin."""
    from django.db import connections
    from tqdm import tqdm

    agent_ids = _agents()
    connections.close_all()
    context = mp.get_context("fork")
    done = context.Array("i", processes, lock=False)
    ready = context.Barrier(processes + 1)
    warmed = context.Barrier(processes + 1)
    results = context.Queue()
    workers = [context.Process(target=_worker,
                               args=(n, calls[n::processes], agent_ids, first_point, done, ready,
                                                      results, warmup[n::processes], warmed))
               for n in range(processes)]
    for worker in workers:
        worker.start()
    warmed.wait()
    if warmup:
        _reset_and_configure(rules)
        connections.close_all()
    ready.wait()
    meter = LoadMeter()
    backends: list[int] = []
    tick = 0
    with tqdm(total=len(calls), desc=description, unit="calls") as bar:
        while any(w.is_alive() for w in workers) and sum(done) < len(calls):
            time.sleep(0.5)
            tick += 1
            if tick % 10 == 1:
                backends = _backends()
            meter.sample(backends)
            bar.update(sum(done) - bar.n)
        bar.update(sum(done) - bar.n)
    meter.sample(backends)
    connections.close_all()
    reports = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return reports, (f"other processes used {meter.others():.0%} of the machine's CPU during the run; "
                     f"{meter.split(backends)}")


def _run_set_up(args: argparse.Namespace) -> tuple[Loaded, Storm]:
    """The network read back, the storm made and shown, the database reset to the history."""
    loaded = Loaded()
    storm = _storm(args, loaded.network)
    _print_storm(loaded.network, storm)
    _reset_and_configure(args.rules)
    return loaded, storm


def service(args: argparse.Namespace) -> None:
    _use_database(args)
    from common import machine, percentile

    loaded, storm = _run_set_up(args)
    network = loaded.network
    _say_load()
    warmup = _warmup(args, network)
    with AutoAnalyze(os.environ["DATABASE_URL"]) as analyze:
        reports, load = _play(storm.calls, processes=args.processes, first_point=loaded.first_point,
                              description=f"storm, {args.processes} processes", warmup=warmup.calls,
                              rules=args.rules)
    wall = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
    latencies = [x for r in reports for x in r["latencies"]]
    outcomes = sum((Counter(r["outcomes"]) for r in reports), Counter())
    errors = sum((Counter(r["errors"]) for r in reports), Counter())
    retries = sum(r["retries"] for r in reports)
    print(f"\nService layer ({args.processes} processes, rules {rules_text(rules_parse(args.rules))}): "
          f"{len(latencies):,} calls in {wall:.1f} s = {len(latencies) / wall:,.0f} calls/s; latency p50 "
          f"{percentile(latencies, 50) * 1000:.1f} ms, p95 {percentile(latencies, 95) * 1000:.1f} ms, p99 "
          f"{percentile(latencies, 99) * 1000:.1f} ms, max {max(latencies) * 1000:.0f} ms")
    print(f"retried after a database error: {retries}; failed: {sum(errors.values())} {dict(errors)}; {load}")
    print(analyze)
    _report(args, loaded, storm, outcomes)
    print(f"Machine: {machine()}")


def _print_storm(network: Network, storm: Storm) -> None:
    kinds = storm.counts()
    print(f"Network: {network.feeders} feeders × {network.sections} sections × {network.transformers} "
          f"transformers × {network.points} service points = {network.point_count:,} service points, "
          f"{network.transformer_count:,} transformers")
    faults = Counter(f.level for f in storm.faults)
    noise_points = kinds[NOISE]
    unaffected = network.point_count - storm.affected_points
    print(f"Storm: {len(storm.calls):,} calls over {storm.parameters['minutes']:.0f} simulated "
          f"minutes; faults: {faults['feeder']} feeders, {faults['section']} sections, "
          f"{faults['transformer']} transformers ({storm.affected_points:,} service points without "
          f"supply, {storm.call_share:.0%} of them call, {storm.parameters['repeat']:.0%} of callers "
          f"again); calls: {dict(kinds)}; noise {noise_points / unaffected * network.points:.1f} calls "
          f"per {network.points} unaffected service points")


def _report(args: argparse.Namespace, loaded: Loaded, storm: Storm, outcomes: Counter) -> None:
    from django.db.models import Count

    from servicedesk.contacts.models import ContactRecord
    from servicedesk.outages.models import OPEN_OUTAGE_STATUSES, FaultCall, Outage
    from servicedesk.tickets.models import ServiceRequest

    network = loaded.network
    marks = _history_marks()
    contacts = ContactRecord.objects.filter(pk__gt=marks.get("contacts_contactrecord", 0))
    calls = FaultCall.objects.filter(pk__gt=marks.get("outages_faultcall", 0))
    outages = Outage.objects.filter(pk__gt=marks.get("outages_outage", 0))
    requests = ServiceRequest.objects.filter(pk__gt=marks.get("tickets_servicerequest", 0))
    open_devices = list(Outage.objects.filter(status__in=OPEN_OUTAGE_STATUSES)
                        .values_list("device_id", flat=True))
    predicted = {loaded.level_of[d] for d in open_devices if d in loaded.level_of}
    result = evaluate(network, storm.faults, predicted)
    recorded = dict(contacts.values_list("outcome").annotate(n=Count("id")).order_by())
    linked = calls.filter(outage__status__in=OPEN_OUTAGE_STATUSES).count()
    print(f"Contacts recorded: {sum(recorded.values()):,} of {len(storm.calls):,} calls; by "
          f"outcome {recorded}")
    print(f"Fault calls {calls.count():,}, linked to an open outage {linked:,}; "
          f"work requests {requests.count():,}; outages "
          f"{dict(outages.values_list('status').annotate(n=Count('id')).order_by())}"
          + (f"; history kept: {marks['contacts_contactrecord']:,} contacts, {marks['outages_faultcall']:,} "
             f"fault calls, {marks['tickets_servicerequest']:,} requests" if marks else ""))
    _print_evaluation("database", result)
    model = simulate(network, storm, rules_parse(args.rules))
    _print_evaluation("model, same calls in order", evaluate(network, storm.faults, model.open))
    print(f"model outcomes: {dict(model.outcomes)}")
    print("RESULT " + json.dumps({"rules": rules_text(rules_parse(args.rules)), "outcomes": dict(outcomes),
                                  "evaluation": result}))


def _print_evaluation(label: str, result: dict) -> None:
    levels = ", ".join(f"{level} {v['found']}/{v['injected']} (+{v['false']} false)"
                       for level, v in result["by_level"].items())
    print(f"Predicted outages ({label}): {result['predicted']} open, {result['true']} at injected devices, "
          f"{result['false']} elsewhere ({result['near_misses']} near misses: above or below an injected "
          f"device); precision {result['precision']:.3f}, recall {result['recall']:.3f}; {levels}")


# ----------------------------------------------------------------------------------------------
# The model alone


def simulate_only(args: argparse.Namespace) -> None:
    network = Network(feeders=args.feeders, sections=args.sections, transformers=args.transformers,
                      points=args.points)
    storm = _storm(args, network)
    _print_storm(network, storm)
    for spec in args.rules.split(";"):
        started = time.perf_counter()
        model = simulate(network, storm, rules_parse(spec))
        print(f"\nrules {rules_text(rules_parse(spec))} ({time.perf_counter() - started:.1f} s)")
        print(f"outcomes: {dict(model.outcomes)}")
        _print_evaluation("model", evaluate(network, storm.faults, model.open))


# ----------------------------------------------------------------------------------------------
# HTTP: gunicorn + wrk

LUA = r"""
local bodies = {%(bodies)s}
local tokens = {%(tokens)s}
local threads = %(threads)d
local counter = 0
local tid = 0
local next_tid = 0
setup = function(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
end
local verified = true
init = function(args)
  tid = wrk.thread:get("tid")
  -- wrk calls the first thread's request() once to check it, before any connection: not a call.
  verified = tid ~= 1
end
request = function()
  if not verified then
    verified = true
    return wrk.format("GET", "/api/v1/me", {["Authorization"] = "Bearer " .. tokens[tid]})
  end
  local index = tid + counter * threads
  counter = counter + 1
  if index > #bodies then
    return wrk.format("GET", "/api/v1/me", {["Authorization"] = "Bearer " .. tokens[tid]})
  end
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer " .. tokens[tid]
  %(key)s
  %(close)s
  return wrk.format("POST", "/api/v1/fault-calls", headers, bodies[index])
end
local shown = 0
response = function(status, headers, body)
  if status >= 300 and shown < 5 then
    shown = shown + 1
    io.stderr:write("HTTP " .. status .. ": " .. string.sub(body, 1, 300) .. "\n")
  end
  if tid + counter * threads > #bodies + threads * 64 then
    wrk.thread:stop()
  end
end
"""


def _body(call, first_point: int) -> str:  # type: ignore[no-untyped-def]
    body: dict = {"problem": _problem(call)}
    if call.point >= 0:
        body["service_point_id"] = first_point + call.point
        body["reporter_phone"] = f"13{call.point:09d}"
    elif call.kind == POLICE:
        body.update(reporter_kind="non_customer", reporter_name="110 民警", reporter_phone="110",
                    location="深圳市福田区风暴路口 电线落地")
    else:
        body.update(reporter_kind="unidentified", problem={})
    answers = _troubleshooting(call)
    if answers:
        body["troubleshooting"] = [{"script": s, "solved": ok, "steps_done": list(done)} for s,
                                   ok, done in answers]
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _parse_wrk(output: str) -> dict:
    def seconds(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
        return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]

    result = {"requests": int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", output).group(1))}
    for pct in ("50", "75", "90", "99"):
        found = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", output, re.M)
        result[f"p{pct}"] = seconds(found.group(1)) if found else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    return result


def http(args: argparse.Namespace) -> None:
    _use_database(args)
    from common import machine
    from django.db import connections
    from tqdm import tqdm

    from servicedesk.contacts.models import ContactRecord
    from servicedesk.core.services import token_create
    from servicedesk.org.models import User

    loaded, storm = _run_set_up(args)
    network = loaded.network
    contacts = ContactRecord.objects.filter(pk__gt=_history_marks().get("contacts_contactrecord", 0))
    agents = list(User.objects.filter(pk__in=_agents()).order_by("pk")[:args.threads])
    tokens = [token_create(user=agent, name="storm benchmark")[1] for agent in agents]
    while len(tokens) < args.threads:
        tokens.append(tokens[-1])
    run = secrets.token_hex(4)
    key = (f'headers["Idempotency-Key"] = "storm-{run}-" .. index' if args.idempotency else "")
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    bodies_file = Path(tempfile.mkstemp(suffix=".jsonl")[1])
    bodies = ",".join("[==[" + _body(call, loaded.first_point) + "]==]" for call in storm.calls)
    # A connection per call spreads the calls over the workers as they become free; with a few
    # kept-alive connections, gunicorn's gthread workers keep the connections they accepted and
    # one worker can end up with all of them (seen after a worker is recycled).
    close = 'headers["Connection"] = "close"' if args.close else ""
    script.write_text(LUA % {"bodies": bodies, "tokens": ",".join(f'"{t}"' for t in tokens),
                             "threads": args.threads, "key": key, "close": close})
    connections.close_all()
    _say_load()
    # A SIGTERM (e.g. from `timeout`) still stops the server and wrk in the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    port = _free_port()
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
           "ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen([sys.executable, "-m", "servicedesk.cli", "serve", "--bind",
                               f"127.0.0.1:{port}",
                               "--workers", str(args.workers), "--threads", str(args.server_threads),
                               *(["--no-access-log"] if args.no_access_log else [])],
                              env=env, start_new_session=True, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wrk = None
    analyze = AutoAnalyze(os.environ["DATABASE_URL"])
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/api/v1/openapi.json", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        _probe(url, tokens[0])
        warmup = _warmup(args, network)
        if warmup.calls:
            warm_bodies = Path(tempfile.mkstemp(suffix=".jsonl")[1])
            warm_bodies.write_text("\n".join(_body(call,
                                                   loaded.first_point) for call in warmup.calls),
                                   encoding="utf-8")
            subprocess.run([sys.executable, str(Path(__file__).with_name("openloop.py")),
                            "--url", url, "--rate",
                            "150", "--bodies", str(warm_bodies), "--tokens", ",".join(tokens)],
                           check=True, stdout=subprocess.DEVNULL)
            warm_bodies.unlink()
            _reset_and_configure(args.rules)
            connections.close_all()
        if args.rate:
            bodies_file.write_text("\n".join(_body(call,
                                                   loaded.first_point) for call in storm.calls),
                                   encoding="utf-8")
            print(f"Sending {len(storm.calls):,} calls at {args.rate:g} calls/s (Poisson arrivals, open "
                  f"loop), {args.workers} gunicorn workers × {args.server_threads} threads …")
            command = [sys.executable, str(Path(__file__).with_name("openloop.py")), "--url", url, "--rate",
                       str(args.rate), "--bodies", str(bodies_file), "--tokens", ",".join(tokens),
                       *(["--key-prefix", f"storm-{run}"] if args.idempotency else []),
                       *(["--timeline", args.timeline] if args.timeline else [])]
        else:
            print(f"Sending {len(storm.calls):,} calls with wrk, {args.threads} threads, {args.connections} "
                  f"connections, {args.workers} gunicorn workers × {args.server_threads} threads …")
            command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", "-d3600s", "--timeout", "30s",
                       "--latency", "-s", str(script), url]
        analyze.start()
        wrk = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started = time.perf_counter()
        last_change = started
        meter = LoadMeter()
        backends: list[int] = []
        tick = 0
        with tqdm(total=len(storm.calls), desc="storm over HTTP", unit="calls") as bar:
            while wrk.poll() is None:
                time.sleep(0.5)
                tick += 1
                if tick % 10 == 1:
                    backends = _backends()
                meter.sample(backends)
                count = contacts.count()
                if count != bar.n:
                    last_change = time.perf_counter()
                bar.update(count - bar.n)
                # All recorded, or nothing more for 10 s (calls refused: counted as non-2xx).
                if count >= len(storm.calls) or time.perf_counter() - last_change > 10:
                    break
            connections.close_all()
        elapsed = last_change - started
        if not args.rate:
            wrk.send_signal(signal.SIGINT)
        output, problems = wrk.communicate(timeout=120)
        if problems:
            print(problems)
        taken = contacts.count()
        if args.rate:
            result = json.loads(output.strip().splitlines()[-1])
            print(f"HTTP ({args.workers} workers, open loop at {args.rate:g} calls/s offered, "
                  f"{result['offered_rate']:.0f} sent): {taken:,} calls recorded in {elapsed:.1f} s = "
                  f"{taken / elapsed:,.0f} calls/s; latency from when each call was due: p50 "
                  f"{result['p50_ms']:.1f} ms, p90 {result['p90_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, "
                  f"p99 {result['p99_ms']:.1f} ms, p99.9 {result['p99.9_ms']:.1f} ms, max "
                  f"{result['max_ms']:.0f} ms; statuses {result['statuses']}, errors {result['errors']}; "
                  f"load generator CPU {result['generator_cpu_s']:.0f} s; {meter.split(backends)}; other "
                  f"processes used {meter.others():.0%} of the machine's CPU during the run")
        else:
            result = _parse_wrk(output)
            print(output)
            print(f"HTTP ({args.workers} workers, {args.connections} connections): {taken:,} calls recorded "
                  f"in {elapsed:.1f} s = {taken / elapsed:,.0f} calls/s; wrk: p50 {result['p50'] * 1000:.1f} "
                  f"ms, p90 {result['p90'] * 1000:.1f} ms, p99 {result['p99'] * 1000:.1f} ms, non-2xx "
                  f"{result['non_2xx']}; {meter.split(backends)}; other processes used {meter.others():.0%} "
                  "of the machine's CPU during the run")
    finally:
        if analyze.is_alive():
            analyze.__exit__()
            print(analyze)
        if wrk is not None and wrk.poll() is None:
            wrk.kill()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        script.unlink(missing_ok=True)
        bodies_file.unlink(missing_ok=True)
    _report(args, loaded, storm, Counter())
    print(f"Machine: {machine()}")


def _probe(url: str, token: str) -> None:
    request = urllib.request.Request(url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:
        raise SystemExit(f"probe failed: {error.code} {error.read().decode()}") from None


# ----------------------------------------------------------------------------------------------
# Profile: statements and time per call


def profile(args: argparse.Namespace) -> None:
    _use_database(args)
    import cProfile
    import pstats

    from common import percentile
    from django.db import connection

    from servicedesk.org.models import User

    loaded = Loaded()
    storm = _storm(args, loaded.network)
    if not args.no_reset:
        _reset_and_configure(args.rules)
    agents = list(User.objects.filter(pk__in=_agents()))
    calls = storm.calls[args.offset:args.offset + args.sample]
    per_call: list[tuple[str, int, float, float]] = []
    statements: Counter = Counter()
    statement_time: Counter = Counter()
    current = {"n": 0, "t": 0.0}
    timeline: list[tuple[int, str, float]] = []  # (call number, statement shape, seconds)

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        begun = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - begun
            current["n"] += 1
            current["t"] += spent
            shape = re.sub(r"\s+", " ", re.sub(r"'[^']*'|\b\d+\b", "?", sql))[:110]
            statements[shape] += 1
            statement_time[shape] += spent
            timeline.append((len(per_call), shape, spent))

    profiler = cProfile.Profile()
    take_call(calls[0], agents[0], loaded.first_point)  # warm: imports, caches
    # The COMMIT does not go through execute(): time it on its own (the WAL flush).
    from django.db import connections

    wrapper_class = type(connections['default'])
    plain_commit = wrapper_class._commit
    commits: list[float] = []

    def timed_commit(self):  # type: ignore[no-untyped-def]
        begun = time.perf_counter()
        try:
            return plain_commit(self)
        finally:
            commits.append(time.perf_counter() - begun)
            current["t"] += commits[-1]

    wrapper_class._commit = timed_commit
    with connection.execute_wrapper(wrapper):
        for n, call in enumerate(calls[1:]):
            current["n"], current["t"] = 0, 0.0
            begun = time.perf_counter()
            if args.cprofile:
                profiler.enable()
            result = take_call(call, agents[n % len(agents)], loaded.first_point)
            if args.cprofile:
                profiler.disable()
            per_call.append((result.outcome, current["n"], current["t"], time.perf_counter() - begun))
    wrapper_class._commit = plain_commit
    if len(per_call) >= 4000:  # does a long-lived process slow down?
        step = len(per_call) // 8
        print("calls | mean ms (SQL + COMMIT / Python) per call, linked calls only:")
        for start in range(0, len(per_call) - step + 1, step):
            chunk = [r for r in per_call[start:start + step] if r[0] == "outage_linked"]
            if chunk:
                sql = sum(r[2] for r in chunk) / len(chunk) * 1000
                total = sum(r[3] for r in chunk) / len(chunk) * 1000
                print(f"  {start:6d}–{start + step:6d} | {total:.2f} ({sql:.2f} / {total - sql:.2f})")
        first: dict[str, list[float]] = {}
        last: dict[str, list[float]] = {}
        for number, shape, spent in timeline:
            if number < step:
                first.setdefault(shape, []).append(spent)
            elif number >= len(per_call) - step:
                last.setdefault(shape, []).append(spent)
        commit_first = commits[1:step]
        commit_last = commits[-step:]
        growth = sorted(((sum(last[k]) / len(last[k]) - sum(v) / len(v), k, sum(v) / len(v),
                          sum(last[k]) / len(last[k]))
                         for k, v in first.items() if k in last and len(v) > step // 4), reverse=True)
        print(f"  COMMIT: {sum(commit_first) / len(commit_first) * 1000:.2f} → "
              f"{sum(commit_last) / len(commit_last) * 1000:.2f} ms")
        for _grown, shape, before, after in growth[:6]:
            print(f"  {before * 1000:.2f} → {after * 1000:.2f} ms  {shape[:90]}")
    by_outcome: dict[str, list] = {}
    for outcome, n, sql, total in per_call:
        by_outcome.setdefault(outcome, []).append((n, sql, total))
    print(f"{len(per_call)} calls, one process (rules {rules_text(rules_parse(args.rules))}):")
    print("outcome | calls | statements per call (min–max) | SQL + COMMIT ms per call | total ms "
          "p50 / mean / p99")
    for outcome, rows in sorted(by_outcome.items(), key=lambda kv: -len(kv[1])):
        counts = [r[0] for r in rows]
        print(f"{outcome} | {len(rows)} | {sum(counts) / len(rows):.1f} ({min(counts)}–{max(counts)}) | "
              f"{sum(r[1] for r in rows) / len(rows) * 1000:.2f} | "
              f"{percentile([r[2] for r in rows], 50) * 1000:.2f} / "
              f"{sum(r[2] for r in rows) / len(rows) * 1000:.2f} / "
              f"{percentile([r[2] for r in rows], 99) * 1000:.2f}")
    total_sql = sum(statement_time.values())
    total = sum(r[3] for r in per_call)
    print(f"statements {total_sql:.2f} s and COMMIT {sum(commits):.2f} s ({len(commits)}, p50 "
          f"{percentile(commits, 50) * 1000:.2f} ms) of {total:.2f} s "
          f"({(total_sql + sum(commits)) / total:.0%}); the rest is Python")
    print("statements by total time:")
    for shape, spent in statement_time.most_common(args.top):
        print(f"  {spent * 1000:8.0f} ms {statements[shape]:6d}× {shape}")
    if args.cprofile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top * 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sd_storm")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="(re)create the database with the network and customers")
    _network_args(build_parser)
    build_parser.add_argument("--history", type=int, default=30_000,
                              help="calls of an earlier storm, aged by a month, the tables hold (0: none)")
    build_parser.add_argument("--history-seed", type=int, default=1001)
    simulate_parser = commands.add_parser("simulate", help="the inference model alone (rules separated by ;)")
    _network_args(simulate_parser)
    _storm_args(simulate_parser)
    service_parser = commands.add_parser("service", help="the storm through fault_call_take in N processes")
    _storm_args(service_parser)
    service_parser.add_argument("--processes", type=int, default=2)
    http_parser = commands.add_parser("http", help="the storm through POST /api/v1/fault-calls")
    _storm_args(http_parser)
    http_parser.add_argument("--workers", type=int, default=2)
    http_parser.add_argument("--server-threads", type=int, default=1)
    http_parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    http_parser.add_argument("--connections", type=int, default=16)
    http_parser.add_argument("--no-access-log", action="store_true")
    http_parser.add_argument("--close", action=argparse.BooleanOptionalAction, default=True,
                             help="a new connection for every call (Connection: close)")
    http_parser.add_argument("--rate", type=float, default=0.0,
                             help="open loop: send the calls at this mean rate (Poisson) instead of with "
                                  "wrk, latency counted from when each call was due (bench/openloop.py)")
    http_parser.add_argument("--timeline", default="",
                             help="with --rate: each call's due time and latency, to a file")
    http_parser.add_argument("--idempotency", action=argparse.BooleanOptionalAction, default=True,
                             help="an Idempotency-Key on each call (as a desk client that retries sends)")
    profile_parser = commands.add_parser("profile", help="statements and time per call on the first calls")
    _storm_args(profile_parser)
    profile_parser.add_argument("--sample", type=int, default=3000)
    profile_parser.add_argument("--top", type=int, default=15)
    profile_parser.add_argument("--cprofile", action="store_true")
    profile_parser.add_argument("--offset", type=int, default=0, help="start at this call of the storm")
    profile_parser.add_argument("--no-reset", action="store_true",
                                help="keep the calls already in the database (e.g. the end of a storm)")
    args = parser.parse_args()
    {"build": build, "simulate": simulate_only, "service": service, "http": http,
     "profile": profile}[args.command](args)


if __name__ == "__main__":
    main()
