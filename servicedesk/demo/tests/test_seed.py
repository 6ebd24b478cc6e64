"""Generated demo data is consistent with what the services would have written (INT-1..INT-7)."""

import datetime
import random
from collections import defaultdict

import pytest
from django.db import connection
from django.utils import timezone

from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.customers.models import Account, Customer, ServicePoint
from servicedesk.customers.phones import normalise_phone
from servicedesk.customers.selectors import caller_search
from servicedesk.demo.generate import CityGenerator
from servicedesk.demo.reference import reference_data_load
from servicedesk.demo.services import DemoDataExists, demo_data_seed
from servicedesk.org.models import OrgUnit, User
from servicedesk.tickets.models import (
    EventKind,
    RequestEvent,
    RequestStatus,
    RequestType,
    ServiceRequest,
    WorkOrder,
    WorkOrderEvent,
)
from servicedesk.tickets.routing import decide_priority, request_facts, route_request

pytestmark = pytest.mark.django_db

CUSTOMERS = 300
CONTACTS = 1500


@pytest.fixture
def seeded():
    return demo_data_seed(seed=7, customers=CUSTOMERS, contacts=CONTACTS)


def test_seeding_writes_the_requested_sizes(seeded):
    showcase = 9
    assert Customer.objects.count() == CUSTOMERS + showcase
    assert ServicePoint.objects.count() >= Customer.objects.count()
    assert Account.objects.count() > 0
    # The season's contacts, and the fault calls of the outages in progress (live_outages_seed).
    assert ContactRecord.objects.filter(direction="in").count() <= CONTACTS + seeded.rows["outages_faultcall"]
    assert ServiceRequest.objects.count() > CONTACTS / 3
    assert seeded.rows["customers_servicepoint"] == ServicePoint.objects.count()


def test_OUT3_the_demo_opens_with_a_predicted_and_a_declared_outage_and_their_callers(seeded):
    """The dispatcher's board is not empty: neighbours' calls predicted one outage through the
    desk's own service, and the dispatcher declared another, whose callers were told its cause."""
    from servicedesk.outages.models import FaultCall, Outage, OutageStatus

    predicted = Outage.objects.get(status=OutageStatus.PREDICTED)
    declared = Outage.objects.get(status=OutageStatus.CONFIRMED)
    assert predicted.device.kind == "transformer" and predicted.origin == Outage.Origin.INFERRED
    assert predicted.call_count == FaultCall.objects.filter(outage=predicted).count() >= 4
    assert declared.origin == Outage.Origin.DECLARED and declared.cause and declared.etr > timezone.now()
    linked = ContactRecord.objects.filter(fault_call__outage=declared)
    assert linked.count() == 2 and all(declared.cause in c.steps[-1]["told"] for c in linked)
    assert seeded.rows["outages_outage"] == 2


def test_every_request_starts_with_a_created_event_and_its_status_is_its_last_transition(seeded):
    events = defaultdict(list)
    for event in RequestEvent.objects.order_by("at", "id"):
        events[event.request_id].append(event)
    for request in ServiceRequest.objects.all():
        history = events[request.pk]
        assert history[0].kind == EventKind.CREATED and history[0].to_status == RequestStatus.NEW, request.pk
        assert history[0].at == request.created_at
        transitions = [e for e in history if e.kind == EventKind.TRANSITION]
        expected = transitions[-1].to_status if transitions else RequestStatus.NEW
        assert request.status == expected, request.pk
        for before, after in zip(transitions, transitions[1:], strict=False):
            assert after.from_status == before.to_status, request.pk
        if request.status in (RequestStatus.RESOLVED, RequestStatus.CLOSED):
            assert request.resolved_at is not None and request.resolution
        if request.status == RequestStatus.CLOSED:
            assert request.closed_at >= request.resolved_at
        assert request.updated_at == history[-1].at


def test_work_orders_follow_their_history_and_providers(seeded):
    events = defaultdict(list)
    for event in WorkOrderEvent.objects.order_by("at", "id"):
        events[event.work_order_id].append(event)
    for work_order in WorkOrder.objects.select_related("provider", "request"):
        history = events[work_order.pk]
        assert history[0].kind == EventKind.CREATED
        transitions = [e for e in history if e.kind == EventKind.TRANSITION]
        assert work_order.status == (transitions[-1].to_status if transitions else "issued")
        assert work_order.created_at >= work_order.request.created_at
        actors = {e.actor_id for e in transitions}
        staff = set(User.objects.filter(provider=work_order.provider).values_list("pk", flat=True))
        assert actors <= staff, "only the provider's own staff move its work orders"
        if work_order.status == "completed":
            assert work_order.actual_end_at >= work_order.actual_start_at and work_order.result


