"""A customer's own page (issue 10 item 12): signed in, a customer lands on a list of their own
requests, without the desk's internal units and service-level badges; staff are refused it."""

import pytest
from django.urls import reverse

from servicedesk.tickets.models import ServiceRequest
from servicedesk.tickets.services import request_create

pytestmark = pytest.mark.django_db


def _leak(world, point="alice"):
    return request_create(actor=world.users["agent"], request_type=world.types["leak"],
                          service_point=world.points[point], attributes={"dn": 200})


def test_a_customer_signing_in_lands_on_their_own_requests(client, users, world):
    """Issue 10 item 12: home sends the customer to "my requests", listing only theirs."""
    mine = _leak(world)
    theirs = _leak(world, point="bob")
    client.force_login(users["customer_user"])
    response = client.get(reverse("web:home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:my_requests")
    assert response.status_code == 200
    assert [r.pk for r in response.context["page_obj"]] == [mine.pk]
    page = response.content.decode()
    assert mine.reference in page and theirs.reference not in page
    assert reverse("web:request_detail", args=[mine.pk]) in page


def test_my_requests_shows_no_internal_units_priorities_or_service_levels(client, users, world):
    """Issue 10 item 12: the desk's words stay on the desk (the unit, the SLA badges)."""
    mine = _leak(world)
    unit = ServiceRequest.objects.select_related("responsible_unit").get(pk=mine.pk).responsible_unit
    client.force_login(users["customer_user"])
    page = client.get(reverse("web:my_requests")).content.decode()
    assert "我的诉求" in page
    assert unit.name not in page
    for badge in ("tone-", "剩余", "超时", "服务水平", 'href="/requests/"'):
        assert badge not in page, badge
    detail = client.get(reverse("web:request_detail", args=[mine.pk])).content.decode()
    assert 'id="clocks-title"' not in detail


def test_a_customer_without_requests_is_told_how_to_report(client, users, world):
    client.force_login(users["customer_user"])
    page = client.get(reverse("web:my_requests")).content.decode()
    assert "拨打服务热线" in page


@pytest.mark.parametrize("persona", ["agent", "dispatcher", "provider_a_staff", "administrator", "finance"])
def test_staff_are_refused_the_customer_page(client, users, world, persona):
    """Issue 10 item 12: the page is the customer's own; every staff role has its own pages."""
    client.force_login(users[persona])
    assert client.get(reverse("web:my_requests")).status_code == 403


def test_a_customer_is_refused_the_staff_request_list(client, users, world):
    """Issue 10 item 12: no internal units and "overdue" badges for a customer."""
    _leak(world)
    client.force_login(users["customer_user"])
    assert client.get(reverse("web:requests")).status_code == 403
    my_requests = client.get(reverse("web:my_requests")).content.decode()
    assert 'href="' + reverse("web:requests") + '"' not in my_requests
