"""Open-loop HTTP load: requests sent at a fixed mean rate whatever the server's speed, each on a
connection of its own, with latency counted from the moment the request was due.

wrk (closed loop) answers "how many calls per second can the server take"; its latency is the
queue its own connection count makes (16 connections at 170 calls/s wait about 95 ms each by
Little's law). Callers do not wait for each other: they ring when their supply fails. This sends
the calls as a Poisson stream at ``--rate`` (the storm's arrival process), so the latency is what
a caller's agent would see at that load, queueing included; a call that is due while the server is
behind is still timed from when it was due (no coordinated omission).

    python bench/openloop.py --url http://127.0.0.1:8000 --rate 200 --bodies calls.jsonl --tokens t1,t2

``--bodies``: one JSON request body per line, sent in order to ``--path``. Prints one JSON line:
sent, answered by status, achieved rate, latency percentiles (ms), the generator's CPU seconds.
"""

import argparse
import asyncio
import json
import random
import resource
import sys
import time
from collections import Counter
from urllib.parse import urlsplit


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


async def _call(host: str, port: int, request: bytes, due: float, latencies: list[float], statuses: Counter,
                errors: Counter, timeout: float, timeline: list[tuple[float, float]]) -> None:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.write(request)
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), timeout)  # Connection: close: read to the end
        writer.close()
    except (TimeoutError, OSError) as error:
        errors[type(error).__name__] += 1
        return
    latencies.append(time.perf_counter() - due)
    timeline.append((due, latencies[-1]))
    status = response[9:12].decode("ascii", "replace") if response.startswith(b"HTTP/1.") else "???"
    statuses[status] += 1
    if not status.startswith("2") and sum(n for s, n in statuses.items() if not s.startswith("2")) <= 5:
        body = response.split(b"\r\n\r\n", 1)[-1][:300]
        print(f"HTTP {status}: {body!r}", file=sys.stderr)


async def run(args: argparse.Namespace) -> dict:
    url = urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    with open(args.bodies, encoding="utf-8") as handle:
        bodies = [line.rstrip("\n").encode() for line in handle if line.strip()]
    tokens = args.tokens.split(",")
    requests = []
    for index, body in enumerate(bodies):
        head = (f"POST {args.path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                f"Authorization: Bearer {tokens[index % len(tokens)]}\r\nContent-Length: {len(body)}\r\n"
                + (f"Idempotency-Key: {args.key_prefix}-{index}\r\n" if args.key_prefix else "")
                + "Connection: close\r\n\r\n")
        requests.append(head.encode() + body)
    rng = random.Random(args.seed)
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors: Counter = Counter()
    tasks = set()
    timeline: list[tuple[float, float]] = []
    began = time.perf_counter()
    due = began
    for request in requests:
        due += rng.expovariate(args.rate)
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(_call(host, port, request, due, latencies, statuses, errors, args.timeout,
                                         timeline))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    last_due = due
    while tasks:
        await asyncio.wait(set(tasks))
    finished = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    if args.timeline:
        with open(args.timeline, "w", encoding="utf-8") as out:
            out.writelines(f"{at - began:.4f} {spent * 1000:.2f}\n" for at, spent in sorted(timeline))
    return {
        "sent": len(requests), "statuses": dict(statuses), "errors": dict(errors),
        "offered_rate": len(requests) / (last_due - began),
        "achieved_rate": len(latencies) / (finished - began),
        "seconds": finished - began,
        **{f"p{p}_ms": percentile(latencies, p) * 1000 for p in (50, 90, 95, 99, 99.9)},
        "max_ms": max(latencies, default=float("nan")) * 1000,
        "generator_cpu_s": usage.ru_utime + usage.ru_stime,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--path", default="/api/v1/fault-calls")
    parser.add_argument("--rate", type=float, required=True, help="mean calls per second (Poisson arrivals)")
    parser.add_argument("--bodies", required=True, help="a file of JSON bodies, one per line")
    parser.add_argument("--tokens", required=True, help="bearer tokens, comma-separated, used in turn")
    parser.add_argument("--key-prefix", default="", help="send Idempotency-Key: <prefix>-<n>")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeline", default="", help="write 'seconds-since-start latency-ms' per call here")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
