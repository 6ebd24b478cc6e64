"""The demo utility's configuration: organisation, providers, customer flags, request types with
their fields, routing and priority rules (from the seeds), the outage configuration
(``demo.outages``), and the staff who log in.

The utility serves power and water in Shenzhen (深圳市). Everything here is data an administrator
could have entered through the admin; ``reference_data_load`` writes it idempotently (keyed by
code, name or username), so it can run on every seeding without duplicating anything.
"""

import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from servicedesk.customers.models import CustomerFlag
from servicedesk.demo.geography import DISTRICTS
from servicedesk.demo.outages import outage_reference_load
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Role
from servicedesk.tickets.models import PriorityRule, RequestType, RequestTypeField, RoutingRule

# One password for every demo user; `servicedesk demo` prints it with the logins.
DEMO_PASSWORD = "demo1234"

Kind = OrgUnit.Kind
FieldKind = RequestTypeField.Kind


# ----------------------------------------------------------------------------------------------
# Organisation units


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    name_en: str
    kind: str
    parent: str | None = None
    districts: tuple[str, ...] = ()


def office_code(district_slug: str) -> str:
    return f"office-{district_slug}"


UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("service-centre", "客户服务中心", "Customer service centre", Kind.SERVICE_CENTRE),
    UnitSpec("hotline", "热线中心", "Hotline", Kind.CALL_CENTRE, "service-centre"),
    UnitSpec("hotline-team-1", "热线一班", "Hotline team 1", Kind.TEAM, "hotline"),
    UnitSpec("hotline-team-2", "热线二班", "Hotline team 2", Kind.TEAM, "hotline"),
    UnitSpec("hotline-team-3", "热线三班（夜班）", "Hotline team 3 (nights)", Kind.TEAM, "hotline"),
    UnitSpec("key-accounts", "大客户服务组", "Key account team", Kind.TEAM, "service-centre"),
    UnitSpec("quality", "服务质量监督组", "Service quality team", Kind.DEPARTMENT, "service-centre"),
    UnitSpec("business", "营业部", "Business department", Kind.DEPARTMENT, "service-centre"),
    *(
        UnitSpec(office_code(d.slug), f"{d.short}营业所", f"{d.name_en} business office", Kind.BUSINESS_OFFICE,
                 "business", (d.name,))
        for d in DISTRICTS
    ),
    UnitSpec("engineering", "工程部", "Engineering department", Kind.ENGINEERING, "service-centre"),
    UnitSpec("metering", "计量中心", "Metering centre", Kind.DEPARTMENT, "service-centre"),
    UnitSpec("production", "生产技术部", "Production and technology department", Kind.DEPARTMENT,
             "service-centre"),
    UnitSpec("finance", "财务部", "Finance department", Kind.DEPARTMENT, "service-centre"),
)


# ----------------------------------------------------------------------------------------------
# Providers (work centres): internal crews and external partners (SI)

# Crew types name the kind of field work a routing rule asks for (004 step 19.2).
CREW_HV_CABLE = "hv_cable"
CREW_SERVICE_POINT = "service_point"
CREW_PIPE_REPAIR = "pipe_repair"
CREW_PIPE_REPAIR_LARGE = "pipe_repair_large"
CREW_METER = "meter"
CREW_INSTALLATION = "installation"


@dataclass(frozen=True)
class ProviderSpec:
    code: str
    name: str
    name_en: str
    kind: str
    unit: str | None
    crew_types: tuple[str, ...]
    phone: str


def field_crew_code(district_slug: str) -> str:
    return f"field-{district_slug}"


PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec("crew-1", "抢修一队", "Repair crew 1", Provider.Kind.INTERNAL, "engineering",
                 (CREW_HV_CABLE, CREW_SERVICE_POINT), "075583001101"),
    ProviderSpec("crew-2", "抢修二队", "Repair crew 2", Provider.Kind.INTERNAL, "engineering",
                 (CREW_HV_CABLE, CREW_SERVICE_POINT), "075583001102"),
    ProviderSpec("crew-3", "抢修三队（管网）", "Repair crew 3 (mains)", Provider.Kind.INTERNAL, "engineering",
                 (CREW_PIPE_REPAIR, CREW_PIPE_REPAIR_LARGE), "075583001103"),
    ProviderSpec("meter-team", "表务班", "Meter team", Provider.Kind.INTERNAL, "metering", (CREW_METER,),
                 "075583001201"),
    ProviderSpec("install-team", "装表接电班", "Installation team", Provider.Kind.INTERNAL, "business",
                 (CREW_INSTALLATION, CREW_METER), "075583001301"),
    *(
        ProviderSpec(field_crew_code(d.slug), f"{d.short}营业所外勤班", f"{d.name_en} office field crew",
                     Provider.Kind.INTERNAL, office_code(d.slug),
                     (CREW_SERVICE_POINT, CREW_PIPE_REPAIR, CREW_METER), f"0755830015{index:02d}")
        for index, d in enumerate(DISTRICTS, start=1)
    ),
    ProviderSpec("pengcheng-power", "深圳市鹏城电力工程有限公司", "Pengcheng Power Engineering Co., Ltd.",
                 Provider.Kind.EXTERNAL, None, (CREW_HV_CABLE, CREW_SERVICE_POINT), "075526881234"),
    ProviderSpec("nanyue-water", "深圳市南粤水务工程有限公司", "Nanyue Water Engineering Co., Ltd.",
                 Provider.Kind.EXTERNAL, None, (CREW_PIPE_REPAIR, CREW_PIPE_REPAIR_LARGE), "075527765432"),
    ProviderSpec("anda-electric", "深圳市安达电气安装有限公司", "Anda Electrical Installation Co., Ltd.",
                 Provider.Kind.EXTERNAL, None, (CREW_SERVICE_POINT, CREW_INSTALLATION), "075528893366"),
    ProviderSpec("huaxin-metering", "深圳市华信计量技术服务有限公司", "Huaxin Metering Services Co., Ltd.",
                 Provider.Kind.EXTERNAL, None, (CREW_METER,), "075586667788"),
    ProviderSpec("chengjian-pipe", "深圳市城建管道修复工程有限公司", "Chengjian Pipe Rehabilitation Co., Ltd.",
                 Provider.Kind.EXTERNAL, None, (CREW_PIPE_REPAIR,), "075525501122"),
)


# ----------------------------------------------------------------------------------------------
# Customer flags (004 step 20.2: the profile decides priority)

FLAGS: tuple[tuple[str, str, str, str], ...] = (
    ("hospital", "医院", "Hospital", "医疗机构，停电停水影响救治，优先抢修。"),
    ("government", "政府机关", "Government", "党政机关及街道办事处。"),
    ("life_support", "生命维持设备用户", "Life-support equipment", "家中使用呼吸机、透析机等生命维持设备的居民。"),
    ("school", "学校", "School", "中小学、幼儿园及高校。"),
    ("key_account", "重要客户", "Key account", "由大客户经理专人对接的重要客户。"),
    ("elderly_alone", "独居老人", "Elderly living alone", "需主动关怀的独居老人。"),
)


# ----------------------------------------------------------------------------------------------
# Request types and their fields (INT-4, 003 §9.1)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    label_en: str
    kind: str
    required: bool = False
    choices: tuple[tuple[str, str, str], ...] = ()  # value, label, English label
    min_value: int | None = None
    max_value: int | None = None
    unit: str = ""
    help_text: str = ""


@dataclass(frozen=True)
class TypeSpec:
    code: str
    name: str
    name_en: str
    category: str
    default_unit: str
    description: str
    default_priority: int = 3
    answerable_on_contact: bool = False
    requires_location: bool = False
    fields: tuple[FieldSpec, ...] = ()


_EFFECTIVE_DATE = FieldSpec("effective_date", "生效日期", "Effective date", FieldKind.DATE, required=True)
_METER_NUMBER = FieldSpec("meter_number", "表号", "Meter number", FieldKind.TEXT)

