"""``GET /api/v1/search`` (issue 10 item 5, INT-2): the same search and scope as the web page."""

import pytest

from servicedesk.core.tests.api_helpers import as_, error_of

pytestmark = pytest.mark.django_db


def _search(world, persona, q):
    return as_(world, persona).get("/search", {"q": q})


def test_an_exact_number_names_the_object_to_open(world, findable):
    """Issue 10 item 5, INT-2: "wo1" in any case and without zeros is the work order, with its page."""
    order = findable.order_a
    response = _search(world, "dispatcher", f"wo{order.pk}")
    body = response.json()
    assert response.status_code == 200
    assert body["opens"] == {"kind": "work_order", "id": order.pk, "number": order.reference,
                             "title": f"{order.request.reference} {order.request.subject}",
                             "detail": body["opens"]["detail"], "url": f"/work-orders/{order.pk}/",
                             "by_number": True}
    assert body["results"] == [body["opens"]]


def test_a_phone_lists_every_match_and_opens_nothing(world, findable):
    """Issue 10 item 5: alice's mobile finds alice and the requests reported from it."""
    body = _search(world, "agent", "+86 138 0013 8000").json()
    kinds = {(hit["kind"], hit["number"]) for hit in body["results"]}
    assert ("customer", "C000000001") in kinds
    assert ("request", findable.request.reference) in kinds
    assert body["opens"] is None


def test_provider_b_gets_nothing_for_provider_a_work_order(world, findable):
    """Issue 10 item 5, INT-2: another provider's number is not found (no leak of its existence)."""
    body = _search(world, "provider_b_staff", findable.order_a.reference).json()
    assert body == {"query": findable.order_a.reference, "opens": None, "results": []}
    own = _search(world, "provider_b_staff", findable.order_b.reference).json()
    assert own["opens"]["id"] == findable.order_b.pk


@pytest.mark.parametrize("persona", ["customer_user", "finance", "outsider"])
def test_customers_and_finance_are_refused(world, findable, persona):
    """Issue 10 item 5: a customer gets no staff search: 403 in the API's error format."""
    response = _search(world, persona, findable.request.reference)
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_without_a_token_the_answer_is_401(world):
    assert as_(world, None).get("/search", {"q": "SR1"}).status_code == 401


@pytest.mark.parametrize("q", ["", "   ", "王", "x" * 201])
def test_bad_queries_name_the_field(world, q):
    """Issue 10 item 5: an empty, blank, one-character or too long query is 422 naming ``q``."""
    response = _search(world, "agent", q)
    assert response.status_code == 422
    assert "q" in error_of(response)["fields"]
