"""Administration of service levels (SLA-1, SLA-2, SLA-5): calendars, official years, policies.

Every change made here is recorded as an SlaChange naming the administrator, and the open timers
it affects are recomputed in the background (``sla.changes``). Timers, warnings, notifications
and changes are read-only: they are derived or historical.
"""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from servicedesk.sla.changes import acting_user
from servicedesk.sla.checks import coverage_warning
from servicedesk.sla.models import (
    Calendar,
    CalendarOverride,
    Notification,
    OfficialYear,
    Policy,
    ProvisionalCalendarWarning,
    SlaChange,
    Target,
    Timer,
    TimerWarning,
)


def _coverage_warning_once_a_day(request: HttpRequest) -> None:
    """The official-holiday coverage warning as a message, once a day in each administrator's
    session (it stays on the admin's index page as a banner; issue 10 item 13)."""
    today = timezone.localdate().isoformat()
    if request.session.get("sla_coverage_warned_on") == today:
        return
    warning = coverage_warning()
    if warning:
        messages.warning(request, warning)
        request.session["sla_coverage_warned_on"] = today


class ActorMixin:
    """Runs the admin's writes with the logged-in user as the actor of the SlaChange rows they
    cause (the model, its inlines, bulk deletes)."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with acting_user(request.user.pk):
            return super().changeform_view(request, *args, **kwargs)  # type: ignore[misc]

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with acting_user(request.user.pk):
            return super().delete_view(request, *args, **kwargs)  # type: ignore[misc]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "GET":
            _coverage_warning_once_a_day(request)
        with acting_user(request.user.pk):  # bulk actions (delete selected) post here
            return super().changelist_view(request, extra_context)  # type: ignore[misc]


class CalendarOverrideInline(admin.TabularInline):
    model = CalendarOverride
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(ActorMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "windows", "follows_official_holidays", "updated_at")
    search_fields = ("code", "name", "name_en")
    inlines = [CalendarOverrideInline]


@admin.register(OfficialYear)
class OfficialYearAdmin(ActorMixin, admin.ModelAdmin):
    list_display = ("year", "source")


class TargetInline(admin.StackedInline):
    model = Target
    extra = 0


@admin.register(Policy)
class PolicyAdmin(ActorMixin, admin.ModelAdmin):
    list_display = ("name", "applies_to", "sort_order", "request_type", "severity", "priority", "customer_class",
                    "channel", "provider", "active")
    list_filter = ("applies_to", "active")
    search_fields = ("name",)
    inlines = [TargetInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Timer)
class TimerAdmin(ReadOnlyAdmin):
    list_display = ("subject_type", "subject_id", "target", "state", "due_at", "provisional", "next_warning_percent",
                    "next_warning_at", "problem")
    list_filter = ("state", "subject_type", "provisional")
    list_select_related = ("target", "target__policy")
    search_fields = ("=subject_id",)


@admin.register(TimerWarning)
class TimerWarningAdmin(ReadOnlyAdmin):
    list_display = ("timer", "percent", "notify", "fired_at", "recipients")
    list_select_related = ("timer",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "user", "created_at", "read_at", "email_claimed_at", "email_sent_at")
    list_select_related = ("user",)
    search_fields = ("title", "user__username")


@admin.register(ProvisionalCalendarWarning)
class ProvisionalCalendarWarningAdmin(ReadOnlyAdmin):
    list_display = ("day", "sent_at", "provisional_timers", "recipients")


@admin.register(SlaChange)
class SlaChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "what", "actor", "timers_recomputed", "recomputed_at")
    list_select_related = ("actor",)