REQUEST_TYPES: tuple[TypeSpec, ...] = (
    TypeSpec("consultation", "业务咨询", "Consultation", "consultation", "business",
             "业务办理、价格、用水用电知识及政策法规的咨询。", answerable_on_contact=True,
             fields=(FieldSpec("topic", "咨询内容", "Topic", FieldKind.CHOICE, choices=(
                 ("price", "水电价格", "Tariffs"), ("procedure", "业务办理", "How to apply"),
                 ("knowledge", "用水用电知识", "Know-how"), ("policy", "政策法规", "Regulations"))),)),
    TypeSpec("bill-inquiry", "水电费查询", "Bill inquiry", "inquiry", "business",
             "水费、电费、欠费及缴费记录查询。", answerable_on_contact=True,
             fields=(FieldSpec("billing_month", "账期", "Billing month", FieldKind.TEXT, help_text="如 2026-03"),)),
    TypeSpec("application-status", "业务办理进度查询", "Application status inquiry", "inquiry", "business",
             "报装、过户、报停等业务的办理进度查询。", answerable_on_contact=True,
             fields=(FieldSpec("application_number", "业务单号", "Application number", FieldKind.TEXT,
                               required=True),)),
    TypeSpec("complaint", "投诉", "Complaint", "complaint", "business",
             "对供水供电服务不足的反映或投诉（首问负责）。",
             fields=(FieldSpec("about", "投诉事项", "About", FieldKind.CHOICE, required=True, choices=(
                 ("attitude", "服务态度", "Staff attitude"), ("billing", "计费收费", "Billing"),
                 ("repair_timeliness", "抢修时效", "Repair delay"), ("water_quality", "水质", "Water quality"),
                 ("power_quality", "供电质量", "Power quality"), ("construction", "施工扰民", "Road works"),
                 ("other", "其他", "Other"))),)),
    TypeSpec("power-fault", "停电故障报修", "Power fault / outage report", "fault", "engineering",
             "突发停电、故障及安全隐患。", default_priority=2,
             fields=(
                 FieldSpec("fault_location", "故障位置", "Fault location", FieldKind.CHOICE, required=True, choices=(
                     ("hv_cable", "高压电缆", "HV cable"), ("service_point", "接户点", "Service point"),
                     ("unknown", "不确定", "Not known"))),
                 FieldSpec("outage_scope", "停电范围", "Outage scope", FieldKind.CHOICE, required=True, choices=(
                     ("single", "单户（邻居有电）", "One household (the neighbours have power)"),
                     ("building", "整栋楼", "Whole building"), ("area", "片区", "Whole area"),
                     ("unknown", "不清楚", "Not known"))),
                 FieldSpec("hazard", "电线落地等安全隐患", "Safety hazard (wire down…)", FieldKind.BOOLEAN),
             )),
    TypeSpec("water-outage", "停水及水压不足", "Water outage / low pressure", "fault", "engineering",
             "突发停水、水压不足。", default_priority=2,
             fields=(
                 FieldSpec("outage_scope", "影响范围", "Scope", FieldKind.CHOICE, required=True, choices=(
                     ("single", "单户（邻居有水）", "One household (the neighbours have water)"),
                     ("building", "整栋楼", "Whole building"), ("area", "片区", "Whole area"),
                     ("unknown", "不清楚", "Not known"))),
                 FieldSpec("low_pressure", "仅水压不足", "Low pressure only", FieldKind.BOOLEAN),
             )),
    TypeSpec("water-leak", "管网报漏", "Water leak report", "leak", "engineering",
             "群众、用户报告管网漏水（DN150（含）以下营业所跟进，以上工程部跟进）。",
             default_priority=2, requires_location=True,
             fields=(
                 FieldSpec("dn", "管径DN", "Pipe diameter DN", FieldKind.INTEGER, required=True, min_value=15,
                           max_value=3000, unit="mm"),
                 FieldSpec("severity", "漏水程度", "Severity", FieldKind.CHOICE, required=True, choices=(
                     ("seep", "渗漏", "Seeping"), ("leak", "明漏", "Visible leak"), ("burst", "爆管", "Burst"))),
             )),
    TypeSpec("new-installation", "新装报装", "New installation", "installation", "business",
             "新装用水、用电报装。",
             fields=(
                 FieldSpec("utility", "报装类别", "Utility", FieldKind.CHOICE, required=True, choices=(
                     ("power", "用电", "Power"), ("water", "用水", "Water"))),
                 FieldSpec("capacity_kva", "报装容量", "Capacity", FieldKind.DECIMAL, min_value=1, max_value=100000,
                           unit="kVA"),
                 FieldSpec("pipe_dn", "接水管径", "Connection DN", FieldKind.INTEGER, min_value=15, max_value=300,
                           unit="mm"),
             )),
    TypeSpec("training", "客户培训", "Customer training", "installation", "business",
             "安全用电、节约用水及自助服务的培训预约。",
             fields=(FieldSpec("topic", "培训主题", "Topic", FieldKind.TEXT, required=True),
                     FieldSpec("participants", "人数", "Participants", FieldKind.INTEGER, min_value=1,
                               max_value=500))),
    TypeSpec("customisation", "个性化服务定制", "Customisation request", "customisation", "business",
             "短信提醒、电子账单、定制抄表等个性化服务。",
             fields=(FieldSpec("service", "定制服务", "Service", FieldKind.CHOICE, required=True, choices=(
                 ("sms", "短信提醒", "SMS reminders"), ("e_bill", "电子账单", "E-bill"),
                 ("meter_reading", "定制抄表时间", "Meter-reading slot"),
                 ("dedicated_manager", "专属客户经理", "Dedicated manager"))),
                     FieldSpec("details", "具体要求", "Details", FieldKind.TEXTAREA))),
    TypeSpec("account-change", "用户资料变更", "Account data change", "account_change", "business",
             "用户资料变更申请。",
             fields=(FieldSpec("change", "变更事项", "Change", FieldKind.CHOICE, required=True, choices=(
                 ("ownership", "过户", "Change of owner"), ("contact", "联系方式", "Contact details"),
                 ("payment", "缴费方式", "Payment method"), ("mailing_address", "通讯地址", "Mailing address"),
                 ("name", "更名", "Name"))),)),
    TypeSpec("meter-suspension", "计量仪表报停", "Meter suspension", "meter_service", "metering",
             "计量仪表报停申请。", fields=(_EFFECTIVE_DATE, _METER_NUMBER)),
    TypeSpec("meter-closure", "销户", "Meter closure", "meter_service", "metering",
             "销户申请。", fields=(_EFFECTIVE_DATE, _METER_NUMBER)),
    TypeSpec("meter-resumption", "恢复用水用电", "Meter resumption", "meter_service", "metering",
             "报停后恢复用水、用电申请。", fields=(_EFFECTIVE_DATE, _METER_NUMBER)),
)


