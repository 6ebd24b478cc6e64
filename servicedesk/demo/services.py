"""Writes of demo data: the reference configuration and the generated city and season.

``demo_data_seed`` is all-or-nothing (one transaction) and refuses to run on a database that
already has customers unless told what to do with them:

- ``mode="new"`` (default): only into a database without customers;
- ``mode="append"``: add another generated city and season beside the existing data (numbers
  continue after the highest ids; the showcase customers are not added twice);
- ``mode="reset"``: flush the WHOLE database first (every table, users included, like
  ``servicedesk flush``), then seed as new.
"""

import datetime
import random
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.contacts.models import ContactRecord
from servicedesk.core.exceptions import Conflict, ValidationFailed
from servicedesk.core.progress import ProgressFactory, SilentProgress, silent
from servicedesk.core.transactions import unit
from servicedesk.customers.models import Account, Customer, ServicePoint
from servicedesk.demo.generate import (
    ACCOUNT_FIELDS,
    CONTACT_FIELDS,
    CUSTOMER_FIELDS,
    CUSTOMER_FLAG_FIELDS,
    REQUEST_EVENT_FIELDS,
    REQUEST_FIELDS,
    SCALES,
    SEASON_DAYS,
    SERVICE_POINT_FIELDS,
    WORK_ORDER_EVENT_FIELDS,
    WORK_ORDER_FIELDS,
    CityGenerator,
    SeasonGenerator,
)
from servicedesk.demo.loader import BulkWriter
from servicedesk.demo.network import DEVICE_FIELDS, Placed
from servicedesk.demo.outages import live_outages_seed, planned_outages_seed
from servicedesk.demo.reference import (
    CUSTOMER_LOGIN,
    StaffSpec,
    demo_password_hash,
    reference_data_load,
    staff_user_upsert,
)
from servicedesk.network.models import Device
from servicedesk.org.models import User
from servicedesk.org.roles import Role
from servicedesk.tickets.models import RequestEvent, ServiceRequest, WorkOrder, WorkOrderEvent

__all__ = ["DemoDataExists", "SeedReport", "demo_data_seed", "reference_data_load"]

CustomerFlagLink = Customer.flags.through
CITY_MODELS = (Device, Customer, CustomerFlagLink, Account, ServicePoint)
SEASON_MODELS = (ServiceRequest, WorkOrder, RequestEvent, WorkOrderEvent, ContactRecord)
# Above this many customers, indexes are built once after the load instead of row by row.
DEFER_INDEXES_FROM = 200_000
MODES = ("new", "append", "reset")


class DemoDataExists(Conflict):
    code = "demo_data_exists"


@dataclass
class SeedReport:
    scale: str
    seed: int
    vendor: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    indexes_deferred: bool = False

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


