"""Deterministic demo data for a Shenzhen power and water utility.

Two generators, both driven by one seeded ``random.Random`` so a run is reproducible:

``CityGenerator``   customers (mostly residents, a few % organisations: companies, hospitals,
                    government, schools), their accounts and service points with real district,
                    road and estate names, yielded in chunks of rows for the bulk loader.
``SeasonGenerator`` about three months ending now of contacts through every channel and requests
                    of every type, played as a discrete-event simulation: each request is a small
                    story (accept, dispatch, work order, on site, resolved, callback, closed…)
                    whose steps are taken in time order, so ids grow with time and every status
                    is the ``to_status`` of the request's last transition event, exactly as the
                    services would have written it.

Routing and priority are decided by the services' own ``tickets.routing.route_request`` and
``decide_priority`` on the configured rules, over the same facts ``tickets.routing.request_facts``
gathers, so generated requests obey the DN150 leak rule and the others like live ones do.
"""

import bisect
import datetime
import heapq
import itertools
import random
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.core.messages import bilingual, message
from servicedesk.customers.models import Account, Customer, ServicePoint
from servicedesk.demo import vocabulary as words
from servicedesk.demo.geography import CITY, DISTRICTS, District
from servicedesk.demo.network import DemoNetwork, Placed
from servicedesk.demo.reference import ReferenceData
from servicedesk.demo.reference_intake import (
    CREW_INSTALLATION,
    CREW_METER,
    CREW_PIPE_REPAIR,
    CREW_SERVICE_POINT,
)
from servicedesk.org.models import OrgUnit, Provider
from servicedesk.org.roles import Role
from servicedesk.sla.calendar import WorkingCalendar, add_working_time
from servicedesk.sla.config import sla_config
from servicedesk.sla.engine import Clock, TargetSpec, clock_compute, event_names
from servicedesk.sla.exceptions import OutsideCalendarCoverage
from servicedesk.sla.subjects import SubjectEvent, SubjectFacts
from servicedesk.tickets.config import intake_config
from servicedesk.tickets.models import (
    EventKind,
    RequestStatus,
    WorkOrderStatus,
)
from servicedesk.tickets.routing import decide_priority, route_request

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
SEASON_DAYS = 91

T = TypeVar("T")


@dataclass(frozen=True)
class Scale:
    customers: int
    contacts: int  # inbound contacts over the season (callbacks come on top)


SCALES: dict[str, Scale] = {
    "small": Scale(customers=5_000, contacts=6_000),
    "medium": Scale(customers=100_000, contacts=40_000),
    "large": Scale(customers=1_000_000, contacts=90_000),
}

CUSTOMER_FIELDS = ("id", "number", "name", "kind", "customer_class", "phone", "mobile", "email",
                   "key_account_manager", "notes", "created_at")
CUSTOMER_FLAG_FIELDS = ("id", "customer", "customerflag")
ACCOUNT_FIELDS = ("id", "number", "customer", "status", "amount_owed", "opened_on")
SERVICE_POINT_FIELDS = ("id", "number", "utility", "customer", "account", "address", "district",
                        "connection_status", "meter_number", "network_code", "device")
REQUEST_FIELDS = ("id", "request_type", "status", "priority", "channel", "customer", "service_point",
                  "reporter_name", "reporter_phone", "location", "district", "subject", "description",
                  "attributes", "responsible_unit", "routing_rule", "crew_type", "priority_reasons",
                  "estimated_completion_at", "resolution", "created_by", "assignee", "created_at",
                  "updated_at", "resolved_at", "closed_at")
WORK_ORDER_FIELDS = ("id", "request", "provider", "status", "priority", "crew_type", "instructions",
                     "promised_start_at", "promised_end_at", "actual_start_at", "actual_end_at", "result",
                     "created_by", "created_at", "updated_at")
REQUEST_EVENT_FIELDS = ("id", "request", "at", "actor", "kind", "action", "from_status", "to_status",
                        "changes", "reason", "message")
WORK_ORDER_EVENT_FIELDS = ("id", "work_order", "at", "actor", "kind", "action", "from_status", "to_status",
                           "changes", "reason", "message")
CONTACT_FIELDS = ("id", "channel", "direction", "started_at", "agent", "reporter_kind", "reporter_name",
                  "reporter_phone", "customer", "service_point", "request_type", "notes", "outcome",
                  "first_contact_resolution", "request", "steps")

Person = Customer.Kind.PERSON
Organisation = Customer.Kind.ORGANISATION
Class = Customer.CustomerClass
Status = ServicePoint.ConnectionStatus
POWER = ServicePoint.Utility.POWER
WATER = ServicePoint.Utility.WATER


def customer_number(customer_id: int) -> str:
    return f"3{customer_id:09d}"


def account_number(account_id: int, utility: str) -> str:
    # Digits only, so that a caller reading it out is found by the "digits" search (INT-2).
    return f"{1 if utility == POWER else 2}{account_id:09d}"


def service_point_number(point_id: int, utility: str) -> str:
    return f"{'E' if utility == POWER else 'W'}{point_id:010d}"


class WeightedChoice(Generic[T]):
    """``rng.choices`` with the cumulative weights computed once (it runs millions of times)."""

    def __init__(self, items: Iterable[T], weights: Iterable[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> T:
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.total)]


# ----------------------------------------------------------------------------------------------
# The city: customers, accounts, service points


@dataclass(slots=True)
class Caller:
    """What the season needs to know about a service point someone may call about."""

    point_id: int
    utility: str
    district: str
    address: str
    status: str
    customer_id: int
    customer_name: str
    phone: str
    flags: tuple[str, ...]
    customer_class: str
    key_account_manager_id: int | None
    amount_owed: Decimal


@dataclass
class CityChunk:
    devices: list[tuple[Any, ...]] = field(default_factory=list)  # network.DEVICE_FIELDS, before the points
    customers: list[tuple[Any, ...]] = field(default_factory=list)
    customer_flags: list[tuple[Any, ...]] = field(default_factory=list)
    accounts: list[tuple[Any, ...]] = field(default_factory=list)
    service_points: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class ShowcaseCustomer:
    """A fixed customer the demo's "what to try" refers to."""

    key: str
    name: str
    kind: str
    customer_class: str
    mobile: str
    phone: str
    district: str
    address: str
    utilities: tuple[str, ...]
    flags: tuple[str, ...] = ()
    key_account_manager: str | None = None
    status: str = Status.CONNECTED
    amount_owed: Decimal = Decimal("0")
    notes: str = ""


SHOWCASE: tuple[ShowcaseCustomer, ...] = (
    ShowcaseCustomer("lili", "李丽", Person, Class.RESIDENTIAL, "13800138000", "", "南山区",
                     "深圳市南山区科技南路18号海岸城3栋1201", (POWER, WATER)),
    ShowcaseCustomer("hospital", "深圳市南山区人民医院", Organisation, Class.PUBLIC_SERVICE, "",
                     "075526553111", "南山区", "深圳市南山区桃园路89号", (POWER, WATER),
                     ("hospital", "key_account"), "key_account_manager",
                     notes="双电源供电,停电须立即通知院方总务科。"),
    ShowcaseCustomer("zhangwei", "张伟", Person, Class.RESIDENTIAL, "13900139000", "075583211234", "福田区",
                     "深圳市福田区福华路88号中海华庭2栋503", (POWER,)),
    ShowcaseCustomer("debtor", "陈志强", Person, Class.RESIDENTIAL, "13700137000", "", "福田区",
                     "深圳市福田区红荔路1001号园岭新村12栋302", (POWER,), status=Status.CUT_UNPAID,
                     amount_owed=Decimal("356.80")),
    ShowcaseCustomer("move_in", "王芳", Person, Class.RESIDENTIAL, "13600136000", "", "宝安区",
                     "深圳市宝安区西乡大道288号碧海花园6栋1803", (POWER,),
                     status=Status.CUT_MOVE_IN_UNREGISTERED),
    ShowcaseCustomer("life_support", "赵建国", Person, Class.RESIDENTIAL, "13500135000", "075525561234",
                     "罗湖区", "深圳市罗湖区翠竹路2068号翠竹苑3栋702", (POWER, WATER),
                     ("life_support", "elderly_alone"), notes="家中使用制氧机,停电须优先处理。"),
    ShowcaseCustomer("government", "深圳市福田区人民政府", Organisation, Class.GOVERNMENT, "", "075582918000",
                     "福田区", "深圳市福田区福民路123号", (POWER, WATER), ("government", "key_account"),
                     "key_account_manager"),
    ShowcaseCustomer("school", "深圳中学", Organisation, Class.PUBLIC_SERVICE, "", "075525503800", "罗湖区",
                     "深圳市罗湖区深中街18号", (POWER, WATER), ("school",)),
    ShowcaseCustomer("factory", "深圳市鹏城精密制造有限公司", Organisation, Class.INDUSTRIAL, "13602601234",
                     "075527301234", "宝安区", "深圳市宝安区福永大道1号凤凰工业区A栋", (POWER, WATER),
                     ("key_account",), "key_account_manager2"),
)