# ----------------------------------------------------------------------------------------------
# Routing rules (INT-7) and priority rules (INT-6)


@dataclass(frozen=True)
class RoutingSpec:
    name: str
    sort_order: int
    request_type: str
    conditions: tuple[dict[str, Any], ...] = ()
    target_unit: str | None = None
    route_to_local_office: bool = False
    crew_type: str = ""


def _when(field_name: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field_name, "op": op, "value": value}


ROUTING_RULES: tuple[RoutingSpec, ...] = (
    # 003 §8.2: DN150 (inclusive) and below → the local business office; above DN150 → engineering.
    RoutingSpec("DN150及以下报漏由属地营业所跟进", 10, "water-leak", (_when("attributes.dn", "lte", 150),),
                target_unit="business", route_to_local_office=True, crew_type=CREW_PIPE_REPAIR),
    RoutingSpec("DN150以上报漏由工程部跟进", 20, "water-leak", (_when("attributes.dn", "gt", 150),),
                target_unit="engineering", crew_type=CREW_PIPE_REPAIR_LARGE),
    # 004 step 19.2: the fault detail decides who repairs it.
    RoutingSpec("高压电缆故障由工程部抢修", 30, "power-fault", (_when("attributes.fault_location", "eq", "hv_cable"),),
                target_unit="engineering", crew_type=CREW_HV_CABLE),
    RoutingSpec("接户点故障由属地营业所处理", 40, "power-fault",
                (_when("attributes.fault_location", "eq", "service_point"),),
                target_unit="engineering", route_to_local_office=True, crew_type=CREW_SERVICE_POINT),
    RoutingSpec("停水及水压问题由属地营业所跟进", 50, "water-outage", (),
                target_unit="engineering", route_to_local_office=True, crew_type=CREW_PIPE_REPAIR),
    # 003 §7: the business department answers complaints; key accounts through their team.
    RoutingSpec("大客户投诉由大客户服务组跟进", 60, "complaint", (_when("customer.key_account", "eq", True),),
                target_unit="key-accounts"),
    RoutingSpec("投诉由营业部处理", 65, "complaint", (), target_unit="business"),
    RoutingSpec("用户资料变更由属地营业所办理", 70, "account-change", (),
                target_unit="business", route_to_local_office=True),
    RoutingSpec("新装报装由营业部受理", 80, "new-installation", (), target_unit="business",
                crew_type=CREW_INSTALLATION),
    RoutingSpec("计量仪表报停由计量中心处理", 90, "meter-suspension", (), target_unit="metering",
                crew_type=CREW_METER),
    RoutingSpec("销户由计量中心处理", 91, "meter-closure", (), target_unit="metering", crew_type=CREW_METER),
    RoutingSpec("恢复用水用电由计量中心处理", 92, "meter-resumption", (), target_unit="metering",
                crew_type=CREW_METER),
)


@dataclass(frozen=True)
class PrioritySpec:
    name: str
    sort_order: int
    priority: int
    conditions: tuple[dict[str, Any], ...]
    request_type: str | None = None


PRIORITY_RULES: tuple[PrioritySpec, ...] = (
    # 004 step 20: priority from the customer's profile.
    PrioritySpec("医院用户优先", 10, 1, (_when("customer.flags", "contains", "hospital"),)),
    PrioritySpec("生命维持设备用户优先", 11, 1, (_when("customer.flags", "contains", "life_support"),)),
    PrioritySpec("政府机关优先", 20, 2, (_when("customer.flags", "contains", "government"),)),
    PrioritySpec("学校优先", 21, 2, (_when("customer.flags", "contains", "school"),)),
    PrioritySpec("重要客户优先", 22, 2, (_when("customer.flags", "contains", "key_account"),)),
    PrioritySpec("独居老人关怀", 23, 2, (_when("customer.flags", "contains", "elderly_alone"),)),
    # From the request's own attributes.
    PrioritySpec("大口径爆管", 30, 1, (_when("attributes.dn", "gte", 300), _when("attributes.severity", "eq", "burst")),
                 "water-leak"),
    PrioritySpec("电线落地等安全隐患", 31, 1, (_when("attributes.hazard", "eq", True),), "power-fault"),
    PrioritySpec("片区停电", 32, 2, (_when("attributes.outage_scope", "eq", "area"),), "power-fault"),
    PrioritySpec("片区停水", 33, 2, (_when("attributes.outage_scope", "eq", "area"),), "water-outage"),
)


# ----------------------------------------------------------------------------------------------
# Staff: one demo login per role (printed by `servicedesk demo`) and the rest of the desk


