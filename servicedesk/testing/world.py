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
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Role
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


def build_world() -> World:
    w = World()
    centre = OrgUnitFactory(code="centre", name="客户服务中心", name_en="Customer service centre",
                            kind=OrgUnit.Kind.SERVICE_CENTRE)
    w.units["centre"] = centre
    w.units["hotline"] = OrgUnitFactory(code="hotline", name="热线班组", name_en="Hotline team",
                                        kind=OrgUnit.Kind.TEAM, parent=centre)
    w.units["engineering"] = OrgUnitFactory(code="engineering", name="工程部", name_en="Engineering department",
                                            kind=OrgUnit.Kind.ENGINEERING, parent=centre)
    w.units["office_nanshan"] = OrgUnitFactory(code="office-nanshan", name="南山营业所", name_en="Nanshan office",
                                               kind=OrgUnit.Kind.BUSINESS_OFFICE, parent=centre,
                                               districts=["南山区"])
    w.units["office_futian"] = OrgUnitFactory(code="office-futian", name="福田营业所", name_en="Futian office",
                                              kind=OrgUnit.Kind.BUSINESS_OFFICE, parent=centre,
                                              districts=["福田区"])
    w.units["business"] = OrgUnitFactory(code="business", name="营业部", name_en="Business department",
                                         kind=OrgUnit.Kind.DEPARTMENT, parent=centre)

    w.providers["a"] = ProviderFactory(code="crew-a", name="抢修一队", name_en="Repair crew A",
                                       kind=Provider.Kind.INTERNAL, unit=w.units["engineering"],
                                       crew_types=["pipe_repair", "hv_cable"])
    w.providers["b"] = ProviderFactory(code="partner-b", name="华南管网工程公司", name_en="South China Pipes Ltd",
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
                                    label_en="Fault location", kind=RequestTypeField.Kind.CHOICE, required=True,
                                    choices=[{"value": "hv_cable", "label": "高压电缆", "label_en": "HV cable"},
                                             {"value": "service_point", "label": "接户点",
                                              "label_en": "Service point"}])
    complaint = RequestType.objects.create(code="complaint", name="投诉", name_en="Complaint",
                                           category="complaint", default_unit=w.units["business"], sort_order=50)
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
                               conditions=[{"field": "attributes.fault_location", "op": "eq", "value": "hv_cable"}],
                               target_unit=w.units["engineering"], crew_type="hv_cable")
    RoutingRule.objects.create(name="接户点故障", sort_order=40, request_type=fault,
                               conditions=[{"field": "attributes.fault_location", "op": "eq",
                                            "value": "service_point"}],
                               route_to_local_office=True, target_unit=w.units["engineering"],
                               crew_type="service_point")
    # 004 step 20: priority from the customer's flags.
    PriorityRule.objects.create(name="医院、生命维持用户优先", sort_order=10, priority=1,
                                conditions=[{"field": "customer.flags", "op": "contains", "value": "hospital"}])
    PriorityRule.objects.create(name="生命维持设备用户优先", sort_order=11, priority=1,
                                conditions=[{"field": "customer.flags", "op": "contains", "value": "life_support"}])
    PriorityRule.objects.create(name="政府机关优先", sort_order=20, priority=2,
                                conditions=[{"field": "customer.flags", "op": "contains", "value": "government"}])
    PriorityRule.objects.create(name="大口径爆管", sort_order=30, request_type=leak, priority=1,
                                conditions=[{"field": "attributes.dn", "op": "gte", "value": 300},
                                            {"field": "attributes.severity", "op": "eq", "value": "burst"}])
    return w