class CityGenerator:
    """Customers with their accounts and service points, yielded in chunks of rows."""

    def __init__(self, *, rng: random.Random, reference: ReferenceData, first_ids: dict[str, int],
                 callers_wanted: int, expected_points: int, founded: datetime.date, today: datetime.date,
                 pool_seed: int, network: dict[str, Placed] | None = None) -> None:
        """``network``: the devices already in the database by code (id, lineage, area), reused."""
        self.rng = rng
        self.network = DemoNetwork(first_id=first_ids.get("device", 1), expected_points=expected_points,
                                   existing=network)
        # Choosing who will call must not shift the customers' random stream (a different season
        # size would otherwise give a different city).
        self.pool_rng = random.Random(pool_seed)
        self.flag_ids = {code: flag.pk for code, flag in reference.flags.items()}
        managers = [u for u in reference.users.values() if u.role == Role.KEY_ACCOUNT_MANAGER]
        self.key_account_manager_ids = [u.pk for u in sorted(managers, key=lambda u: u.username)]
        self.users = {name: user.pk for name, user in reference.users.items()}
        self.next_customer = first_ids["customer"]
        self.next_flag = first_ids["customer_flag"]
        self.next_account = first_ids["account"]
        self.next_point = first_ids["service_point"]
        self.founded = founded
        self.today = today
        self.days_span = (today - founded).days
        self.pick_district = WeightedChoice(DISTRICTS, [d.population for d in DISTRICTS])
        self.pick_surname = WeightedChoice(words.SURNAMES, words.SURNAME_WEIGHTS)
        self.person_pool_rate = min(1.0, callers_wanted / max(expected_points, 1))
        self.organisation_pool_rate = min(1.0, 4 * self.person_pool_rate)
        self.callers: dict[str, list[Caller]] = {"person": [], "organisation": [], "showcase": [],
                                                 "key_account": []}
        self.showcase_customer_ids: dict[str, int] = {}

    # -- names, phones, addresses --------------------------------------------------------------

    def person_name(self) -> str:
        rng = self.rng
        given = words.GIVEN_NAME_CHARACTERS
        length = 1 if rng.random() < 0.3 else 2
        return self.pick_surname(rng) + "".join(given[int(rng.random() * len(given))] for _ in range(length))

    def mobile(self) -> str:
        rng = self.rng
        prefix = words.MOBILE_PREFIXES[int(rng.random() * len(words.MOBILE_PREFIXES))]
        return prefix + f"{rng.randrange(10**8):08d}"

    def landline(self) -> str:
        # Shenzhen numbers: area code 0755 and eight digits, not starting with 0 or 1.
        return f"0755{self.rng.randrange(2 * 10**7, 9 * 10**7)}"

    def email(self) -> str:
        rng = self.rng
        number = rng.randrange(10**5, 10**10)
        domain = words.EMAIL_DOMAINS[int(rng.random() * len(words.EMAIL_DOMAINS))]
        return f"{number}@{domain}"

    def _pick(self, items: tuple[str, ...]) -> tuple[int, str]:
        index = int(self.rng.random() * len(items))
        return index, items[index]

    def home_address(self, district: District) -> tuple[str, int, int, int]:
        """An address and its (road, estate, building) indexes, which decide its network position."""
        rng = self.rng
        place = rng.random()
        road_index, road = self._pick(district.roads)
        number = rng.randint(1, 2000)
        if place < 0.72:
            estate_index, estate = self._pick(district.estates)
            building = rng.randint(1, 36)
            floor = rng.randint(1, 33)
            room = rng.randint(1, 8)
            return (f"{CITY}{district.name}{road}{number}号{estate}{building}栋{floor}{room:02d}",
                    road_index, estate_index, building)
        if place < 0.92:
            village_index, village = self._pick(district.villages)
            lane = rng.randint(1, 30)
            floor = rng.randint(1, 8)
            house, room = rng.randint(1, 60), rng.randint(1, 4)
            return (f"{CITY}{district.name}{village}{lane}巷{house}号{floor}{room:02d}",
                    road_index, 50 + village_index, lane)
        return f"{CITY}{district.name}{road}{number}号{rng.randint(1, 3)}楼", road_index, 90, number % 40

    def business_address(self, district: District) -> tuple[str, int, int, int]:
        rng = self.rng
        road_index, road = self._pick(district.roads)
        number = rng.randint(1, 3000)
        if rng.random() < 0.5:
            return f"{CITY}{district.name}{road}{number}号", road_index, 95, number % 40
        building = rng.randint(1, 12)
        return f"{CITY}{district.name}{road}{number}号{building}栋", road_index, 96, building

    def organisation(self, district: District) -> tuple[str, str, tuple[str, ...], bool]:
        """Name, class, flags and whether it is a key account."""
        rng = self.rng
        kind = rng.random()
        community = district.communities[int(rng.random() * len(district.communities))]
        root = community.removesuffix("社区").removesuffix("村")
        if kind < 0.75:
            industry = words.COMPANY_INDUSTRIES[int(rng.random() * len(words.COMPANY_INDUSTRIES))]
            brand = words.COMPANY_BRANDS[int(rng.random() * len(words.COMPANY_BRANDS))]
            customer_class = Class.INDUSTRIAL if industry in words.INDUSTRIAL_INDUSTRIES else Class.COMMERCIAL
            key = customer_class == Class.INDUSTRIAL and rng.random() < 0.1
            return f"深圳市{brand}{industry}有限公司", customer_class, ("key_account",) if key else (), key
        if kind < 0.80:
            if rng.random() < 0.7:
                return (f"深圳市{district.name}{community}健康服务中心", Class.PUBLIC_SERVICE,
                        ("hospital",), False)
            brand = words.COMPANY_BRANDS[int(rng.random() * len(words.COMPANY_BRANDS))]
            return f"深圳{brand}医院", Class.PUBLIC_SERVICE, ("hospital", "key_account"), True
        if kind < 0.88:
            if rng.random() < 0.6:
                return f"{community}工作站", Class.GOVERNMENT, ("government",), False
            street = district.streets[int(rng.random() * len(district.streets))]
            if rng.random() < 0.5:
                return (f"深圳市{district.name}{street}街道办事处", Class.GOVERNMENT,
                        ("government", "key_account"), True)
            bureau = words.GOVERNMENT_BUREAUS[int(rng.random() * len(words.GOVERNMENT_BUREAUS))]
            return f"深圳市{district.name}{bureau}", Class.GOVERNMENT, ("government", "key_account"), True
        school = words.SCHOOL_KINDS[int(rng.random() * len(words.SCHOOL_KINDS))]
        key = rng.random() < 0.3
        return (f"深圳市{district.name}{root}{school}", Class.PUBLIC_SERVICE,
                ("school", "key_account") if key else ("school",), key)

    # -- rows ------------------------------------------------------------------------------------

    def _since(self) -> datetime.datetime:
        day = self.founded + datetime.timedelta(days=int(self.rng.random() * self.days_span))
        return datetime.datetime(day.year, day.month, day.day, 9, 30, tzinfo=LOCAL_TZ).astimezone(UTC)

    def _add_point(self, chunk: CityChunk, *, customer_id: int, account_id: int, utility: str, address: str,
                   district: District, network: tuple[int, int, int], status: str) -> int:
        point_id = self.next_point
        self.next_point += 1
        device_id, code = self.network.leaf(district, utility, *network)
        chunk.service_points.append((
            point_id, service_point_number(point_id, utility), utility, customer_id, account_id, address,
            district.name, status, f"{'DB' if utility == POWER else 'SB'}{point_id:010d}", code, device_id,
        ))
        return point_id

    def _add_account(self, chunk: CityChunk, *, customer_id: int, utility: str, owed: Decimal, closed: bool,
                     opened: datetime.datetime) -> int:
        account_id = self.next_account
        self.next_account += 1
        chunk.accounts.append((account_id, account_number(account_id, utility), customer_id,
                               Account.Status.CLOSED if closed else Account.Status.ACTIVE, owed,
                               opened.astimezone(LOCAL_TZ).date()))
        return account_id

    def _point_status(self, utility: str) -> str:
        draw = self.rng.random()
        if draw < 0.012:
            return Status.CUT_UNPAID  # OUT-4: supply cut for unpaid bills
        if draw < 0.017 and utility == POWER:
            return Status.CUT_MOVE_IN_UNREGISTERED  # OUT-4: moved in without registering
        if draw < 0.023:
            return Status.SUSPENDED
        if draw < 0.027:
            return Status.CLOSED
        return Status.CONNECTED

    def _owed(self, status: str, organisation: bool) -> Decimal:
        rng = self.rng
        if status == Status.CUT_UNPAID:
            high = 30000 if organisation else 3000
            return Decimal(rng.randint(150 * 100, high * 100)) / 100
        if rng.random() < 0.06:
            return Decimal(rng.randint(2000, 60000)) / 100
        return Decimal("0.00")

    def _add_flags(self, chunk: CityChunk, customer_id: int, flags: tuple[str, ...]) -> None:
        for code in flags:
            chunk.customer_flags.append((self.next_flag, customer_id, self.flag_ids[code]))
            self.next_flag += 1

    def _remember(self, group: str, caller: Caller) -> None:
        rate = 1.0 if group == "showcase" else (
            self.organisation_pool_rate if group == "organisation" else self.person_pool_rate)
        if rate >= 1.0 or self.pool_rng.random() < rate:
            self.callers[group].append(caller)
            if caller.key_account_manager_id is not None:
                self.callers["key_account"].append(caller)

    def showcase(self) -> CityChunk:
        """The fixed customers of the demo's "what to try" column (first ids of a fresh seed)."""
        chunk = CityChunk()
        districts = {d.name: d for d in DISTRICTS}
        for spec in SHOWCASE:
            customer_id = self.next_customer
            self.next_customer += 1
            self.showcase_customer_ids[spec.key] = customer_id
            manager = self.users.get(spec.key_account_manager) if spec.key_account_manager else None
            since = datetime.datetime(2012, 5, 8, 10, 0, tzinfo=UTC)
            chunk.customers.append((customer_id, customer_number(customer_id), spec.name, spec.kind,
                                    spec.customer_class, spec.phone, spec.mobile, "", manager, spec.notes,
                                    since))
            self._add_flags(chunk, customer_id, spec.flags)
            district = districts[spec.district]
            for utility in spec.utilities:
                status = spec.status if utility == POWER else Status.CONNECTED
                owed = spec.amount_owed if utility == POWER else Decimal("0.00")
                account_id = self._add_account(chunk, customer_id=customer_id, utility=utility, owed=owed,
                                               closed=False, opened=since)
                point_id = self._add_point(chunk, customer_id=customer_id, account_id=account_id,
                                           utility=utility, address=spec.address, district=district,
                                           network=(3, 0, 3), status=status)
                self._remember("showcase", Caller(point_id, utility, district.name, spec.address, status,
                                                  customer_id, spec.name, spec.mobile or spec.phone,
                                                  spec.flags, spec.customer_class, manager, owed))
        chunk.devices = self.network.take_rows()
        return chunk

    def customers(self, count: int, *, chunk_size: int = 20_000) -> Iterator[CityChunk]:
        chunk = CityChunk()
        for _number in range(count):
            self._customer(chunk)
            if len(chunk.customers) >= chunk_size:
                chunk.devices = self.network.take_rows()
                yield chunk
                chunk = CityChunk()
        if chunk.customers:
            chunk.devices = self.network.take_rows()
            yield chunk

    def _customer(self, chunk: CityChunk) -> None:
        rng = self.rng
        customer_id = self.next_customer
        self.next_customer += 1
        district = self.pick_district(rng)
        since = self._since()
        organisation = rng.random() < 0.03
        manager: int | None = None
        notes = ""
        if organisation:
            name, customer_class, flags, key_account = self.organisation(district)
            phone = self.landline()
            mobile = self.mobile() if rng.random() < 0.5 else ""
            email = self.email() if rng.random() < 0.6 else ""
            if key_account:
                manager = self.key_account_manager_ids[customer_id % len(self.key_account_manager_ids)]
                notes = "重要客户,由大客户经理专人对接。"
            premises = rng.choice((1, 1, 1, 2, 3))
            water_rate = 0.8
        else:
            name, customer_class = self.person_name(), Class.RESIDENTIAL
            mobile = self.mobile()
            phone = self.landline() if rng.random() < 0.2 else ""
            email = self.email() if rng.random() < 0.15 else ""
            draw = rng.random()
            flags = ("life_support",) if draw < 0.0015 else ("elderly_alone",) if draw < 0.0095 else ()
            premises = 2 if rng.random() < 0.05 else 1
            water_rate = 0.35
        chunk.customers.append((customer_id, customer_number(customer_id), name,
                                Organisation if organisation else Person, customer_class, phone, mobile,
                                email, manager, notes, since))
        self._add_flags(chunk, customer_id, flags)
        accounts: dict[str, int] = {}
        group = "organisation" if organisation else "person"
        for _premise in range(premises):
            address, road, estate, building = (self.business_address(district) if organisation
                                               else self.home_address(district))
            utilities = (POWER, WATER) if rng.random() < water_rate else (POWER,)
            for utility in utilities:
                status = self._point_status(utility)
                owed = self._owed(status, organisation)
                account_id = accounts.get(utility) if organisation else None
                if account_id is None:
                    account_id = self._add_account(chunk, customer_id=customer_id, utility=utility, owed=owed,
                                                   closed=status == Status.CLOSED, opened=since)
                    accounts[utility] = account_id
                point_id = self._add_point(chunk, customer_id=customer_id, account_id=account_id,
                                           utility=utility, address=address, district=district,
                                           network=(road, estate, building), status=status)
                self._remember(group, Caller(point_id, utility, district.name, address, status, customer_id,
                                             name, mobile or phone, flags, customer_class, manager, owed))


