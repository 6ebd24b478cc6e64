"""The policy admin offers a target's start, stop and pause events by their labels (issue 10 item
10; SLA-2): the tickets app registers its subjects' actions and statuses, and the stored text does
not change ("accepted, dispatched")."""

import json
import re

import pytest
from django.conf import settings

from servicedesk.sla.models import Calendar, Policy, Target
from servicedesk.sla.vocabulary import event_choices

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(world):
    calendar = Calendar.objects.create(code="24x7", name="7×24",
                                       kind=Calendar.Kind.AROUND_THE_CLOCK, windows="")
    policy = Policy.objects.create(name="报漏", applies_to="request", request_type=world.types["leak"])
    Target.objects.create(policy=policy, kind="first_response", calendar=calendar, duration_minutes=30,
                          start_event="created", stop_event="accepted, dispatched",
                          pause_statuses=["waiting"])
    return policy


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.users["administrator"])
    return client


def _select(page: str, name: str) -> str:
    return re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S).group(1)


def _options(select_html: str) -> list[tuple[str, str, bool]]:
    return [(value, text.strip(), bool(selected)) for value, selected, text in
            re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select_html)]


@pytest.mark.parametrize("language, labels", [
    ("zh-hans",
     {"accepted": "已受理", "dispatched": "已派发", "created": "创建", "waiting": "等待客户/第三方"}),
    ("en", {"accepted": "Accepted", "dispatched": "Dispatched", "created": "Created",
            "waiting": "Waiting for customer / third party"}),
])
def test_target_events_are_offered_by_their_labels(world, policy, admin_client, language, labels):
    """issue 10 item 10, SLA-2: the stored events are selected, each shown by its label in the
    user's language; no raw code is visible in the selects."""
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = admin_client.get(f"/admin/sla/policy/{policy.pk}/change/").content.decode()
    stop = _options(_select(page, "targets-0-stop_event"))
    assert {value for value, _text, selected in stop if selected} == {"accepted", "dispatched"}
    shown = {value: text for value, text, _selected in stop}
    assert shown["accepted"] == labels["accepted"] and shown["dispatched"] == labels["dispatched"]
    start = _options(_select(page, "targets-0-start_event"))
    assert [(value, text) for value, text, selected in start if selected] == [("created", labels["created"])]
    paused = _options(_select(page, "targets-0-pause_statuses"))
    assert [(value, text) for value, text, selected in paused if selected] == [("waiting", labels["waiting"])]
    for value, text, _selected in stop + start + paused:
        assert text != value, f"{value} shown as its code"
    assert "issued" not in {value for value, _t, _s in stop}  # a work order's status: not a request's


def test_chosen_events_are_stored_as_the_same_text(world, policy, admin_client):
    """issue 10 item 10, SLA-2: choosing two stop events stores "accepted, dispatched", as the
    engine reads it; pause statuses stay a list."""
    target = policy.targets.get()
    data = {
        "name": policy.name, "applies_to": "request", "sort_order": "100", "active": "on",
        "request_type": str(world.types["leak"].pk), "severity": "", "priority": "", "customer_class": "",
        "channel": "", "provider": "",
        "targets-TOTAL_FORMS": "1", "targets-INITIAL_FORMS": "1", "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000", "targets-0-id": str(target.pk), "targets-0-policy": str(policy.pk),
        "targets-0-kind": "first_response", "targets-0-calendar": str(target.calendar_id),
        "targets-0-duration_minutes": "45", "targets-0-working_days": "",
        "targets-0-start_event": ["created"], "targets-0-stop_event": ["dispatched", "resolved"],
        "targets-0-pause_statuses": ["waiting"], "targets-0-restart_event": ["reopen"],
        "targets-0-at_risk_percent": "80", "targets-0-at_risk_margin_minutes": "30",
        "targets-0-thresholds": json.dumps(target.thresholds),
    }
    response = admin_client.post(f"/admin/sla/policy/{policy.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    target.refresh_from_db()
    assert (target.start_event, target.stop_event, target.pause_statuses, target.duration_minutes) == (
        "created", "dispatched, resolved", ["waiting"], 45)
    # Issue 10 items 1 and 2: the restart event and the at-risk rule are the administrator's data.
    assert (target.restart_event, target.at_risk_percent, target.at_risk_margin_minutes) == ("reopen", 80, 30)


def test_a_new_policy_offers_the_events_of_every_subject(world):
    """issue 10 item 10, SLA-2: before the policy says what it applies to, the events of requests,
    work orders and complaint parts (CMP-5) are all offered, grouped by subject."""
    groups = [group for group, _options in event_choices(None)]
    assert len(groups) == 6
    codes = {code for _group, options in event_choices(None) for code, _label in options}
    assert {"issued", "completed", "dispatched", "waiting", "sent", "answered"} <= codes


def test_the_agent_cannot_reach_the_policy_admin(world, policy, client):
    """issue 10 item 10, SLA-2: only administrators configure policies."""
    client.force_login(world.users["agent"])
    assert client.get(f"/admin/sla/policy/{policy.pk}/change/").status_code == 302
