"""The demo utility's configuration (INT-4, INT-6, INT-7) loads idempotently and routes like the seeds say."""

import pytest

from servicedesk.contacts.models import ContactRecord
from servicedesk.customers.models import Customer, CustomerFlag, ServicePoint
from servicedesk.demo.geography import DISTRICTS
from servicedesk.demo.reference import DEMO_LOGINS, DEMO_STAFF, reference_data_load
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Role
from servicedesk.tickets.models import (
    PriorityRule,
    RequestCategory,
    RequestType,
    RequestTypeField,
    RoutingRule,
)
from servicedesk.tickets.services import request_create

pytestmark = pytest.mark.django_db

COUNTED = (OrgUnit, Provider, User, CustomerFlag, RequestType, RequestTypeField, RoutingRule, PriorityRule)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_reference_data_loads_twice_without_duplicates():
    reference_data_load()
    first = _counts()
    password = User.objects.get(username="agent").password
    again = reference_data_load()
    assert _counts() == first
    assert again.created == 0
    # An existing user's password is left alone on reload.
    assert User.objects.get(username="agent").password == password


def test_every_int4_request_category_has_a_type():
    """INT-4: consultation, inquiry, complaint, fault, leak, installation, customisation, account change,
    meter services."""
    reference_data_load()
    categories = set(RequestType.objects.values_list("category", flat=True))
    assert categories == set(RequestCategory.values) - {RequestCategory.OTHER}
    inquiries = set(RequestType.objects.filter(category="inquiry").values_list("code", flat=True))
    assert inquiries == {"bill-inquiry", "application-status"}
    meter = set(RequestType.objects.filter(category="meter_service").values_list("code", flat=True))
    assert meter == {"meter-suspension", "meter-closure", "meter-resumption"}


def test_leak_type_requires_an_integer_dn_between_15_and_3000_and_a_severity():
    reference_data_load()
    dn = RequestTypeField.objects.get(request_type__code="water-leak", key="dn")
    assert (dn.kind, dn.required, dn.min_value, dn.max_value, dn.unit) == ("integer", True, 15, 3000, "mm")
    severity = RequestTypeField.objects.get(request_type__code="water-leak", key="severity")
    assert severity.kind == "choice"
    assert {c["value"] for c in severity.choices} == {"seep", "leak", "burst"}
    fault = RequestTypeField.objects.get(request_type__code="power-fault", key="fault_location")
    assert {"hv_cable", "service_point"} <= {c["value"] for c in fault.choices}


def test_every_shenzhen_district_has_its_business_office():
    reference_data_load()
    offices = OrgUnit.objects.filter(kind=OrgUnit.Kind.BUSINESS_OFFICE)
    served = sorted(district for office in offices for district in office.districts)
    assert served == sorted(d.name for d in DISTRICTS)
    assert "南山区" in OrgUnit.objects.get(name="南山营业所").districts
    for team in OrgUnit.objects.filter(kind=OrgUnit.Kind.TEAM):
        assert team.lead is not None, team.code


def test_one_demo_login_per_role_with_chinese_names():
    reference_data_load()
    staff_roles = {spec.role for spec in DEMO_STAFF}
    assert staff_roles | {Role.CUSTOMER} == set(Role.values)
    assert {login.role for login in DEMO_LOGINS} == set(Role.values)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.role == Role.ADMINISTRATOR
    assert User.objects.get(username="partner_staff").provider.kind == Provider.Kind.EXTERNAL
    assert User.objects.get(username="crew_staff").provider.kind == Provider.Kind.INTERNAL
    assert all("\u4e00" <= User.objects.get(username=spec.username).full_name[0] <= "\u9fff"
               for spec in DEMO_STAFF)
    assert User.objects.get(username="agent").check_password("demo1234")


def _point(district: str) -> ServicePoint:
    customer = Customer.objects.create(number=f"T{district}", name="测试客户")
    return ServicePoint.objects.create(number=f"TP{district}", customer=customer, district=district,
                                       address=f"深圳市{district}测试路1号", utility="water")


def test_leak_routing_follows_the_dn150_rule_through_the_real_service():
    """INT-7, 003 §8.2: DN150 and below → the local business office; above → engineering."""
    reference_data_load()
    agent = User.objects.get(username="agent")
    leak = RequestType.objects.get(code="water-leak")
    point = _point("宝安区")
    small = request_create(actor=agent, request_type=leak, service_point=point, reporter_phone="13800000001",
                           attributes={"dn": 150, "severity": "leak"})
    large = request_create(actor=agent, request_type=leak, service_point=point, reporter_phone="13800000001",
                           attributes={"dn": 200, "severity": "leak"})
    assert small.responsible_unit.code == "office-baoan"
    assert large.responsible_unit.code == "engineering"
    burst = request_create(actor=agent, request_type=leak,
                           reporter_kind=ContactRecord.ReporterKind.NON_CUSTOMER,
                           reporter_name="110民警", reporter_phone="110", location="深南大道与金田路交叉口",
                           district="福田区",
                           attributes={"dn": 600, "severity": "burst"})
    assert burst.priority == 1 and burst.priority_reasons == ["大口径爆管"]


def test_power_fault_location_decides_the_crew():
    """INT-7, 004 step 19.2: HV cable → engineering with an HV crew; service point → the local office."""
    reference_data_load()
    agent = User.objects.get(username="agent")
    fault = RequestType.objects.get(code="power-fault")
    point = _point("南山区")
    cable = request_create(actor=agent, request_type=fault, service_point=point,
                           attributes={"fault_location": "hv_cable", "outage_scope": "area"})
    house = request_create(actor=agent, request_type=fault, service_point=point,
                           attributes={"fault_location": "service_point", "outage_scope": "single"})
    assert (cable.responsible_unit.code, cable.crew_type) == ("engineering", "hv_cable")
    assert (house.responsible_unit.code, house.crew_type) == ("office-nanshan", "service_point")


def test_hospital_flag_makes_a_request_urgent():
    """INT-6, 004 step 20."""
    reference_data_load()
    point = _point("福田区")
    point.customer.flags.add(CustomerFlag.objects.get(code="hospital"))
    request = request_create(actor=User.objects.get(username="agent"),
                             request_type=RequestType.objects.get(code="complaint"), service_point=point,
                             attributes={"about": "attitude"})
    assert request.priority == 1
    assert request.responsible_unit.code == "business"
