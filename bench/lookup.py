"""Caller lookup latency (INT-2): p50/p95 over N searches by phone, account number and address
fragment, through the same selector the API and the desk use, plus the query plan of each kind.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench python bench/lookup.py --n 1000

Run it against a database seeded with `servicedesk seed-demo --scale large`.
"""

import argparse
import random
import time

from common import django_setup, machine, summary_ms

django_setup()

from django.db import connection  # noqa: E402
from tqdm import tqdm  # noqa: E402

from servicedesk.customers.models import Account, Customer, ServicePoint  # noqa: E402
from servicedesk.customers.selectors import (  # noqa: E402
    _customers_by_name,
    _customers_by_number,
    _customers_by_phone,
    caller_search,
    service_points_by_address,
)


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
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"Machine: {machine()}; database: {connection.vendor}")
    print(f"Rows: {Customer.objects.count():,} customers, {ServicePoint.objects.count():,} service points")

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


if __name__ == "__main__":
    main()