@dataclass(frozen=True)
class StaffSpec:
    username: str
    full_name: str
    role: str
    unit: str | None = None
    provider: str | None = None
    superuser: bool = False
    leads: tuple[str, ...] = ()  # unit codes this person leads


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    try_this: Any  # lazy translation


DEMO_STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("agent", "王晓红", Role.AGENT, unit="hotline-team-1"),
    StaffSpec("team_lead", "刘建华", Role.TEAM_LEAD, unit="hotline-team-1", leads=("hotline-team-1", "hotline")),
    StaffSpec("desk_manager", "陈国栋", Role.DESK_MANAGER, unit="service-centre", leads=("service-centre",)),
    StaffSpec("leadership", "黄志明", Role.LEADERSHIP, unit="service-centre"),
    StaffSpec("key_account_manager", "林晓燕", Role.KEY_ACCOUNT_MANAGER, unit="key-accounts", leads=("key-accounts",)),
    StaffSpec("dispatcher", "赵强", Role.DISPATCHER, unit="engineering", leads=("engineering",)),
    StaffSpec("office_dispatcher", "孙丽娟", Role.DISPATCHER, unit=office_code("nanshan"),
              leads=(office_code("nanshan"),)),
    StaffSpec("crew_staff", "吴海波", Role.PROVIDER_STAFF, provider="crew-1"),
    StaffSpec("partner_staff", "郑伟", Role.PROVIDER_STAFF, provider="nanyue-water"),
    StaffSpec("supervisor", "何静", Role.QUALITY_SUPERVISOR, unit="quality", leads=("quality",)),
    StaffSpec("finance", "马丽", Role.FINANCE, unit="finance", leads=("finance",)),
    StaffSpec("admin", "徐磊", Role.ADMINISTRATOR, superuser=True),
)

# The self-service login is created with the demo customers (it needs a customer to be).
CUSTOMER_LOGIN = StaffSpec("customer", "李丽", Role.CUSTOMER)

DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("agent", Role.AGENT, _("search 13800138000 or 海岸城, log a call, report a leak with DN 200")),
    DemoLogin("team_lead", Role.TEAM_LEAD, _("the hotline team's open requests and callbacks")),
    DemoLogin("desk_manager", Role.DESK_MANAGER, _("every request of the centre, reopen or cancel one")),
    DemoLogin("leadership", Role.LEADERSHIP, _("read-only overview of requests and customers")),
    DemoLogin("key_account_manager", Role.KEY_ACCOUNT_MANAGER, _("calls of key accounts such as 深圳市南山区人民医院")),
    DemoLogin("dispatcher", Role.DISPATCHER, _("engineering queue: HV-cable faults and leaks above DN150")),
    DemoLogin("office_dispatcher", Role.DISPATCHER, _("南山营业所 queue: small leaks and service-point faults")),
    DemoLogin("crew_staff", Role.PROVIDER_STAFF, _("抢修一队 work orders: accept, start, complete")),
    DemoLogin("partner_staff", Role.PROVIDER_STAFF, _("external partner: sees only its own work orders")),
    DemoLogin("supervisor", Role.QUALITY_SUPERVISOR, _("providers' work and requests, read-only")),
    DemoLogin("finance", Role.FINANCE, _("accounts payable (no intake rights)")),
    DemoLogin("admin", Role.ADMINISTRATOR, _("/admin/: request types, fields, routing and priority rules")),
    DemoLogin("customer", Role.CUSTOMER, _("self-service: only 李丽's own requests")),
)

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈钟"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文辉玲婷雪梅海波宇鹏飞晨浩然欣怡子轩佳琪"


def _extra_staff() -> list[StaffSpec]:
    """The rest of the desk: agents in three teams, dispatchers per office, provider staff.

    Names come from a fixed seed, so every load creates the same people.
    """
    rng = random.Random(20240601)

    def name() -> str:
        return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))

    staff: list[StaffSpec] = []
    for number in range(2, 19):
        team = f"hotline-team-{(number - 1) % 3 + 1}"
        staff.append(StaffSpec(f"agent{number:02d}", name(), Role.AGENT, unit=team))
    staff.append(StaffSpec("team_lead2", name(), Role.TEAM_LEAD, unit="hotline-team-2", leads=("hotline-team-2",)))
    staff.append(StaffSpec("team_lead3", name(), Role.TEAM_LEAD, unit="hotline-team-3", leads=("hotline-team-3",)))
    staff.append(StaffSpec("key_account_manager2", name(), Role.KEY_ACCOUNT_MANAGER, unit="key-accounts"))
    staff.append(StaffSpec("dispatcher2", name(), Role.DISPATCHER, unit="engineering"))
    staff.append(StaffSpec("metering_dispatcher", name(), Role.DISPATCHER, unit="metering", leads=("metering",)))
    staff.append(StaffSpec("business_dispatcher", name(), Role.DISPATCHER, unit="business", leads=("business",)))
    for district in DISTRICTS:
        if district.slug != "nanshan":
            code = office_code(district.slug)
            staff.append(StaffSpec(f"dispatcher_{district.slug}", name(), Role.DISPATCHER, unit=code, leads=(code,)))
    for provider in PROVIDERS:
        staff.append(StaffSpec(f"staff_{provider.code.replace('-', '_')}", name(), Role.PROVIDER_STAFF,
                               provider=provider.code))
    staff.append(StaffSpec("supervisor2", name(), Role.QUALITY_SUPERVISOR, unit="quality"))
    return staff


