"""The demo utility's configuration: organisation, providers, customer flags and the staff who
log in; with the request types, routing and priority rules (``demo.reference_intake``), the
service levels (``demo.reference_sla``) and the outage configuration (``demo.outages``).

The utility serves power and water in Shenzhen (深圳市). Everything here is data an administrator
could have entered through the admin; ``reference_data_load`` writes it idempotently (keyed by
code, name or username), so it can run on every seeding without duplicating anything.
"""

import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from servicedesk.core.transactions import unit
from servicedesk.customers.models import CustomerFlag
from servicedesk.demo.geography import DISTRICTS
from servicedesk.demo.outages import outage_reference_load
from servicedesk.demo.reference_intake import (
    CREW_HV_CABLE,
    CREW_INSTALLATION,
    CREW_METER,
    CREW_PIPE_REPAIR,
    CREW_PIPE_REPAIR_LARGE,
    CREW_SERVICE_POINT,
    request_types_load,
    rules_load,
)
from servicedesk.demo.reference_sla import sla_reference_load
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Role
from servicedesk.tickets.models import RequestType

# One password for every demo user; `servicedesk demo` prints it with the logins.
DEMO_PASSWORD = "demo1234"

Kind = OrgUnit.Kind


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
        UnitSpec(office_code(d.slug), f"{d.short}营业所", f"{d.name_en} business office",
                 Kind.BUSINESS_OFFICE, "business", (d.name,))
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
    ProviderSpec("chengjian-pipe", "深圳市城建管道修复工程有限公司",
                 "Chengjian Pipe Rehabilitation Co., Ltd.", Provider.Kind.EXTERNAL, None, (CREW_PIPE_REPAIR,),
                 "075525501122"),
)


# ----------------------------------------------------------------------------------------------
# Customer flags (004 step 20.2: the profile decides priority)

FLAGS: tuple[tuple[str, str, str, str], ...] = (
    ("hospital", "医院", "Hospital", "医疗机构，停电停水影响救治，优先抢修。"),
    ("government", "政府机关", "Government", "党政机关及街道办事处。"),
    ("life_support", "生命维持设备用户", "Life-support equipment",
     "家中使用呼吸机、透析机等生命维持设备的居民。"),
    ("school", "学校", "School", "中小学、幼儿园及高校。"),
    ("key_account", "重要客户", "Key account", "由大客户经理专人对接的重要客户。"),
    ("elderly_alone", "独居老人", "Elderly living alone", "需主动关怀的独居老人。"),
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
    StaffSpec("team_lead", "刘建华", Role.TEAM_LEAD, unit="hotline-team-1",
              leads=("hotline-team-1", "hotline")),
    StaffSpec("desk_manager", "陈国栋", Role.DESK_MANAGER, unit="service-centre", leads=("service-centre",)),
    StaffSpec("leadership", "黄志明", Role.LEADERSHIP, unit="service-centre"),
    StaffSpec("key_account_manager", "林晓燕", Role.KEY_ACCOUNT_MANAGER, unit="key-accounts",
              leads=("key-accounts",)),
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
    DemoLogin("key_account_manager", Role.KEY_ACCOUNT_MANAGER,
              _("calls of key accounts such as 深圳市南山区人民医院")),
    DemoLogin("dispatcher", Role.DISPATCHER, _("engineering queue: HV-cable faults and leaks above DN150")),
    DemoLogin("office_dispatcher", Role.DISPATCHER,
              _("南山营业所 queue: small leaks and service-point faults")),
    DemoLogin("crew_staff", Role.PROVIDER_STAFF, _("抢修一队 work orders: accept, start, complete")),
    DemoLogin("partner_staff", Role.PROVIDER_STAFF, _("external partner: sees only its own work orders")),
    DemoLogin("supervisor", Role.QUALITY_SUPERVISOR, _("providers' work and requests, read-only")),
    DemoLogin("finance", Role.FINANCE, _("accounts payable (no intake rights)")),
    DemoLogin("admin", Role.ADMINISTRATOR, _("/admin/: request types, fields, routing and priority rules")),
    DemoLogin("customer", Role.CUSTOMER, _("self-service: only 李丽's own requests")),
)

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁沈钟"
)
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
    staff.append(StaffSpec("team_lead2", name(), Role.TEAM_LEAD, unit="hotline-team-2",
                           leads=("hotline-team-2",)))
    staff.append(StaffSpec("team_lead3", name(), Role.TEAM_LEAD, unit="hotline-team-3",
                           leads=("hotline-team-3",)))
    staff.append(StaffSpec("key_account_manager2", name(), Role.KEY_ACCOUNT_MANAGER, unit="key-accounts"))
    staff.append(StaffSpec("dispatcher2", name(), Role.DISPATCHER, unit="engineering"))
    staff.append(StaffSpec("metering_dispatcher", name(), Role.DISPATCHER, unit="metering",
                           leads=("metering",)))
    staff.append(StaffSpec("business_dispatcher", name(), Role.DISPATCHER, unit="business",
                           leads=("business",)))
    for district in DISTRICTS:
        if district.slug != "nanshan":
            code = office_code(district.slug)
            staff.append(StaffSpec(f"dispatcher_{district.slug}", name(), Role.DISPATCHER, unit=code,
                                   leads=(code,)))
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
                      "unit": data.units[spec.unit] if spec.unit else None,
                      "crew_types": list(spec.crew_types), "phone": spec.phone, "active": True},
        )
        data.providers[spec.code] = provider
        data.created += created


def _load_flags(data: ReferenceData) -> None:
    for code, name, name_en, description in FLAGS:
        flag, created = CustomerFlag.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "description": description})
        data.flags[code] = flag
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


@unit()
def _load_complaint_desk(data: ReferenceData) -> None:
    """Complaints are taken as the complaint request type, typed by its ``about`` field (CMP-1)."""
    from servicedesk.complaints.models import ComplaintRules

    if not ComplaintRules.objects.exists():
        ComplaintRules.objects.create(request_type=data.types["complaint"], topic_field="about")


def reference_data_load() -> ReferenceData:
    """Write the demo utility's configuration and staff; safe to run again (nothing duplicates)."""
    data = ReferenceData()
    _load_units(data)
    _load_providers(data)
    _load_flags(data)
    data.types, created = request_types_load(data.units)
    data.created += created + rules_load(data.units, data.types)
    sla_reference_load()
    data.created += outage_reference_load(data.types)
    _load_complaint_desk(data)
    all_staff = (*DEMO_STAFF, *EXTRA_STAFF)
    existing = set(User.objects.filter(username__in=[s.username for s in all_staff])
                   .values_list("username", flat=True))
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


