"""The notification inbox grouped by subject (issue 10 item 11): a request's or work order's
notifications together under a link to it, the subject with the newest notification first, each
notification with its own time and text; mark one read and mark all read, one's own only (web and
API); the sweep records each notification's subject, and the migration fills it in for old rows."""

import datetime
import re

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from servicedesk.core.tests.api_helpers import as_
from servicedesk.sla.models import Notification
from servicedesk.sla.tests.test_warnings import _leak, _sweep, at, triage_policy  # noqa: F401 (fixture)
from servicedesk.tickets.services import request_create, work_order_create

pytestmark = pytest.mark.django_db
NOW = at(2026, 3, 10, 15, 0)


def _request(world, subject="漏水"):
    return request_create(actor=world.users["agent"], request_type=world.types["leak"],
                          service_point=world.points["alice"], attributes={"dn": 100}, subject=subject)


def _notify(user, subject, title, minutes_ago, **extra):
    """A notification about a request or a work order (``subject``), ``minutes_ago`` before NOW."""
    subject_type = "work_order" if subject.__class__.__name__ == "WorkOrder" else "request"
    link = reverse("web:work_order_detail" if subject_type == "work_order" else "web:request_detail",
                   args=[subject.pk])
    return Notification.objects.create(user=user, title=title, link=link, subject_type=subject_type,
                                       subject_id=subject.pk,
                                       created_at=NOW - datetime.timedelta(minutes=minutes_ago),
                                       **extra)