# ----------------------------------------------------------------------------------------------
# The season: contacts, requests, work orders and their history


Story = Generator[datetime.datetime, datetime.datetime, None]


@dataclass(slots=True, eq=False)
class RequestDraft:
    """A request being played; becomes a row when the season ends."""

    id: int
    type_code: str
    type_id: int
    priority: int
    channel: str
    customer_id: int | None
    point_id: int | None
    reporter_name: str
    reporter_phone: str
    location: str
    district: str
    subject: str
    description: str
    attributes: dict[str, Any]
    unit_id: int | None
    rule_id: int | None
    crew_type: str
    priority_reasons: list[str]
    estimated_completion_at: datetime.datetime | None
    created_by: int
    created_at: datetime.datetime
    caller: Caller | None
    field_work: bool
    status: str = RequestStatus.NEW
    resolution: str = ""
    assignee_id: int | None = None  # who accepted it (request_transition's "accept")
    updated_at: datetime.datetime | None = None
    resolved_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    work_orders: list["WorkOrderDraft"] = field(default_factory=list)
    events: list[SubjectEvent] = field(default_factory=list)  # its history as the SLA engine reads it

    def facts(self) -> SubjectFacts:
        """What tickets.timing.request_facts gives the SLA engine for this request."""
        return SubjectFacts(request_type_id=self.type_id, priority=self.priority, channel=self.channel,
                            customer_class=(self.caller.customer_class if self.caller and self.customer_id
                                            else ""))

    def row(self) -> tuple[Any, ...]:
        return (self.id, self.type_id, self.status, self.priority, self.channel, self.customer_id,
                self.point_id, self.reporter_name, self.reporter_phone, self.location, self.district,
                self.subject, self.description, self.attributes, self.unit_id, self.rule_id, self.crew_type,
                self.priority_reasons, self.estimated_completion_at, self.resolution, self.created_by,
                self.assignee_id, self.created_at, self.updated_at or self.created_at, self.resolved_at,
                self.closed_at)


@dataclass(slots=True, eq=False)
class WorkOrderDraft:
    id: int
    request_id: int
    provider_id: int
    priority: int
    crew_type: str
    instructions: str
    promised_start_at: datetime.datetime
    promised_end_at: datetime.datetime
    created_by: int
    created_at: datetime.datetime
    status: str = WorkOrderStatus.ISSUED
    actual_start_at: datetime.datetime | None = None
    actual_end_at: datetime.datetime | None = None
    result: str = ""
    updated_at: datetime.datetime | None = None
    facts: SubjectFacts = field(default_factory=SubjectFacts)  # as tickets.timing.work_order_facts
    events: list[SubjectEvent] = field(default_factory=list)

    def row(self) -> tuple[Any, ...]:
        return (self.id, self.request_id, self.provider_id, self.status, self.priority, self.crew_type,
                self.instructions, self.promised_start_at, self.promised_end_at, self.actual_start_at,
                self.actual_end_at, self.result, self.created_by, self.created_at,
                self.updated_at or self.created_at)

    @property
    def reference(self) -> str:
        return f"WO{self.id:08d}"


@dataclass
class SeasonRows:
    requests: list[RequestDraft] = field(default_factory=list)
    work_orders: list[WorkOrderDraft] = field(default_factory=list)
    request_events: list[tuple[Any, ...]] = field(default_factory=list)
    work_order_events: list[tuple[Any, ...]] = field(default_factory=list)
    contacts: list[tuple[Any, ...]] = field(default_factory=list)


