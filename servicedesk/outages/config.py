"""What every fault call reads, in one bundle kept in the shared cache like the intake
configuration (``core.shared_cache``): invalidated on every change of its rows, bounded by a
short expiry.

- The outage configuration: inference thresholds, fault-call settings, troubleshooting scripts.
- The schedule of planned outages not yet over, with their devices (OUT-2): "is a planned outage
  in force here?" is asked on every fault call and answered from it without a query.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import ValidationFailed
from servicedesk.core.shared_cache import cached_bundle
from servicedesk.outages.models import (
    FaultCallSetting,
    InferenceRule,
    PlannedOutage,
    TroubleshootingScript,
    TroubleshootingStep,
)

CONFIG_CACHE_KEY = "outages:config:v2"
CONFIG_TTL = 60


@dataclass
class PlannedSchedule:
    """Scheduled planned outages that had not ended at ``built_at``, each with its device ids."""

    built_at: datetime.datetime
    entries: list[tuple[PlannedOutage, frozenset[int]]] = field(default_factory=list)


def planned_with_devices(planned: list[PlannedOutage]) -> list[tuple[PlannedOutage, frozenset[int]]]:
    """Each planned outage with the ids of its devices (one query)."""
    devices: dict[int, set[int]] = {}
    for planned_id, device_id in PlannedOutage.devices.through.objects.filter(
            plannedoutage_id__in=[p.pk for p in planned]).values_list("plannedoutage_id", "device_id"):
        devices.setdefault(planned_id, set()).add(device_id)
    return [(p, frozenset(devices.get(p.pk, ()))) for p in planned]


def _build_schedule() -> PlannedSchedule:
    now = timezone.now()
    current = list(PlannedOutage.objects.filter(status=PlannedOutage.Status.SCHEDULED, ends_at__gt=now)
                   .order_by("starts_at", "id"))
    return PlannedSchedule(built_at=now, entries=planned_with_devices(current))


@dataclass
class OutageConfig:
    rules_by_kind: dict[str, InferenceRule] = field(default_factory=dict)  # active rules
    settings_by_utility: dict[str, FaultCallSetting] = field(default_factory=dict)
    scripts: list[TroubleshootingScript] = field(default_factory=list)  # active, in order
    steps_by_script: dict[int, list[TroubleshootingStep]] = field(default_factory=dict)
    planned: PlannedSchedule | None = None

    def scripts_for(self, utility: str) -> list[TroubleshootingScript]:
        return [s for s in self.scripts if s.utility == utility]

    def script(self, code: str) -> TroubleshootingScript | None:
        return next((s for s in self.scripts if s.code == code), None)


def _build() -> OutageConfig:
    config = OutageConfig()
    config.rules_by_kind = {r.device_kind: r for r in InferenceRule.objects.filter(active=True)}
    config.settings_by_utility = {s.utility: s
                                  for s in FaultCallSetting.objects.select_related("request_type")}
    config.scripts = list(TroubleshootingScript.objects.filter(active=True).order_by("sort_order", "code"))
    for step in TroubleshootingStep.objects.filter(script__active=True).order_by("order"):
        config.steps_by_script.setdefault(step.script_id, []).append(step)
    config.planned = _build_schedule()
    return config


def outage_config() -> OutageConfig:
    return cached_bundle(CONFIG_CACHE_KEY, CONFIG_TTL, _build)


def planned_schedule() -> PlannedSchedule:
    schedule = outage_config().planned
    assert schedule is not None
    return schedule


# A planned outage's devices change through its many-to-many table: that is watched too.
CONFIG_MODELS = (InferenceRule, FaultCallSetting, TroubleshootingScript, TroubleshootingStep, PlannedOutage)
CONFIG_M2M = (PlannedOutage.devices.through,)


def fault_setting(config: OutageConfig, utility: str) -> FaultCallSetting:
    """The fault-call setting of a utility (its request type and initial estimate), or the error."""
    setting = config.settings_by_utility.get(utility)
    if setting is None:
        raise ValidationFailed(_("No fault request type is configured for %(utility)s.")
                               % {"utility": utility}, field="utility")
    return setting
