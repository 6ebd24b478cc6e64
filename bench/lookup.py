"""Caller lookup latency (INT-2): p50/p95 over N searches by phone, account number and address
fragment, through the same selector the API and the desk use, plus the query plan of each kind.
Then the global search of the header's box (issue 10 item 5): each kind of number, phone, name and
address fragment through ``search.selectors.global_search`` as an agent (and provider staff for
work orders), and the whole page (``GET /search/?q=``, in-process, middleware included).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench python bench/lookup.py --n 1000
    python bench/lookup.py --n 1000 --only global     # the global search alone

Run it against a database seeded with `servicedesk seed-demo --scale large`.
"""

import argparse
import random
import time

from common import django_setup, machine, summary_ms

django_setup()

from django.db import connection  # noqa: E402
from tqdm import tqdm  # noqa: E402

from servicedesk.contacts.models import Callback, ContactRecord  # noqa: E402
from servicedesk.customers.models import Account, Customer, ServicePoint  # noqa: E402
from servicedesk.customers.selectors import (  # noqa: E402
    _customers_by_name,
    _customers_by_number,
    _customers_by_phone,
    caller_search,
    service_points_by_address,
)
from servicedesk.org.models import User  # noqa: E402
from servicedesk.org.roles import Role  # noqa: E402
from servicedesk.outages.models import Outage, PlannedOutage  # noqa: E402
from servicedesk.search.selectors import global_search  # noqa: E402
from servicedesk.tickets.models import ServiceRequest, WorkOrder  # noqa: E402


def _sample(model, column: str, n: int, rng: random.Random) -> list[str]:
    """Random values of ``column`` from rows picked by id (no ORDER BY random() over a million rows)."""
    bounds = model.objects.order_by("id").values_list("id", flat=True)
    low, high = bounds.first(), model.objects.order_by("-id").values_list("id", flat=True).first()
    values: list[str] = []
    while len(values) < n:
        ids = [rng.randint(low, high) for _ in range(n)]
        values += [v for v in model.objects.filter(id__in=ids).values_list(column, flat=True) if v]
    return values[:n]


def _fragment(address: str, rng: random.Random) -> str:
    """A piece from the middle of the address, as an agent would type it (4 to 7 characters)."""
    body = address.removeprefix("深圳市")
    length = rng.randint(4, 7)
    start = rng.randint(0, max(0, len(body) - length))
    return body[start:start + length]


def _explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(prefix + sql, params)
        return "\n".join("    " + " ".join(str(c) for c in row) for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=["caller", "global"], default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"Machine: {machine()}; database: {connection.vendor}")
    print(f"Rows: {Customer.objects.count():,} customers, {ServicePoint.objects.count():,} service points")
    if args.only != "global":
        caller_lookups(args.n, rng)
    if args.only != "caller":
        global_lookups(args.n, rng)


def caller_lookups(n: int, rng: random.Random) -> None:
    args = argparse.Namespace(n=n)

    phones = _sample(Customer, "mobile", args.n, rng)
    accounts = _sample(Account, "number", args.n, rng)
    fragments = [_fragment(a, rng) for a in _sample(ServicePoint, "address", args.n, rng)]
    # Names as agents type them: the full name, or its first two characters (surname + one).
    names = [n if rng.random() < 0.5 else n[:2] for n in _sample(Customer, "name", args.n, rng)]
    kinds = {"phone": phones, "account": accounts, "address": fragments, "name": names}

    print("\nQuery plans:")
    print("  phone:\n" + _explain(_customers_by_phone(phones[0])))
    print("  account:\n" + _explain(_customers_by_number(accounts[0])))
    print("  name:\n" + _explain(_customers_by_name("王")))
    print(f"  address ({fragments[0]!r}):\n" + _explain(service_points_by_address(fragments[0])[:20]))

    for kind, queries in kinds.items():
        for query in queries[:20]:  # warm the caches and connections
            caller_search(query=query, kind=kind)
        timings, empty = [], 0
        for query in tqdm(queries, desc=f"{kind} searches", unit="search", leave=False):
            started = time.perf_counter()
            hits = caller_search(query=query, kind=kind)
            timings.append(time.perf_counter() - started)
            empty += not hits
        print(f"{kind:8s} {summary_ms(timings)}  (no hit: {empty})")



