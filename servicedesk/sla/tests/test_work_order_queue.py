"""The work-order list as the providers' queue (issue 3 part 7: "Queues sort by the nearest due
time and have at-risk and breached views"): the web page /work-orders/ and GET /work-orders sort
by the nearest SLA due time (the default for provider staff), offer the at-risk and breached
views, refuse bad values on the API (422 on the field), and never show provider B's staff a work
order of provider A (INT-2 scope) in any of these views."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.sla.tests.test_display import NOW, english, leak_at, leak_policy  # noqa: F401 (fixture)
from servicedesk.tickets.services import work_order_create, work_order_transition

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)


def _order(world, provider, created, accepted=None):
    """A leak dispatched to ``provider`` at ``created``; its reply clock (24 h, 7×24) stops when the
    crew accepts it (at ``accepted``, if given)."""
    request = leak_at(world, created)
    with time_machine.travel(created, tick=False):
        order = work_order_create(request=request, actor=world.users["dispatcher"],
                                  provider=world.providers[provider])
    if accepted is not None:
        with time_machine.travel(accepted, tick=False):
            order = work_order_transition(work_order=order, action="accept",
                                          actor=world.users[f"provider_{provider}_staff"])
    return order


@pytest.fixture
def orders(world, leak_policy):  # noqa: F811
    """As of NOW, for each provider: late (reply due 1–2 h ago: breached), risky (30–50 min left:
    at risk), fresh (on track); for A also missed (accepted 7 h late: breached, stopped) and quiet
    (accepted in time: no running clock)."""
    return {
        "a_missed": _order(world, "a", NOW - 30 * H, accepted=NOW - 1 * H),
        "a_quiet": _order(world, "a", NOW - 28 * H, accepted=NOW - 27 * H),
        "b_late": _order(world, "b", NOW - 26 * H),
        "a_late": _order(world, "a", NOW - 25 * H),
        "b_risky": _order(world, "b", NOW - 23 * H - 30 * M),
        "a_risky": _order(world, "a", NOW - 23 * H - 10 * M),
        "b_fresh": _order(world, "b", NOW - 20 * M),
        "a_fresh": _order(world, "a", NOW - 10 * M),
    }


def references(html):
    return re.findall(r">(WO\d{8})<", html)


def refs(orders, *names):
    return [orders[name].reference for name in names]


def page(client, **params):
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("web:work_orders"), params)
    assert response.status_code == 200
    return response.content.decode()


def api_ids(api, **params):
    with time_machine.travel(NOW, tick=False):
        response = api.get("/work-orders", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def ids(orders, *names):
    return [orders[name].pk for name in names]


# ----------------------------------------------------------------------------------------------
# Web page


def test_provider_staff_page_opens_nearest_due_first_with_clockless_orders_last(client, world, orders):
    """Provider staff's default order: breached, at risk, on track, then no running clock (oldest first)."""
    html = page(english(client, world.users["provider_a_staff"]))
    assert references(html) == refs(orders, "a_late", "a_risky", "a_fresh", "a_missed", "a_quiet")
    assert "Next due (SLA)" in html and "no running clock" in html and "overdue by 1 hour" in html
    # the rule is stated
    assert "has used 75 % of its limit or has less than an hour left, but never before half" in html
    assert '<option value="due" selected>' in html


def test_provider_staff_page_at_risk_and_breached_views(client, world, orders):
    """At risk: running, not yet due, due within the hour; breached: past due, running or stopped late."""
    english(client, world.users["provider_a_staff"])
    assert references(page(client, sla="at_risk")) == refs(orders, "a_risky")
    assert references(page(client, sla="breached")) == refs(orders, "a_late", "a_missed")
    breached = page(client, sla="breached")
    assert '<strong aria-current="page">Breached</strong>' in breached
    assert 'href="?sla=breached&amp;status=all"' in breached  # "show all" keeps the view


def test_other_roles_keep_the_priority_order_and_may_sort_by_due(client, world, orders):
    """The dispatcher sees both providers' orders (their units'): by priority and age unless sort=due."""
    english(client, world.users["dispatcher"])
    everyone = ("a_missed", "a_quiet", "b_late", "a_late", "b_risky", "a_risky", "b_fresh", "a_fresh")
    assert references(page(client)) == refs(orders, *everyone)
    assert references(page(client, sort="due")) == refs(
        orders, "b_late", "a_late", "b_risky", "a_risky", "b_fresh", "a_fresh", "a_missed", "a_quiet")
    assert references(page(client, sla="at_risk", sort="due")) == refs(orders, "b_risky", "a_risky")
    assert references(page(client, sort="newest")) == refs(orders, *reversed(everyone))


