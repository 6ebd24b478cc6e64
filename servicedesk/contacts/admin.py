from django.contrib import admin

from servicedesk.contacts.models import ContactRecord
from servicedesk.core.admin import ReadOnlyAdmin


@admin.register(ContactRecord)
class ContactRecordAdmin(ReadOnlyAdmin):
    """Read-only: contacts are recorded through the desk, never edited afterwards."""

    list_display = ("id", "started_at", "channel", "direction", "reporter_kind",
                    "customer", "outcome", "agent")
    list_filter = ("channel", "direction", "outcome", "reporter_kind")
    raw_id_fields = ("customer", "service_point", "request", "agent")
    show_full_result_count = False
