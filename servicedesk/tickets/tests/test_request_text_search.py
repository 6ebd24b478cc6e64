"""``/requests/?q=`` (issue 10 item 5, INT-2): the request list searched by number, subject or the
reporter's phone, within the user's scope."""

import pytest
from django.urls import reverse

from servicedesk.tickets.services import request_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_requests(world):
    agent = world.users["agent"]
    leak = request_create(actor=agent, request_type=world.types["leak"], service_point=world.points["alice"],
                          attributes={"dn": 200}, subject="科技南路路面冒水")
    burst = request_create(actor=agent, request_type=world.types["leak"], service_point=world.points["bob"],
                           attributes={"dn": 100}, subject="福华路爆管", reporter_phone="0755-8888 1234")
    return leak, burst


def _row(service_request):
    return f'href="{reverse("web:request_detail", args=[service_request.pk])}"'


def _listed(client, world, persona, q):
    client.force_login(world.users[persona])
    response = client.get(reverse("web:requests"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_request_list_finds_a_request_by_its_number(client, world, two_requests):
    """Issue 10 item 5: "sr<pk>" without zeros finds that request and no other."""
    leak, burst = two_requests
    body = _listed(client, world, "agent", f"sr{leak.pk}")
    assert _row(leak) in body and _row(burst) not in body


def test_request_list_finds_by_subject_and_reporter_phone(client, world, two_requests):
    """Issue 10 item 5: words of the subject, and the reporter's phone in any format."""
    leak, burst = two_requests
    body = _listed(client, world, "agent", "冒水")
    assert _row(leak) in body and _row(burst) not in body
    body = _listed(client, world, "agent", "075588881234")
    assert _row(burst) in body and _row(leak) not in body
    assert 'name="q"' in body


def test_request_list_search_keeps_the_users_scope(client, world, two_requests):
    """Issue 10 item 5: the engineering dispatcher does not find the office's request by its number."""
    leak, burst = two_requests  # the DN100 leak goes to the business office, the DN200 to engineering
    body = _listed(client, world, "dispatcher", burst.reference)
    assert _row(burst) not in body and _row(leak) not in body
    body = _listed(client, world, "dispatcher", leak.reference)
    assert _row(leak) in body


def test_api_request_list_q_finds_by_number(world, two_requests):
    """Issue 10 item 5: the API's ``q`` reads numbers too."""
    from servicedesk.core.tests.api_helpers import as_

    leak, _burst = two_requests
    body = as_(world, "agent").get("/requests", {"q": f"SR{leak.pk:08d}"}).json()
    assert [row["id"] for row in body["results"]] == [leak.pk]