def _numbers(model, rng: random.Random, n: int) -> list[str]:
    """References of random rows, typed as agents type them: as printed, in lower case, or in lower
    case without the leading zeros ("SR00000012", "sr00000012", "sr12")."""
    ids = list(model.objects.values_list("id", flat=True))
    if not ids:
        return []
    typed = []
    for pk in (rng.choice(ids) for _ in range(n)):
        reference = model(pk=pk).reference  # the property formats the primary key only
        prefix = reference.rstrip("0123456789")
        typed.append(rng.choice([reference, reference.lower(), f"{prefix.lower()}{pk}"]))
    return typed


def _time(label: str, queries: list[str], search) -> None:
    if not queries:
        print(f"{label:22s} (no rows of this kind)")
        return
    for query in queries[:20]:  # warm the caches and connections
        search(query)
    timings, empty = [], 0
    for query in tqdm(queries, desc=label, unit="search", leave=False):
        started = time.perf_counter()
        found = search(query)
        timings.append(time.perf_counter() - started)
        empty += not found
    print(f"{label:22s} {summary_ms(timings)}  (no hit: {empty})")


def global_lookups(n: int, rng: random.Random) -> None:
    """Issue 10 item 5: the header's search box, each kind of query, target p95 ≤ 20 ms."""
    from django.test import Client

    agent = User.objects.filter(role=Role.AGENT, is_active=True).order_by("id").first()
    crew = User.objects.filter(role=Role.PROVIDER_STAFF, is_active=True,
                               provider__isnull=False).order_by("id").first()
    print(f"\nGlobal search (issue 10 item 5) as {agent.username}; rows: "
          f"{ServiceRequest.objects.count():,} requests, {WorkOrder.objects.count():,} work orders, "
          f"{ContactRecord.objects.count():,} contacts, {Callback.objects.count():,} callbacks, "
          f"{Outage.objects.count():,} outages, {PlannedOutage.objects.count():,} planned outages")
    points = _sample(ServicePoint, "number", n, rng)
    meters = _sample(ServicePoint, "meter_number", n, rng)
    cases = {
        "request SR…": _numbers(ServiceRequest, rng, n),
        "work order WO…": _numbers(WorkOrder, rng, n),
        "contact C…": _numbers(ContactRecord, rng, n),
        "callback CB…": _numbers(Callback, rng, n),
        "outage O…": _numbers(Outage, rng, n),
        "planned outage P…": _numbers(PlannedOutage, rng, n),
        "service point number": [p if rng.random() < 0.5 else p.lower() for p in points],
        "meter number": [m if rng.random() < 0.5 else m.lower() for m in meters],
        "phone": _sample(Customer, "mobile", n, rng),
        "account number": _sample(Account, "number", n, rng),
        "name": [name if rng.random() < 0.5 else name[:2] for name in _sample(Customer, "name", n, rng)],
        "address fragment": [_fragment(a, rng) for a in _sample(ServicePoint, "address", n, rng)],
    }
    meter = ServicePoint.objects.filter(meter_number=meters[0])
    phone = ServiceRequest.objects.filter(reporter_phone=cases["phone"][0])
    print("  meter number plan:\n" + _explain(meter))
    print("  request reporter phone plan:\n" + _explain(phone))
    for label, queries in cases.items():
        _time(label, queries, lambda q: global_search(agent, query=q).hits)
    if crew is not None:
        own = list(WorkOrder.objects.filter(provider_id=crew.provider_id).values_list("id", flat=True))
        theirs = [f"WO{rng.choice(own)}" for _ in range(n)] if own else []
        _time(f"WO… as {crew.username}", theirs, lambda q: global_search(crew, query=q).hits)
    # The whole page, in-process: session, middleware, the search, the redirect or the template.
    client = Client()
    client.force_login(agent)
    _time("page: SR… (redirect)", cases["request SR…"],
          lambda q: client.get("/search/", {"q": q}).status_code == 302)
    _time("page: phone (results)", cases["phone"],
          lambda q: client.get("/search/", {"q": q}).status_code == 200)
    _time("page: address (results)", cases["address fragment"],
          lambda q: client.get("/search/", {"q": q}).status_code == 200)


if __name__ == "__main__":
    main()
