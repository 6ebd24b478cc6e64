from django.contrib import admin

from servicedesk.customers.models import Account, Customer, CustomerFlag, ServicePoint


@admin.register(CustomerFlag)
class CustomerFlagAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name")


class AccountInline(admin.TabularInline):
    model = Account
    extra = 0
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "customer_class", "mobile", "key_account_manager")
    list_filter = ("customer_class", "kind", "flags")
    search_fields = ("=number", "name", "=mobile", "=phone")
    autocomplete_fields = ("key_account_manager",)
    filter_horizontal = ("flags",)
    inlines = [AccountInline]
    show_full_result_count = False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "status", "amount_owed")
    search_fields = ("=number",)
    raw_id_fields = ("customer",)
    show_full_result_count = False


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = ("number", "address", "district", "utility", "connection_status")
    list_filter = ("utility", "connection_status", "district")
    search_fields = ("=number",)
    raw_id_fields = ("customer", "account")
    show_full_result_count = False
