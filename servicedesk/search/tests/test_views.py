"""The global search page and the header's search box (issue 10 item 5, INT-2): any number opens
its object at once, phones, names and addresses list what matches, each role sees only its scope."""

import pytest
from django.urls import reverse

from servicedesk.testing.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

URL = reverse("web:search")


def _search(client, world, persona, q):
    client.force_login(world.users[persona])
    return client.get(URL, {"q": q})


def test_each_kind_of_number_opens_its_page(client, world, findable):
    """Issue 10 item 5, INT-2: SR, WO, C, CB, O and P numbers redirect to the object's page."""
    f = findable
    customer_page = reverse("web:customer_panel", args=[f.point.customer_id])
    expected = {
        f.request.reference: reverse("web:request_detail", args=[f.request.pk]),
        f.order_a.reference: reverse("web:work_order_detail", args=[f.order_a.pk]),
        f.contact.reference: customer_page,
        f.callback.reference: customer_page,
        f.outage.reference: reverse("web:outage_detail", args=[f.outage.pk]),
        f.planned.reference: reverse("web:planned_detail", args=[f.planned.pk]),
    }
    for number, page in expected.items():
        response = _search(client, world, "agent", number)
        assert response.status_code == 302, number
        assert response["Location"] == page, number


def test_a_number_in_lower_case_without_leading_zeros_opens_it(client, world, findable):
    """Issue 10 item 5: "sr12" and "SR00000012" are the same request; "wo 7" its work order."""
    request_pk, order_pk = findable.request.pk, findable.order_a.pk
    for q in (f"sr{request_pk}", f"SR{request_pk:08d}", f"Sr 0{request_pk}"):
        response = _search(client, world, "agent", q)
        assert response["Location"] == reverse("web:request_detail", args=[request_pk]), q
    assert _search(client, world, "dispatcher", f"wo {order_pk}")["Location"] == reverse(
        "web:work_order_detail", args=[order_pk])


def test_service_point_and_meter_number_open_the_customer(client, world, findable):
    """Issue 10 item 5: a service point by its number or meter number, either case."""
    page = reverse("web:customer_panel", args=[findable.point.customer_id])
    for q in ("SP000000001", "sp000000001", "DB0000000777", "db0000000777"):
        response = _search(client, world, "agent", q)
        assert response.status_code == 302, q
        assert response["Location"] == page, q


def test_a_digit_string_shows_every_kind_it_matches(client, world, findable):
    """Issue 10 item 5: digits may be a phone, an account, a service point or a meter number; all
    that match are listed, grouped by kind, and nothing opens at once."""
    ServicePointFactory(number="13800138000", customer=world.customers["bob"],
                        address="深圳市福田区福华路90号")
    findable.request.reporter_phone = "13800138000"
    findable.request.save(update_fields=["reporter_phone"])
    response = _search(client, world, "agent", "13800138000")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-kind="customer"' in body and "李丽" in body  # alice's mobile
    assert 'data-kind="service_point"' in body and "福华路90号" in body  # a point numbered so
    assert 'data-kind="request"' in body and findable.request.reference in body  # reporter phone


def test_names_and_address_fragments_come_from_the_caller_search(client, world, findable):
    """Issue 10 item 5, INT-2: the caller search's names and address fragments in the same box."""
    body = _search(client, world, "agent", "张伟").content.decode()
    assert 'data-kind="customer"' in body and "C000000002" in body
    body = _search(client, world, "agent", "福华路88").content.decode()
    assert "张伟" in body


def test_provider_staff_do_not_find_another_providers_work_order(client, world, findable):
    """Issue 10 item 5, INT-2: provider B searching provider A's number gets nothing, no redirect;
    provider A gets its page."""
    response = _search(client, world, "provider_b_staff", findable.order_a.reference)
    assert response.status_code == 200
    assert 'data-kind="' not in response.content.decode()
    assert "Location" not in response
    own = _search(client, world, "provider_a_staff", findable.order_a.reference)
    assert own["Location"] == reverse("web:work_order_detail", args=[findable.order_a.pk])


def test_provider_staff_find_no_callers_contacts_or_outages(client, world, findable):
    """Issue 10 item 5: provider staff see their work orders and the requests behind them only:
    no customers (bob's mobile, a name), contacts, callbacks, outages, service points, nor the
    request of provider B's work order by its reporter's phone."""
    for q in (findable.contact.reference, findable.callback.reference, findable.outage.reference,
              findable.planned.reference, "SP000000001", "13900139000", "李丽", "13612345678"):
        response = _search(client, world, "provider_a_staff", q)
        assert response.status_code == 200, q
        assert 'data-kind="' not in response.content.decode(), q


def test_provider_staff_find_their_requests_by_reporter_phone(client, world, findable):
    """Issue 10 item 5: provider B finds the request behind its work order by the reporter's phone."""
    body = _search(client, world, "provider_b_staff", "136 1234 5678").content.decode()
    assert 'data-kind="request"' in body and findable.order_b.request.reference in body


def test_dispatcher_does_not_find_requests_outside_their_units(client, world, findable):
    """Issue 10 item 5: the 南山 office's dispatcher sees no engineering request by its number."""
    response = _search(client, world, "office_dispatcher", findable.request.reference)
    assert response.status_code == 200
    assert 'data-kind="request"' not in response.content.decode()


@pytest.mark.parametrize("persona", ["customer_user", "finance", "outsider"])
def test_customers_and_roles_without_intake_are_refused(client, world, findable, persona):
    """Issue 10 item 5: a customer (and finance) gets no staff search, and no header box."""
    response = _search(client, world, persona, findable.request.reference)
    assert response.status_code == 403
    home = client.get(reverse("web:requests") if persona == "customer_user" else reverse("web:notifications"))
    assert 'class="header-search' not in home.content.decode()


def test_anonymous_users_are_sent_to_sign_in(client, findable):
    response = client.get(URL, {"q": findable.request.reference})
    assert response.status_code == 302 and reverse("web:login") in response["Location"]


def test_header_has_the_search_box_for_staff(client, world):
    """Issue 10 item 5: one box in the header of every page for staff roles."""
    for persona in ("agent", "dispatcher", "provider_a_staff", "supervisor"):
        client.force_login(world.users[persona])
        body = client.get(reverse("web:notifications")).content.decode()
        assert 'class="header-search' in body and f'action="{URL}"' in body, persona


def test_a_one_character_name_is_refused_with_the_reason(client, world):
    """Issue 10 item 5: bad input gets a clear message, not an empty page."""
    response = _search(client, world, "agent", "王")
    assert response.status_code == 422
    assert "2" in response.content.decode() and 'role="alert"' in response.content.decode()


def test_nothing_found_says_so(client, world):
    response = _search(client, world, "agent", "WO99999999")
    assert response.status_code == 200
    assert "WO99999999" in response.content.decode() and 'data-kind="' not in response.content.decode()
