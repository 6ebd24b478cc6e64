from django.contrib import admin
from django.http import HttpRequest

from servicedesk.core.admin import ReadOnlyAdmin
from servicedesk.surveys.models import QualityTarget, Survey, SurveyRule


@admin.register(SurveyRule)
class SurveyRuleAdmin(admin.ModelAdmin):
    """SUR-1: which closed requests are surveyed (a type's every request, or a sample of the others)
    and how the customer is asked."""

    list_display = ("name", "request_type", "sample_percent", "channel", "link_valid_days", "active")
    list_filter = ("active", "channel")
    fields = ("name", "active", "request_type", "sample_percent", "channel", "link_valid_days", "salt")


@admin.register(QualityTarget)
class QualityTargetAdmin(admin.ModelAdmin):
    """SUR-3: the targets the quality figures are compared with; one row per figure, seeded."""

    list_display = ("code", "percent", "updated_at")
    readonly_fields = ("code",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    """Read-only: surveys are created when requests close and answered by customers or agents."""

    list_display = ("id", "request", "channel", "status", "overall", "created_at", "answered_at")
    list_filter = ("status", "channel", "overall")
    raw_id_fields = ("request", "customer", "callback", "message", "answered_by")
    show_full_result_count = False
