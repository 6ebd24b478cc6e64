"""What ``core.shared_cache.stamps_read_once`` buys a fault call (issue 12 item 4), measured alone.

A fault call reads three configuration bundles (outages, intake, SLA). Each read first asks the
shared cache for the bundle's stamp; ``stamps_read_once`` asks for the three stamps in one call
(``get_many``) at the start of the call instead of three calls. This times the three reads of one
call, both ways, against the cache the settings give: the database cache of the embedded default
(no ``REDIS_URL``) on SQLite or PostgreSQL, or Redis.

    SERVICEDESK_DATA_DIR=/tmp/bench/stamps python bench/stamps_read_once.py --calls 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_stamps python bench/stamps_read_once.py
    REDIS_URL=redis://127.0.0.1:6379/5 DATABASE_URL=… python bench/stamps_read_once.py

The database is migrated and given the demo's reference data if it has none.
"""

import argparse
import time

from common import django_setup, machine, summary_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    django_setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from tqdm import tqdm

    from servicedesk.core.shared_cache import stamps_read_once
    from servicedesk.demo.reference import reference_data_load
    from servicedesk.outages.config import CONFIG_CACHE_KEY as OUTAGES
    from servicedesk.outages.config import outage_config
    from servicedesk.sla.config import SLA_CACHE_KEY, sla_config
    from servicedesk.tickets.config import CONFIG_CACHE_KEY as INTAKE
    from servicedesk.tickets.config import intake_config
    from servicedesk.tickets.models import RequestType

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if not RequestType.objects.exists():
        reference_data_load()
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(machine())
    print(f"database {connection.vendor}, cache {backend}, {args.calls} calls each way, alternating")

    def reads() -> None:
        outage_config(), intake_config(), sla_config()

    reads()  # warm: every bundle built and held by this process
    separate: list[float] = []
    batched: list[float] = []
    for _ in tqdm(range(args.calls), unit="call"):
        start = time.perf_counter()
        reads()
        separate.append(time.perf_counter() - start)
        start = time.perf_counter()
        with stamps_read_once((OUTAGES, INTAKE, SLA_CACHE_KEY)):
            reads()
        batched.append(time.perf_counter() - start)
    print(f"three stamp reads:      {summary_ms(separate)}")
    print(f"one stamps_read_once:   {summary_ms(batched)}")
    saved = (sum(separate) - sum(batched)) / args.calls * 1000
    print(f"saved per fault call:   {saved:.3f} ms")


if __name__ == "__main__":
    main()
