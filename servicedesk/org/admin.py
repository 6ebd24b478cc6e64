from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from servicedesk.org.models import OrgUnit, Provider, User


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "lead", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "name_en")
    autocomplete_fields = ("parent", "lead")


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "unit", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "name_en")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "role", "unit", "provider", "is_active")
    list_filter = ("role", "is_active", "unit")
    search_fields = ("username", "full_name", "email", "phone")
    autocomplete_fields = ("unit", "provider", "customer")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Service desk"), {"fields": ("role", "full_name", "phone", "unit", "provider", "customer",
                                        "preferred_language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Service desk"), {"fields": ("role", "full_name", "unit", "provider", "customer")}),
    )