@contextmanager
def _phase(report: SeedReport, name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    report.seconds[name] = round(time.perf_counter() - started, 2)


def demo_data_reset() -> None:
    """Empty every table of the database (as ``servicedesk flush``); migrations stay applied."""
    call_command("flush", interactive=False, verbosity=0)


def demo_data_seed(*, scale: str = "small", seed: int = 1, customers: int | None = None,
                   contacts: int | None = None, mode: str = "new", progress: ProgressFactory | None = None,
                   defer_indexes: bool | None = None, now: datetime.datetime | None = None) -> SeedReport:
    """Load the reference configuration, a generated city and a season of service (see the module doc).

    ``customers`` / ``contacts`` override the scale's sizes (tests use a few hundred).
    ``defer_indexes`` builds the address index (SQLite FTS5) or the plain indexes (PostgreSQL)
    once after the load; by default from 200,000 customers on.
    """
    if scale not in SCALES:
        raise ValidationFailed(_("Unknown scale; use one of: %(scales)s") % {"scales": ", ".join(SCALES)},
                               field="scale")
    if mode not in MODES:
        raise ValidationFailed(_("Unknown mode; use one of: %(modes)s") % {"modes": ", ".join(MODES)},
                               field="mode")
    size = SCALES[scale]
    customer_count = size.customers if customers is None else customers
    contact_count = size.contacts if contacts is None else contacts
    progress = progress or silent
    report = SeedReport(scale=scale, seed=seed, vendor=connection.vendor)
    if mode == "reset":
        with _phase(report, "reset"):
            demo_data_reset()
    started = time.perf_counter()
    with unit():
        fresh = not Customer.objects.exists()
        if not fresh and mode == "new":
            raise DemoDataExists(_("The database already has customers. Use --append to add more demo data "
                                   "beside them, or --reset to empty the whole database first."))
        with _phase(report, "reference"):
            reference = reference_data_load()
        writer = BulkWriter()
        if defer_indexes is None:
            defer_indexes = customer_count >= DEFER_INDEXES_FROM
        report.indexes_deferred = defer_indexes
        now = now or timezone.now()
        rng = random.Random(seed)
        first_ids = {
            "customer": writer.next_id(Customer), "customer_flag": writer.next_id(CustomerFlagLink),
            "account": writer.next_id(Account), "service_point": writer.next_id(ServicePoint),
            "device": writer.next_id(Device),
        }
        # Appending: the new city's service points hang under the devices already there (OUT-1).
        network: dict[str, Placed] = {code: (pk, lineage, area) for code, pk, lineage, area
                                      in Device.objects.values_list("code", "pk", "lineage", "area_id")}
        expected_points = int(customer_count * 1.45) + 30
        city = CityGenerator(rng=rng, reference=reference, first_ids=first_ids,
                             callers_wanted=max(2_000, contact_count * 2), expected_points=expected_points,
                             founded=datetime.date(2000, 1, 1),
                             today=now.date() - datetime.timedelta(days=SEASON_DAYS), pool_seed=seed + 1,
                             network=network)
        with _phase(report, "customers"), ExitStack() as deferred:
            if defer_indexes:
                deferred.enter_context(writer.fts_rebuilt_after())
                deferred.enter_context(writer.secondary_indexes_rebuilt_after(CITY_MODELS))
            bar = progress(_("customers"), customer_count, "customers")
            if fresh:
                _write_city_chunk(writer, city.showcase())
            for chunk in city.customers(customer_count):
                _write_city_chunk(writer, chunk)
                bar.update(len(chunk.customers))
            bar.close()
            # Leaving the ExitStack builds the deferred indexes: show that something is happening.
            bar = progress(_("building indexes"), None, "steps") if defer_indexes else SilentProgress()
        bar.close()
        if fresh:
            _link_customer_logins(reference, city.showcase_customer_ids)
            report.rows["outages_plannedoutage"] = planned_outages_seed(
                reference=reference, showcase_customer_ids=city.showcase_customer_ids, now=now)
        with _phase(report, "season"):
            _seed_season(writer, reference, city, rng=rng, now=now, contacts=contact_count, progress=progress)
        with _phase(report, "finish"):
            writer.reset_sequences([*CITY_MODELS, *SEASON_MODELS])
            writer.analyze([*CITY_MODELS, *SEASON_MODELS])
        with _phase(report, "sla"):
            report.rows["timer"] = season_timers_sync(now=now)
        if fresh:
            with _phase(report, "outages"):
                from servicedesk.sla.models import Timer

                timers = Timer.objects.count()
                report.rows.update(live_outages_seed(
                    reference=reference, avoid_customer_ids=set(city.showcase_customer_ids.values())))
                report.rows["timer"] += Timer.objects.count() - timers  # the live calls' requests
        report.rows.update(writer.rows_written)
    # The commit runs PostgreSQL's deferred foreign-key checks: part of the cost of seeding.
    loading = time.perf_counter() - started
    report.seconds["commit"] = round(loading - sum(v for k, v in report.seconds.items() if k != "reset"), 2)
    return report


def _write_city_chunk(writer: BulkWriter, chunk: Any) -> None:
    writer.write(Device, DEVICE_FIELDS, chunk.devices)
    writer.write(Customer, CUSTOMER_FIELDS, chunk.customers)
    writer.write(CustomerFlagLink, CUSTOMER_FLAG_FIELDS, chunk.customer_flags)
    writer.write(Account, ACCOUNT_FIELDS, chunk.accounts)
    writer.write(ServicePoint, SERVICE_POINT_FIELDS, chunk.service_points)


def _link_customer_logins(reference: Any, showcase_ids: dict[str, int]) -> None:
    """Self-service logins for two showcase customers (a customer sees only their own requests)."""
    logins = ((CUSTOMER_LOGIN, "lili"), (StaffSpec("customer2", "张伟", Role.CUSTOMER), "zhangwei"))
    existing = set(User.objects.filter(username__in=[s.username for s, _ in logins])
                   .values_list("username", flat=True))
    password_hash = demo_password_hash() if len(existing) < len(logins) else ""
    for spec, key in logins:
        staff_user_upsert(spec, reference, password_hash, customer_id=showcase_ids[key])


def _seed_season(writer: BulkWriter, reference: Any, city: CityGenerator, *, rng: random.Random,
                 now: datetime.datetime, contacts: int, progress: ProgressFactory) -> None:
    first_ids = {
        "contact": writer.next_id(ContactRecord), "request": writer.next_id(ServiceRequest),
        "work_order": writer.next_id(WorkOrder), "request_event": writer.next_id(RequestEvent),
        "work_order_event": writer.next_id(WorkOrderEvent),
    }
    season = SeasonGenerator(rng=rng, reference=reference, callers=city.callers, first_ids=first_ids, now=now)
    bar = progress(_("season of contacts"), contacts, "contacts")
    rows = season.play(contacts, progress=bar.update)
    bar.close()
    total = (len(rows.requests) + len(rows.work_orders) + len(rows.request_events)
             + len(rows.work_order_events) + len(rows.contacts))
    bar = progress(_("writing history"), total, "rows")

    def counted(items: Any) -> Iterator[Any]:
        for number, item in enumerate(items, start=1):
            yield item
            if number % 5_000 == 0:
                bar.update(5_000)
        bar.update(len(items) % 5_000)

    writer.write(ServiceRequest, REQUEST_FIELDS, counted([r.row() for r in rows.requests]))
    writer.write(WorkOrder, WORK_ORDER_FIELDS, counted([w.row() for w in rows.work_orders]))
    writer.write(RequestEvent, REQUEST_EVENT_FIELDS, counted(rows.request_events))
    writer.write(WorkOrderEvent, WORK_ORDER_EVENT_FIELDS, counted(rows.work_order_events))
    writer.write(ContactRecord, CONTACT_FIELDS, counted(rows.contacts))
    bar.close()


def season_timers_sync(*, now: datetime.datetime, chunk_size: int = 2_000) -> int:
    """SLA clocks for the requests and work orders the bulk load wrote without them (SLA-3).

    Every subject, open or finished, as the services leave them: a finished request keeps its
    stopped clocks (met, missed or cancelled), which its page, the breached list and the reports
    read. Computed by the SLA engine's own ``timers_sync`` as of the seeding's moment, with the
    facts and histories read in chunks, so each subject costs the engine's one insert; returns
    the timers written.
    """
    from servicedesk.sla.models import Timer
    from servicedesk.sla.services import timers_sync
    from servicedesk.tickets.models import EventKind
    from servicedesk.tickets.timing import REQUEST, WORK_ORDER, _event, request_facts, work_order_facts

    # A subquery, not a list of ids: appending to a seeded database finds tens of thousands timed.
    timed = {REQUEST: Timer.objects.filter(subject_type=REQUEST).values("subject_id"),
             WORK_ORDER: Timer.objects.filter(subject_type=WORK_ORDER).values("subject_id")}
    written = 0
    request_ids = list(ServiceRequest.objects.exclude(pk__in=timed[REQUEST]).order_by("pk")
                       .values_list("pk", flat=True))
    for start in range(0, len(request_ids), chunk_size):
        ids = request_ids[start:start + chunk_size]
        histories: dict[int, list[Any]] = {}
        for row in (RequestEvent.objects.filter(request_id__in=ids).exclude(kind=EventKind.NOTE)
                    .order_by("at", "id")):
            histories.setdefault(row.request_id, []).append(_event(row))
        for request in ServiceRequest.objects.filter(pk__in=ids).select_related("customer"):
            written += len(timers_sync(subject_type=REQUEST, subject_id=request.pk,
                                       facts=request_facts(request), events=histories.get(request.pk, []),
                                       new=True, now=now))
    order_ids = list(WorkOrder.objects.exclude(pk__in=timed[WORK_ORDER]).order_by("pk")
                     .values_list("pk", flat=True))
    for start in range(0, len(order_ids), chunk_size):
        ids = order_ids[start:start + chunk_size]
        histories = {}
        for order_row in (WorkOrderEvent.objects.filter(work_order_id__in=ids).exclude(kind=EventKind.NOTE)
                          .order_by("at", "id")):
            histories.setdefault(order_row.work_order_id, []).append(_event(order_row))
        for order in WorkOrder.objects.filter(pk__in=ids).select_related("request", "request__customer"):
            written += len(timers_sync(subject_type=WORK_ORDER, subject_id=order.pk,
                                       facts=work_order_facts(order), events=histories.get(order.pk, []),
                                       new=True, now=now))
    return written
