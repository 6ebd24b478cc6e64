from django.contrib import admin

from servicedesk.contacts.models import ContactRecord


@admin.register(ContactRecord)
class ContactRecordAdmin(admin.ModelAdmin):
    """Read-only: contacts are recorded through the desk, never edited afterwards."""

    list_display = ("id", "started_at", "channel", "direction", "reporter_kind", "customer", "outcome", "agent")
    list_filter = ("channel", "direction", "outcome", "reporter_kind")
    raw_id_fields = ("customer", "service_point", "request", "agent")
    show_full_result_count = False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
