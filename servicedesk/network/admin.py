from django.contrib import admin

from servicedesk.network.models import Device
from servicedesk.network.services import device_save


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "name", "parent", "dn", "district"]
    list_filter = ["utility", "kind", "district"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["lineage", "area"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        device_save(obj)