def test_history_is_in_the_past_and_time_ordered(seeded):
    now = timezone.now()
    assert not RequestEvent.objects.filter(at__gt=now).exists()
    assert not ContactRecord.objects.filter(started_at__gt=now).exists()
    oldest = ContactRecord.objects.order_by("started_at").first().started_at
    assert now - oldest < datetime.timedelta(days=92)
    # Ids grow with time, as they would in a live system.
    times = list(ContactRecord.objects.order_by("id").values_list("started_at", flat=True))
    assert times == sorted(times)


def test_leak_requests_are_routed_by_the_dn150_rule(seeded):
    """INT-7, 003 §8.2."""
    engineering = OrgUnit.objects.get(code="engineering")
    leaks = list(ServiceRequest.objects.filter(request_type__code="water-leak")
                 .select_related("responsible_unit"))
    small = [r for r in leaks if r.attributes["dn"] <= 150]
    large = [r for r in leaks if r.attributes["dn"] > 150]
    assert small and large
    for request in small:
        assert request.responsible_unit.kind == OrgUnit.Kind.BUSINESS_OFFICE
        assert request.district in request.responsible_unit.districts
    assert all(request.responsible_unit == engineering for request in large)


def test_routing_and_priority_match_the_live_rules(seeded):
    """Generated requests get the unit, crew and priority request_create would give them (INT-6, INT-7)."""
    requests = ServiceRequest.objects.select_related("request_type", "customer", "service_point")
    for request in requests:
        facts = request_facts(channel=request.channel, district=request.district,
                              attributes=request.attributes, customer=request.customer,
                              service_point=request.service_point)
        decision = route_request(request_type=request.request_type, channel=request.channel, facts=facts)
        priority, reasons = decide_priority(request_type=request.request_type, facts=facts)
        routed = (decision.unit.pk, decision.crew_type)
        assert (request.responsible_unit_id, request.crew_type) == routed, request.pk
        assert (request.priority, request.priority_reasons) == (priority, reasons), request.pk


def test_every_channel_request_type_and_reporter_kind_occurs(seeded):
    """INT-1, INT-3, INT-4, INT-5."""
    # SMS and automated voice calls are the gateways' outbound channels (OUT-6 notifications).
    inbound = set(Channel.values) - {Channel.SMS, Channel.VOICE}
    assert set(ContactRecord.objects.values_list("channel", flat=True)) == inbound
    assert set(ServiceRequest.objects.values_list("request_type__code", flat=True)) == set(
        RequestType.objects.values_list("code", flat=True))
    assert set(ContactRecord.objects.values_list("reporter_kind", flat=True)) == set(
        ContactRecord.ReporterKind.values)
    answered = ContactRecord.objects.filter(first_contact_resolution=True)
    assert answered.exists()
    assert not answered.filter(request__isnull=False).exists()
    assert all(c.request_type.answerable_on_contact for c in answered.select_related("request_type"))
    assert not ContactRecord.objects.filter(reporter_kind="non_customer", customer__isnull=False).exists()
    assert not ContactRecord.objects.filter(reporter_kind="customer", customer__isnull=True).exists()
    created = ContactRecord.objects.filter(outcome=ContactRecord.Outcome.REQUEST_CREATED)
    assert created.count() == ServiceRequest.objects.count()


def test_phones_are_stored_normalised(seeded):
    for phone, mobile in Customer.objects.values_list("phone", "mobile"):
        assert phone == normalise_phone(phone) and mobile == normalise_phone(mobile)
    assert all(p == normalise_phone(p)
               for p in ContactRecord.objects.values_list("reporter_phone", flat=True))


def test_addresses_are_found_by_fragment(seeded):
    """INT-2: a piece of a Chinese address finds the service point (FTS5 on SQLite, pg_trgm on PostgreSQL)."""
    points = list(ServicePoint.objects.order_by("?")[:5]) + [ServicePoint.objects.get(
        address="深圳市南山区科技南路18号海岸城3栋1201", utility="power")]
    for point in points:
        fragment = point.address[6:14]  # e.g. 科技南路18号海 — no district, no city
        hits = caller_search(query=fragment, kind="address", limit=200)
        found = {sp.pk for hit in hits for sp in hit.service_points}
        assert point.pk in found, fragment
    lili = caller_search(query="13800138000")
    assert [hit.customer.name for hit in lili] == ["李丽"]


