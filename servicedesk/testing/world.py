"""A small, fully configured service desk for tests: units, providers, request types with their
fields, routing and priority rules (the seeds' own examples), and one persona per role.

Personas (Healthchecks' alice/bob style): agent, team_lead, desk_manager, leadership,
key_account_manager, dispatcher (engineering), office_dispatcher (南山 business office),
provider_a_staff, provider_b_staff, supervisor, finance, administrator, customer_user (owns
customer ``alice``), other_customer_user, outsider (active user with no role capabilities).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from servicedesk.customers.models import Customer, CustomerFlag, ServicePoint
from servicedesk.network.models import Device
from servicedesk.network.services import device_save
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Role
from servicedesk.outages.models import (
    FaultCallSetting,
    InferenceRule,
    TroubleshootingScript,
    TroubleshootingStep,
)
from servicedesk.testing.factories import (
    AccountFactory,
    CustomerFactory,
    CustomerFlagFactory,
    OrgUnitFactory,
    ProviderFactory,
    ServicePointFactory,
    UserFactory,
)
from servicedesk.tickets.models import PriorityRule, RequestType, RequestTypeField, RoutingRule

PASSWORD = "pass-1234"


@dataclass
class World:
    units: dict[str, OrgUnit] = field(default_factory=dict)
    providers: dict[str, Provider] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    types: dict[str, RequestType] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    points: dict[str, ServicePoint] = field(default_factory=dict)
    flags: dict[str, CustomerFlag] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)


def build_world() -> World:
    w = World()
    centre = OrgUnitFactory(code="centre", name="客户服务中心", name_en="Customer service centre",
                            kind=OrgUnit.Kind.SERVICE_CENTRE)
    w.units["centre"] = centre
    w.units["hotline"] = OrgUnitFactory(code="hotline", name="热线班组", name_en="Hotline team",
                                        kind=OrgUnit.Kind.TEAM, parent=centre)
    w.units["engineering"] = OrgUnitFactory(code="engineering", name="工程部",
                                            name_en="Engineering department",
                                            kind=OrgUnit.Kind.ENGINEERING, parent=centre)
    w.units["office_nanshan"] = OrgUnitFactory(code="office-nanshan", name="南山营业所",
                                               name_en="Nanshan office",
                                               kind=OrgUnit.Kind.BUSINESS_OFFICE, parent=centre,
                                               districts=["南山区"])
    w.units["office_futian"] = OrgUnitFactory(code="office-futian", name="福田营业所",
                                              name_en="Futian office",
                                              kind=OrgUnit.Kind.BUSINESS_OFFICE, parent=centre,
                                              districts=["福田区"])
    w.units["business"] = OrgUnitFactory(code="business", name="营业部", name_en="Business department",
                                         kind=OrgUnit.Kind.DEPARTMENT, parent=centre)

    w.providers["a"] = ProviderFactory(code="crew-a", name="抢修一队", name_en="Repair crew A",
                                       kind=Provider.Kind.INTERNAL, unit=w.units["engineering"],
                                       crew_types=["pipe_repair", "hv_cable"])
    w.providers["b"] = ProviderFactory(code="partner-b", name="华南管网工程公司",
                                       name_en="South China Pipes Ltd",
                                       kind=Provider.Kind.EXTERNAL, crew_types=["pipe_repair"])

    def user(name: str, role: str, **extra: object) -> User:
        w.users[name] = UserFactory(username=name, role=role, full_name=name, **extra)
        return w.users[name]

    user("agent", Role.AGENT, unit=w.units["hotline"])
    w.units["hotline"].lead = user("team_lead", Role.TEAM_LEAD, unit=w.units["hotline"])
    w.units["hotline"].save()
    user("desk_manager", Role.DESK_MANAGER, unit=centre)
    user("leadership", Role.LEADERSHIP, unit=centre)
    user("key_account_manager", Role.KEY_ACCOUNT_MANAGER, unit=w.units["hotline"])
    user("dispatcher", Role.DISPATCHER, unit=w.units["engineering"])
    user("office_dispatcher", Role.DISPATCHER, unit=w.units["office_nanshan"])
    user("provider_a_staff", Role.PROVIDER_STAFF, provider=w.providers["a"])
    user("provider_b_staff", Role.PROVIDER_STAFF, provider=w.providers["b"])
    user("supervisor", Role.QUALITY_SUPERVISOR, unit=centre)
    user("finance", Role.FINANCE, unit=centre)
    user("administrator", Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    user("outsider", Role.FINANCE)  # finance has no intake capability: the generic "may not" persona

    w.flags["hospital"] = CustomerFlagFactory(code="hospital", name="医院", name_en="Hospital")
    w.flags["government"] = CustomerFlagFactory(code="government", name="政府机关", name_en="Government")
    w.flags["life_support"] = CustomerFlagFactory(code="life_support", name="生命维持设备用户",
                                                  name_en="Life-support equipment")

    alice = CustomerFactory(number="C000000001", name="李丽", mobile="13800138000")
    w.customers["alice"] = alice
    w.points["alice"] = ServicePointFactory(number="SP000000001", customer=alice,
                                            address="深圳市南山区科技南路18号海岸城3栋1201",
                                            district="南山区", network_code="T-NS-001")
    bob = CustomerFactory(number="C000000002", name="张伟", mobile="13900139000", phone="075583211234")
    w.customers["bob"] = bob
    w.points["bob"] = ServicePointFactory(number="SP000000002", customer=bob,
                                          address="深圳市福田区福华路88号2单元503", district="福田区")
    hospital = CustomerFactory(number="C000000003", name="南山人民医院", kind=Customer.Kind.ORGANISATION,
                               customer_class=Customer.CustomerClass.PUBLIC_SERVICE, phone="075526553111",
                               key_account_manager=w.users["key_account_manager"])
    hospital.flags.add(w.flags["hospital"])
    w.customers["hospital"] = hospital
    w.points["hospital"] = ServicePointFactory(number="SP000000003", customer=hospital,
                                               address="深圳市南山区桃园路89号", district="南山区")
    debtor = CustomerFactory(number="C000000004", name="陈欠费", mobile="13700137000")
    w.customers["debtor"] = debtor
    debtor_account = AccountFactory(number="A000000004", customer=debtor, amount_owed=Decimal("356.80"))
    w.points["debtor"] = ServicePointFactory(number="SP000000004", customer=debtor, account=debtor_account,
                                             address="深圳市福田区红荔路1001号", district="福田区",
                                             connection_status=ServicePoint.ConnectionStatus.CUT_UNPAID)

    user("customer_user", Role.CUSTOMER, customer=alice)
    user("other_customer_user", Role.CUSTOMER, customer=bob)

    consultation = RequestType.objects.create(code="consultation", name="业务咨询", name_en="Consultation",
                                              category="consultation", answerable_on_contact=True,
                                              default_unit=w.units["business"], sort_order=10)
    inquiry = RequestType.objects.create(code="bill-inquiry", name="电费查询", name_en="Bill inquiry",
                                         category="inquiry", answerable_on_contact=True,
                                         default_unit=w.units["business"], sort_order=20)
    leak = RequestType.objects.create(code="leak", name="报漏", name_en="Leak report", category="leak",
                                      requires_location=True, default_priority=2,
                                      default_unit=w.units["engineering"], sort_order=30)
    RequestTypeField.objects.create(request_type=leak, key="dn", label="管径DN", label_en="Pipe diameter DN",
                                    kind=RequestTypeField.Kind.INTEGER, required=True, min_value=15,
                                    max_value=3000, unit="mm", sort_order=1)
    RequestTypeField.objects.create(request_type=leak, key="severity", label="漏水程度", label_en="Severity",
                                    kind=RequestTypeField.Kind.CHOICE, required=False, sort_order=2,
                                    choices=[{"value": "seep", "label": "渗漏", "label_en": "Seeping"},
                                             {"value": "burst", "label": "爆管", "label_en": "Burst"}])
    fault = RequestType.objects.create(code="power-fault", name="停电故障", name_en="Power fault",
                                       category="fault", default_priority=2,
                                       default_unit=w.units["engineering"], sort_order=40)
    RequestTypeField.objects.create(request_type=fault, key="fault_location", label="故障位置",
                                    label_en="Fault location",
                                    kind=RequestTypeField.Kind.CHOICE, required=True,
                                    choices=[{"value": "hv_cable", "label": "高压电缆",
                                              "label_en": "HV cable"},
                                             {"value": "service_point", "label": "接户点",
                                              "label_en": "Service point"}])
    RequestTypeField.objects.create(request_type=fault, key="outage_scope", label="停电范围",
                                    label_en="Outage scope",
                                    kind=RequestTypeField.Kind.CHOICE, required=False,
                                    choices=[{"value": "single", "label": "单户(邻居有电)",
                                              "label_en": "One household (the neighbours have power)"},
                                             {"value": "area", "label": "片区", "label_en": "Whole area"}])
    complaint = RequestType.objects.create(code="complaint", name="投诉", name_en="Complaint",
                                           category="complaint",
                                           default_unit=w.units["business"], sort_order=50)
    w.types.update(consultation=consultation, inquiry=inquiry, leak=leak, fault=fault, complaint=complaint)

    # 003 §8.2: DN150 and below → the local business office; above DN150 → engineering.
    RoutingRule.objects.create(name="DN150及以下报漏由营业所跟进", sort_order=10, request_type=leak,
                               conditions=[{"field": "attributes.dn", "op": "lte", "value": 150}],
                               route_to_local_office=True, target_unit=w.units["business"],
                               crew_type="pipe_repair")
    RoutingRule.objects.create(name="DN150以上报漏由工程部跟进", sort_order=20, request_type=leak,
                               conditions=[{"field": "attributes.dn", "op": "gt", "value": 150}],
                               target_unit=w.units["engineering"], crew_type="pipe_repair")
    # 004 step 19.2: the fault location decides the crew.
    RoutingRule.objects.create(name="高压电缆故障", sort_order=30, request_type=fault,
                               conditions=[{"field": "attributes.fault_location", "op": "eq",
                                            "value": "hv_cable"}],
                               target_unit=w.units["engineering"], crew_type="hv_cable")
    RoutingRule.objects.create(name="接户点故障", sort_order=40, request_type=fault,
                               conditions=[{"field": "attributes.fault_location", "op": "eq",
                                            "value": "service_point"}],
                               route_to_local_office=True, target_unit=w.units["engineering"],
                               crew_type="service_point")
    # 004 step 20: priority from the customer's flags.
    PriorityRule.objects.create(name="医院、生命维持用户优先", sort_order=10, priority=1,
                                conditions=[{"field": "customer.flags", "op": "contains",
                                             "value": "hospital"}])
    PriorityRule.objects.create(name="生命维持设备用户优先", sort_order=11, priority=1,
                                conditions=[{"field": "customer.flags", "op": "contains",
                                             "value": "life_support"}])
    PriorityRule.objects.create(name="政府机关优先", sort_order=20, priority=2,
                                conditions=[{"field": "customer.flags", "op": "contains",
                                             "value": "government"}])
    PriorityRule.objects.create(name="大口径爆管", sort_order=30, request_type=leak, priority=1,
                                conditions=[{"field": "attributes.dn", "op": "gte", "value": 300},
                                            {"field": "attributes.severity", "op": "eq", "value": "burst"}])
    _build_network(w)
    return w


def _build_network(w: World) -> None:
    """OUT-1..OUT-6: a small network and the outage configuration.

    Power: SS1 → F1 → S1 → T1 (alice, n1…n6), T2 (hospital, m1…m3); F1 → S2 → T3 (k1, k2);
    SS1 → F2 → S3 → T4 (bob). Water: Z1 → P1 DN100 (w1…w3), P2 DN300.
    """
    def device(code: str, kind: str, parent: str | None = None, **extra: object) -> Device:
        extra.setdefault("name", code)
        w.devices[code] = device_save(Device(code=code, kind=kind,
                                             parent=w.devices[parent] if parent else None, **extra))
        return w.devices[code]

    device("SS1", "substation", name="南山变电站")
    device("F1", "feeder", "SS1")
    device("S1", "section", "F1")
    device("T1", "transformer", "S1", district="南山区", location="科技南路18号配电房")
    device("T2", "transformer", "S1", district="南山区")
    device("S2", "section", "F1")
    device("T3", "transformer", "S2", district="南山区")
    device("F2", "feeder", "SS1")
    device("S3", "section", "F2")
    device("T4", "transformer", "S3", district="福田区")
    device("Z1", "zone", district="南山区")
    device("P1", "pipe", "Z1", dn=100, district="南山区")
    device("P2", "pipe", "Z1", dn=300, district="南山区")

    def attach(key: str, code: str) -> None:
        ServicePoint.objects.filter(pk=w.points[key].pk).update(device=w.devices[code], network_code=code)
        w.points[key].refresh_from_db()

    attach("alice", "T1")
    attach("hospital", "T2")
    attach("bob", "T4")
    neighbours = [("n", "T1", 6), ("m", "T2", 3), ("k", "T3", 2)]
    number = 100
    for prefix, code, count in neighbours:
        for i in range(1, count + 1):
            number += 1
            customer = CustomerFactory(number=f"C{number:09d}", name=f"邻居{prefix}{i}",
                                       mobile=f"1350000{number:04d}")
            w.customers[f"{prefix}{i}"] = customer
            w.points[f"{prefix}{i}"] = ServicePointFactory(
                number=f"SP{number:09d}", customer=customer, address=f"深圳市南山区科技南路{number}号",
                district="南山区", device=w.devices[code], network_code=code)
    for i in range(1, 4):
        number += 1
        customer = CustomerFactory(number=f"C{number:09d}", name=f"用水户{i}", mobile=f"1360000{number:04d}")
        w.customers[f"w{i}"] = customer
        w.points[f"w{i}"] = ServicePointFactory(
            number=f"SW{number:09d}", customer=customer, utility=ServicePoint.Utility.WATER,
            address=f"深圳市南山区后海大道{number}号", district="南山区",
            device=w.devices["P1"], network_code="P1")

    water_outage = RequestType.objects.create(code="water-outage", name="停水", name_en="Water outage",
                                              category="fault", default_priority=2,
                                              default_unit=w.units["engineering"], sort_order=45)
    RequestTypeField.objects.create(request_type=water_outage, key="outage_scope", label="影响范围",
                                    label_en="Scope", kind=RequestTypeField.Kind.CHOICE, required=False,
                                    choices=[{"value": "single", "label": "单户",
                                              "label_en": "One household"},
                                             {"value": "area", "label": "片区", "label_en": "Whole area"}])
    w.types["water_outage"] = water_outage
    FaultCallSetting.objects.create(utility="power", request_type=w.types["fault"],
                                    initial_estimate_minutes=240)
    FaultCallSetting.objects.create(utility="water", request_type=water_outage, initial_estimate_minutes=360)
    for kind, points, children in (("transformer", 3, 1), ("section", 5, 2), ("feeder", 10, 2),
                                   ("pipe", 2, 1), ("zone", 5, 2)):
        InferenceRule.objects.create(device_kind=kind, min_service_points=points, min_children=children,
                                     window_minutes=120)
    breaker = TroubleshootingScript.objects.create(code="main-breaker", name="总开关跳闸",
                                                   name_en="Main breaker",
                                                   utility="power", sort_order=1)
    for order, text, text_en in ((1, "请问邻居家是否有电?", "Do the neighbours have power?"),
                                 (2, "请查看电表箱内总开关是否跳下。",
                                  "Is the main breaker in the meter box down?"),
                                 (3, "请将总开关推上;如再次跳闸,请拔掉大功率电器后再试。",
                                  "Push it back up; if it trips again, unplug large appliances and retry.")):
        TroubleshootingStep.objects.create(script=breaker, order=order, instruction=text,
                                           instruction_en=text_en)
    valve = TroubleshootingScript.objects.create(code="stop-valve", name="户内总阀",
                                                 name_en="Inside stop valve",
                                                 utility="water", sort_order=2)
    TroubleshootingStep.objects.create(script=valve, order=1, instruction="请检查户内总阀是否打开。",
                                       instruction_en="Is the stop valve inside the home open?")
