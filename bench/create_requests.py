"""Request creation through the HTTP API under the production server, against bare-cursor inserts
of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench python bench/create_requests.py \
        --workers 2 --connections 16 --duration 30

1. Starts `servicedesk serve` (gunicorn, N workers) on the database of DATABASE_URL.
2. Drives POST /api/v1/requests with wrk (Debian package `wrk`, a C load generator, so the client
   costs little of the 2 cores): leak reports on random service points, DN 50–400, each with its
   own Idempotency-Key and a bearer token. Reports creates/s, p50/p99 and the workers' RSS.
3. Inserts the same rows (contact, request, creation event, contact link: one transaction per
   request) through a bare psycopg cursor, on one connection and on as many as wrk used, and
   prints the ratio HTTP rate / best bare rate.
"""

import argparse
import json
import os
import random
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
from pathlib import Path

from common import django_setup, machine

django_setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from tqdm import tqdm  # noqa: E402

from servicedesk.contacts.models import ContactRecord  # noqa: E402
from servicedesk.core.services import token_create  # noqa: E402
from servicedesk.customers.models import ServicePoint  # noqa: E402
from servicedesk.org.models import User  # noqa: E402
from servicedesk.tickets.models import RequestType, ServiceRequest  # noqa: E402

LUA = """
local counter = 0
local points = {%(points)s}
local thread_id = 0
local next_tid = 0
setup = function(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
end
init = function(args)
  thread_id = tid
  math.randomseed(tid)
end
request = function()
  counter = counter + 1
  local body = string.format('{"request_type":"%(type)s","service_point_id":%%d,' ..
                             '"attributes":{"dn":%%d%(extra)s},"description":"bench"}',
                             points[math.random(#points)], math.random(50, 400))
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = "Bearer %(token)s"
  headers["Idempotency-Key"] = "bench-%(run)s-" .. thread_id .. "-" .. counter
  return wrk.format("POST", "/api/v1/requests", headers, body)
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children_rss_mb(pid: int) -> list[float]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    sizes = []
    for child in out:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return sizes


def _parse_wrk(output: str) -> dict:
    def seconds(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
        return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]

    result = {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for pct in ("50", "75", "90", "99"):
        found = re.search(rf"^\s+{pct}%\s+(\S+)", output, re.M)
        result[f"p{pct}"] = seconds(found.group(1)) if found else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    result["requests"] = int(re.search(r"(\d+) requests in", output).group(1))
    return result


def _bare_cursor_rate(n: int, connections: int, point_ids: list[int], type_id: int, agent_id: int) -> float:
    """The same rows as one API create, through a bare cursor: one transaction per request."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        import psycopg

        dsn = (f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
               f"dbname={settings['NAME']} user={settings['USER'] or 'postgres'}")

        def connect():  # type: ignore[no-untyped-def]
            return psycopg.connect(dsn, autocommit=False)

        mark = "%s"
    else:
        import sqlite3

        def connect():  # type: ignore[no-untyped-def]
            conn = sqlite3.connect(settings["NAME"], timeout=30, isolation_level="IMMEDIATE")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn

        mark = "?"
    per_thread = n // connections

    def sql(text: str) -> str:
        return text.replace("%s", mark)

    def work(seed: int) -> None:
        rng = random.Random(seed)
        conn = connect()
        try:
            for _ in range(per_thread):
                now = timezone.now()
                point = rng.choice(point_ids)
                cur = conn.cursor()
                cur.execute(sql(
                    "INSERT INTO contacts_contactrecord (channel, direction, started_at, agent_id, "
                    "reporter_kind, reporter_name, reporter_phone, customer_id, service_point_id, "
                    "request_type_id, notes, outcome, first_contact_resolution, steps) SELECT 'phone','in',"
                    "%s,%s,'customer','','',customer_id,id,%s,'bench','information_recorded',false,'[]' FROM "
                    "customers_servicepoint WHERE id=%s RETURNING id"),
                    [now.isoformat() if mark == "?" else now, agent_id, type_id, point])
                contact_id = cur.fetchone()[0]
                cur.execute(sql(
                    "INSERT INTO tickets_servicerequest (request_type_id, status, priority, channel, "
                    "customer_id, service_point_id, reporter_name, reporter_phone, location, district, "
                    "subject, description, attributes, responsible_unit_id, routing_rule_id, crew_type, "
                    "priority_reasons, estimated_completion_at, resolution, created_by_id, created_at, "
                    "updated_at, resolved_at, closed_at) SELECT %s,'new',2,'phone',customer_id,id,'','','',"
                    "district,'bench','bench',%s,NULL,NULL,'pipe_repair','[]',NULL,'',%s,%s,%s,NULL,NULL "
                    "FROM customers_servicepoint WHERE id=%s RETURNING id"),
                    [type_id, json.dumps({"dn": rng.randint(50, 400)}), agent_id,
                     now.isoformat() if mark == "?" else now, now.isoformat() if mark == "?" else now, point])
                request_id = cur.fetchone()[0]
                cur.execute(sql("UPDATE contacts_contactrecord SET request_id=%s, "
                                "outcome='request_created' WHERE id=%s"),
                            [request_id, contact_id])
                cur.execute(sql(
                    "INSERT INTO tickets_requestevent (request_id, at, actor_id, kind, action, from_status, "
                    "to_status, changes, reason, message) "
                    "VALUES (%s,%s,%s,'created','','','new','{}','bench','{}')"),
                    [request_id, now.isoformat() if mark == "?" else now, agent_id])
                conn.commit()
        finally:
            conn.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return per_thread * connections / (time.perf_counter() - started)


