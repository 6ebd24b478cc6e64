"""Fifty callers of one fault at once (issue 4 part 7, OUT-3 and OUT-2).

"Fifty threads reporting the same fault at once on PostgreSQL create exactly one outage and link
all fifty calls." Each thread takes one fault call through ``fault_call_take`` (the service the
API uses) for its own service point, on its own database connection, released together by a
barrier. Calls under one area are serialised by the area's row lock, so the calls taken before the
inference threshold is met each get a work request, the call that meets it predicts the outage,
and every later call joins it; none is lost or counted twice.

The threaded tests run on PostgreSQL only (SQLite writes are serial: a second writer waits or
fails with "database is locked", which is not what is under test). The same scenario taken one
call after another runs on every database and must give the same outcome.
"""

import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections

from servicedesk.contacts.models import ContactRecord
from servicedesk.customers.models import ServicePoint
from servicedesk.network.models import Device
from servicedesk.network.services import device_save
from servicedesk.outages.fault_calls import FaultCallInput, fault_call_take
from servicedesk.outages.models import OPEN_OUTAGE_STATUSES, FaultCall, Outage, OutageStatus
from servicedesk.testing.factories import CustomerFactory, ServicePointFactory
from servicedesk.tickets.models import ServiceRequest

Outcome = ContactRecord.Outcome
PROBLEM = {"fault_location": "service_point"}
CALLERS = 50

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="concurrent writers need PostgreSQL; SQLite writes are serial")


def _points_under(devices: list[Device], count: int, prefix: str) -> list[ServicePoint]:
    """``count`` customers with one service point each, spread in turn over ``devices``."""
    points = []
    for i in range(count):
        device = devices[i % len(devices)]
        customer = CustomerFactory(number=f"C{prefix}{i:05d}", name=f"同故障{prefix}{i}",
                                   mobile=f"139{prefix}{i:07d}")
        points.append(ServicePointFactory(number=f"SP{prefix}{i:05d}", customer=customer, district="南山区",
                                          address=f"深圳市南山区同故障路{prefix}{i}号", device=device,
                                          network_code=device.code))
    return points


def _take(world, point_id: int):
    point = ServicePoint.objects.select_related("customer", "device").get(pk=point_id)
    return fault_call_take(FaultCallInput(customer=point.customer, service_point=point,
                           reporter_phone=point.customer.mobile, problem=PROBLEM), actor=world.users["agent"])


def _take_at_once(world, point_ids: list[int]) -> tuple[list, list[BaseException]]:
    """One thread per service point, released together; each closes its own connection."""
    start = threading.Barrier(len(point_ids))
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def call(point_id: int) -> None:
        try:
            start.wait(timeout=60)
            result = _take(world, point_id)
            with lock:
                results.append(result)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call, args=(pk,)) for pk in point_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a caller never returned (deadlock?)"
    return results, errors


def _take_one_by_one(world, point_ids: list[int]) -> list:
    return [_take(world, pk) for pk in point_ids]


def _assert_one_outage_with_every_call(results, point_ids: list[int], *, device: Device,
                                       requests: int | range) -> Outage:
    assert len(results) == len(point_ids)
    open_outages = list(Outage.objects.filter(status__in=OPEN_OUTAGE_STATUSES))
    assert [o.device_id for o in open_outages] == [device.pk], open_outages
    outage = open_outages[0]
    assert outage.status == OutageStatus.PREDICTED

    # Every call is one fault call, linked to the open outage; none lost, none twice.
    calls = list(FaultCall.objects.all())
    assert len(calls) == len(point_ids)
    assert sorted(c.service_point_id for c in calls) == sorted(point_ids)
    assert {c.outage_id for c in calls} == {outage.pk}
    assert outage.call_count == len(point_ids)
    assert outage.first_call_at == min(c.reported_at for c in calls)
    assert outage.last_call_at == max(c.reported_at for c in calls)

    # Every contact recorded, with the steps it went through.
    contacts = list(ContactRecord.objects.all())
    assert len(contacts) == len(point_ids)
    assert sorted(c.service_point_id for c in contacts) == sorted(point_ids)
    assert {c.pk for c in contacts} == {c.contact_id for c in calls} == {r.contact.pk for r in results}
    assert all(c.steps and c.steps[0]["step"] == "identify" for c in contacts)

    # Work requests: exactly the calls taken before the threshold was met, one each.
    outcomes = Counter(r.outcome for r in results)
    assert set(outcomes) <= {Outcome.REQUEST_CREATED, Outcome.OUTAGE_LINKED}, outcomes
    made = outcomes[Outcome.REQUEST_CREATED]
    assert made == requests if isinstance(requests, int) else made in requests, outcomes
    assert ServiceRequest.objects.count() == made
    with_request = [c for c in calls if c.request_id is not None]
    assert len(with_request) == made
    assert {c.request_id for c in with_request} == set(ServiceRequest.objects.values_list("pk", flat=True))
    assert sorted(ServiceRequest.objects.values_list("contacts__pk", flat=True)) == sorted(
        c.contact_id for c in with_request)
    # A linked caller was told the open outage, or one merged into it since (a transformer's,
    # rolled up into its section's).
    told = {r.outage.pk for r in results if r.outcome == Outcome.OUTAGE_LINKED}
    assert told <= {outage.pk, *Outage.objects.filter(merged_into=outage).values_list("pk", flat=True)}
    return outage