def test_page_ignores_unknown_view_and_order_like_the_request_list(client, world, orders):
    english(client, world.users["provider_a_staff"])
    assert references(page(client, sla="late", sort="oldest")) == refs(
        orders, "a_late", "a_risky", "a_fresh", "a_missed", "a_quiet")


@pytest.mark.parametrize("params", [{}, {"sort": "due"}, {"sort": "priority"}, {"sort": "newest"},
                                    {"sla": "at_risk"}, {"sla": "breached"}, {"status": "all"},
                                    {"status": "all", "sla": "breached", "sort": "due"}])
def test_provider_b_staff_never_see_provider_as_orders_on_the_page(client, world, orders, params):
    """INT-2: provider staff see only their own provider's work orders, in every view and order."""
    english(client, world.users["provider_b_staff"])
    shown = set(references(page(client, **params)))
    assert shown <= set(refs(orders, "b_late", "b_risky", "b_fresh"))
    assert not shown & set(refs(orders, *(name for name in orders if name.startswith("a_"))))
    if params.get("sla") == "breached":
        assert shown == set(refs(orders, "b_late"))
    if params.get("sla") == "at_risk":
        assert shown == set(refs(orders, "b_risky"))


@pytest.mark.parametrize("persona", ["finance", "customer_user"])
def test_page_views_refused_to_roles_without_work_orders(client, world, orders, persona):
    client.force_login(world.users[persona])
    with time_machine.travel(NOW, tick=False):
        assert client.get(reverse("web:work_orders"), {"sla": "breached"}).status_code == 403


# ----------------------------------------------------------------------------------------------
# API


def test_api_provider_staff_default_to_nearest_due_with_its_time(world, orders):
    api = as_(world, "provider_a_staff")
    assert api_ids(api) == ids(orders, "a_late", "a_risky", "a_fresh", "a_missed", "a_quiet")
    assert api_ids(api, sort="newest") == ids(orders, "a_fresh", "a_risky", "a_late", "a_quiet", "a_missed")
    with time_machine.travel(NOW, tick=False):
        rows = api.get("/work-orders").json()["results"]
    assert rows[0]["sla_due_at"] == "2026-03-10T14:00:00+08:00"  # created 25 h ago, 24 h to reply
    assert rows[-1]["sla_due_at"] is None


def test_api_at_risk_and_breached_filters(world, orders):
    api = as_(world, "provider_a_staff")
    assert api_ids(api, sla="at_risk") == ids(orders, "a_risky")
    assert api_ids(api, sla="breached") == ids(orders, "a_late", "a_missed")
    assert api_ids(api, sla="breached", status="issued") == ids(orders, "a_late")
    dispatcher = as_(world, "dispatcher")
    assert api_ids(dispatcher, sla="at_risk", sort="due") == ids(orders, "b_risky", "a_risky")
    assert api_ids(dispatcher, sla="breached", provider="partner-b") == ids(orders, "b_late")


def test_api_other_roles_default_to_newest(world, orders):
    assert api_ids(as_(world, "dispatcher"))[:2] == ids(orders, "a_fresh", "b_fresh")
    assert api_ids(as_(world, "dispatcher"), sort="due")[:2] == ids(orders, "b_late", "a_late")


@pytest.mark.parametrize("params, field", [({"sort": "oldest"}, "sort"), ({"sort": "priority"}, "sort"),
                                           ({"sla": "late"}, "sla"), ({"sla": ""}, "sla")])
def test_api_bad_sort_or_view_is_422_on_the_field(world, params, field):
    response = as_(world, "provider_a_staff").get("/work-orders", params)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


@pytest.mark.parametrize("params", [{}, {"sort": "due"}, {"sort": "newest"}, {"sla": "at_risk"},
                                    {"sla": "breached"}, {"sla": "breached", "provider": "crew-a"},
                                    {"sla": "at_risk", "sort": "due", "status": ["issued", "accepted"]}])
def test_api_provider_b_staff_never_see_provider_as_orders(world, orders, params):
    """INT-2: in every order and view, provider B's staff get only provider B's work orders."""
    shown = set(api_ids(as_(world, "provider_b_staff"), **params))
    assert not shown & set(ids(orders, *(name for name in orders if name.startswith("a_"))))
    assert shown <= set(ids(orders, "b_late", "b_risky", "b_fresh"))
    if params == {"sla": "breached"}:
        assert shown == set(ids(orders, "b_late"))


@pytest.mark.parametrize("persona, status", [("finance", 403), ("customer_user", 403), (None, 401)])
def test_api_views_refused_to_roles_without_work_orders(world, orders, persona, status):
    assert as_(world, persona).get("/work-orders", {"sla": "breached"}).status_code == status