EXTRA_STAFF: tuple[StaffSpec, ...] = tuple(_extra_staff())


# ----------------------------------------------------------------------------------------------
# Loading


@dataclass
class ReferenceData:
    units: dict[str, OrgUnit] = field(default_factory=dict)
    providers: dict[str, Provider] = field(default_factory=dict)
    flags: dict[str, CustomerFlag] = field(default_factory=dict)
    types: dict[str, RequestType] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    created: int = 0


def _choices_json(choices: tuple[tuple[str, str, str], ...]) -> list[dict[str, str]]:
    return [{"value": value, "label": label, "label_en": label_en} for value, label, label_en in choices]


def _load_units(data: ReferenceData) -> None:
    for spec in UNITS:
        unit, created = OrgUnit.objects.update_or_create(
            code=spec.code,
            defaults={"name": spec.name, "name_en": spec.name_en, "kind": spec.kind,
                      "parent": data.units[spec.parent] if spec.parent else None,
                      "districts": list(spec.districts), "active": True},
        )
        data.units[spec.code] = unit
        data.created += created


def _load_providers(data: ReferenceData) -> None:
    for spec in PROVIDERS:
        provider, created = Provider.objects.update_or_create(
            code=spec.code,
            defaults={"name": spec.name, "name_en": spec.name_en, "kind": spec.kind,
                      "unit": data.units[spec.unit] if spec.unit else None, "crew_types": list(spec.crew_types),
                      "phone": spec.phone, "active": True},
        )
        data.providers[spec.code] = provider
        data.created += created


def _load_flags(data: ReferenceData) -> None:
    for code, name, name_en, description in FLAGS:
        flag, created = CustomerFlag.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "description": description})
        data.flags[code] = flag
        data.created += created


def _load_types(data: ReferenceData) -> None:
    for order, spec in enumerate(REQUEST_TYPES, start=1):
        request_type, created = RequestType.objects.update_or_create(
            code=spec.code,
            defaults={"name": spec.name, "name_en": spec.name_en, "category": spec.category,
                      "description": spec.description, "default_priority": spec.default_priority,
                      "default_unit": data.units[spec.default_unit],
                      "answerable_on_contact": spec.answerable_on_contact,
                      "requires_location": spec.requires_location, "active": True, "sort_order": order * 10},
        )
        data.types[spec.code] = request_type
        data.created += created
        for field_order, field_spec in enumerate(spec.fields, start=1):
            _, created = RequestTypeField.objects.update_or_create(
                request_type=request_type, key=field_spec.key,
                defaults={"label": field_spec.label, "label_en": field_spec.label_en, "kind": field_spec.kind,
                          "required": field_spec.required, "choices": _choices_json(field_spec.choices),
                          "min_value": field_spec.min_value, "max_value": field_spec.max_value,
                          "unit": field_spec.unit, "help_text": field_spec.help_text, "sort_order": field_order},
            )
            data.created += created


def _load_rules(data: ReferenceData) -> None:
    for spec in ROUTING_RULES:
        _, created = RoutingRule.objects.update_or_create(
            name=spec.name,
            defaults={"sort_order": spec.sort_order, "active": True, "request_type": data.types[spec.request_type],
                      "channel": "", "conditions": list(spec.conditions),
                      "route_to_local_office": spec.route_to_local_office,
                      "target_unit": data.units[spec.target_unit] if spec.target_unit else None,
                      "crew_type": spec.crew_type},
        )
        data.created += created
    for rule in PRIORITY_RULES:
        _, created = PriorityRule.objects.update_or_create(
            name=rule.name,
            defaults={"sort_order": rule.sort_order, "active": True, "priority": rule.priority,
                      "conditions": list(rule.conditions),
                      "request_type": data.types[rule.request_type] if rule.request_type else None},
        )
        data.created += created


def staff_user_upsert(spec: StaffSpec, data: ReferenceData, password_hash: str, **extra: Any) -> User:
    """Create or update one demo user; an existing user's password is left alone."""
    defaults = {"full_name": spec.full_name, "role": spec.role,
                "unit": data.units[spec.unit] if spec.unit else None,
                "provider": data.providers[spec.provider] if spec.provider else None,
                "is_staff": spec.superuser, "is_superuser": spec.superuser, "is_active": True, **extra}
    user, created = User.objects.update_or_create(username=spec.username, defaults=defaults,
                                                  create_defaults={**defaults, "password": password_hash})
    data.created += created
    data.users[spec.username] = user
    return user