def _one_transformer(world) -> tuple[Device, list[int]]:
    transformer = world.devices["T1"]
    points = _points_under([transformer], CALLERS, "1")
    return transformer, [p.pk for p in points]


def _two_transformers(world) -> tuple[Device, list[int]]:
    section = device_save(Device(code="S9", kind="section", name="S9", parent=world.devices["F1"]))
    left = device_save(Device(code="T91", kind="transformer", name="T91", parent=section, district="南山区"))
    right = device_save(Device(code="T92", kind="transformer", name="T92", parent=section, district="南山区"))
    points = _points_under([left, right], CALLERS, "2")
    return section, [p.pk for p in points]


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", range(5))
def test_OUT3_fifty_callers_of_one_transformer_at_once_make_one_outage_and_link_every_call(world, run):
    """Transformer rule: 3 service points. Two calls get a work request, the third predicts the
    outage at the transformer, the other 47 join it."""
    transformer, point_ids = _one_transformer(world)
    results, errors = _take_at_once(world, point_ids)
    assert not errors, errors
    _assert_one_outage_with_every_call(results, point_ids, device=transformer, requests=2)


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", range(5))
def test_OUT3_fifty_callers_over_two_transformers_at_once_roll_up_to_one_section_outage(world, run):
    """Section rule: 2 of its transformers out. Whatever the order, each transformer's first two
    callers get a work request, its third predicts it, and the second transformer predicted rolls
    the section up: one open outage at the section holding all fifty calls, the two transformer
    outages merged into it."""
    section, point_ids = _two_transformers(world)
    results, errors = _take_at_once(world, point_ids)
    assert not errors, errors
    _assert_one_outage_with_every_call(results, point_ids, device=section, requests=4)
    assert sorted(Outage.objects.exclude(status__in=OPEN_OUTAGE_STATUSES)
                  .values_list("status", flat=True)) == [
        OutageStatus.MERGED, OutageStatus.MERGED]


@pytest.mark.django_db
def test_OUT3_fifty_callers_of_one_transformer_one_after_another(world):
    transformer, point_ids = _one_transformer(world)
    results = _take_one_by_one(world, point_ids)
    _assert_one_outage_with_every_call(results, point_ids, device=transformer, requests=2)
    assert [r.outcome for r in results[:3]] == [Outcome.REQUEST_CREATED, Outcome.REQUEST_CREATED,
                                                 Outcome.OUTAGE_LINKED]


@pytest.mark.django_db
def test_OUT3_fifty_callers_over_two_transformers_one_after_another(world):
    """Alternating transformers: calls 1–4 are below every threshold (two per transformer); call 5
    predicts T91, call 6 predicts T92 and rolls up to the section, which takes both transformer
    outages; the other 44 join the section outage."""
    section, point_ids = _two_transformers(world)
    results = _take_one_by_one(world, point_ids)
    _assert_one_outage_with_every_call(results, point_ids, device=section, requests=4)
    assert [r.outcome for r in results[:6]] == [Outcome.REQUEST_CREATED] * 4 + [Outcome.OUTAGE_LINKED] * 2
    assert results[4].outage.device.code == "T91" and results[5].outage.device == section
    assert set(Outage.objects.filter(status=OutageStatus.MERGED).values_list("device__code", flat=True)) == {
        "T91", "T92"}


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", range(3))
def test_OUT6_INT8_restoration_racing_forty_callers_leaves_no_caller_without_a_callback(world, run):
    """A confirmed outage is restored while forty callers under it call. Each call is either
    linked before the restoration (and its caller gets a callback) or taken after it (and is not
    linked to the restored outage); the outage's count is its linked calls."""
    import datetime

    from django.utils import timezone

    from servicedesk.contacts.models import Callback
    from servicedesk.outages.lifecycle import outage_declare, outage_restore

    transformer = world.devices["T1"]
    point_ids = [p.pk for p in _points_under([transformer], 40, "3")]
    dispatcher = world.users["dispatcher"]
    outage = outage_declare(actor=dispatcher, device=transformer, cause="变压器故障",
                            etr=timezone.now() + datetime.timedelta(hours=2))
    start = threading.Barrier(len(point_ids) + 1)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run_one(action, delay: float) -> None:
        try:
            start.wait(timeout=60)
            time.sleep(delay)  # spread over the restoration: some calls before it, some after
            action()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    def restore() -> None:
        outage_restore(actor=dispatcher, outage=Outage.objects.get(pk=outage.pk), note="已修复")

    threads = [threading.Thread(target=run_one, args=(lambda pk=pk: _take(world, pk), 0.01 * n))
               for n, pk in enumerate(point_ids)]
    threads.append(threading.Thread(target=run_one, args=(restore, 0.15)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a caller never returned (deadlock?)"
    assert not errors, errors

    outage.refresh_from_db()
    assert outage.status == OutageStatus.RESTORED
    linked = FaultCall.objects.filter(outage=outage).select_related("contact")
    called_back = set(Callback.objects.filter(source=outage.reference).values_list("customer_id", flat=True))
    assert {c.contact.customer_id for c in linked} == called_back
    assert outage.call_count == linked.count()
    assert ContactRecord.objects.filter(service_point_id__in=point_ids).count() == len(point_ids)
    # Calls after the restoration are not linked to it: they go on through the flow.
    later = ContactRecord.objects.filter(service_point_id__in=point_ids).exclude(
        pk__in=linked.values("contact_id"))
    assert all(c.outcome != Outcome.OUTAGE_LINKED or c.fault_call.outage_id != outage.pk for c in later)
