from django.contrib import admin

from servicedesk.tickets.models import (
    PriorityRule,
    RequestEvent,
    RequestType,
    RequestTypeField,
    RoutingRule,
    ServiceRequest,
    WorkOrder,
)


class RequestTypeFieldInline(admin.TabularInline):
    model = RequestTypeField
    extra = 0


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "default_priority", "default_unit", "answerable_on_contact", "active")
    list_filter = ("category", "active")
    search_fields = ("code", "name", "name_en")
    inlines = [RequestTypeFieldInline]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("sort_order", "name", "request_type", "channel", "route_to_local_office", "target_unit", "active")
    list_display_links = ("name",)
    list_filter = ("active", "request_type")
    ordering = ("sort_order", "id")


@admin.register(PriorityRule)
class PriorityRuleAdmin(admin.ModelAdmin):
    list_display = ("sort_order", "name", "request_type", "priority", "active")
    list_display_links = ("name",)
    list_filter = ("active", "priority")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Requests and work orders change only through their workflow services, never by hand here."""

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ("at", "actor", "kind", "action", "from_status", "to_status", "changes", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "subject", "request_type", "status", "priority", "responsible_unit", "created_at")
    list_filter = ("status", "priority", "request_type", "responsible_unit")
    raw_id_fields = ("customer", "service_point")
    inlines = [RequestEventInline]
    show_full_result_count = False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "request", "provider", "status", "promised_end_at", "actual_end_at")
    list_filter = ("status", "provider")
    show_full_result_count = False
