"""Deciding a new request's responsible unit (INT-7) and priority (INT-6) from rules kept as data.

1. Gather the request's facts (type fields, channel, district, customer class, flags…).
2. Routing: the first active routing rule, in order, whose type, channel and conditions match
   decides; "local business office" rules resolve to the office serving the district. No rule →
   the type's default unit.
3. Priority: the most urgent of the type's default and every matching priority rule; the names of
   the rules that raised it are kept on the request, so an agent can explain it.
"""

from dataclasses import dataclass
from typing import Any

from django.db import connection

from servicedesk.customers.models import Customer, CustomerFlag, ServicePoint
from servicedesk.org.models import OrgUnit
from servicedesk.tickets.config import IntakeConfig, intake_config
from servicedesk.tickets.models import PriorityRule, RequestType, RoutingRule
from servicedesk.tickets.rules import conditions_match


def request_facts(*, channel: str, district: str, attributes: dict[str, Any], customer: Customer | None,
                  service_point: ServicePoint | None, flags: list[str] | None = None) -> dict[str, Any]:
    """The facts rules read. ``flags``: the customer's flag codes when the caller has read them
    already (the rule preview reads those of many customers at once)."""
    facts: dict[str, Any] = {f"attributes.{key}": value for key, value in attributes.items()}
    facts["channel"] = channel
    facts["district"] = district or None
    facts["utility"] = service_point.utility if service_point else None
    if customer is not None:
        facts["customer.class"] = customer.customer_class
        facts["customer.flags"] = customer_flag_codes(customer.pk) if flags is None else flags
        facts["customer.key_account"] = customer.key_account_manager_id is not None
    return facts


def customer_flag_codes(customer_id: int) -> list[str]:
    """The customer's flag codes (key account, life support…): read on every new request, in one
    statement written out rather than compiled by the ORM each time."""
    link = Customer.flags.through._meta
    flag_column, customer_column = link.get_field("customerflag").column, link.get_field("customer").column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT f.code FROM {CustomerFlag._meta.db_table} f JOIN {link.db_table} l "
                       f"ON l.{flag_column} = f.id WHERE l.{customer_column} = %s ORDER BY f.code",
                       [customer_id])
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class RoutingDecision:
    unit: OrgUnit | None
    rule: RoutingRule | None
    crew_type: str


def local_business_office(district: str | None, config: IntakeConfig | None = None) -> OrgUnit | None:
    if not district:
        return None
    for office in (config or intake_config()).business_offices:
        if district in (office.districts or []):
            return office
    return None


def route_request(*, request_type: RequestType, channel: str, facts: dict[str, Any],
                  config: IntakeConfig | None = None) -> RoutingDecision:
    config = config or intake_config()
    for rule in config.routing_rules:
        if routing_rule_applies(rule, request_type_id=request_type.pk, channel=channel, facts=facts):
            return RoutingDecision(unit=routing_rule_unit(rule, facts, config), rule=rule,
                                   crew_type=rule.crew_type)
    return RoutingDecision(unit=request_type.default_unit, rule=None, crew_type="")


def routing_rule_applies(rule: RoutingRule, *, request_type_id: int, channel: str,
                         facts: dict[str, Any]) -> bool:
    """Whether one routing rule matches a request (its type, channel and every condition); also
    what the administrators' preview of a rule runs, so that it shows what production decides."""
    if rule.request_type_id not in (None, request_type_id):
        return False
    if rule.channel and rule.channel != channel:
        return False
    return conditions_match(rule.conditions, facts)


def routing_rule_unit(rule: RoutingRule, facts: dict[str, Any],
                      config: IntakeConfig | None = None) -> OrgUnit | None:
    """The unit a matching routing rule sends the request to."""
    unit = local_business_office(facts.get("district"), config) if rule.route_to_local_office else None
    return unit or rule.target_unit


def priority_rule_applies(rule: PriorityRule, *, request_type_id: int, facts: dict[str, Any]) -> bool:
    return rule.request_type_id in (None, request_type_id) and conditions_match(rule.conditions, facts)


def decide_priority(*, request_type: RequestType, facts: dict[str, Any],
                    config: IntakeConfig | None = None) -> tuple[int, list[str]]:
    priority = request_type.default_priority
    reasons: list[str] = []
    for rule in (config or intake_config()).priority_rules:
        if priority_rule_applies(rule, request_type_id=request_type.pk, facts=facts):
            reasons.append(rule.name)
            priority = min(priority, rule.priority)
    return priority, reasons
