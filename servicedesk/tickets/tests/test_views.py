"""Web pages of requests and work orders: creation from the desk (INT-4..INT-7), the request page,
the lists, the dispatcher's queue and the providers' work orders, each with its refusals."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from servicedesk.contacts.models import ContactRecord
from servicedesk.contacts.services import contact_create
from servicedesk.tickets.models import RequestStatus, ServiceRequest, WorkOrder, WorkOrderStatus
from servicedesk.tickets.services import request_create, work_order_create

# Promised times and ETRs must lie ahead (at most two years): a month from today, local date.
SOON = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
SOON_NEXT = (timezone.localdate() + datetime.timedelta(days=31)).isoformat()

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _leak(world, dn=200, point="alice", **extra):
    return request_create(actor=world.users["agent"], request_type=world.types["leak"],
                          service_point=world.points[point], attributes={"dn": dn}, **extra)


def _request_url(world, name="alice"):
    return reverse("web:request_new", args=[world.customers[name].pk])


def _leak_form(world, **overrides):
    data = {
        "request-request_type": world.types["leak"].pk, "request-channel": "phone",
        "request-service_point": world.points["alice"].pk, "request-attr_dn": "200",
        "request-attr_severity": "seep", "request-description": "楼下路面冒水",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# ----------------------------------------------------------------------------------------------
# Creating requests


def test_type_fields_fragment_renders_the_types_fields_with_unit(client, users, world):
    """INT-4: choosing a type shows its fields, defined as data (HTMX fragment)."""
    client.force_login(users["agent"])
    response = client.get(reverse("web:request_type_fields"),
                          {"request-request_type": world.types["leak"].pk}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="request-attr_dn"' in body
    assert "管径DN" in body and "mm" in body
    assert 'min="15"' in body and 'max="3000"' in body
    assert "爆管" in body  # a choice of the severity field
    empty = client.get(reverse("web:request_type_fields"), {"request-request_type": ""}, **HTMX)
    assert "attr_" not in empty.content.decode()


def test_type_fields_use_english_labels_after_the_switch(client, users, world):
    client.force_login(users["agent"])
    client.cookies["django_language"] = "en"
    body = client.get(reverse("web:request_type_fields"),
                      {"request-request_type": world.types["leak"].pk}, **HTMX).content.decode()
    assert "Pipe diameter DN" in body
    assert "Burst" in body


def test_leak_over_dn150_from_the_desk_goes_to_engineering(client, users, world):
    """INT-7, 003 §8.2: the request lands at 工程部 and the agent sees its page."""
    client.force_login(users["agent"])
    response = client.post(_request_url(world), _leak_form(world))
    created = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:request_detail", args=[created.pk])
    assert created.responsible_unit == world.units["engineering"]
    assert created.attributes == {"dn": 200, "severity": "seep"}
    assert created.contacts.get().customer == world.customers["alice"]
    body = client.get(response["Location"]).content.decode()
    assert "工程部" in body
    assert "DN150以上报漏由工程部跟进" in body
    assert "200 mm" in body and "渗漏" in body


def test_request_for_a_logged_contact_is_linked_to_that_contact(client, users, world):
    """INT-1: the logged call and the request are one story; no second contact is made."""
    contact = contact_create(agent=users["agent"], customer=world.customers["alice"],
                             service_point=world.points["alice"], request_type=world.types["leak"])
    client.force_login(users["agent"])
    response = client.post(_request_url(world), _leak_form(world, **{"request-contact": contact.pk}))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.request == ServiceRequest.objects.get()
    assert contact.outcome == ContactRecord.Outcome.REQUEST_CREATED
    assert ContactRecord.objects.count() == 1


def test_bad_dn_shows_the_message_beside_the_field_and_saves_nothing(client, users, world):
    """INT-4: type-field errors (attributes.dn) appear beside the DN input; no request, no contact."""
    client.force_login(users["agent"])
    response = client.post(_request_url(world), _leak_form(world, **{"request-attr_dn": "5000"}))
    assert response.status_code == 422
    form = response.context["request_form"]
    assert "3000" in form.errors["attr_dn"][0]
    body = response.content.decode()
    dn_block = body[body.index('id="field-request-attr_dn"'):]
    assert "3000" in dn_block[:dn_block.index("</div>")]
    assert 'value="5000"' in body  # the agent's input is kept
    assert ServiceRequest.objects.count() == 0
    assert ContactRecord.objects.count() == 0


def test_missing_required_dn_is_reported_on_the_field(client, users, world):
    client.force_login(users["agent"])
    response = client.post(_request_url(world), _leak_form(world, **{"request-attr_dn": ""}))
    assert response.status_code == 422
    assert "attr_dn" in response.context["request_form"].errors
    assert ServiceRequest.objects.count() == 0


def test_street_leak_from_a_passer_by_without_location_is_refused_on_the_location_field(client, users, world):
    """INT-3, INT-7: a non-customer's leak needs the exact location; the error sits on it."""
    client.force_login(users["agent"])
    data = _leak_form(world, **{"request-service_point": None, "request-reporter_kind": "non_customer",
                                "request-reporter_name": "路人", "request-reporter_phone": "13800001111",
                                "request-attr_dn": "80"})
    response = client.post(reverse("web:caller_request_new"), data)
    assert response.status_code == 422
    assert "location" in response.context["request_form"].errors
    assert ServiceRequest.objects.count() == 0
    data.update({"request-location": "福华路与金田路交叉口", "request-district": "福田区"})
    response = client.post(reverse("web:caller_request_new"), data)
    created = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert created.customer is None
    assert created.responsible_unit == world.units["office_futian"]


