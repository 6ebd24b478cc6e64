"""The web desk's pages (server-rendered, HTMX for live search and the request type's fields)."""

from django.urls import path

from servicedesk.contacts import views as contact_views
from servicedesk.core import views as core_views
from servicedesk.customers import views as customer_views
from servicedesk.sla import views as sla_views
from servicedesk.tickets import views as ticket_views

app_name = "web"
urlpatterns: list = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", core_views.LogoutView.as_view(), name="logout"),
    path("language/", core_views.language_set, name="language"),
    path("nothing/", core_views.nothing_for_role, name="nothing"),
    # Agent desk (INT-1..INT-5)
    path("desk/", customer_views.desk, name="desk"),
    path("desk/search/", customer_views.desk_search, name="desk_search"),
    path("desk/customers/<int:customer_id>/", contact_views.customer_panel, name="customer_panel"),
    path("desk/customers/<int:customer_id>/contacts/", contact_views.contact_new, name="contact_new"),
    path("desk/customers/<int:customer_id>/requests/", ticket_views.request_new, name="request_new"),
    path("desk/caller/", contact_views.caller_without_customer, name="caller"),
    path("desk/caller/contacts/", contact_views.contact_new, name="caller_contact_new"),
    path("desk/caller/requests/", ticket_views.request_new, name="caller_request_new"),
    path("desk/request-type-fields/", ticket_views.request_type_fields, name="request_type_fields"),
    # Requests
    path("requests/", ticket_views.request_list, name="requests"),
    path("requests/<int:request_id>/", ticket_views.request_detail, name="request_detail"),
    path("requests/<int:request_id>/actions/<slug:action>/", ticket_views.request_action, name="request_action"),
    path("requests/<int:request_id>/notes/", ticket_views.request_note, name="request_note"),
    path("requests/<int:request_id>/work-orders/", ticket_views.work_order_new, name="work_order_new"),
    path("queue/", ticket_views.queue, name="queue"),
    # Work orders
    path("work-orders/", ticket_views.work_order_list, name="work_orders"),
    path("work-orders/<int:work_order_id>/", ticket_views.work_order_detail, name="work_order_detail"),
    path("work-orders/<int:work_order_id>/actions/<slug:action>/", ticket_views.work_order_action,
         name="work_order_action"),
    # Notifications (SLA-4 warnings and escalations)
    path("notifications/", sla_views.notification_list, name="notifications"),
    path("notifications/read-all/", sla_views.notification_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/read/", sla_views.notification_read, name="notification_read"),
]
