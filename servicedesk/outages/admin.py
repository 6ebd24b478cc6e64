"""Administration of the outage configuration (thresholds, fault-call settings, troubleshooting
scripts). Outages and planned outages are worked in the dispatcher's pages, where every change
goes through the services; here they are read-only."""

from django.contrib import admin

from servicedesk.core.admin import ReadOnlyAdmin
from servicedesk.outages.models import (
    FaultCallSetting,
    InferenceRule,
    Outage,
    PlannedOutage,
    TroubleshootingScript,
    TroubleshootingStep,
)
from servicedesk.outages.selectors import with_call_stats


@admin.register(InferenceRule)
class InferenceRuleAdmin(admin.ModelAdmin):
    list_display = ("device_kind", "min_service_points", "min_service_points_percent", "min_children",
                    "min_children_percent", "window_minutes", "active")
    list_editable = ("min_service_points", "min_service_points_percent", "min_children",
                     "min_children_percent",
                     "window_minutes", "active")


@admin.register(FaultCallSetting)
class FaultCallSettingAdmin(admin.ModelAdmin):
    list_display = ("utility", "request_type", "initial_estimate_minutes")


class TroubleshootingStepInline(admin.TabularInline):
    model = TroubleshootingStep
    extra = 0


@admin.register(TroubleshootingScript)
class TroubleshootingScriptAdmin(admin.ModelAdmin):
    list_display = ("sort_order", "code", "name", "utility", "active")
    list_display_links = ("code",)
    list_filter = ("utility", "active")
    inlines = [TroubleshootingStepInline]


@admin.register(Outage)
class OutageAdmin(ReadOnlyAdmin):
    list_display = ("id", "device", "status", "origin", "cause", "etr", "call_count", "created_at")
    list_filter = ("status", "origin", "utility")
    search_fields = ("device__code", "cause")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return with_call_stats(super().get_queryset(request).select_related("device"))  # counted in one query


@admin.register(PlannedOutage)
class PlannedOutageAdmin(ReadOnlyAdmin):
    list_display = ("id", "utility", "reason", "starts_at", "ends_at", "status", "published")
    list_filter = ("status", "utility", "published")
