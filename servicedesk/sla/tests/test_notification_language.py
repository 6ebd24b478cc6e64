"""SLA warning notifications are read in the reader's language (issue 10 item 6)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from servicedesk.core.tests.api_helpers import as_
from servicedesk.sla.models import Calendar, Notification, Policy, Target
from servicedesk.sla.services import warnings_sweep
from servicedesk.tickets.services import request_create

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def warned(world):
    """A leak whose triage target (1 hour) is 75 % used, swept by a worker speaking Chinese."""
    clock = Calendar.objects.create(code="24x7", name="7×24", kind=Calendar.Kind.AROUND_THE_CLOCK, windows="")
    policy = Policy.objects.create(name="报漏", applies_to="request", request_type=world.types["leak"])
    Target.objects.create(policy=policy, kind="triage_dispatch", calendar=clock, duration_minutes=60,
                          stop_event="dispatched")
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        request = request_create(actor=world.users["agent"], request_type=world.types["leak"],
                                 service_point=world.points["alice"], attributes={"dn": 100})
    with time_machine.travel(at(2026, 3, 2, 9, 46), tick=False), translation.override("zh-hans"):
        warnings_sweep()
    return request, Notification.objects.get(user=world.users["agent"])


def test_a_warning_written_in_chinese_is_read_in_english(client, world, warned):
    """Issue 10 item 6: the title was the sweep's Chinese text; it is kept as what happened."""
    request, notification = warned
    assert notification.message["key"] == "sla_time_used"
    assert notification.message["params"]["percent"] == 75
    with translation.override("en"):
        assert notification.display_title.startswith("75 % of the time used: Triage and dispatch of "
                                                      f"{request.reference}")
    with translation.override("zh-hans"):
        assert notification.display_title == notification.title  # the same words as when written

    client.force_login(world.users["agent"])
    client.cookies["django_language"] = "en"
    body = client.get(reverse("web:notifications")).content.decode()
    assert "75 % of the time used: Triage and dispatch of" in body
    assert notification.title not in body  # the Chinese title of the moment

    api = as_(world, "agent").get("/notifications", HTTP_ACCEPT_LANGUAGE="en").json()
    assert api["results"][0]["title"].startswith("75 % of the time used")


def test_a_notification_without_a_message_keeps_its_title(world):
    old = Notification.objects.create(user=world.users["agent"], title="旧的通知")
    with translation.override("en"):
        assert old.display_title == "旧的通知"