def test_estimated_completion_is_read_in_shanghai_time(client, users, world):
    client.force_login(users["agent"])
    later = timezone.localtime(timezone.now() + datetime.timedelta(days=1)).replace(second=0, microsecond=0)
    client.post(_request_url(world), _leak_form(world, **{
        "request-estimated_completion_at": later.strftime("%Y-%m-%dT%H:%M")}))
    created = ServiceRequest.objects.get()
    assert created.estimated_completion_at == later
    assert str(timezone.get_current_timezone()) == "Asia/Shanghai"
    page = client.get(reverse("web:request_detail", args=[created.pk])).content.decode()
    assert later.strftime("%Y-%m-%d %H:%M") in page  # shown as entered, in Shanghai time


@pytest.mark.parametrize("persona",
                         ["leadership", "dispatcher", "provider_a_staff", "customer_user", "finance"])
def test_roles_that_may_not_create_requests_are_refused(client, users, world, persona):
    client.force_login(users[persona])
    assert client.post(_request_url(world), _leak_form(world)).status_code == 403
    assert ServiceRequest.objects.count() == 0


# ----------------------------------------------------------------------------------------------
# Request page and actions


def test_request_page_shows_fields_priority_reasons_routing_and_timeline(client, users, world):
    """INT-6: the agent can explain the priority; the timeline says who did what."""
    request = request_create(actor=users["agent"], request_type=world.types["fault"],
                             service_point=world.points["hospital"],
                             attributes={"fault_location": "hv_cable"})
    client.force_login(users["team_lead"])
    response = client.get(reverse("web:request_detail", args=[request.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "紧急" in body  # Urgent
    assert "医院、生命维持用户优先" in body
    assert "高压电缆故障" in body  # routing rule
    assert "故障位置" in body and "高压电缆" in body  # type field with its label
    assert "工程部" in body
    assert 'action="' + reverse("web:request_action", args=[request.pk, "accept"]) in body
    assert "agent" in body  # the creator in the timeline


def test_agent_accepts_then_resolve_needs_a_reason(client, users, world):
    request = _leak(world)
    client.force_login(users["agent"])
    response = client.post(reverse("web:request_action", args=[request.pk, "accept"]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    response = client.post(reverse("web:request_action", args=[request.pk, "resolve"]), {"reason": " "})
    assert response.status_code == 422
    body = response.content.decode()
    resolve_form = body[body.index('id="action-resolve"'):]
    assert 'class="error"' in resolve_form[:resolve_form.index("</form>")]
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED
    client.post(reverse("web:request_action", args=[request.pk, "resolve"]), {"reason": "已关阀修复"})
    request.refresh_from_db()
    assert request.status == RequestStatus.RESOLVED
    body = client.get(reverse("web:request_detail", args=[request.pk])).content.decode()
    assert "已关阀修复" in body


def test_illegal_step_is_shown_not_applied(client, users, world):
    request = _leak(world)
    client.force_login(users["agent"])
    response = client.post(reverse("web:request_action", args=[request.pk, "close"]))
    assert response.status_code == 422
    request.refresh_from_db()
    assert request.status == RequestStatus.NEW


def test_add_note_appears_in_the_timeline(client, users, world):
    request = _leak(world)
    client.force_login(users["agent"])
    assert client.post(reverse("web:request_note", args=[request.pk]),
                       {"text": "已电话告知客户"}).status_code == 302
    assert "已电话告知客户" in client.get(reverse("web:request_detail", args=[request.pk])).content.decode()
    response = client.post(reverse("web:request_note", args=[request.pk]), {"text": ""})
    assert response.status_code == 422


def test_dispatcher_creates_a_work_order_with_the_crew_type_prefilled(client, users, world):
    request = _leak(world)
    client.force_login(users["dispatcher"])
    page = client.get(reverse("web:request_detail", args=[request.pk])).content.decode()
    assert 'value="pipe_repair"' in page
    response = client.post(reverse("web:work_order_new", args=[request.pk]), {
        "work_order-provider": world.providers["a"].pk, "work_order-crew_type": "pipe_repair",
        "work_order-instructions": "关阀抢修", "work_order-promised_end_at": f"{SOON}T18:00",
    })
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.provider == world.providers["a"]
    assert timezone.localtime(order.promised_end_at).hour == 18
    request.refresh_from_db()
    assert request.status == RequestStatus.DISPATCHED


def test_work_order_form_errors_are_beside_the_fields(client, users, world):
    request = _leak(world)
    client.force_login(users["dispatcher"])
    response = client.post(reverse("web:work_order_new", args=[request.pk]), {"work_order-provider": ""})
    assert response.status_code == 422
    assert "provider" in response.context["work_order_form"].errors
    assert WorkOrder.objects.count() == 0


def test_agent_may_not_dispatch_work_orders(client, users, world):
    request = _leak(world)
    client.force_login(users["agent"])
    assert client.post(reverse("web:work_order_new", args=[request.pk]),
                       {"work_order-provider": world.providers["a"].pk}).status_code == 403
    assert WorkOrder.objects.count() == 0


def test_dispatcher_of_another_unit_does_not_find_the_request(client, users, world):
    """Object-level access: the 南山 office's dispatcher does not see engineering's request."""
    request = _leak(world)
    client.force_login(users["office_dispatcher"])
    assert client.get(reverse("web:request_detail", args=[request.pk])).status_code == 404


def test_customer_sees_own_request_without_internal_notes_and_not_others(client, users, world):
    mine = _leak(world)
    theirs = _leak(world, point="bob")
    client.force_login(users["agent"])
    client.post(reverse("web:request_note", args=[mine.pk]), {"text": "内部备注：客户脾气急"})
    client.force_login(users["customer_user"])
    response = client.get(reverse("web:request_detail", args=[mine.pk]))
    assert response.status_code == 200
    assert "内部备注" not in response.content.decode()
    assert client.get(reverse("web:request_detail", args=[theirs.pk])).status_code == 404


def test_finance_is_refused_request_pages(client, users, world):
    request = _leak(world)
    client.force_login(users["finance"])
    assert client.get(reverse("web:request_detail", args=[request.pk])).status_code == 403
    assert client.get(reverse("web:requests")).status_code == 403


# ----------------------------------------------------------------------------------------------
# Lists


def test_request_list_filters_by_status_priority_type_and_unit(client, users, world):
    leak = _leak(world, 200)
    small = _leak(world, 100)
    fault = request_create(actor=users["agent"], request_type=world.types["fault"],
                           service_point=world.points["hospital"], attributes={"fault_location": "hv_cable"})
    client.force_login(users["team_lead"])
    url = reverse("web:requests")

    def refs(params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {r.pk for r in response.context["page_obj"]}

    assert refs({}) == {leak.pk, small.pk, fault.pk}
    assert refs({"request_type": world.types["leak"].pk}) == {leak.pk, small.pk}
    assert refs({"unit": world.units["office_nanshan"].pk}) == {small.pk}
    assert refs({"priority": 1}) == {fault.pk}
    assert refs({"status": "open"}) == {leak.pk, small.pk, fault.pk}
    assert refs({"status": "closed"}) == set()


def test_request_list_paginates(client, users, world):
    for _ in range(30):
        _leak(world, 200)
    client.force_login(users["agent"])
    first = client.get(reverse("web:requests"), {"request_type": world.types["leak"].pk})
    second = client.get(reverse("web:requests"), {"request_type": world.types["leak"].pk, "page": 2})
    assert len(first.context["page_obj"]) == 25
    assert len(second.context["page_obj"]) == 5
    assert f"request_type={world.types['leak'].pk}&amp;page=2" in first.content.decode()


def test_customer_is_refused_the_staff_request_list(client, users, world):
    """Issue 10 item 12: a customer's list is their own page (test_customer_views.py)."""
    _leak(world)
    client.force_login(users["customer_user"])
    assert client.get(reverse("web:requests")).status_code == 403


def test_dispatch_queue_is_most_urgent_first_and_only_for_dispatchers(client, users, world):
    normal = _leak(world, 200)
    urgent = request_create(actor=users["agent"], request_type=world.types["fault"],
                            service_point=world.points["hospital"], attributes={"fault_location": "hv_cable"})
    _leak(world, 100)  # the 南山 office's, not engineering's
    client.force_login(users["dispatcher"])
    response = client.get(reverse("web:queue"))
    assert response.status_code == 200
    assert [r.pk for r in response.context["page_obj"]] == [urgent.pk, normal.pk]
    for persona in ("agent", "provider_a_staff", "customer_user"):
        client.force_login(users[persona])
        assert client.get(reverse("web:queue")).status_code == 403


# ----------------------------------------------------------------------------------------------
# Work orders


def _dispatched(world, provider="a"):
    request = _leak(world)
    return work_order_create(request=request, actor=world.users["dispatcher"],
                             provider=world.providers[provider])


def test_provider_staff_list_only_their_providers_work_orders(client, users, world):
    own = _dispatched(world, "a")
    _dispatched(world, "b")
    client.force_login(users["provider_a_staff"])
    response = client.get(reverse("web:work_orders"))
    assert [o.pk for o in response.context["page_obj"]] == [own.pk]


def test_provider_staff_cannot_open_another_providers_work_order(client, users, world):
    """Object-level access: not found, so its existence does not leak."""
    other = _dispatched(world, "b")
    client.force_login(users["provider_a_staff"])
    assert client.get(reverse("web:work_order_detail", args=[other.pk])).status_code == 404
    response = client.post(reverse("web:work_order_action", args=[other.pk, "accept"]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == WorkOrderStatus.ISSUED


def test_provider_accepts_starts_and_completes_and_the_request_follows(client, users, world):
    order = _dispatched(world, "a")
    client.force_login(users["provider_a_staff"])
    page = client.get(reverse("web:work_order_detail", args=[order.pk]))
    assert page.status_code == 200
    assert 'id="action-accept"' in page.content.decode()
    assert 'id="action-cancel"' not in page.content.decode()  # dispatcher's step
    assert client.post(reverse("web:work_order_action", args=[order.pk, "accept"])).status_code == 302
    assert client.post(reverse("web:work_order_action", args=[order.pk, "start"])).status_code == 302
    response = client.post(reverse("web:work_order_action", args=[order.pk, "complete"]), {"reason": ""})
    assert response.status_code == 422
    client.post(reverse("web:work_order_action", args=[order.pk, "complete"]), {"reason": "已更换管段"})
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.COMPLETED
    assert order.request.status == RequestStatus.RESOLVED


def test_provider_declines_with_a_reason(client, users, world):
    order = _dispatched(world, "a")
    client.force_login(users["provider_a_staff"])
    client.post(reverse("web:work_order_action", args=[order.pk, "decline"]), {"reason": "非本队辖区"})
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.CANCELLED


@pytest.mark.parametrize("persona", ["customer_user", "finance"])
def test_customers_and_finance_are_refused_work_orders(client, users, world, persona):
    order = _dispatched(world, "a")
    client.force_login(users[persona])
    assert client.get(reverse("web:work_orders")).status_code == 403
    assert client.get(reverse("web:work_order_detail", args=[order.pk])).status_code == 403


def test_agent_may_read_but_not_work_on_work_orders(client, users, world):
    order = _dispatched(world, "a")
    client.force_login(users["agent"])
    assert client.get(reverse("web:work_order_detail", args=[order.pk])).status_code == 200
    assert client.post(reverse("web:work_order_action", args=[order.pk, "accept"])).status_code == 403


@pytest.mark.parametrize("name", ["web:requests", "web:queue", "web:work_orders"])
def test_list_pages_do_not_query_per_row(client, users, world, name):
    """The number of queries of a list page does not grow with its rows."""
    client.force_login(users["dispatcher"])
    _dispatched(world, "a")
    client.get(reverse(name))  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name)).status_code == 200
    for _ in range(5):
        _dispatched(world, "a")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(name))
    assert len(response.context["page_obj"]) == 6
    assert len(many) == len(few)