def test_indexes_built_after_a_deferred_load_find_addresses():
    """The big-load path (SQLite FTS rebuild / PostgreSQL index rebuild) leaves search working."""
    demo_data_seed(seed=3, customers=120, contacts=50, defer_indexes=True)
    point = ServicePoint.objects.order_by("-id").first()
    hits = caller_search(query=point.address[6:13], kind="address", limit=200)
    assert point.pk in {sp.pk for hit in hits for sp in hit.service_points}
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE "
                           "'customers_servicepoint_fts_%'")
            assert cursor.fetchone()[0] == 3
    # New rows keep being indexed by the restored trigger / index.
    new = ServicePoint.objects.create(number="NEW1", address="深圳市盐田区沙头角中英街99号",
                                      district="盐田区")
    assert new.pk in {sp.pk for hit in caller_search(query="中英街99号", kind="address")
                      for sp in hit.service_points}


def test_orm_writes_continue_after_the_explicit_ids(seeded):
    customer = Customer.objects.create(number="AFTER-SEED", name="新客户")
    assert customer.pk > Customer.objects.exclude(pk=customer.pk).order_by("-pk").first().pk
    request = ServiceRequest.objects.order_by("pk").first()
    event = RequestEvent.objects.create(request=request, kind=EventKind.NOTE, reason="ok")
    assert event.pk > RequestEvent.objects.exclude(pk=event.pk).order_by("-pk").first().pk


def test_customer_login_sees_a_showcase_customer(seeded):
    user = User.objects.get(username="customer")
    assert user.customer.name == "李丽"
    assert user.customer.contacts.exists() or user.customer.service_points.count() == 2


def test_seeding_refuses_a_database_with_customers_unless_appending(seeded):
    before = Customer.objects.count()
    with pytest.raises(DemoDataExists):
        demo_data_seed(seed=7, customers=10, contacts=10)
    assert Customer.objects.count() == before
    demo_data_seed(seed=7, customers=50, contacts=40, mode="append")
    assert Customer.objects.count() == before + 50
    assert Customer.objects.values("number").distinct().count() == before + 50
    assert User.objects.filter(username="customer").count() == 1


@pytest.mark.django_db(transaction=True)
def test_reset_empties_the_database_first():
    demo_data_seed(seed=5, customers=30, contacts=20)
    demo_data_seed(seed=5, customers=40, contacts=20, mode="reset")
    assert Customer.objects.count() == 40 + 9
    assert User.objects.filter(username="agent").count() == 1


def test_the_same_seed_gives_the_same_city():
    reference = reference_data_load()
    ids = {"customer": 1, "customer_flag": 1, "account": 1, "service_point": 1}

    def city(seed: int) -> list:
        generator = CityGenerator(rng=random.Random(seed), reference=reference, first_ids=dict(ids),
                                  callers_wanted=100, expected_points=300, founded=datetime.date(2000, 1, 1),
                                  today=datetime.date(2026, 1, 1), pool_seed=seed + 1)
        return [(chunk.customers, chunk.service_points) for chunk in generator.customers(200)]

    assert city(11) == city(11)
    assert city(11) != city(12)


# -- a desk that looks alive (issue 10 item 12) -------------------------------------------------------


def _desk_clocks(now):
    """Each open request and work order with a running clock, as on track, at risk or breached (its
    worst clock): what the dispatcher's queue and the crews' lists show."""
    from servicedesk.sla.models import Timer, TimerState
    from servicedesk.sla.selectors import at_risk_timers, breached_timers
    from servicedesk.tickets.models import OPEN_REQUEST_STATUSES, OPEN_WORK_ORDER_STATUSES

    desk: dict[str, set[tuple[str, int]]] = {"on_track": set(), "at_risk": set(), "breached": set()}
    for subject_type, model, statuses in (("request", ServiceRequest, OPEN_REQUEST_STATUSES),
                                          ("work_order", WorkOrder, OPEN_WORK_ORDER_STATUSES)):
        open_ids = set(model.objects.filter(status__in=statuses).values_list("pk", flat=True))
        running = set(Timer.objects.filter(subject_type=subject_type, subject_id__in=open_ids,
                                           state__in=(TimerState.RUNNING, TimerState.BREACHED))
                      .values_list("subject_id", flat=True))
        breached = set(breached_timers(subject_type, now).filter(subject_id__in=running)
                       .exclude(state=TimerState.MISSED).values_list("subject_id", flat=True))
        at_risk = set(at_risk_timers(subject_type, now).filter(subject_id__in=running)
                      .values_list("subject_id", flat=True)) - breached
        desk["on_track"] |= {(subject_type, pk) for pk in running - breached - at_risk}
        desk["at_risk"] |= {(subject_type, pk) for pk in at_risk}
        desk["breached"] |= {(subject_type, pk) for pk in breached}
    return desk