def demo_password_hash() -> str:
    # Hashed once for everyone: PBKDF2 takes about half a second per hash, which would
    # dominate the demo's start-up with ~70 users. The demo users share one password anyway.
    return make_password(DEMO_PASSWORD)


@transaction.atomic
def reference_data_load() -> ReferenceData:
    """Write the demo utility's configuration and staff; safe to run again (nothing duplicates)."""
    data = ReferenceData()
    _load_units(data)
    _load_providers(data)
    _load_flags(data)
    _load_types(data)
    _load_rules(data)
    _load_sla()
    data.created += outage_reference_load(data.types)
    all_staff = (*DEMO_STAFF, *EXTRA_STAFF)
    existing = set(User.objects.filter(username__in=[s.username for s in all_staff]).values_list("username", flat=True))
    password_hash = demo_password_hash() if len(existing) < len(all_staff) else ""
    for spec in all_staff:
        staff_user_upsert(spec, data, password_hash)
    for spec in all_staff:
        for unit_code in spec.leads:
            unit = data.units[unit_code]
            if unit.lead_id != data.users[spec.username].pk:
                unit.lead = data.users[spec.username]
                unit.save(update_fields=["lead"])
    return data


def reference_data_get() -> ReferenceData:
    """The loaded configuration, read back (for the generator), without writing anything."""
    data = ReferenceData()
    data.units = {u.code: u for u in OrgUnit.objects.all()}
    data.providers = {p.code: p for p in Provider.objects.all()}
    data.flags = {f.code: f for f in CustomerFlag.objects.all()}
    data.types = {t.code: t for t in RequestType.objects.prefetch_related("fields")}
    data.users = {u.username: u for u in User.objects.all()}
    return data


# ----------------------------------------------------------------------------------------------
# Service levels (SLA-1, SLA-2): the seeds' time limits (002 §2.3, §5.4; 003 §8). The README has
# the table of these targets and where each comes from.

HOTLINE_CALENDAR = "hotline-24x7"
OFFICE_CALENDAR = "office-hours"
SLA_PAUSE_STATUSES = ["waiting"]
SLA_THRESHOLDS = [{"percent": 75, "notify": "owner"}, {"percent": 100, "notify": "team_lead"},
                  {"percent": 150, "notify": "desk_manager"}]


@dataclass(frozen=True)
class SlaTargetSpec:
    kind: str
    calendar: str
    stop_event: str
    minutes: int | None = None
    working_days: int | None = None
    start_event: str = "created"
    restart_event: str = ""


@dataclass(frozen=True)
class SlaPolicySpec:
    name: str
    name_en: str
    applies_to: str
    targets: tuple[SlaTargetSpec, ...]
    request_type: str = ""
    channel: str = ""
    priority: int | None = None
    sort_order: int = 100


_HOUR = 60
# 002 §2.3: a second site visit within 3 working days when the first did not solve it; its clock
# starts at the reopening and runs again at a further one.
_SECOND_VISIT = SlaTargetSpec("second_visit", OFFICE_CALENDAR, "resolved", working_days=3, start_event="reopen",
                              restart_event="reopen")