def _english(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _groups(html):
    """The group ids on the page, in order, and for each the ids of its notifications, in order."""
    found = []
    for block in html.split('<section class="notification-group')[1:]:
        group = re.search(r'id="group-([\w-]+)"', block)[1]
        found.append((group, [int(n) for n in re.findall(r'id="notification-(\d+)"', block)]))
    return found


def test_inbox_groups_by_subject_newest_group_first_each_linked_to_its_subject(client, world):
    """Issue 10 item 11: the wall of rows becomes one group per request or work order, ordered by
    their newest notification, each notification keeping its own time and text."""
    agent = world.users["agent"]
    leak, other_leak = _request(world, "楼下冒水"), _request(world, "水表漏水")
    order = work_order_create(request=other_leak, actor=world.users["dispatcher"],
                              provider=world.providers["a"])
    old_leak = _notify(agent, leak, "75 % of the time used: triage of SR leak", 120)
    new_leak = _notify(agent, leak, "Overdue (100 %): triage of SR leak", 5)
    on_order = _notify(agent, order, "75 % of the time used: reply of WO", 30)
    loose = Notification.objects.create(user=agent, title="系统维护通知",
                                        created_at=NOW - datetime.timedelta(hours=5))
    Notification.objects.create(user=world.users["team_lead"], title="not the agent's",
                                subject_type="request",
                                subject_id=leak.pk, created_at=NOW)

    with time_machine.travel(NOW, tick=False):
        html = _english(client, agent).get(reverse("web:notifications")).content.decode()

    assert _groups(html) == [
        (f"request-{leak.pk}", [new_leak.pk, old_leak.pk]),
        (f"work_order-{order.pk}", [on_order.pk]),
        ("other", [loose.pk]),
    ]
    assert (f'<a href="{reverse("web:request_detail", args=[leak.pk])}" class="subject-link">'
            f'{leak.reference} <span data-customer-text="">楼下冒水</span></a>') in html
    assert (f'<a href="{reverse("web:work_order_detail", args=[order.pk])}" class="subject-link">'
            f'{order.reference}') in html
    assert ("Other notifications" in html and "not the agent&#x27;s" not in html
            and "not the agent's" not in html)
    # Each notification keeps its own time (Asia/Shanghai) and text.
    leak_group = html[html.index(f'id="notification-{new_leak.pk}"'):
                      html.index(f'id="notification-{old_leak.pk}"')]
    assert "2026-03-10 14:55" in leak_group and "Overdue (100 %): triage of SR leak" in leak_group
    assert "2026-03-10 13:00" in html[html.index(f'id="notification-{old_leak.pk}"'):]
    assert "2 unread" in html
    client.cookies["django_language"] = "zh-hans"
    with time_machine.travel(NOW, tick=False):
        chinese = client.get(reverse("web:notifications")).content.decode()
    assert "其他通知" in chinese and "2 条未读" in chinese


def test_unread_view_keeps_only_subjects_with_unread_notifications(client, world):
    agent = world.users["agent"]
    leak, other = _request(world), _request(world)
    unread = _notify(agent, leak, "unread one", 10)
    read = _notify(agent, leak, "seen earlier", 20, read_at=NOW)
    _notify(agent, other, "all read", 1, read_at=NOW)
    with time_machine.travel(NOW, tick=False):
        html = _english(client, agent).get(reverse("web:notifications"), {"unread": "1"}).content.decode()
    assert _groups(html) == [(f"request-{leak.pk}", [unread.pk])]
    assert read.title not in html


def test_mark_one_read_goes_back_to_the_page_it_was_on_and_refuses_anothers(client, world):
    """Issue 10 item 11: marking one read is a POST with CSRF (the form carries the token), on one's
    own notification only (another's: 404, unchanged)."""
    agent = world.users["agent"]
    leak = _request(world)
    mine = _notify(agent, leak, "mine", 10)
    theirs = _notify(world.users["team_lead"], leak, "theirs", 10)
    client.force_login(agent)
    html = client.get(reverse("web:notifications")).content.decode()
    form = html[html.index(f'action="{reverse("web:notification_read", args=[mine.pk])}"'):]
    assert 'name="csrfmiddlewaretoken"' in form[:form.index("</form>")]

    response = client.post(reverse("web:notification_read", args=[mine.pk]),
                           {"next": reverse("web:notifications") + "?unread=1&page=2"})
    assert (response.status_code == 302
            and response["Location"] == reverse("web:notifications") + "?unread=1&page=2")
    mine.refresh_from_db()
    assert mine.read_at is not None
    # A "next" elsewhere is ignored: back to the inbox.
    again = client.post(reverse("web:notification_read", args=[mine.pk]), {"next": "https://evil.example/"})
    assert again["Location"] == reverse("web:notifications")
    assert client.post(reverse("web:notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_needs_the_csrf_token(world):
    from django.test import Client

    agent = world.users["agent"]
    mine = _notify(agent, _request(world), "mine", 10)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    assert browser.post(reverse("web:notification_read", args=[mine.pk])).status_code == 403
    assert browser.post(reverse("web:notifications_read_all")).status_code == 403
    mine.refresh_from_db()
    assert mine.read_at is None


def test_api_read_all_marks_only_the_callers_own(world):
    """Issue 10 item 11: POST /notifications/read-all marks the caller's unread notifications read
    and nobody else's; the list carries each notification's subject."""
    agent, lead = world.users["agent"], world.users["team_lead"]
    leak = _request(world)
    _notify(agent, leak, "a", 10)
    _notify(agent, leak, "b", 5)
    _notify(agent, leak, "already", 1, read_at=NOW)
    theirs = _notify(lead, leak, "theirs", 1)
    listed = as_(world, "agent").get("/notifications").json()["results"][0]
    assert (listed["subject_type"], listed["subject_id"]) == ("request", leak.pk)
    response = as_(world, "agent").post("/notifications/read-all")
    assert response.status_code == 200 and response.json() == {"marked": 2}
    assert not Notification.objects.filter(user=agent, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert as_(world, "agent").post("/notifications/read-all").json() == {"marked": 0}


def test_inbox_page_costs_the_same_queries_for_3_or_12_subjects(client, world):
    """Issue 10 item 11: the grouped page reads the groups, their notifications and their subjects'
    labels in a fixed number of queries, however many subjects it shows."""
    agent = world.users["agent"]
    client.force_login(agent)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("web:notifications")).status_code == 200
        return len(queries)

    orders = []
    for i in range(3):
        leak = _request(world, f"leak {i}")
        orders.append(work_order_create(request=leak, actor=world.users["dispatcher"],
                                        provider=world.providers["a"]))
        _notify(agent, leak, f"request {i}", i)
        _notify(agent, orders[-1], f"order {i}", i + 1)
    few = count_queries()
    for i in range(3, 12):
        leak = _request(world, f"leak {i}")
        _notify(agent, leak, f"request {i}", i)
        _notify(agent, leak, f"again {i}", i + 20)
    many = count_queries()
    assert many == few
    assert few <= 10


def test_the_sweep_records_the_subject_and_the_migration_backfills_it(world, triage_policy):  # noqa: F811
    """Issue 10 item 11: a warning's notification knows its request (for the grouping); the
    migration fills it in for the rows written before, from the warning's timer, else the link."""
    request = _leak(world)
    _sweep(2026, 3, 2, 9, 46)
    warned = Notification.objects.get()
    assert (warned.subject_type, warned.subject_id) == ("request", request.pk)

    linked = Notification.objects.create(user=world.users["agent"], title="old",
                                         link=reverse("web:work_order_detail", args=[7]))
    Notification.objects.update(subject_type="", subject_id=None)
    migration = __import__("servicedesk.sla.migrations.0005_notification_subject",
                           fromlist=["backfill_subjects"])
    migration.backfill_subjects(apps, None)
    warned.refresh_from_db()
    linked.refresh_from_db()
    assert (warned.subject_type, warned.subject_id) == ("request", request.pk)
    assert (linked.subject_type, linked.subject_id) == ("work_order", 7)