def _probe(url: str, token: str, type_code: str, point_id: int, extra: str) -> None:
    """One create before the load, so that a configuration problem stops the run with its message."""
    body = (f'{{"request_type":"{type_code}","service_point_id":{point_id},'
            f'"attributes":{{"dn":100{extra.replace("%%", "%")}}}}}')
    request = urllib.request.Request(url + "/api/v1/requests", data=body.encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:
        raise SystemExit(f"probe create failed: {error.code} {error.read().decode()}") from None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--bare-rows", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=None,
                        help="gunicorn threads per worker (serve's default)")
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument("--skip-bare", action="store_true", help="only the HTTP part")
    args = parser.parse_args()
    print(f"Machine: {machine()}; database: {connection.vendor}")

    agent = User.objects.filter(role="agent", is_active=True).order_by("id").first()
    leak = RequestType.objects.filter(category="leak", active=True).order_by("sort_order").first()
    _, token = token_create(user=agent, name="benchmark")
    # Other required fields of the leak type (e.g. severity) get their first choice.
    extra_attributes = "".join(
        f',"{field.key}":{json.dumps(field.choices[0]["value"] if field.choices else "x")}'
        for field in leak.fields.filter(required=True).exclude(key="dn")
    ).replace("%", "%%")
    ids = list(ServicePoint.objects.order_by("?").values_list("id", flat=True)[:2000]) if \
        ServicePoint.objects.count() < 100000 else \
        list(ServicePoint.objects.filter(id__in=[random.randint(1, ServicePoint.objects.order_by("-id")
                                                                 .values_list("id", flat=True).first())
                                                  for _ in range(3000)]).values_list("id", flat=True))
    script = Path(tempfile.mkstemp(suffix=".lua")[1])

    def write_script() -> None:
        # A fresh run id per wrk run: the idempotency keys of the warm-up must not be replayed.
        script.write_text(LUA % {"points": ",".join(map(str, ids)), "type": leak.code, "token": token,
                                 "run": secrets.token_hex(6), "extra": extra_attributes})

    port = _free_port()
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32),
           "ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen([sys.executable, "-m", "servicedesk.cli", "serve", "--bind",
                               f"127.0.0.1:{port}",
                               "--workers", str(args.workers),
                               *(["--threads", str(args.threads)] if args.threads else []),
                               *(["--no-access-log"] if args.no_access_log else [])], env=env,
                              start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        url = f"http://127.0.0.1:{port}"
        _probe(url, token, leak.code, ids[0], extra_attributes)
        before = ServiceRequest.objects.count()
        print("Warming up (5 s) …")
        write_script()
        subprocess.run(["wrk", "-t2", f"-c{args.connections}", "-d5s", "-s", str(script), url],
                       capture_output=True, check=True)
        warm = ServiceRequest.objects.count()
        rss: list[float] = []
        sampler_stop = threading.Event()

        def sample() -> None:
            while not sampler_stop.wait(1.0):
                rss.extend(_children_rss_mb(server.pid))

        sampler = threading.Thread(target=sample)
        sampler.start()
        write_script()
        print(f"Measuring {args.duration} s at {args.connections} connections, {args.workers} workers …")
        wrk = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
                              "-s", str(script), url], capture_output=True, text=True, check=True)
        sampler_stop.set()
        sampler.join()
        result = _parse_wrk(wrk.stdout)
        created = ServiceRequest.objects.count() - warm
        print(wrk.stdout)
        print(f"HTTP: {result['rate']:.0f} creates/s, p50 {result['p50'] * 1000:.1f} ms, "
              f"p99 {result['p99'] * 1000:.1f} ms, non-2xx {result['non_2xx']}, rows created {created} "
              f"(wrk counted {result['requests']}); warm-up created {warm - before}")
        print(f"Worker RSS: max {max(rss, default=0):.0f} MB over {len(rss)} samples")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        script.unlink(missing_ok=True)

    if args.skip_bare:
        return
    contacts_before = ContactRecord.objects.count()
    bare = {}
    for conns in (1, args.connections):
        rows = args.bare_rows if conns > 1 else args.bare_rows // 4
        with tqdm(total=1, desc=f"bare cursor, {conns} connection(s)", leave=False):
            bare[conns] = _bare_cursor_rate(rows, conns, ids, leak.id, agent.id)
        print(f"Bare cursor, {conns} connection(s): {bare[conns]:.0f} creates/s")
    best = max(bare.values())
    print(f"Ratio HTTP / best bare cursor: {result['rate'] / best:.2f} (target ≥ 0.33); "
          f"bare rows written: {ContactRecord.objects.count() - contacts_before}")


if __name__ == "__main__":
    main()
