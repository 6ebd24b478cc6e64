"""The demo utility's intake configuration (INT-4, INT-6, INT-7): crew types, request types with
their fields (003 §9.1), routing rules and priority rules, from the seeds; loaded idempotently by
``reference.reference_data_load`` (keyed by code or name)."""

from dataclasses import dataclass
from typing import Any

from servicedesk.org.models import OrgUnit
from servicedesk.tickets.models import PriorityRule, RequestType, RequestTypeField, RoutingRule

FieldKind = RequestTypeField.Kind

# Crew types name the kind of field work a routing rule asks for (004 step 19.2).
CREW_HV_CABLE = "hv_cable"
CREW_SERVICE_POINT = "service_point"
CREW_PIPE_REPAIR = "pipe_repair"
CREW_PIPE_REPAIR_LARGE = "pipe_repair_large"
CREW_METER = "meter"
CREW_INSTALLATION = "installation"


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
             fields=(FieldSpec("billing_month", "账期", "Billing month", FieldKind.TEXT,
                               help_text="如 2026-03"),)),
    TypeSpec("application-status", "业务办理进度查询", "Application status inquiry", "inquiry", "business",
             "报装、过户、报停等业务的办理进度查询。", answerable_on_contact=True,
             fields=(FieldSpec("application_number", "业务单号", "Application number", FieldKind.TEXT,
                               required=True),)),
    TypeSpec("complaint", "投诉", "Complaint", "complaint", "business",
             "对供水供电服务不足的反映或投诉（首问负责）。",
             fields=(FieldSpec("about", "投诉事项", "About", FieldKind.CHOICE, required=True, choices=(
                 ("attitude", "服务态度", "Staff attitude"), ("billing", "计费收费", "Billing"),
                 ("repair_timeliness", "抢修时效", "Repair delay"),
                 ("water_quality", "水质", "Water quality"), ("power_quality", "供电质量", "Power quality"),
                 ("construction", "施工扰民", "Road works"), ("other", "其他", "Other"))),)),
    TypeSpec("power-fault", "停电故障报修", "Power fault / outage report", "fault", "engineering",
             "突发停电、故障及安全隐患。", default_priority=2,
             fields=(
                 FieldSpec("fault_location", "故障位置", "Fault location", FieldKind.CHOICE, required=True,
                           choices=(
                               ("hv_cable", "高压电缆", "HV cable"),
                               ("service_point", "接户点", "Service point"),
                               ("unknown", "不确定", "Not known"))),
                 FieldSpec("outage_scope", "停电范围", "Outage scope", FieldKind.CHOICE, required=True,
                           choices=(
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
                     ("seep", "渗漏", "Seeping"), ("leak", "明漏", "Visible leak"),
                     ("burst", "爆管", "Burst"))),
             )),
    TypeSpec("new-installation", "新装报装", "New installation", "installation", "business",
             "新装用水、用电报装。",
             fields=(
                 FieldSpec("utility", "报装类别", "Utility", FieldKind.CHOICE, required=True, choices=(
                     ("power", "用电", "Power"), ("water", "用水", "Water"))),
                 FieldSpec("capacity_kva", "报装容量", "Capacity", FieldKind.DECIMAL, min_value=1,
                           max_value=100000, unit="kVA"),
                 FieldSpec("pipe_dn", "接水管径", "Connection DN", FieldKind.INTEGER, min_value=15,
                           max_value=300, unit="mm"),
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
                 ("payment", "缴费方式", "Payment method"),
                 ("mailing_address", "通讯地址", "Mailing address"), ("name", "更名", "Name"))),)),
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
    RoutingSpec("高压电缆故障由工程部抢修", 30, "power-fault",
                (_when("attributes.fault_location", "eq", "hv_cable"),),
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
    PrioritySpec("大口径爆管", 30, 1,
                 (_when("attributes.dn", "gte", 300), _when("attributes.severity", "eq", "burst")),
                 "water-leak"),
    PrioritySpec("电线落地等安全隐患", 31, 1, (_when("attributes.hazard", "eq", True),), "power-fault"),
    PrioritySpec("片区停电", 32, 2, (_when("attributes.outage_scope", "eq", "area"),), "power-fault"),
    PrioritySpec("片区停水", 33, 2, (_when("attributes.outage_scope", "eq", "area"),), "water-outage"),
)




# ----------------------------------------------------------------------------------------------
# Loading


def _choices_json(choices: tuple[tuple[str, str, str], ...]) -> list[dict[str, str]]:
    return [{"value": value, "label": label, "label_en": label_en} for value, label, label_en in choices]


def request_types_load(units: dict[str, OrgUnit]) -> tuple[dict[str, RequestType], int]:
    """The request types and their fields by code, and how many rows were created."""
    types: dict[str, RequestType] = {}
    written = 0
    for order, spec in enumerate(REQUEST_TYPES, start=1):
        request_type, created = RequestType.objects.update_or_create(
            code=spec.code,
            defaults={"name": spec.name, "name_en": spec.name_en, "category": spec.category,
                      "description": spec.description, "default_priority": spec.default_priority,
                      "default_unit": units[spec.default_unit],
                      "answerable_on_contact": spec.answerable_on_contact,
                      "requires_location": spec.requires_location, "active": True, "sort_order": order * 10},
        )
        types[spec.code] = request_type
        written += created
        for field_order, field_spec in enumerate(spec.fields, start=1):
            _, created = RequestTypeField.objects.update_or_create(
                request_type=request_type, key=field_spec.key,
                defaults={"label": field_spec.label, "label_en": field_spec.label_en, "kind": field_spec.kind,
                          "required": field_spec.required, "choices": _choices_json(field_spec.choices),
                          "min_value": field_spec.min_value, "max_value": field_spec.max_value,
                          "unit": field_spec.unit, "help_text": field_spec.help_text,
                          "sort_order": field_order},
            )
            written += created


    return types, written


def rules_load(units: dict[str, OrgUnit], types: dict[str, RequestType]) -> int:
    """The routing and priority rules; returns how many were created."""
    written = 0
    for spec in ROUTING_RULES:
        _, created = RoutingRule.objects.update_or_create(
            name=spec.name,
            defaults={"sort_order": spec.sort_order, "active": True, "request_type": types[spec.request_type],
                      "channel": "", "conditions": list(spec.conditions),
                      "route_to_local_office": spec.route_to_local_office,
                      "target_unit": units[spec.target_unit] if spec.target_unit else None,
                      "crew_type": spec.crew_type},
        )
        written += created
    for rule in PRIORITY_RULES:
        _, created = PriorityRule.objects.update_or_create(
            name=rule.name,
            defaults={"sort_order": rule.sort_order, "active": True, "priority": rule.priority,
                      "conditions": list(rule.conditions),
                      "request_type": types[rule.request_type] if rule.request_type else None},
        )
        written += created


    return written