# Emergency repairs, per request type: (code, name, English name, crew on site within … minutes).
# The seeds give no arrival time for emergency repairs; 45 minutes is the urban arrival time that
# Chinese grid companies publish for power faults, water utilities commonly commit to the hour for a
# leak and two for a supply interruption. Examples an administrator tunes.
_EMERGENCIES = (
    ("power-fault", "停电故障抢修", "Power fault repair", 45),
    ("water-leak", "管网报漏抢修", "Leak repair", 60),
    ("water-outage", "停水及水压不足处理", "Water outage and low pressure", 120),
)
# Who wins: the most specific policy (most criteria set), then the lowest order. A complaint sent
# from the web portal matches both the complaint and the web policy: the complaint's order wins;
# an urgent power-fault work order matches both its type's policy and the urgent one: the type's
# order wins.
SLA_POLICIES: tuple[SlaPolicySpec, ...] = (
    # 002 §2.3: requests by phone, e-mail or web answered within 1 working day.
    SlaPolicySpec("一般诉求", "General requests", "request", (
        SlaTargetSpec("first_response", OFFICE_CALENDAR, "accepted, dispatched", working_days=1),
        _SECOND_VISIT,
    ), sort_order=900),
    *(SlaPolicySpec(f"网上诉求答复（{label}）", f"Online requests ({label_en})", "request", (
        SlaTargetSpec("reply", OFFICE_CALENDAR, "accepted, dispatched", working_days=1),
        _SECOND_VISIT,
    ), channel=channel, sort_order=200) for channel, label, label_en in (("web", "网站", "web"), ("app", "App", "app"))),
    # 002 §5.4 (1): a complaint answered within 12 hours and resolved within 24, around the clock
    # (§5.3: complaints are taken 7×24); (2) the customer not satisfied reopens it, and its
    # resolution clock runs again until they are.
    SlaPolicySpec("投诉处理", "Complaints", "request", (
        SlaTargetSpec("reply", HOTLINE_CALENDAR, "accepted, dispatched", minutes=12 * _HOUR),
        SlaTargetSpec("resolution", HOTLINE_CALENDAR, "resolved", minutes=24 * _HOUR, restart_event="reopen"),
    ), request_type="complaint", sort_order=100),
    # 002 §5.4 (2): within 1 hour the scope is judged and the work order sent; resolved within 24
    # hours; 003 §8.2: leaks and outages tracked to completion. A request sent back to the queue
    # (every work order declined) must be dispatched again: its dispatch clock runs again.
    *(SlaPolicySpec(name, f"{name_en} (request)", "request", (
        SlaTargetSpec("triage_dispatch", HOTLINE_CALENDAR, "dispatched", minutes=1 * _HOUR, restart_event="return"),
        SlaTargetSpec("resolution", HOTLINE_CALENDAR, "resolved", minutes=24 * _HOUR),
        _SECOND_VISIT,
    ), request_type=code, sort_order=100) for code, name, name_en, _arrival in _EMERGENCIES),
    # The crews' side of an emergency: accept within 15 minutes, on site within the arrival time,
    # done within 24 hours, all around the clock.
    *(SlaPolicySpec(f"{name}工单", f"{name_en} (work order)", "work_order", (
        SlaTargetSpec("reply", HOTLINE_CALENDAR, "accepted, in_progress, completed", minutes=15),
        SlaTargetSpec("on_site_arrival", HOTLINE_CALENDAR, "in_progress, completed", minutes=arrival),
        SlaTargetSpec("resolution", HOTLINE_CALENDAR, "completed", minutes=24 * _HOUR),
    ), request_type=code, sort_order=50) for code, name, name_en, arrival in _EMERGENCIES),
    # 002 §5.4 (3): a partner answers an urgent work order within 24 hours, a difficult one within
    # 72; §2.3: on site within 2 working days of the confirmed need.
    SlaPolicySpec("工单回复（紧急）", "Work order reply (urgent)", "work_order", (
        SlaTargetSpec("reply", HOTLINE_CALENDAR, "accepted, in_progress, completed", minutes=24 * _HOUR),
        SlaTargetSpec("on_site_arrival", OFFICE_CALENDAR, "in_progress, completed", working_days=2),
    ), priority=1, sort_order=100),
    SlaPolicySpec("工单回复（疑难）", "Work order reply (difficult)", "work_order", (
        SlaTargetSpec("reply", HOTLINE_CALENDAR, "accepted, in_progress, completed", minutes=72 * _HOUR),
        SlaTargetSpec("on_site_arrival", OFFICE_CALENDAR, "in_progress, completed", working_days=2),
    ), sort_order=900),
)


def _load_sla() -> None:
    """Calendars and policies of the demo utility; a policy already there keeps its targets (an
    administrator may have tuned them), so running again changes nothing."""
    from servicedesk.sla.models import Calendar, Policy, Target

    calendars = {
        HOTLINE_CALENDAR: Calendar.objects.get_or_create(code=HOTLINE_CALENDAR, defaults={
            "name": "7×24 热线", "name_en": "7×24 hotline", "kind": Calendar.Kind.AROUND_THE_CLOCK,
            "windows": "", "weekdays": [], "follows_official_holidays": False})[0],
        OFFICE_CALENDAR: Calendar.objects.get_or_create(code=OFFICE_CALENDAR, defaults={
            "name": "工作日", "name_en": "Working days", "kind": Calendar.Kind.WORKING_HOURS,
            "windows": "08:30-12:00, 13:30-17:30", "weekdays": [0, 1, 2, 3, 4],
            "follows_official_holidays": True})[0],
    }
    types = {t.code: t for t in RequestType.objects.filter(code__in={p.request_type for p in SLA_POLICIES})}
    for spec in SLA_POLICIES:
        if spec.request_type and spec.request_type not in types:
            continue
        policy, created = Policy.objects.get_or_create(name=spec.name, applies_to=spec.applies_to, defaults={
            "name_en": spec.name_en, "sort_order": spec.sort_order, "request_type": types.get(spec.request_type),
            "channel": spec.channel, "priority": spec.priority})
        if not created and policy.targets.exists():
            continue
        Target.objects.bulk_create([Target(
            policy=policy, kind=t.kind, calendar=calendars[t.calendar], duration_minutes=t.minutes,
            working_days=t.working_days, start_event=t.start_event, stop_event=t.stop_event,
            restart_event=t.restart_event,
            pause_statuses=list(SLA_PAUSE_STATUSES), thresholds=[dict(x) for x in SLA_THRESHOLDS],
        ) for t in spec.targets])