# Request types: how often they are asked about, per 1000 inbound contacts.
TYPE_WEIGHTS = {
    "consultation": 210, "bill-inquiry": 170, "application-status": 60, "complaint": 60, "power-fault": 170,
    "water-outage": 40, "water-leak": 80, "new-installation": 40, "training": 10, "customisation": 15,
    "account-change": 60, "meter-suspension": 20, "meter-closure": 15, "meter-resumption": 20,
}
STORM_TYPE_WEIGHTS = {**TYPE_WEIGHTS, "power-fault": 170 * 6, "water-outage": 40 * 4, "water-leak": 80 * 2}
CHANNEL_WEIGHTS = {
    Channel.PHONE: 620, Channel.HALL: 100, Channel.APP: 80, Channel.WEB: 70, Channel.KIOSK: 40,
    Channel.KEY_ACCOUNT_MANAGER: 40, Channel.EMAIL: 35, Channel.LETTER: 15,
}
HOUR_WEIGHTS = (0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 3.5, 3.6, 3.0, 2.0, 2.4, 3.2, 3.3, 3.0, 2.5,
                1.8, 1.6, 1.4, 1.1, 0.8, 0.5)
WATER_TYPES = frozenset({"water-leak", "water-outage"})
URGENT_FIELD_TYPES = frozenset({"power-fault", "water-leak", "water-outage"})
# Probability that a request of this type needs field work (a work order to a provider).
FIELD_WORK = {"power-fault": 1.0, "water-leak": 1.0, "water-outage": 0.75, "meter-suspension": 0.9,
              "meter-closure": 0.9, "meter-resumption": 0.9, "new-installation": 0.8, "complaint": 0.15}
DN_BY_SEVERITY = {
    "seep": ((20, 25, 32, 50, 80, 100, 150), (3, 3, 2, 3, 2, 2, 2)),
    "leak": ((25, 50, 80, 100, 150, 200, 300, 400), (2, 3, 3, 4, 4, 3, 2, 1)),
    "burst": ((100, 150, 200, 300, 400, 600, 800, 1000, 1200), (2, 3, 3, 3, 2, 2, 1, 1, 1)),
}
# Targets by priority, in hours: response (promised start) and resolution (promised end / ETR).
TARGET_HOURS = {1: (1, 4), 2: (2, 24), 3: (24, 72), 4: (48, 168)}
# How late a step that stops a service-level clock is taken, as a share of the clock's limit:
# (share of the steps, lowest, highest). Most well within it, some close to it, a few late, so
# that history is mostly met with some misses, and the clocks running at the moment of seeding
# are mostly on track, a few at risk (75 % used, or due within the hour) and a handful breached.
# Shares of the limit rather than fixed times keep this true when an administrator (or a new
# seed) changes the targets.
STEP_LATENESS = ((0.82, 0.08, 0.65), (0.12, 0.65, 0.98), (0.06, 1.05, 2.0))
# A desk at work has a few clocks near their due time: of the steps whose clock is past its
# at-risk instant but not yet due at the seeding's moment, this share is still to be taken then.
DESK_AT_RISK = 0.5
# A handful of requests wait for the customer (a document, an appointment): their clocks pause.
WAIT_FOR_CUSTOMER = 0.05
RESOLVING = ("resolve", RequestStatus.RESOLVED)


