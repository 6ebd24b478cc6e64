"""Where users see the SLA (issue 3 part 7, SLA-3, SLA-4): the clocks of a request and a work
order with their explanation, the queues' nearest-due order and at-risk / breached views, and the
signed-in user's notifications."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from servicedesk.sla.models import Calendar, Notification, Policy, Target
from servicedesk.tickets.services import request_create, request_transition, work_order_create

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=SHANGHAI)  # a Tuesday


@pytest.fixture
def leak_policy(world):
    """Triage within 4 hours and resolution within 24 hours on a 7×24 calendar; waiting pauses."""
    hotline = Calendar.objects.create(code="24x7", name="7×24",
                                      kind=Calendar.Kind.AROUND_THE_CLOCK, windows="")
    policy = Policy.objects.create(name="报漏", applies_to="request", request_type=world.types["leak"])
    Target.objects.create(policy=policy, kind="triage_dispatch", calendar=hotline, duration_minutes=240,
                          stop_event="dispatched")
    Target.objects.create(policy=policy, kind="resolution", calendar=hotline, duration_minutes=24 * 60,
                          stop_event="resolved", pause_statuses=["waiting"])
    work_orders = Policy.objects.create(name="工单", applies_to="work_order")
    Target.objects.create(policy=work_orders, kind="reply", calendar=hotline, duration_minutes=24 * 60,
                          stop_event="accepted")
    return policy


def leak_at(world, when, subject="漏水"):
    with time_machine.travel(when, tick=False):
        return request_create(actor=world.users["agent"], request_type=world.types["leak"],
                              service_point=world.points["alice"], attributes={"dn": 200}, subject=subject)


def fault_at(world, when):
    """A power fault: engineering's queue, but no policy covers it (no clocks)."""
    with time_machine.travel(when, tick=False):
        return request_create(actor=world.users["agent"], request_type=world.types["fault"],
                              service_point=world.points["alice"], attributes={"fault_location": "hv_cable"},
                              subject="停电")


