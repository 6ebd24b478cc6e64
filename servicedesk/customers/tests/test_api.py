"""REST API for finding a caller (INT-2) and reading service points."""

import pytest

from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.testing.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

SEARCHING = ["agent", "team_lead", "desk_manager", "leadership", "key_account_manager", "dispatcher",
             "supervisor", "administrator"]
NOT_SEARCHING = ["provider_a_staff", "provider_b_staff", "finance", "outsider", "customer_user"]


def search(world, q, persona="agent", **params):
    response = as_(world, persona).get("/customers/search", {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def _names(body):
    return [hit["customer"]["name"] if hit["customer"] else None for hit in body["results"]]


def test_search_by_phone_in_any_format(world):
    """INT-2: '+86 138-0013-8000' finds the customer stored as digits."""
    body = search(world, "+86 138-0013-8000")
    assert _names(body) == ["李丽"]
    assert body["results"][0]["matched_on"] == "phone"
    assert [p["number"] for p in body["results"][0]["service_points"]] == ["SP000000001"]


def test_search_by_account_number(world):
    body = search(world, "A000000004", kind="account")
    assert _names(body) == ["陈欠费"] and body["results"][0]["matched_on"] == "account"


def test_search_by_name_shows_flags_and_key_account_manager(world):
    hit = search(world, "南山人民", kind="name")["results"][0]
    assert hit["customer"]["flags"] == [{"code": "hospital", "name": "医院"}]
    assert hit["customer"]["is_key_account"] is True
    assert hit["customer"]["key_account_manager"]["username"] == "key_account_manager"


def test_search_by_a_fragment_of_the_chinese_address(world, django_assert_max_num_queries):
    """INT-2: a fragment from the middle of the address; the customer's flags come in one query."""
    client = as_(world, "agent")
    client.get("/me")
    with django_assert_max_num_queries(4):
        body = client.get("/customers/search", {"q": "桃园路89", "kind": "address"}).json()
    assert _names(body) == ["南山人民医院"]
    assert body["results"][0]["matched_on"] == "address"
    assert body["results"][0]["customer"]["flags"][0]["code"] == "hospital"


def test_vacant_service_point_is_found_without_a_customer(world):
    ServicePointFactory(customer=None, account=None,
                        address="深圳市宝安区新安街道宝城67区空置铺位", district="宝安区")
    body = search(world, "宝城67区")
    assert _names(body) == [None]
    assert body["results"][0]["service_points"][0]["district"] == "宝安区"


def test_search_results_are_paginated(world):
    for n in range(3):
        ServicePointFactory(address=f"深圳市南山区海德三道{n}号", district="南山区")
    first = search(world, "海德三道", page_size=2)
    second = search(world, "海德三道", page_size=2, page=2)
    assert (first["count"], len(first["results"]), len(second["results"])) == (3, 2, 1)
    assert not {h["customer"]["id"] for h in first["results"]} & {h["customer"]["id"]
                                                                  for h in second["results"]}


def test_search_that_finds_nothing_is_an_empty_page(world):
    assert search(world, "不存在的地址片段") == {"count": 0, "page": 1, "page_size": 50, "results": []}


@pytest.mark.parametrize(("params", "field"), [
    ({}, "q"), ({"q": ""}, "q"), ({"q": "x" * 201}, "q"), ({"q": "李", "kind": "email"}, "kind"),
    ({"q": "李", "page_size": 0}, "page_size"),
])
def test_bad_search_names_the_parameter(world, params, field):
    response = as_(world, "agent").get("/customers/search", params)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


@pytest.mark.parametrize("persona", SEARCHING)
def test_roles_that_identify_callers_may_search(world, persona):
    assert _names(search(world, "张伟", persona)) == ["张伟"]


@pytest.mark.parametrize("persona", NOT_SEARCHING)
def test_roles_that_do_not_identify_callers_may_not_search(world, persona):
    """Provider staff, finance, outsiders and customers cannot look people up."""
    response = as_(world, persona).get("/customers/search", {"q": "张伟"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_search_needs_credentials(world):
    assert as_(world, None).get("/customers/search", {"q": "张伟"}).status_code == 401


def test_service_point_detail(world):
    body = as_(world, "agent").get(f"/service-points/{world.points['debtor'].pk}").json()
    assert body["number"] == "SP000000004" and body["connection_status"] == "cut_unpaid"
    assert body["customer"]["name"] == "陈欠费"
    assert body["account"] == {"id": world.points["debtor"].account_id, "number": "A000000004",
                               "status": "active", "amount_owed": "356.80", "opened_on": None}


def test_customer_sees_only_own_service_points(world):
    customer = as_(world, "customer_user")
    assert customer.get(f"/service-points/{world.points['alice'].pk}").status_code == 200
    assert customer.get(f"/service-points/{world.points['bob'].pk}").status_code == 404


@pytest.mark.parametrize("persona", ["provider_a_staff", "finance", "outsider"])
def test_roles_without_customer_access_may_not_read_service_points(world, persona):
    response = as_(world, persona).get(f"/service-points/{world.points['alice'].pk}")
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"


def test_unknown_service_point_is_404(world):
    response = as_(world, "agent").get("/service-points/999999")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