class SeasonGenerator:
    """A season of intake and field work, simulated in time order (see the module docstring)."""

    def __init__(self, *, rng: random.Random, reference: ReferenceData, callers: dict[str, list[Caller]],
                 first_ids: dict[str, int], now: datetime.datetime, days: int = SEASON_DAYS) -> None:
        self.rng = rng
        self.now = now
        self.days = days
        self.reference = reference
        self.callers = callers
        self.rows = SeasonRows()
        self.next_ids = dict(first_ids)
        self.types = reference.types
        self.type_fields = {code: {f.key: f for f in t.fields.all()} for code, t in self.types.items()}
        self.intake = intake_config()
        self.units = reference.units
        self.units_by_id = {u.pk: u for u in self.units.values()}
        self._staff(reference)
        self.pick_type = WeightedChoice(TYPE_WEIGHTS.keys(), TYPE_WEIGHTS.values())
        self.pick_storm_type = WeightedChoice(STORM_TYPE_WEIGHTS.keys(), STORM_TYPE_WEIGHTS.values())
        self.pick_channel = WeightedChoice(CHANNEL_WEIGHTS.keys(), CHANNEL_WEIGHTS.values())
        self.pick_hour = WeightedChoice(range(24), HOUR_WEIGHTS)
        # Open fault and leak requests by (type, district): repeated calls about one outage are
        # linked to it instead of creating a new request (004 steps 4–5).
        self.open_incidents: dict[tuple[str, str], list[RequestDraft]] = {}
        self.sequence = itertools.count()
        self._pools: dict[tuple[str, str], list[Caller]] = {}
        # The service levels in force (the reference data loaded them): steps are paced by them.
        self.sla = sla_config()
        self._targets_by_facts: dict[tuple[Any, ...], list[tuple[TargetSpec, WorkingCalendar]]] = {}

    def _staff(self, reference: ReferenceData) -> None:
        users = sorted(reference.users.values(), key=lambda u: u.username)
        self.day_agents = [u.pk for u in users if u.role == Role.AGENT and u.unit_id and
                           self.units_by_id[u.unit_id].code != "hotline-team-3"]
        self.night_agents = [u.pk for u in users if u.role == Role.AGENT and u.unit_id and
                             self.units_by_id[u.unit_id].code == "hotline-team-3"] or self.day_agents
        self.team_leads = [u.pk for u in users if u.role == Role.TEAM_LEAD]
        self.handlers_by_unit: dict[int, list[int]] = {}
        for user in users:
            if user.role in (Role.DISPATCHER, Role.KEY_ACCOUNT_MANAGER) and user.unit_id:
                self.handlers_by_unit.setdefault(user.unit_id, []).append(user.pk)
        self.dispatchers = [u.pk for u in users if u.role == Role.DISPATCHER]
        self.staff_by_provider: dict[int, list[int]] = {}
        for user in users:
            if user.role == Role.PROVIDER_STAFF and user.provider_id:
                self.staff_by_provider.setdefault(user.provider_id, []).append(user.pk)
        providers = sorted(reference.providers.values(), key=lambda p: p.code)
        self.providers = [p for p in providers if p.active and p.pk in self.staff_by_provider]

    # -- small helpers ---------------------------------------------------------------------------

    def _id(self, kind: str) -> int:
        value = self.next_ids[kind]
        self.next_ids[kind] = value + 1
        return value

    def _agent(self, at: datetime.datetime) -> int:
        hour = at.astimezone(LOCAL_TZ).hour
        pool = self.night_agents if hour >= 22 or hour < 8 else self.day_agents
        return pool[int(self.rng.random() * len(pool))]

    def _one(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def _minutes(self, low: float, high: float) -> datetime.timedelta:
        return datetime.timedelta(minutes=low + self.rng.random() * (high - low))

    def _handler(self, unit_id: int | None) -> int:
        """Who accepts and handles a request in its responsible unit."""
        pool = self.handlers_by_unit.get(unit_id or 0)
        if pool:
            return self._one(pool)
        return self._one(self.team_leads)

    def _dispatcher(self, unit_id: int | None) -> int:
        pool = [u for u in self.handlers_by_unit.get(unit_id or 0, []) if u in self.dispatchers]
        return self._one(pool or self.dispatchers)

    # -- service levels: a step that stops a clock is taken at a share of its limit ------------------

    def _targets(self, subject_type: str, facts: SubjectFacts) -> list[tuple[TargetSpec, WorkingCalendar]]:
        """The targets of the policy that times this subject (SLA-2), with their calendars."""
        key = (subject_type, facts.request_type_id, facts.severity, facts.priority, facts.customer_class,
               facts.channel, facts.provider_id)
        if key not in self._targets_by_facts:
            policy = self.sla.policy_for(subject_type, facts)
            self._targets_by_facts[key] = [(spec, self.sla.calendar(calendar_id))
                                           for spec, calendar_id in (policy.targets if policy else [])]
        return self._targets_by_facts[key]

    def _stopped_clocks(self, subject: "RequestDraft | WorkOrderDraft", names: tuple[str, ...],
                        t: datetime.datetime) -> Iterator[tuple[WorkingCalendar, Clock]]:
        """The subject's clocks running at ``t`` that a step named ``names`` (its action and the
        status it enters) stops, computed by the engine from the subject's history so far."""
        subject_type = "request" if isinstance(subject, RequestDraft) else "work_order"
        facts = subject.facts() if isinstance(subject, RequestDraft) else subject.facts
        for spec, calendar in self._targets(subject_type, facts):
            if not event_names(spec.stop_event) & set(names):
                continue
            try:
                clock = clock_compute(spec, calendar, subject.events, t)
            except OutsideCalendarCoverage:
                continue
            if clock is not None and clock.stopped_at is None and clock.due_at is not None:
                yield calendar, clock

    def _paced(self, subject: "RequestDraft | WorkOrderDraft", names: tuple[str, ...], t: datetime.datetime,
               low: float, high: float, *,
               then: "tuple[RequestDraft | WorkOrderDraft, tuple[str, ...]] | None" = None,
               ) -> datetime.datetime:
        """When the step named ``names`` is taken, after ``t``.

        1. The clocks this step stops, and those that a later step ``then`` (a subject and its
           step's names) will stop: a dispatcher accepting a fault works to its dispatch
           deadline, a crew to its request's resolution.
        2. None: ``low``..``high`` minutes after ``t``, as before service levels.
        3. Else the earliest of: for a clock this step stops, a share of its limit
           (``STEP_LATENESS``) counted in its working time from its start; for a clock the later
           step stops, a small share of the time it has left.
        4. Never before ``t`` (a few minutes after it at the earliest).
        5. A step on a clock that is at risk at the seeding's moment (past its at-risk instant, not
           yet due) is sometimes taken only after that moment (``DESK_AT_RISK``): the desk opens
           with a few clocks near their due time, as a working desk has.
        """
        share = self._lateness_share()
        candidates: list[datetime.datetime] = []
        stopped = list(self._stopped_clocks(subject, names, t))
        for calendar, clock in stopped:
            try:
                at = add_working_time(calendar, clock.started_at,
                                      datetime.timedelta(seconds=clock.target_seconds * share))
            except OutsideCalendarCoverage:
                at = clock.due_at
            if at is not None:
                candidates.append(at)
        if then is not None:
            for _calendar, clock in self._stopped_clocks(*then, t):
                if clock.due_at is not None and clock.due_at > t:
                    candidates.append(t + (clock.due_at - t) * (0.05 + 0.3 * self.rng.random()))
        if not candidates:
            return t + self._minutes(low, high)
        at = max(min(candidates), t + self._minutes(1, 6))
        for _calendar, clock in stopped:
            # 5. A clock at risk at the seeding's moment: its step is sometimes still to come then.
            at_risk, due = clock.at_risk_at, clock.due_at
            if (at_risk is not None and due is not None and at <= self.now and at_risk <= self.now < due
                    and self.rng.random() < DESK_AT_RISK):
                return self.now + (due - self.now) * (0.2 + 0.7 * self.rng.random())
        return at

    def _lateness_share(self) -> float:
        draw = self.rng.random()
        for weight, low, high in STEP_LATENESS:
            if draw < weight:
                return low + self.rng.random() * (high - low)
            draw -= weight
        return STEP_LATENESS[-1][2]

    # -- contact times ----------------------------------------------------------------------------

    def contact_times(self, count: int) -> tuple[list[datetime.datetime], set[datetime.date]]:
        rng = self.rng
        today = self.now.astimezone(LOCAL_TZ).date()
        first_day = today - datetime.timedelta(days=self.days - 1)
        days = [first_day + datetime.timedelta(days=n) for n in range(self.days)]
        storm_days = set(rng.sample(days[:-7], 2)) if len(days) > 10 else set()
        day_weights = [(0.7 if day.weekday() >= 5 else 1.0) * (2.5 if day in storm_days else 1.0)
                       for day in days]
        pick_day = WeightedChoice(days, day_weights)
        times: list[datetime.datetime] = []
        while len(times) < count:
            day = pick_day(rng)
            moment = datetime.datetime(day.year, day.month, day.day, self.pick_hour(rng), rng.randrange(60),
                                       rng.randrange(60), tzinfo=LOCAL_TZ).astimezone(UTC)
            if moment < self.now:
                times.append(moment)
        times.sort()
        return times, storm_days

    # -- rule evaluation (same facts as tickets.routing.request_facts) --------------------------------

    def _facts(self, *, channel: str, district: str, attributes: dict[str, Any], caller: Caller | None,
               utility: str | None) -> dict[str, Any]:
        facts: dict[str, Any] = {f"attributes.{key}": value for key, value in attributes.items()}
        facts["channel"] = channel
        facts["district"] = district or None
        facts["utility"] = utility
        if caller is not None:
            facts["customer.class"] = caller.customer_class
            facts["customer.flags"] = list(caller.flags)
            facts["customer.key_account"] = caller.key_account_manager_id is not None
        return facts

    def _route(self, type_code: str, channel: str,
               facts: dict[str, Any]) -> tuple[int | None, int | None, str]:
        # The real routing (INT-7), on the same cached configuration the services read.
        decision = route_request(request_type=self.types[type_code], channel=channel, facts=facts,
                                 config=self.intake)
        return (decision.unit.pk if decision.unit else None), (decision.rule.pk if decision.rule else None), \
            decision.crew_type

    def _priority(self, type_code: str, facts: dict[str, Any]) -> tuple[int, list[str]]:
        return decide_priority(request_type=self.types[type_code], facts=facts, config=self.intake)

    # -- what the caller says -----------------------------------------------------------------------

    def _street_place(self, district_name: str) -> str:
        district = next(d for d in DISTRICTS if d.name == district_name)
        road = self._one(district.roads)
        if self.rng.random() < 0.5:
            other = self._one([r for r in district.roads if r != road])
            return f"{district.name}{road}与{other}交叉口"
        return f"{district.name}{road}{self.rng.randint(1, 2000)}号门前人行道"

    def _attributes(self, type_code: str, at: datetime.datetime, caller: Caller | None,
                    street: bool) -> tuple[dict[str, Any], str]:
        """Type fields and the description for a new request of this type."""
        rng = self.rng
        place = "现场"
        if type_code == "consultation":
            topic = self._one(("price", "procedure", "knowledge", "policy"))
            return {"topic": topic}, words.UNANSWERED_NOTE.format(question="咨询" + {
                "price": "水电价格", "procedure": "业务办理", "knowledge": "用水用电知识",
                "policy": "政策法规"}[topic])
        if type_code == "bill-inquiry":
            return {"billing_month": f"{at.astimezone(LOCAL_TZ):%Y-%m}"}, words.UNANSWERED_NOTE.format(
                question="对账单金额有疑问")
        if type_code == "application-status":
            return ({"application_number": f"YW{at.astimezone(LOCAL_TZ):%Y%m%d}{rng.randrange(10000):04d}"},
                    words.UNANSWERED_NOTE.format(question="查询业务办理进度"))
        if type_code == "complaint":
            about = self._one(tuple(words.COMPLAINT_TEXTS))
            return {"about": about}, words.COMPLAINT_TEXTS[about]
        if type_code == "power-fault":
            location = "hv_cable" if street or rng.random() < 0.3 else (
                "service_point" if rng.random() < 0.8 else "unknown")
            scope = ("area" if location == "hv_cable" and rng.random() < 0.6 else
                     self._one(("single", "single", "building")))
            attributes: dict[str, Any] = {"fault_location": location, "outage_scope": scope}
            if rng.random() < 0.06:
                attributes["hazard"] = True
            return attributes, self._one(words.FAULT_TEXTS[location]).format(place=place)
        if type_code == "water-outage":
            low_pressure = rng.random() < 0.3
            return ({"outage_scope": self._one(("single", "building", "building", "area")),
                     "low_pressure": low_pressure}, self._one(words.WATER_OUTAGE_TEXTS))
        if type_code == "water-leak":
            severity = (self._one(("seep", "leak", "leak", "burst")) if street
                        else self._one(("seep", "seep", "leak")))
            sizes, weights = DN_BY_SEVERITY[severity]
            dn = rng.choices(sizes, weights)[0] if street else self._one((15, 20, 25, 32, 50))
            return {"dn": dn, "severity": severity}, self._one(words.LEAK_TEXTS).format(place=place)
        if type_code == "new-installation":
            utility = "water" if caller is not None and caller.utility == WATER else "power"
            if utility == "power":
                kva = self._one((8, 16, 50, 100, 250, 400, 630, 1250))
                return ({"utility": "power", "capacity_kva": float(kva)},
                        words.INSTALLATION_TEXTS["power"].format(kva=kva))
            dn = self._one((20, 25, 50, 80, 100))
            return {"utility": "water", "pipe_dn": dn}, words.INSTALLATION_TEXTS["water"].format(dn=dn)
        if type_code == "training":
            topic = self._one(words.TRAINING_TOPICS)
            return {"topic": topic, "participants": rng.randint(10, 120)}, f"预约{topic}培训。"
        if type_code == "customisation":
            service = self._one(tuple(words.CUSTOMISATION_DETAILS))
            return {"service": service, "details": words.CUSTOMISATION_DETAILS[service]}, \
                words.CUSTOMISATION_DETAILS[service]
        if type_code == "account-change":
            change = self._one(tuple(words.ACCOUNT_CHANGE_TEXTS))
            return {"change": change}, words.ACCOUNT_CHANGE_TEXTS[change]
        # Meter suspension / closure / resumption (003 §9.1 form 2).
        effective = (at + datetime.timedelta(days=rng.randint(1, 14))).astimezone(LOCAL_TZ).date()
        attributes = {"effective_date": effective.isoformat()}
        if caller is not None:
            attributes["meter_number"] = f"{'DB' if caller.utility == POWER else 'SB'}{caller.point_id:010d}"
        return attributes, words.METER_TEXTS[type_code]

    def _answer(self, type_code: str, caller: Caller | None, at: datetime.datetime) -> str:
        if type_code == "consultation":
            return self._one(self._one(tuple(words.CONSULTATION_NOTES.values())))
        if type_code == "bill-inquiry":
            owed = caller.amount_owed if caller is not None and caller.amount_owed else \
                Decimal(self.rng.randint(3000, 60000)) / 100
            return self._one(words.BILL_NOTES).format(month=f"{at.astimezone(LOCAL_TZ):%Y-%m}", amount=owed)
        return self._one(words.APPLICATION_NOTES)

    # -- writing rows --------------------------------------------------------------------------------

    def _contact(self, *, at: datetime.datetime, agent: int, channel: str, direction: str = "in",
                 reporter_kind: str = ContactRecord.ReporterKind.CUSTOMER, reporter_name: str = "",
                 reporter_phone: str = "", customer_id: int | None = None, point_id: int | None = None,
                 type_code: str | None = None,
                 notes: str = "", outcome: str = ContactRecord.Outcome.INFORMATION_RECORDED,
                 first_contact_resolution: bool = False, request_id: int | None = None) -> int:
        contact_id = self._id("contact")
        self.rows.contacts.append((
            contact_id, channel, direction, at, agent, reporter_kind, reporter_name[:100], reporter_phone,
            customer_id, point_id, self.types[type_code].pk if type_code else None, notes, outcome,
            first_contact_resolution, request_id,
            [],  # steps of a guided flow (OUT-5): none recorded in the generated history
        ))
        return contact_id

    def _request_event(self, request: RequestDraft, *, at: datetime.datetime, actor: int | None, kind: str,
                       action: str = "", from_status: str = "", to_status: str = "",
                       changes: dict[str, Any] | None = None, reason: str = "",
                       note: dict[str, Any] | None = None) -> None:
        self.rows.request_events.append((self._id("request_event"), request.id, at, actor, kind, action,
                                         from_status, to_status, changes or {}, reason, note or {}))
        request.updated_at = at
        if kind != EventKind.NOTE:  # tickets.timing: what the SLA engine reads of the history
            request.events.append(SubjectEvent(
                at=at, action="created" if kind == EventKind.CREATED else action, from_status=from_status,
                to_status=to_status, reason=reason))

    def _transition(self, request: RequestDraft, action: str, target: str, *, at: datetime.datetime,
                    actor: int | None, reason: str = "", note: dict[str, Any] | None = None) -> None:
        """The effect of tickets.services.request_transition, written as data (``note``: the
        system's message, rendered in the reader's language)."""
        previous = request.status
        request.status = target
        if target == RequestStatus.RESOLVED:
            request.resolved_at = at
            request.resolution = reason
        elif target == RequestStatus.CLOSED:
            request.closed_at = at
        elif action == "reopen":
            request.resolved_at = None
            request.closed_at = None
        if action == "accept" and actor is not None and request.assignee_id is None:
            request.assignee_id = actor  # who accepted follows it (SLA-4: warned first)
        self._request_event(request, at=at, actor=actor, kind=EventKind.TRANSITION, action=action,
                            from_status=previous, to_status=target, reason=reason, note=note)

    def _work_order_event(self, work_order: WorkOrderDraft, *, at: datetime.datetime, actor: int | None,
                          kind: str, action: str = "", from_status: str = "", to_status: str = "",
                          changes: dict[str, Any] | None = None, reason: str = "") -> None:
        self.rows.work_order_events.append((self._id("work_order_event"), work_order.id, at, actor, kind,
                                            action, from_status, to_status, changes or {}, reason, {}))
        work_order.updated_at = at
        if kind != EventKind.NOTE:
            work_order.events.append(SubjectEvent(
                at=at, action="created" if kind == EventKind.CREATED else action, from_status=from_status,
                to_status=to_status, reason=reason))

    def _work_order_transition(self, work_order: WorkOrderDraft, action: str, target: str, *,
                               at: datetime.datetime, actor: int, reason: str = "") -> None:
        previous = work_order.status
        work_order.status = target
        if target == WorkOrderStatus.IN_PROGRESS and work_order.actual_start_at is None:
            work_order.actual_start_at = at
        if target == WorkOrderStatus.COMPLETED:
            work_order.actual_end_at = at
            work_order.actual_start_at = work_order.actual_start_at or at
            work_order.result = reason
        self._work_order_event(work_order, at=at, actor=actor, kind=EventKind.TRANSITION, action=action,
                               from_status=previous, to_status=target, reason=reason)

    def _work_order_create(self, request: RequestDraft, *, at: datetime.datetime, actor: int,
                           provider: Provider) -> WorkOrderDraft:
        """The effect of tickets.services.work_order_create (work order, history, request dispatched)."""
        response, resolution = TARGET_HOURS[request.priority]
        work_order = WorkOrderDraft(
            id=self._id("work_order"), request_id=request.id, provider_id=provider.pk,
            priority=request.priority, crew_type=request.crew_type,
            instructions=f"{request.subject}。{request.description}"[:500],
            promised_start_at=at + datetime.timedelta(hours=response),
            promised_end_at=at + datetime.timedelta(hours=resolution), created_by=actor, created_at=at,
            facts=SubjectFacts(request_type_id=request.type_id, priority=request.priority,
                               channel=request.channel, customer_class=request.facts().customer_class,
                               provider_id=provider.pk),
        )
        self.rows.work_orders.append(work_order)
        request.work_orders.append(work_order)
        self._work_order_event(work_order, at=at, actor=actor, kind=EventKind.CREATED,
                               to_status=WorkOrderStatus.ISSUED,
                               changes={"provider": [None, provider.code],
                                        "promised_end_at": [None, work_order.promised_end_at.isoformat()]})
        self._request_event(request, at=at, actor=actor, kind=EventKind.WORK_ORDER,
                            action="work_order_created",
                            changes={"work_order": [None, work_order.reference],
                                     "provider": [None, provider.code]})
        if request.status in (RequestStatus.NEW, RequestStatus.ACCEPTED):
            self._transition(request, "dispatch", RequestStatus.DISPATCHED, at=at, actor=actor,
                             note=message("work_order_dispatched", ref=work_order.reference,
                                          provider=bilingual(provider)))
        return work_order

    def _crew_for(self, request: RequestDraft) -> str:
        if request.crew_type:
            return request.crew_type
        if request.type_code in ("meter-suspension", "meter-closure", "meter-resumption"):
            return CREW_METER
        if request.type_code == "new-installation":
            return CREW_INSTALLATION
        utility = request.caller.utility if request.caller is not None else POWER
        return CREW_PIPE_REPAIR if utility == WATER else CREW_SERVICE_POINT

    def _provider_for(self, request: RequestDraft, exclude: int | None = None) -> Provider:
        """The crew: the local office's own field crew, else a provider of the right crew type
        (another office's field crew only works in its own district)."""
        unit = self.units_by_id.get(request.unit_id or 0)
        candidates = [p for p in self.providers if p.pk != exclude]
        if unit is not None and unit.kind == OrgUnit.Kind.BUSINESS_OFFICE:
            own = [p for p in candidates if p.unit_id == unit.pk]
            if own:
                return own[0]
        crew = self._crew_for(request)
        office_ids = {u.pk for u in self.units_by_id.values() if u.kind == OrgUnit.Kind.BUSINESS_OFFICE}
        able = [p for p in candidates if crew in (p.crew_types or []) and p.unit_id not in office_ids]
        internal = [p for p in able if p.kind == Provider.Kind.INTERNAL]
        external = [p for p in able if p.kind == Provider.Kind.EXTERNAL]
        if internal and (not external or self.rng.random() < 0.65):
            return self._one(internal)
        return self._one(external or candidates)

    # -- the stories -----------------------------------------------------------------------------------

    def _close_with_callback(self, request: RequestDraft, at: datetime.datetime) -> None:
        """003 §8.2: the caller is called back with the result; the call closes the request."""
        agent = self._agent(at)
        note = self._one(words.CALLBACK_SATISFIED)
        if request.customer_id is not None or request.reporter_phone:
            self._contact(at=at, agent=agent, channel=Channel.PHONE, direction="out",
                          reporter_kind=ContactRecord.ReporterKind.CUSTOMER if request.customer_id else
                          ContactRecord.ReporterKind.NON_CUSTOMER,
                          reporter_name=request.reporter_name, reporter_phone=request.reporter_phone,
                          customer_id=request.customer_id, point_id=request.point_id,
                          type_code=request.type_code, notes=note, request_id=request.id)
        self._transition(request, "close", RequestStatus.CLOSED, at=at, actor=agent, reason=note)

    def _reopen(self, request: RequestDraft) -> Story:
        """A callback finds the customer unsatisfied (CMP-6): reopen, fix, close again."""
        t = yield (request.updated_at or request.created_at) + self._minutes(60 * 24, 60 * 24 * 5)
        self._transition(request, "reopen", RequestStatus.ACCEPTED, at=t, actor=self._agent(t),
                         reason=words.CALLBACK_UNSATISFIED)
        t = yield self._paced(request, ("resolve", RequestStatus.RESOLVED), t, 60 * 3, 60 * 24 * 2)
        self._transition(request, "resolve", RequestStatus.RESOLVED, at=t, actor=self._one(self.team_leads),
                         reason=words.REOPEN_FIX)
        t = yield t + self._minutes(60 * 2, 60 * 24)
        self._close_with_callback(request, t)

    def _desk_story(self, request: RequestDraft) -> Story:
        """Accept (or cancel), perhaps wait for the customer, resolve, call back and close; every
        step that stops a clock is paced by it (``_paced``)."""
        rng = self.rng
        handler = self._handler(request.unit_id)
        t = yield self._paced(request, ("accept", RequestStatus.ACCEPTED), request.created_at, 5, 480)
        if rng.random() < 0.04:
            self._transition(request, "cancel", RequestStatus.CANCELLED, at=t, actor=self._agent(t),
                             reason=self._one(words.CANCEL_REASONS))
            return
        self._transition(request, "accept", RequestStatus.ACCEPTED, at=t, actor=handler)
        if rng.random() < 0.4:
            t = yield t + self._minutes(10, 600)
            self._transition(request, "start", RequestStatus.IN_PROGRESS, at=t, actor=handler)
        if rng.random() < WAIT_FOR_CUSTOMER:
            # SLA-3: the clocks stand still while the desk waits for the customer.
            t = yield t + self._minutes(30, 60 * 6)
            self._transition(request, "wait", RequestStatus.WAITING, at=t, actor=handler,
                             reason=self._one(words.WAIT_REASONS))
            t = yield t + self._minutes(60 * 4, 60 * 24 * 3)
            self._transition(request, "resume", RequestStatus.IN_PROGRESS, at=t, actor=handler)
        t = yield self._paced(request, ("resolve", RequestStatus.RESOLVED), t, 60, 60 * 24 * 2)
        if request.type_code == "complaint":
            resolution = words.COMPLAINT_RESOLUTIONS[request.attributes["about"]]
        else:
            resolution = self._one(words.DESK_RESOLUTIONS)
        self._transition(request, "resolve", RequestStatus.RESOLVED, at=t, actor=handler, reason=resolution)
        t = yield t + self._minutes(60 * 2, 60 * 24 * 5)
        self._close_with_callback(request, t)
        if rng.random() < 0.03:
            yield from self._reopen(request)

    def _field_result(self, request: RequestDraft) -> str:
        code = request.type_code
        if code == "power-fault":
            return self._one(words.FAULT_RESULTS[request.attributes["fault_location"]])
        if code == "water-leak":
            return self._one(words.LEAK_RESULTS).format(dn=request.attributes["dn"])
        if code == "water-outage":
            return self._one(words.WATER_OUTAGE_RESULTS)
        if code in words.METER_RESULTS:
            return words.METER_RESULTS[code]
        if code == "new-installation":
            return words.INSTALLATION_RESULTS[0 if request.attributes["utility"] == "power" else 1]
        if code == "complaint":
            return "已现场核查并处理:" + words.COMPLAINT_RESOLUTIONS[request.attributes["about"]]
        return self._one(words.DESK_RESOLUTIONS)

    def _field_story(self, request: RequestDraft) -> Story:
        """Dispatch to a provider; the request follows its work order (tickets.services._carry_to_request).

        Triage and dispatch, the crew's reply, its arrival on site and the completion are each
        paced by the clock they stop (``_paced``), so they keep to whatever targets are in force.
        """
        rng = self.rng
        urgent = request.priority <= 2 and request.type_code in URGENT_FIELD_TYPES
        scale = 0.15 if urgent else 1.0
        dispatcher = self._dispatcher(request.unit_id)
        t = request.created_at
        if rng.random() < 0.5:
            t = yield self._paced(request, ("accept", RequestStatus.ACCEPTED), t, 2, 240 * scale,
                                  then=(request, ("dispatch", RequestStatus.DISPATCHED)))
            self._transition(request, "accept", RequestStatus.ACCEPTED, at=t, actor=dispatcher)
        if rng.random() < 0.03:
            t = yield t + self._minutes(5, 120)
            self._transition(request, "cancel", RequestStatus.CANCELLED, at=t, actor=dispatcher,
                             reason=self._one(words.CANCEL_REASONS))
            return
        t = yield self._paced(request, ("dispatch", RequestStatus.DISPATCHED), t, 3, 600 * scale)
        provider = self._provider_for(request)
        work_order = self._work_order_create(request, at=t, actor=dispatcher, provider=provider)
        staff = self._one(self.staff_by_provider[provider.pk])
        if rng.random() < 0.04:
            t = yield t + self._minutes(10, 120)
            reason = self._one(words.DECLINE_REASONS)
            self._work_order_transition(work_order, "decline", WorkOrderStatus.CANCELLED, at=t, actor=staff,
                                        reason=reason)
            self._transition(request, "return", RequestStatus.ACCEPTED, at=t, actor=None,
                             note=message("work_order_none_left", ref=work_order.reference))
            t = yield self._paced(request, ("dispatch", RequestStatus.DISPATCHED), t, 5, 90)
            provider = self._provider_for(request, exclude=provider.pk)
            work_order = self._work_order_create(request, at=t, actor=dispatcher, provider=provider)
            staff = self._one(self.staff_by_provider[provider.pk])
        if rng.random() < 0.85:
            t = yield self._paced(work_order, ("accept", WorkOrderStatus.ACCEPTED), t, 3, 240 * scale,
                                  then=(request, RESOLVING))
            self._work_order_transition(work_order, "accept", WorkOrderStatus.ACCEPTED, at=t, actor=staff)
        t = yield self._paced(work_order, ("start", WorkOrderStatus.IN_PROGRESS), t, 20, 60 * 30 * scale,
                              then=(request, RESOLVING))
        self._work_order_transition(work_order, "start", WorkOrderStatus.IN_PROGRESS, at=t, actor=staff)
        if request.status == RequestStatus.DISPATCHED:
            self._transition(request, "start", RequestStatus.IN_PROGRESS, at=t, actor=None,
                             note=message("work_order_started", ref=work_order.reference))
        # Completing the work order resolves the request: the step stops the clocks of both.
        t = yield min(self._paced(work_order, ("complete", WorkOrderStatus.COMPLETED), t, 30,
                                  60 * (6 if urgent else 24)),
                      self._paced(request, RESOLVING, t, 30, 60 * (6 if urgent else 24)))
        result = self._field_result(request)
        self._work_order_transition(work_order, "complete", WorkOrderStatus.COMPLETED, at=t, actor=staff,
                                    reason=result)
        if request.status in (RequestStatus.DISPATCHED, RequestStatus.IN_PROGRESS):
            self._transition(request, "resolve", RequestStatus.RESOLVED, at=t, actor=None, reason=result)
        t = yield t + self._minutes(60, 60 * 24 * 4)
        self._close_with_callback(request, t)
        if rng.random() < 0.02:
            yield from self._reopen(request)

    # -- intake -------------------------------------------------------------------------------------------

    def _caller(self, utility: str, *, key_account: bool = False) -> Caller | None:
        """Someone who calls about a service point of this utility (organisations call more often
        than their share; key accounts through their manager)."""
        draw = self.rng.random()
        if draw < 0.006 or key_account:
            pool = self._pool("key_account" if key_account else "showcase", utility)
            return self._one(pool) if pool else None
        group = "organisation" if draw < 0.12 else "person"
        candidates = self.callers[group] or self.callers["person"]
        if not candidates:
            return None
        for _attempt in range(12):
            caller = self._one(candidates)
            if caller.utility == utility:
                return caller
        return None

    def _pool(self, group: str, utility: str) -> list[Caller]:
        key = (group, utility)
        if key not in self._pools:
            self._pools[key] = [c for c in self.callers[group] if c.utility == utility]
        return self._pools[key]

    def _linkable(self, type_code: str, district: str, at: datetime.datetime) -> RequestDraft | None:
        recent = self.open_incidents.get((type_code, district))
        if not recent:
            return None
        while recent and (at - recent[0].created_at) > datetime.timedelta(hours=8):
            recent.pop(0)
        for request in reversed(recent):
            if request.status not in (RequestStatus.RESOLVED, RequestStatus.CLOSED, RequestStatus.CANCELLED):
                return request
        return None

    def inbound(self, at: datetime.datetime, storm: bool) -> Story | None:
        """One inbound contact; returns the story of the request it creates, if any."""
        rng = self.rng
        type_code = (self.pick_storm_type if storm else self.pick_type)(rng)
        channel = self.pick_channel(rng)
        water = type_code in WATER_TYPES or (type_code not in ("power-fault",) and rng.random() < 0.3)
        utility = WATER if water else POWER
        reporter_kind = ContactRecord.ReporterKind.CUSTOMER
        if channel == Channel.PHONE:
            draw = rng.random()
            if (type_code in ("water-leak", "power-fault")
                    and draw < (0.25 if type_code == "water-leak" else 0.08)):
                reporter_kind = ContactRecord.ReporterKind.NON_CUSTOMER  # 004 step 2: police, passer-by
            elif type_code in ("consultation", "bill-inquiry", "power-fault", "water-leak") and draw > 0.95:
                reporter_kind = ContactRecord.ReporterKind.UNIDENTIFIED  # 004 step 6.2
        caller = None
        if reporter_kind == ContactRecord.ReporterKind.CUSTOMER:
            caller = self._caller(utility, key_account=channel == Channel.KEY_ACCOUNT_MANAGER)
            if caller is None:
                caller = self._caller(utility)
                channel = Channel.PHONE if channel == Channel.KEY_ACCOUNT_MANAGER else channel
            if caller is None:
                return None
        if channel == Channel.KEY_ACCOUNT_MANAGER and caller is not None and caller.key_account_manager_id:
            agent = caller.key_account_manager_id  # 004 step 1.2: key accounts call their manager
        else:
            channel = Channel.PHONE if channel == Channel.KEY_ACCOUNT_MANAGER else channel
            agent = self._agent(at)
        reporter_name, reporter_phone = "", ""
        if reporter_kind == ContactRecord.ReporterKind.NON_CUSTOMER:
            role = self._one(words.NON_CUSTOMER_ROLES)
            reporter_name = f"{role}{self._one(words.SURNAMES[:40])}{self._one(('先生', '女士', '师傅'))}"
            reporter_phone = f"1{self._one(('38', '39', '58', '86', '37'))}{rng.randrange(10**8):08d}"
        elif reporter_kind == ContactRecord.ReporterKind.UNIDENTIFIED:
            # 003 §8.2: a leak is taken only with the reporter's phone (request_create refuses it without).
            gives_phone = rng.random() < 0.5 or type_code == "water-leak"
            reporter_phone = f"1{self._one(('35', '36', '50', '88'))}{rng.randrange(10**8):08d}" \
                if gives_phone else ""
        elif channel == Channel.PHONE and caller is not None:
            reporter_phone = caller.phone  # caller ID
        answerable = self.types[type_code].answerable_on_contact

        # INT-5: answered on the spot → first-contact resolution, no request.
        if answerable and rng.random() < 0.82:
            self._contact(at=at, agent=agent, channel=channel, reporter_kind=reporter_kind,
                          reporter_name=reporter_name, reporter_phone=reporter_phone,
                          customer_id=caller.customer_id if caller else None,
                          point_id=caller.point_id if caller else None,
                          type_code=type_code, notes=self._answer(type_code, caller, at),
                          outcome=ContactRecord.Outcome.ANSWERED, first_contact_resolution=True)
            return None
        if answerable and reporter_kind == ContactRecord.ReporterKind.UNIDENTIFIED:
            self._contact(at=at, agent=agent, channel=channel, reporter_kind=reporter_kind,
                          reporter_phone=reporter_phone, type_code=type_code,
                          notes="来电人未能提供身份信息,无法查询,已建议携带证件到营业厅办理。")
            return None
        if type_code == "power-fault" and caller is not None:
            # OUT-4 / OUT-5: cut for arrears or move-in, or solved by a safe self-check.
            note = ""
            if caller.status == Status.CUT_UNPAID:
                note = words.UNPAID_NOTE.format(amount=caller.amount_owed)
            elif caller.status == Status.CUT_MOVE_IN_UNREGISTERED:
                note = words.MOVE_IN_NOTE
            elif rng.random() < 0.15:
                note = self._one(words.GUIDED_FAULT_NOTES)
            if note:
                self._contact(at=at, agent=agent, channel=channel, reporter_phone=reporter_phone,
                              customer_id=caller.customer_id, point_id=caller.point_id, type_code=type_code,
                              notes=note)
                return None
        street = caller is None or (type_code == "water-leak" and rng.random() < 0.4)
        district = caller.district if caller is not None else self._one(DISTRICTS).name
        if type_code in ("power-fault", "water-leak", "water-outage"):
            existing = self._linkable(type_code, district, at)
            if existing is not None and rng.random() < (0.5 if storm else 0.2):
                contact_id = self._contact(
                    at=at, agent=agent, channel=channel, reporter_kind=reporter_kind,
                    reporter_name=reporter_name, reporter_phone=reporter_phone,
                    customer_id=caller.customer_id if caller else None,
                    point_id=caller.point_id if caller else None, type_code=type_code,
                    notes=f"同一故障已受理(SR{existing.id:08d}),已告知处理进展及预计恢复时间。",
                    outcome=ContactRecord.Outcome.LINKED, request_id=existing.id)
                self._request_event(existing, at=at, actor=agent, kind=EventKind.CONTACT,
                                    action="contact_linked",
                                    changes={"contact": [None, f"C{contact_id:08d}"]})
                return None
        return self._new_request(at=at, type_code=type_code, channel=channel, agent=agent, caller=caller,
                                 reporter_kind=reporter_kind, reporter_name=reporter_name,
                                 reporter_phone=reporter_phone, district=district, street=street)

    def _new_request(self, *, at: datetime.datetime, type_code: str, channel: str, agent: int,
                     caller: Caller | None, reporter_kind: str, reporter_name: str, reporter_phone: str,
                     district: str, street: bool) -> Story:
        """The effect of tickets.services.request_create: contact, request, 'created' history row."""
        attributes, description = self._attributes(type_code, at, caller, street)
        location = self._street_place(district) if street else ""
        description = description.replace("现场", location or "现场")
        point = caller if caller is not None and not street else None
        facts = self._facts(channel=channel, district=district, attributes=attributes, caller=caller,
                            utility=point.utility if point is not None else None)
        unit_id, rule_id, crew_type = self._route(type_code, channel, facts)
        priority, reasons = self._priority(type_code, facts)
        request_type = self.types[type_code]
        place = location or (point.address if point is not None else "")

        request = RequestDraft(
            id=self._id("request"), type_code=type_code, type_id=request_type.pk, priority=priority,
            channel=channel, customer_id=caller.customer_id if caller is not None else None,
            point_id=point.point_id if point is not None else None,
            reporter_name=reporter_name or (caller.customer_name if caller is not None else ""),
            reporter_phone=reporter_phone or (caller.phone if caller is not None else ""),
            location=location, district=district, subject=place.strip()[:200],
            description=description, attributes=attributes, unit_id=unit_id, rule_id=rule_id,
            crew_type=crew_type, priority_reasons=reasons,
            estimated_completion_at=(at + datetime.timedelta(hours=TARGET_HOURS[priority][1])
                                     if type_code in URGENT_FIELD_TYPES else None),
            created_by=agent, created_at=at, caller=caller,
            field_work=self.rng.random() < FIELD_WORK.get(type_code, 0.0),
        )
        self.rows.requests.append(request)

        contact_id = self._contact(at=at, agent=agent, channel=channel, reporter_kind=reporter_kind,
                                   reporter_name=reporter_name, reporter_phone=reporter_phone,
                                   customer_id=request.customer_id, point_id=request.point_id,
                                   type_code=type_code, notes=description,
                                   outcome=ContactRecord.Outcome.REQUEST_CREATED, request_id=request.id)
        rule_name = next((r.name for r in self.intake.routing_rules if r.pk == rule_id), None)
        self._request_event(request, at=at, actor=agent, kind=EventKind.CREATED, to_status=RequestStatus.NEW,
                            changes={"priority": [None, priority], "responsible_unit": [None, unit_id],
                                     "routing_rule": [None, rule_name]},
                            note=message("request_created_from_contact", ref=f"C{contact_id:08d}"))
        if type_code in URGENT_FIELD_TYPES:
            self.open_incidents.setdefault((type_code, district), []).append(request)
        return self._field_story(request) if request.field_work else self._desk_story(request)

    # -- the simulation ------------------------------------------------------------------------------------

    def play(self, contacts: int, progress: Callable[[int], None] | None = None) -> SeasonRows:
        """Take every step of every story in time order, up to now."""
        times, storm_days = self.contact_times(contacts)
        queue: list[tuple[datetime.datetime, int, Any]] = [(t, next(self.sequence), None) for t in times]
        heapq.heapify(queue)
        while queue:
            at, _order, story = heapq.heappop(queue)
            if story is None:
                story = self.inbound(at, at.astimezone(LOCAL_TZ).date() in storm_days)
                if progress is not None:
                    progress(1)
                if story is None:
                    continue
                step = next(story, None)
            else:
                try:
                    step = story.send(at)
                except StopIteration:
                    continue
            if step is not None and step < self.now:
                heapq.heappush(queue, (step, next(self.sequence), story))
        return self.rows