# A Wednesday morning at the desk: the figures below do not depend on when the suite runs.
WORKING_DAY = datetime.datetime(2026, 12, 2, 10, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


@pytest.fixture
def working_day():
    """A season busy enough for a desk at work (about 45 contacts a day); returns the seeding's now."""
    import time_machine

    with time_machine.travel(WORKING_DAY, tick=False):
        demo_data_seed(seed=7, customers=CUSTOMERS, contacts=4000, now=WORKING_DAY)
    return WORKING_DAY


def test_the_desk_opens_on_a_working_day_most_clocks_on_track_a_few_at_risk_a_handful_breached(working_day):
    """Issue 10 item 12: at the moment of seeding, most open requests and work orders with a running
    clock are on track, at least one is at risk, and at least one but only a handful are breached."""
    now = working_day
    desk = _desk_clocks(now)
    counts = {state: len(ids) for state, ids in desk.items()}
    total = sum(counts.values())
    assert total >= 15, counts
    assert counts["on_track"] > total / 2, counts
    assert counts["at_risk"] >= 1, counts
    assert 1 <= counts["breached"] <= max(5, total // 5), counts


def test_open_work_is_recent_and_in_realistic_statuses(working_day):
    """Issue 10 item 12: no open request older than a few days (unless reopened by an unsatisfied
    customer); new, accepted and dispatched requests with work orders issued, accepted and in
    progress; a few waiting for the customer (their clocks paused); the months of closed history stay."""
    from servicedesk.tickets.models import OPEN_REQUEST_STATUSES, OPEN_WORK_ORDER_STATUSES

    now = working_day
    open_requests = ServiceRequest.objects.filter(status__in=OPEN_REQUEST_STATUSES)
    reopened = set(RequestEvent.objects.filter(action="reopen").values_list("request_id", flat=True))
    old = open_requests.filter(created_at__lt=now - datetime.timedelta(days=6)).exclude(pk__in=reopened)
    assert not old.exists(), [(r.reference, r.status, r.created_at) for r in old]
    recent = open_requests.filter(created_at__gte=now - datetime.timedelta(hours=24))
    assert recent.count() * 3 >= open_requests.count()
    assert {"new", "dispatched"} <= set(open_requests.values_list("status", flat=True))
    orders = set(WorkOrder.objects.filter(status__in=OPEN_WORK_ORDER_STATUSES)
                 .values_list("status", flat=True))
    assert {"issued", "accepted"} <= orders
    assert ServiceRequest.objects.filter(status="closed",
                                         created_at__lt=now - datetime.timedelta(days=60)).exists()


def test_waiting_for_the_customer_pauses_the_clocks(working_day):
    """Issue 10 item 12: a handful of requests wait for the customer; none stays waiting for weeks."""
    from servicedesk.sla.models import Timer

    now = working_day
    waits = RequestEvent.objects.filter(action="wait")
    assert waits.exists() and RequestEvent.objects.filter(action="resume").exists()
    waiting = ServiceRequest.objects.filter(status="waiting")
    assert waiting.count() <= 5
    assert not waiting.filter(created_at__lt=now - datetime.timedelta(days=6)).exists()
    assert all(timer.state == "paused" for timer in Timer.objects.filter(
        subject_type="request", subject_id__in=waiting.values("pk"), stopped_at__isnull=True))


def test_steps_keep_to_the_targets_in_force_not_to_fixed_times():
    """Issue 10 item 12: the generator paces each step by the clock it stops, so a tighter target
    set by an administrator before seeding is met by most of the season's fault dispatches."""
    from servicedesk.sla.models import Target

    reference_data_load()
    for target in Target.objects.filter(kind="triage_dispatch", policy__request_type__code="power-fault"):
        target.duration_minutes = 12
        target.save()
    demo_data_seed(seed=7, customers=CUSTOMERS, contacts=CONTACTS)
    delays = []
    faults = ServiceRequest.objects.filter(request_type__code="power-fault", work_orders__isnull=False)
    for request in faults.distinct():
        dispatched = request.events.filter(action="dispatch").order_by("at").first()
        delays.append((dispatched.at - request.created_at).total_seconds() / 60)
    assert len(delays) >= 20
    assert sum(delay <= 12 for delay in delays) >= 0.8 * len(delays), sorted(delays)
