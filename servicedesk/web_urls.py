"""The web desk's pages (server-rendered, HTMX for live search and the request type's fields)."""

from django.urls import path

from servicedesk.complaints import views as complaint_views
from servicedesk.contacts import callback_views
from servicedesk.core import views as core_views
from servicedesk.customers import views as customer_views
from servicedesk.org import views as org_views
from servicedesk.outages import planned_views
from servicedesk.outages import views as outage_views
from servicedesk.search import views as search_views
from servicedesk.sla import views as sla_views
from servicedesk.surveys import views as survey_views
from servicedesk.tickets import customer_views as customer_request_views
from servicedesk.tickets import intake
from servicedesk.tickets import views as ticket_views

app_name = "web"
urlpatterns: list = [
    path("", org_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", core_views.LogoutView.as_view(), name="logout"),
    path("language/", core_views.language_set, name="language"),
    path("nothing/", org_views.nothing_for_role, name="nothing"),
    # One search box for any number, phone, name or address (issue 10 item 5)
    path("search/", search_views.search, name="search"),
    # Agent desk (INT-1..INT-5)
    path("desk/", customer_views.desk, name="desk"),
    path("desk/search/", customer_views.desk_search, name="desk_search"),
    path("desk/customers/<id:customer_id>/", intake.customer_panel, name="customer_panel"),
    path("desk/customers/<id:customer_id>/contacts/", intake.contact_new, name="contact_new"),
    path("desk/customers/<id:customer_id>/requests/", intake.request_new, name="request_new"),
    path("desk/caller/", intake.caller_without_customer, name="caller"),
    path("desk/caller/contacts/", intake.contact_new, name="caller_contact_new"),
    path("desk/caller/requests/", intake.request_new, name="caller_request_new"),
    path("desk/request-type-fields/", intake.request_type_fields, name="request_type_fields"),
    # Complaints (CMP-1..CMP-7)
    path("complaints/", complaint_views.complaint_desk, name="complaint_desk"),
    path("complaints/new/", complaint_views.complaint_new, name="complaint_new"),
    path("complaints/major/", complaint_views.complaint_major_list, name="complaint_major"),
    path("complaints/hot-issues/", complaint_views.complaint_hot_issues, name="complaint_hot_issues"),
    path("complaints/<id:complaint_id>/", complaint_views.complaint_detail, name="complaint_detail"),
    path("complaints/<id:complaint_id>/<slug:action>/", complaint_views.complaint_action,
         name="complaint_action"),
    path("complaint-parts/<id:part_id>/<slug:action>/", complaint_views.part_action,
         name="complaint_part_action"),
    # The fault call of seed 004 (OUT-2..OUT-6)
    path("desk/fault-call/", outage_views.fault_call, name="fault_call"),
    path("desk/fault-call/<id:contact_id>/", outage_views.fault_call_result, name="fault_call_result"),
    # Outages: the dispatcher's board, planned outages and the public notice (OUT-2, OUT-3, OUT-6)
    path("outages/", outage_views.outage_list, name="outages"),
    path("outages/declare/", outage_views.outage_declare_view, name="outage_declare"),
    path("outages/<id:outage_id>/", outage_views.outage_detail, name="outage_detail"),
    path("outages/<id:outage_id>/confirm/", outage_views.outage_confirm_view, name="outage_confirm"),
    path("outages/<id:outage_id>/reject/", outage_views.outage_reject_view, name="outage_reject"),
    path("outages/<id:outage_id>/merge/", outage_views.outage_merge_view, name="outage_merge"),
    path("outages/<id:outage_id>/update/", outage_views.outage_update_view, name="outage_update"),
    path("outages/<id:outage_id>/restore/", outage_views.outage_restore_view, name="outage_restore"),
    path("outages/planned/", planned_views.planned_list, name="planned"),
    path("outages/planned/new/", planned_views.planned_new, name="planned_new"),
    path("outages/planned/<id:planned_id>/", planned_views.planned_detail, name="planned_detail"),
    path("outages/planned/<id:planned_id>/notices/", planned_views.planned_notices, name="planned_notices"),
    path("outages/planned/<id:planned_id>/cancel/", planned_views.planned_cancel, name="planned_cancel"),
    path("public/planned-outages/", planned_views.public_planned, name="public_planned"),
    # Callbacks (INT-8)
    path("callbacks/", callback_views.callback_list, name="callbacks"),
    path("callbacks/<id:callback_id>/done/", callback_views.callback_done, name="callback_done"),
    path("callbacks/<id:callback_id>/evidence/", callback_views.evidence_upload, name="callback_evidence"),
    path("callbacks/evidence/<id:evidence_id>/", callback_views.evidence_file, name="callback_evidence_file"),
    path("callbacks/availability/", callback_views.availability_set, name="availability"),
    # Requests
    path("requests/", ticket_views.request_list, name="requests"),
    path("requests/<id:request_id>/", ticket_views.request_detail, name="request_detail"),
    path("requests/<id:request_id>/actions/<slug:action>/", ticket_views.request_action,
         name="request_action"),
    path("requests/<id:request_id>/notes/", ticket_views.request_note, name="request_note"),
    path("requests/<id:request_id>/severity/", ticket_views.request_severity, name="request_severity"),
    path("requests/<id:request_id>/type/", ticket_views.request_reclassify_view, name="request_reclassify"),
    path("requests/<id:request_id>/work-orders/", ticket_views.work_order_new, name="work_order_new"),
    path("queue/", ticket_views.queue, name="queue"),
    # A customer's own requests (issue 10 item 12)
    path("my/requests/", customer_request_views.my_requests, name="my_requests"),
    # Work orders
    path("work-orders/", ticket_views.work_order_list, name="work_orders"),
    path("work-orders/<id:work_order_id>/", ticket_views.work_order_detail, name="work_order_detail"),
    path("work-orders/<id:work_order_id>/actions/<slug:action>/", ticket_views.work_order_action,
         name="work_order_action"),
    # Satisfaction surveys and the quality targets (SUR-1..SUR-3)
    path("surveys/<id:survey_id>/", survey_views.survey_answer, name="survey_answer"),
    path("survey/<str:token>/", survey_views.survey_public, name="survey_public"),
    path("quality/", survey_views.quality, name="quality"),
    # Notifications (SLA-4 warnings and escalations)
    path("notifications/", sla_views.notification_list, name="notifications"),
    path("notifications/read-all/", sla_views.notification_read_all, name="notifications_read_all"),
    path("notifications/<id:notification_id>/read/", sla_views.notification_read, name="notification_read"),
]
