"""The outage configuration (inference thresholds, fault-call settings, troubleshooting scripts),
read on every fault call and kept in the shared cache like the intake configuration
(``core.shared_cache``): deleted on every change of these rows, bounded by a short expiry."""

from dataclasses import dataclass, field

from servicedesk.core.shared_cache import cached_bundle
from servicedesk.outages.models import (
    FaultCallSetting,
    InferenceRule,
    TroubleshootingScript,
    TroubleshootingStep,
)

CONFIG_CACHE_KEY = "outages:config:v1"
CONFIG_TTL = 60


@dataclass
class OutageConfig:
    rules_by_kind: dict[str, InferenceRule] = field(default_factory=dict)  # active rules
    settings_by_utility: dict[str, FaultCallSetting] = field(default_factory=dict)
    scripts: list[TroubleshootingScript] = field(default_factory=list)  # active, in order
    steps_by_script: dict[int, list[TroubleshootingStep]] = field(default_factory=dict)

    def scripts_for(self, utility: str) -> list[TroubleshootingScript]:
        return [s for s in self.scripts if s.utility == utility]

    def script(self, code: str) -> TroubleshootingScript | None:
        return next((s for s in self.scripts if s.code == code), None)


def _build() -> OutageConfig:
    config = OutageConfig()
    config.rules_by_kind = {r.device_kind: r for r in InferenceRule.objects.filter(active=True)}
    config.settings_by_utility = {s.utility: s for s in FaultCallSetting.objects.select_related("request_type")}
    config.scripts = list(TroubleshootingScript.objects.filter(active=True).order_by("sort_order", "code"))
    for step in TroubleshootingStep.objects.filter(script__active=True).order_by("order"):
        config.steps_by_script.setdefault(step.script_id, []).append(step)
    return config


def outage_config() -> OutageConfig:
    return cached_bundle(CONFIG_CACHE_KEY, CONFIG_TTL, _build)


CONFIG_MODELS = (InferenceRule, FaultCallSetting, TroubleshootingScript, TroubleshootingStep)
