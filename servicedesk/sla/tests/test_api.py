"""The SLA in the REST API (issue 3 part 7, SLA-3, SLA-4): `clocks` on request and work-order
details, `sort=due` and `sla=at_risk|breached` on GET /requests, and the user's notifications —
success, bad input and refusal (nobody reads or marks another user's notification)."""

import datetime

import pytest
import time_machine

from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.sla.models import Notification
from servicedesk.sla.tests.test_display import NOW, leak_at, leak_policy, three_leaks  # noqa: F401 (fixtures)
from servicedesk.tickets.services import request_transition, work_order_create

pytestmark = pytest.mark.django_db


def test_request_detail_has_its_clocks_with_segments(world, leak_policy):  # noqa: F811
    """SLA-3: kind, label, due_at (+08:00), state, time left, used/target seconds, achieved %, segments."""
    request = leak_at(world, NOW - datetime.timedelta(hours=1))
    with time_machine.travel(NOW - datetime.timedelta(minutes=30), tick=False):
        request_transition(request=request, action="accept", actor=world.users["agent"])
        request_transition(request=request, action="wait", actor=world.users["agent"], reason="等待第三方")
    with time_machine.travel(NOW, tick=False):
        body = as_(world, "agent").get(f"/requests/{request.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    clocks = {c["target_kind"]: c for c in body["clocks"]}
    triage = clocks["triage_dispatch"]
    assert triage["label"] == "Triage and dispatch"
    assert triage["state"] == "running" and triage["tone"] == "on_track"
    assert triage["due_at"] == "2026-03-10T18:00:00+08:00"
    assert triage["time_left_seconds"] == 3 * 3600
    assert (triage["used_seconds"], triage["target_seconds"],
            triage["achieved_percent"]) == (3600, 4 * 3600, 25.0)
    assert [s["kind"] for s in triage["segments"]] == ["running"]
    resolution = clocks["resolution"]
    assert resolution["state"] == "paused" and resolution["due_at"] is None
    assert resolution["time_left_seconds"] is None
    assert resolution["used_seconds"] == 1800
    assert [(s["kind"], s["reason"]) for s in resolution["segments"]] == [("running", ""),
                                                                          ("paused", "等待第三方")]
    assert resolution["segments"][1]["end"] is None


def test_work_order_detail_has_its_clocks(world, leak_policy):  # noqa: F811
    request = leak_at(world, NOW - datetime.timedelta(hours=2))
    with time_machine.travel(NOW - datetime.timedelta(hours=2), tick=False):
        order = work_order_create(request=request, actor=world.users["dispatcher"],
                                  provider=world.providers["a"])
    with time_machine.travel(NOW, tick=False):
        body = as_(world, "provider_a_staff").get(f"/work-orders/{order.pk}").json()
    [reply] = body["clocks"]
    assert reply["target_kind"] == "reply" and reply["time_left_seconds"] == 22 * 3600
    # The request's triage clock stopped at the dispatch, in time: met.
    with time_machine.travel(NOW, tick=False):
        request_body = as_(world, "agent").get(f"/requests/{request.pk}").json()
    triage = next(c for c in request_body["clocks"] if c["target_kind"] == "triage_dispatch")
    assert triage["state"] == "met" and triage["achieved_percent"] == 0.0


def test_request_without_policy_has_no_clocks(world):
    body = as_(world, "agent").post("/requests", {"request_type": "consultation",
                                                   "customer_id": world.customers["alice"].pk}).json()
    assert as_(world, "agent").get(f"/requests/{body['id']}").json()["clocks"] == []


def test_requests_sort_by_due_and_sla_filters(world, three_leaks):  # noqa: F811
    api = as_(world, "agent")
    with time_machine.travel(NOW, tick=False):
        by_due = api.get("/requests", {"sort": "due"}).json()["results"]
        at_risk = api.get("/requests", {"sla": "at_risk"}).json()
        breached = api.get("/requests", {"sla": "breached"}).json()
        newest = api.get("/requests").json()["results"]
    assert [r["id"] for r in by_due] == [three_leaks[n].pk for n in ("late", "risky", "fresh", "quiet")]
    assert by_due[0]["sla_due_at"] == "2026-03-10T14:00:00+08:00" and by_due[-1]["sla_due_at"] is None
    assert [r["id"] for r in newest] == [three_leaks[n].pk for n in ("fresh", "risky", "late", "quiet")]
    assert [r["id"] for r in at_risk["results"]] == [three_leaks["risky"].pk] and at_risk["count"] == 1
    assert [r["id"] for r in breached["results"]] == [three_leaks["late"].pk]


def test_requests_sla_filter_keeps_the_users_scope(world, three_leaks):  # noqa: F811
    """A dispatcher of another unit sees none of engineering's breached requests."""
    with time_machine.travel(NOW, tick=False):
        body = as_(world, "office_dispatcher").get("/requests", {"sla": "breached"}).json()
    assert body["count"] == 0


@pytest.mark.parametrize("params, field", [({"sort": "oldest"}, "sort"), ({"sla": "late"}, "sla")])
def test_requests_bad_sort_or_filter_is_422_on_the_field(world, params, field):
    response = as_(world, "agent").get("/requests", params)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


def test_request_clocks_refused_outside_scope(world, leak_policy):  # noqa: F811
    request = leak_at(world, NOW)
    for persona, status in (("finance", 403), ("office_dispatcher", 404), ("provider_b_staff", 404)):
        if persona not in world.users:
            continue
        assert as_(world, persona).get(f"/requests/{request.pk}").status_code == status, persona


# ----------------------------------------------------------------------------------------------
# Notifications


def test_notifications_lists_only_the_users_own(world):
    mine = Notification.objects.create(user=world.users["agent"], title="SR1 已用 75%", body="…",
                                       link="/requests/1/")
    Notification.objects.create(user=world.users["agent"], title="read", read_at=NOW)
    Notification.objects.create(user=world.users["team_lead"], title="not yours")
    body = as_(world, "agent").get("/notifications").json()
    assert {n["title"] for n in body["results"]} == {"SR1 已用 75%", "read"} and body["count"] == 2
    unread = as_(world, "agent").get("/notifications", {"unread": "true"}).json()
    assert [n["id"] for n in unread["results"]] == [mine.pk]
    assert set(unread["results"][0]) == {"id", "created_at", "title", "body", "link",
                                         "read_at", "subject_type",
                                         "subject_id"}


def test_mark_read_sets_read_at_once(world):
    mine = Notification.objects.create(user=world.users["agent"], title="mine")
    first = as_(world, "agent").post(f"/notifications/{mine.pk}/read")
    assert first.status_code == 200 and first.json()["read_at"].endswith("+08:00")
    again = as_(world, "agent").post(f"/notifications/{mine.pk}/read")
    assert again.json()["read_at"] == first.json()["read_at"]


def test_a_user_cannot_read_or_mark_anothers_notification(world):
    theirs = Notification.objects.create(user=world.users["team_lead"], title="theirs")
    response = as_(world, "agent").post(f"/notifications/{theirs.pk}/read")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert as_(world, "agent").get("/notifications").json()["count"] == 0


def test_notifications_bad_input_and_anonymous(world):
    mine = Notification.objects.create(user=world.users["agent"], title="mine")
    bad = as_(world, "agent").get("/notifications", {"page_size": 0})
    assert bad.status_code == 422 and "page_size" in error_of(bad)["fields"]
    assert as_(world, "agent").post("/notifications/999999/read").status_code == 404
    assert as_(world, "agent").post("/notifications/abc/read").status_code == 404
    anonymous = as_(world, None)
    assert error_of(anonymous.get("/notifications"))["code"] == "unauthorized"
    assert anonymous.post(f"/notifications/{mine.pk}/read").status_code == 401
    mine.refresh_from_db()
    assert mine.read_at is None