def english(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def references(html):
    return re.findall(r">(SR\d{8})<", html)


@pytest.fixture
def three_leaks(world, leak_policy):
    """fresh: 10 minutes old (on track); risky: 3 h 10 min of 4 h used (at risk); late: 5 h old
    (triage breached); quiet: a fault without clocks."""
    return {
        "quiet": fault_at(world, NOW - datetime.timedelta(hours=6)),
        "fresh": leak_at(world, NOW - datetime.timedelta(minutes=10), "fresh"),
        "late": leak_at(world, NOW - datetime.timedelta(hours=5), "late"),
        "risky": leak_at(world, NOW - datetime.timedelta(hours=3, minutes=10), "risky"),
    }


def test_request_page_shows_every_clock_with_state_text_and_explanation(client, world, leak_policy):
    """SLA-3: target, limit, calendar, due time, time left, state (text, not colour alone), segments."""
    request = leak_at(world, NOW - datetime.timedelta(hours=1, minutes=40))
    with time_machine.travel(NOW - datetime.timedelta(hours=1), tick=False):
        request_transition(request=request, action="accept", actor=world.users["agent"])
    with time_machine.travel(NOW - datetime.timedelta(minutes=30), tick=False):
        request_transition(request=request, action="wait", actor=world.users["agent"], reason="等待用户在家")
    with time_machine.travel(NOW, tick=False):
        html = english(client, world.users["agent"]).get(
            reverse("web:request_detail", args=[request.pk])).content.decode()
    assert "Service levels" in html
    assert "Triage and dispatch" in html and "Resolution" in html
    assert "4 h" in html and "24 h" in html and "7×24" in html
    # Triage: created 13:20, due 17:20 (the wait does not pause it), 2 h 20 min left, on track.
    triage = html[html.index('id="clock-triage_dispatch"'):html.index('id="clock-resolution"')]
    assert "2026-03-10 17:20" in triage
    assert "2 hours 20 minutes left" in triage
    assert "On track" in triage and "tone-on_track" in triage
    # Resolution: paused while waiting for the customer; the explanation shows why.
    resolution = html[html.index('id="clock-resolution"'):]
    assert "Paused" in resolution and "tone-paused" in resolution
    assert "Explain" in resolution and "等待用户在家" in resolution
    assert "Running" in resolution


def test_breached_and_met_clocks_show_red_and_the_achieved_level(client, world, leak_policy):
    """SLA-3: a clock past due is breached (overdue by …); a stopped clock shows its achieved level."""
    request = leak_at(world, NOW - datetime.timedelta(hours=5))
    with time_machine.travel(NOW - datetime.timedelta(hours=4), tick=False):
        request_transition(request=request, action="accept", actor=world.users["agent"])
    with time_machine.travel(NOW, tick=False):
        html = english(client, world.users["agent"]).get(
            reverse("web:request_detail", args=[request.pk])).content.decode()
    triage = html[html.index('id="clock-triage_dispatch"'):html.index('id="clock-resolution"')]
    assert "overdue by 1 hour" in triage and "Breached" in triage and "tone-breached" in triage
    assert "125.0 %" in triage

    with time_machine.travel(NOW, tick=False):
        work_order_create(request=request, actor=world.users["dispatcher"], provider=world.providers["a"])
    with time_machine.travel(NOW + datetime.timedelta(minutes=5), tick=False):
        html = english(client, world.users["agent"]).get(
            reverse("web:request_detail", args=[request.pk])).content.decode()
    triage = html[html.index('id="clock-triage_dispatch"'):html.index('id="clock-resolution"')]
    assert "Missed" in triage and "125.0 %" in triage


def test_work_order_page_shows_its_clocks(client, world, leak_policy):
    request = leak_at(world, NOW - datetime.timedelta(hours=2))
    with time_machine.travel(NOW - datetime.timedelta(hours=1), tick=False):
        request_transition(request=request, action="accept", actor=world.users["agent"])
        order = work_order_create(request=request, actor=world.users["dispatcher"],
                                  provider=world.providers["a"])
    with time_machine.travel(NOW, tick=False):
        html = english(client, world.users["provider_a_staff"]).get(
            reverse("web:work_order_detail", args=[order.pk])).content.decode()
    assert 'id="clock-reply"' in html and "23 hours left" in html and "On track" in html


def test_queue_sorts_by_nearest_due_time_with_clockless_requests_last(client, world, three_leaks):
    """The dispatcher's queue: nearest due first (breached, at risk, on track), no clock last."""
    with time_machine.travel(NOW, tick=False):
        html = english(client, world.users["dispatcher"]).get(reverse("web:queue")).content.decode()
    order = [three_leaks[name].reference for name in ("late", "risky", "fresh", "quiet")]
    assert references(html) == order
    assert "no running clock" in html
    # the rule is stated
    assert "has used 75 % of its limit or has less than an hour left, but never before half" in html


def test_queue_at_risk_and_breached_views(client, world, three_leaks):
    """At risk: ≥ 75 % used or due within the hour, not yet due; breached: past its due time."""
    english(client, world.users["dispatcher"])
    with time_machine.travel(NOW, tick=False):
        at_risk = client.get(reverse("web:queue"), {"sla": "at_risk"}).content.decode()
        breached = client.get(reverse("web:queue"), {"sla": "breached"}).content.decode()
    assert references(at_risk) == [three_leaks["risky"].reference]
    assert references(breached) == [three_leaks["late"].reference]


def test_request_list_filters_and_sorts_by_due(client, world, three_leaks):
    english(client, world.users["agent"])
    with time_machine.travel(NOW, tick=False):
        by_due = client.get(reverse("web:requests"), {"sort": "due"}).content.decode()
        newest = client.get(reverse("web:requests")).content.decode()
        breached = client.get(reverse("web:requests"), {"sla": "breached", "status": "open"}).content.decode()
        unknown = client.get(reverse("web:requests"), {"sla": "nonsense", "sort": "nonsense"})
    assert references(by_due) == [three_leaks[n].reference for n in ("late", "risky", "fresh", "quiet")]
    assert references(newest) == [three_leaks[n].reference for n in ("fresh", "risky", "late", "quiet")]
    assert references(breached) == [three_leaks["late"].reference]
    assert unknown.status_code == 200 and len(references(unknown.content.decode())) == 4


def test_queue_refuses_agents(client, world, three_leaks):
    client.force_login(world.users["agent"])
    assert client.get(reverse("web:queue"), {"sla": "at_risk"}).status_code == 403


# ----------------------------------------------------------------------------------------------
# Notifications


def test_notifications_page_shows_only_the_users_own_and_counts_unread(client, world):
    """SLA-4: the warnings reach the user's inbox; nobody sees another's."""
    mine = Notification.objects.create(user=world.users["agent"], title="SR1 已用 75%", link="/requests/1/")
    Notification.objects.create(user=world.users["agent"], title="旧提醒", read_at=NOW)
    Notification.objects.create(user=world.users["team_lead"], title="别人的提醒")
    english(client, world.users["agent"])
    html = client.get(reverse("web:notifications")).content.decode()
    assert "SR1 已用 75%" in html and "旧提醒" in html and "别人的提醒" not in html
    assert '<span class="nav-count"' in html and ">1</span>" in html  # the header's unread count
    unread = client.get(reverse("web:notifications"), {"unread": "1"}).content.decode()
    assert "SR1 已用 75%" in unread and "旧提醒" not in unread
    assert f'id="notification-{mine.pk}"' in html


def test_marking_read_works_for_ones_own_and_404_for_anothers(client, world):
    mine = Notification.objects.create(user=world.users["agent"], title="mine", link="/requests/1/")
    theirs = Notification.objects.create(user=world.users["team_lead"], title="theirs")
    client.force_login(world.users["agent"])
    response = client.post(reverse("web:notification_read", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("web:notifications")
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.post(reverse("web:notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    opened = Notification.objects.create(user=world.users["agent"], title="open me", link="/requests/7/")
    assert client.post(reverse("web:notification_read", args=[opened.pk]),
                       {"open": "1"})["Location"] == "/requests/7/"
    assert client.get(reverse("web:notification_read", args=[opened.pk])).status_code == 405


def test_mark_all_read_touches_only_the_users_own(client, world):
    Notification.objects.create(user=world.users["agent"], title="a")
    other = Notification.objects.create(user=world.users["team_lead"], title="b")
    client.force_login(world.users["agent"])
    client.post(reverse("web:notifications_read_all"))
    assert not Notification.objects.filter(user=world.users["agent"], read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_notifications_refuse_anonymous_visitors(client, world):
    notification = Notification.objects.create(user=world.users["agent"], title="secret")
    response = client.get(reverse("web:notifications"))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]
    response = client.post(reverse("web:notification_read", args=[notification.pk]))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]
    notification.refresh_from_db()
    assert notification.read_at is None
