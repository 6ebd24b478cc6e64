"""The intake configuration (request types and their fields, routing and priority rules, business
offices), read once and shared through the cache.

Creating a request reads all of it; loading it row by row on every call was a third of the cost
of a create. The bundle lives in Django's cache (Redis with ``REDIS_URL``, else a database table),
never in process memory, so every server sees an administrator's change:

- saving or deleting any of these rows deletes the cached bundle at once (for the same
  transaction) and again after commit (so a server that rebuilt it from the old rows in between
  does not keep the old answer);
- the bundle also expires after ``CONFIG_TTL`` seconds, a bound on any staleness that slipped
  past both deletions.
"""

from dataclasses import dataclass, field

from servicedesk.core.shared_cache import cached_bundle
from servicedesk.org.models import OrgUnit
from servicedesk.tickets.models import PriorityRule, RequestType, RequestTypeField, RoutingRule

CONFIG_CACHE_KEY = "tickets:intake-config:v1"
CONFIG_TTL = 60


@dataclass
class IntakeConfig:
    types_by_code: dict[str, RequestType] = field(default_factory=dict)
    types_by_id: dict[int, RequestType] = field(default_factory=dict)
    fields_by_type: dict[int, list[RequestTypeField]] = field(default_factory=dict)
    routing_rules: list[RoutingRule] = field(default_factory=list)  # active, in order
    priority_rules: list[PriorityRule] = field(default_factory=list)  # active, in order
    business_offices: list[OrgUnit] = field(default_factory=list)  # active, by code

    def fields_of(self, request_type: RequestType) -> list[RequestTypeField]:
        return self.fields_by_type.get(request_type.pk, [])


def _build() -> IntakeConfig:
    config = IntakeConfig()
    for request_type in RequestType.objects.select_related("default_unit"):
        config.types_by_code[request_type.code] = request_type
        config.types_by_id[request_type.pk] = request_type
    for type_field in RequestTypeField.objects.order_by("sort_order", "id"):
        config.fields_by_type.setdefault(type_field.request_type_id, []).append(type_field)
    config.routing_rules = list(
        RoutingRule.objects.filter(active=True).select_related("target_unit").order_by("sort_order", "id")
    )
    config.priority_rules = list(PriorityRule.objects.filter(active=True).order_by("sort_order", "id"))
    config.business_offices = list(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.BUSINESS_OFFICE, active=True).order_by("code")
    )
    return config


def intake_config() -> IntakeConfig:
    return cached_bundle(CONFIG_CACHE_KEY, CONFIG_TTL, _build)


CONFIG_MODELS = (RequestType, RequestTypeField, RoutingRule, PriorityRule, OrgUnit)
