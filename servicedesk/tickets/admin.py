from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from servicedesk.core.admin import ReadOnlyAdmin
from servicedesk.tickets.models import (
    PriorityRule,
    RequestEvent,
    RequestType,
    RequestTypeField,
    RoutingRule,
    ServiceRequest,
    WorkOrder,
)
from servicedesk.tickets.rule_forms import ConditionsField
from servicedesk.tickets.selectors import RULE_PREVIEW_LIMIT, priority_rule_preview, routing_rule_preview


class RequestTypeFieldInline(admin.TabularInline):
    model = RequestTypeField
    extra = 0


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "default_priority", "default_unit",
                    "answerable_on_contact", "result_callback", "active")
    list_filter = ("category", "result_callback", "active")
    search_fields = ("code", "name", "name_en")
    inlines = [RequestTypeFieldInline]


class RuleAdmin(admin.ModelAdmin):
    """Conditions edited as rows (``rule_forms``), and a preview of which recent requests the rule,
    as it stands in the form, would match (INT-6, INT-7)."""

    change_form_template = "admin/tickets/rule_change_form.html"
    # The model's help text shows the JSON; the rows explain themselves.
    formfield_overrides = {models.JSONField: {"form_class": ConditionsField, "help_text": ""}}
    # The fields of the rule the preview reads from the posted form (besides its conditions).
    preview_fields: tuple[str, ...] = ("request_type",)

    class Media:
        js = ("vendor/htmx.min.js",)

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        preview = path("preview/", self.admin_site.admin_view(self.preview_view),
                       name=f"{opts.app_label}_{opts.model_name}_preview")
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        form = self.get_form(request)(request.POST)
        values: dict[str, Any] = {}
        for name in self.preview_fields:
            try:
                values[name] = form.fields[name].clean(form[name].data)
            except ValidationError:
                values[name] = None  # shown as "any" until the form is corrected
        try:
            values["conditions"] = form.fields["conditions"].clean(form["conditions"].data)
        except ValidationError as error:
            return TemplateResponse(request, "admin/tickets/_rule_preview.html", {"problems": error.messages})
        rule = self.model(**values)
        matches, examined = self.preview(rule)
        return TemplateResponse(request, "admin/tickets/_rule_preview.html", {
            "rule": rule, "matches": matches, "examined": examined, "routing": isinstance(rule, RoutingRule)})

    def preview(self, rule: Any) -> tuple[list[Any], int]:
        raise NotImplementedError

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any,
                           **kwargs: Any) -> HttpResponse:
        opts = self.model._meta
        context["preview_url_name"] = f"admin:{opts.app_label}_{opts.model_name}_preview"
        context["preview_limit"] = RULE_PREVIEW_LIMIT
        return super().render_change_form(request, context, *args, **kwargs)


@admin.register(RoutingRule)
class RoutingRuleAdmin(RuleAdmin):
    list_display = ("sort_order", "name", "request_type", "channel", "route_to_local_office",
                    "target_unit", "active")
    list_display_links = ("name",)
    list_filter = ("active", "request_type")
    ordering = ("sort_order", "id")
    preview_fields = ("request_type", "channel", "route_to_local_office", "target_unit")

    def preview(self, rule: Any) -> tuple[list[Any], int]:
        return routing_rule_preview(rule)


@admin.register(PriorityRule)
class PriorityRuleAdmin(RuleAdmin):
    list_display = ("sort_order", "name", "request_type", "priority", "active")
    list_display_links = ("name",)
    list_filter = ("active", "priority")
    preview_fields = ("request_type", "priority")

    def preview(self, rule: Any) -> tuple[list[Any], int]:
        return priority_rule_preview(rule)


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
