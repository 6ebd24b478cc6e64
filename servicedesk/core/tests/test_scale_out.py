"""Built to scale out (issue 2, part 8): two server processes on one database.

Nothing lives in process memory: a request created through server A is seen, changed and audited
correctly through server B; a session opened on A is valid on B; an idempotent retry sent to B
after the first call went to A creates nothing twice. Runs on the configured database vendor
(a fresh database of its own: a file for SQLite, a new database on the PostgreSQL server).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.multiprocess

SETUP = """
import json
from servicedesk.core.services import token_create
from servicedesk.testing.world import build_world
w = build_world()
print(json.dumps({name: token_create(user=w.users[name], name="scale-out test")[1]
                  for name in ("agent", "dispatcher")}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def shared_database_url() -> Iterator[str]:
    if connection.vendor == "postgresql":
        params = connection.settings_dict
        name = f"sd_scaleout_{uuid.uuid4().hex[:8]}"
        host, port = params.get("HOST") or "127.0.0.1", params.get("PORT") or 5432
        base = f"postgres://{params.get('USER') or 'postgres'}@{host}:{port}"
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        yield f"{base}/{name}"
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                       check=False)
    else:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'shared.sqlite3'}"


@pytest.fixture(scope="module")
def servers(shared_database_url: str) -> Iterator[dict]:
    env = {**os.environ, "DATABASE_URL": shared_database_url,
           "SECRET_KEY": "scale-out-test-" + uuid.uuid4().hex,
           "SERVICEDESK_FAST_PASSWORD_HASHER": "1", "ALLOWED_HOSTS": "127.0.0.1"}
    manage = [sys.executable, "-m", "servicedesk.cli"]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, check=True)
    subprocess.run([*manage, "createcachetable"], env=env, check=True)
    setup = subprocess.run([*manage, "shell", "-c", SETUP], env=env, check=True, capture_output=True,
                           text=True)
    tokens = json.loads(setup.stdout.strip().splitlines()[-1])
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen([*manage, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_until_up(port, process)
        yield {"a": f"http://127.0.0.1:{ports[0]}", "b": f"http://127.0.0.1:{ports[1]}", "tokens": tokens}
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=20)


def _wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server on {port} exited: {process.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"server on {port} did not start")


def _call(base: str, path: str, *, token: str, method: str = "GET", body: dict | None = None,
          headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(base + "/api/v1" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_request_created_on_one_server_is_changed_and_audited_through_the_other(servers):
    a, b, tokens = servers["a"], servers["b"], servers["tokens"]
    body = {"request_type": "leak", "reporter_kind": "non_customer", "reporter_name": "巡逻民警",
            "reporter_phone": "110", "location": "深南大道与科技南路交叉口", "district": "南山区",
            "attributes": {"dn": 200}}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    status, created = _call(a, "/requests", token=tokens["agent"], method="POST", body=body, headers=key)
    assert status == 201, created
    request_id = created["id"]

    # The retry lands on the other server: same answer, nothing created twice.
    status, replayed = _call(b, "/requests", token=tokens["agent"], method="POST", body=body, headers=key)
    assert (status, replayed["id"]) == (201, request_id)
    status, listing = _call(b, "/requests?page_size=200", token=tokens["agent"])
    assert [r["id"] for r in listing["results"]].count(request_id) == 1

    status, seen = _call(b, f"/requests/{request_id}", token=tokens["dispatcher"])
    assert status == 200 and seen["status"] == "new"
    status, _ = _call(b, f"/requests/{request_id}/transitions", token=tokens["dispatcher"], method="POST",
                      body={"action": "accept", "reason": ""})
    assert status == 200
    # A second accept through A is refused: the state lives in the database, not in B's memory.
    status, refused = _call(a, f"/requests/{request_id}/transitions", token=tokens["dispatcher"],
                            method="POST", body={"action": "accept", "reason": ""})
    assert status == 409, refused

    status, detail = _call(a, f"/requests/{request_id}", token=tokens["agent"])
    transitions = [(e["from_status"], e["to_status"], e["actor"]["username"])
                   for e in detail["events"] if e["kind"] == "transition"]
    assert detail["status"] == "accepted"
    assert transitions == [("new", "accepted", "dispatcher")]


def test_simultaneous_duplicates_on_both_servers_create_once(servers):
    """Eight clients send one create with one Idempotency-Key at once, half to each server."""
    body = {"request_type": "leak", "reporter_kind": "unidentified", "reporter_phone": "13512345678",
            "location": "桃园路口", "district": "南山区", "attributes": {"dn": 100}}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    start = threading.Barrier(8)
    answers: list[tuple[int, dict]] = []

    def send(base: str) -> None:
        start.wait()
        answers.append(_call(base, "/requests", token=servers["tokens"]["agent"], method="POST", body=body,
                             headers=key))

    threads = [threading.Thread(target=send, args=(servers["ab"[i % 2]],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [201] * 8, answers
    assert len({answer["id"] for _, answer in answers}) == 1
    status, listing = _call(servers["a"], "/requests?page_size=200&q=" + urllib.parse.quote("桃园路口"),
                            token=servers["tokens"]["agent"])
    assert listing["count"] == 1


def test_a_session_opened_on_one_server_is_valid_on_the_other(servers):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_page = opener.open(servers["a"] + "/login/", timeout=10).read().decode()
    csrf = login_page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    form = urllib.parse.urlencode({"username": "agent", "password": "pass-1234", "csrfmiddlewaretoken": csrf})
    opener.open(urllib.request.Request(servers["a"] + "/login/", data=form.encode(),
                                       headers={"Referer": servers["a"] + "/login/"}), timeout=10)
    # Cookies are per host name, and both servers are 127.0.0.1: the session cookie goes to B too.
    with opener.open(servers["b"] + "/api/v1/me", timeout=10) as response:
        assert json.loads(response.read())["username"] == "agent"
