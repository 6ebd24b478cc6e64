"""The agent desk's caller search (INT-2): who may use it, and what it finds."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize("persona",
                         ["agent", "team_lead", "desk_manager", "key_account_manager", "leadership",
                                     "supervisor", "dispatcher", "administrator"])
def test_desk_opens_for_roles_that_identify_callers(client, users, persona):
    client.force_login(users[persona])
    response = client.get(reverse("web:desk"))
    assert response.status_code == 200
    assert 'id="caller-search"' in response.content.decode()


@pytest.mark.parametrize("persona", ["provider_a_staff", "customer_user", "finance"])
def test_desk_and_search_refused_to_provider_staff_customers_and_finance(client, users, persona):
    """INT-2: the customer base is for the desk, not for partners or self-service users."""
    client.force_login(users[persona])
    assert client.get(reverse("web:desk")).status_code == 403
    assert client.get(reverse("web:desk_search"), {"q": "海岸城"}, **HTMX).status_code == 403


def test_desk_requires_sign_in(client, world):
    response = client.get(reverse("web:desk_search"), {"q": "海岸城"})
    assert response.status_code == 302


def test_live_search_by_address_fragment_returns_the_customer_fragment(client, users, world):
    """INT-2: a partial Chinese address finds the customer (HTMX fragment, no page layout)."""
    client.force_login(users["agent"])
    response = client.get(reverse("web:desk_search"), {"q": "海岸城3栋"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "李丽" in body
    assert reverse("web:customer_panel", args=[world.customers["alice"].pk]) in body
    assert "张伟" not in body


@pytest.mark.parametrize(("query", "name"), [
    ("138-0013-8000", "李丽"),         # mobile, written with dashes
    ("0755 8321 1234", "张伟"),        # landline
    ("C000000003", "南山人民医院"),     # customer number
    ("A000000004", "陈欠费"),          # account number
    ("南山人民", "南山人民医院"),        # name prefix
])
def test_search_by_phone_number_or_name(client, users, world, query, name):
    client.force_login(users["agent"])
    body = client.get(reverse("web:desk_search"), {"q": query}, **HTMX).content.decode()
    assert name in body


def test_search_without_javascript_renders_the_whole_desk(client, users, world):
    client.force_login(users["agent"])
    response = client.get(reverse("web:desk"), {"q": "福华路"})
    body = response.content.decode()
    assert "<html" in body
    assert "张伟" in body


def test_search_with_no_match_says_so(client, users, world):
    client.force_login(users["agent"])
    body = client.get(reverse("web:desk_search"), {"q": "不存在的地址"}, **HTMX).content.decode()
    assert "不存在的地址" in body
    assert "李丽" not in body


def test_search_shows_flags_and_cut_off_supply(client, users, world):
    """004 step 13, 20: the agent sees at once a hospital flag or a cut-off service point."""
    client.force_login(users["agent"])
    body = client.get(reverse("web:desk_search"), {"q": "南山人民医院"}, **HTMX).content.decode()
    assert "医院" in body
    body = client.get(reverse("web:desk_search"), {"q": "红荔路1001号"}, **HTMX).content.decode()
    assert "陈欠费" in body
    assert "欠费停电" in body


def test_desk_search_too_short_for_the_address_index_says_so(client, world):
    """INT-2: a one-character query gets a message beside the search box, not an error page."""
    client.force_login(world.users["agent"])
    response = client.get("/desk/search/", {"q": "张"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "至少输入" in response.content.decode()
