"""The SLA configuration (policies, targets, calendars, official years), shared through the cache
like the intake configuration (see tickets/config.py for the invalidation rules)."""

from dataclasses import dataclass, field

from servicedesk.core.shared_cache import cached_bundle
from servicedesk.sla.calendar import WorkingCalendar
from servicedesk.sla.calendars import (
    CalendarRow,
    OfficialRows,
    OverrideRows,
    calendar_row,
    official_rows,
    override_rows,
    working_calendar,
)
from servicedesk.sla.engine import TargetSpec, spec_from_target
from servicedesk.sla.models import Calendar, CalendarOverride, OfficialYear, Policy, Target
from servicedesk.sla.subjects import SubjectFacts

SLA_CACHE_KEY = "sla:config:v1"
SLA_TTL = 60


@dataclass
class PolicyEntry:
    id: int
    applies_to: str
    specificity: int
    sort_order: int
    criteria: dict[str, object]  # only the set ones
    targets: list[tuple[TargetSpec, int]]  # (spec, calendar id)


@dataclass
class SlaConfig:
    policies: list[PolicyEntry] = field(default_factory=list)
    calendars: dict[int, tuple[CalendarRow, OverrideRows]] = field(default_factory=dict)
    official: OfficialRows = ()

    def calendar(self, calendar_id: int) -> WorkingCalendar:
        row, overrides = self.calendars[calendar_id]
        return working_calendar(row, overrides, self.official)

    def policy_for(self, subject_type: str, facts: SubjectFacts) -> PolicyEntry | None:
        """SLA-2: the most specific matching policy wins; then the lowest order; then the oldest."""
        best: PolicyEntry | None = None
        for entry in self.policies:
            if entry.applies_to != subject_type:
                continue
            if any(getattr(facts, name) != value for name, value in entry.criteria.items()):
                continue
            if best is None or (-entry.specificity, entry.sort_order, entry.id) < (
                    -best.specificity, best.sort_order, best.id):
                best = entry
        return best


def _build() -> SlaConfig:
    config = SlaConfig()
    for calendar in Calendar.objects.prefetch_related("overrides"):
        config.calendars[calendar.pk] = (calendar_row(calendar), override_rows(calendar.overrides.all()))
    config.official = official_rows(OfficialYear.objects.all())
    for policy in Policy.objects.filter(active=True).prefetch_related("targets").order_by("sort_order", "id"):
        # Policy.CRITERIA are named like the fields of SubjectFacts.
        criteria = {name: getattr(policy, name) for name in Policy.CRITERIA
                    if getattr(policy, name) not in (None, "")}
        config.policies.append(PolicyEntry(
            id=policy.pk, applies_to=policy.applies_to, specificity=policy.specificity,
            sort_order=policy.sort_order, criteria=criteria,
            targets=[(spec_from_target(t), t.calendar_id) for t in policy.targets.order_by("id")],
        ))
    return config


def sla_config() -> SlaConfig:
    return cached_bundle(SLA_CACHE_KEY, SLA_TTL, _build)


CONFIG_MODELS = (Calendar, CalendarOverride, OfficialYear, Policy, Target)
