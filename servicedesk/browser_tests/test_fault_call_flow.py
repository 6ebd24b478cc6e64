"""A fault call of seed 004 in a real browser, and what follows it (OUT-5, OUT-6, OUT-3, INT-8):
the agent takes 李丽's call from her service point, leads her through the main-breaker self-check
(not solved) and sends a work request at the service point; two neighbours under the same
transformer call (through the service), which predicts a transformer outage; the dispatcher
confirms it on the outage board with a cause, an ETR and a crew, then restores it; the agent
finds the callbacks owed to the callers on the callbacks page and records one.

Headless Chromium from the Debian package (/usr/bin/chromium), as in test_agent_flow.py.
"""

import datetime
import re
import shutil

import pytest
from django.urls import reverse
from django.utils import timezone

from servicedesk.browser_tests.chromium import CHROMIUM, chromium_browser
from servicedesk.browser_tests.test_agent_flow import _wait_for_url
from servicedesk.contacts.models import Callback, ContactRecord
from servicedesk.outages.fault_calls import FaultCallInput, fault_call_take
from servicedesk.outages.models import Outage, OutageStatus
from servicedesk.testing.world import PASSWORD, build_world
from servicedesk.tickets.models import RequestStatus, ServiceRequest, WorkOrder

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM),
                       reason="Chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture
def chromium():
    """Headless Chromium; the test opens one page per person."""
    with chromium_browser() as browser:
        yield browser


def _new_page(browser):
    page = browser.new_page()  # its own context: its own session cookie
    page.set_default_timeout(15_000)
    return page


def _sign_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("web:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    _wait_for_url(page, re.compile(r"/(desk|queue)/$"))


def test_fault_call_to_work_request_then_predicted_outage_confirmed_restored_and_called_back(
    live_server, transactional_db, chromium
):
    world = build_world()
    alice, point = world.customers["alice"], world.points["alice"]
    page = _new_page(chromium)

    # 004 steps 1–3: the agent opens the fault call from the caller's service point.
    _sign_in(page, live_server, "agent")
    page.goto(live_server.url + reverse("web:customer_panel", args=[alice.pk]))
    page.click(f"a.fault-call-link[href$='?service_point={point.pk}']")
    _wait_for_url(page, re.compile(r"/desk/fault-call/\?service_point=\d+$"))
    assert point.number in page.locator("#step-identify").inner_text()
    # Steps 4, 10–13: nothing known explains it (connected, no planned or open outage).
    assert page.locator("#step-checks li.check-stop").count() == 0

    # OUT-5: the main breaker check, steps 1 and 2 done, not solved.
    script = page.locator("#script-main-breaker")
    assert "请查看电表箱内总开关是否跳下。" in script.inner_text()
    script.locator("input[type=checkbox][value='1']").check()
    script.locator("input[type=checkbox][value='2']").check()
    script.locator("input[type=radio][value='not_solved']").check()
    # OUT-6, 004 step 19.2: the problem is at the service point.
    page.select_option("#id_fault-attr_fault_location", "service_point")
    page.fill("#id_fault-notes", "家里全部没电,总开关未跳")
    page.click("#fault-call-form button[name=take_call]")
    _wait_for_url(page, re.compile(r"/desk/fault-call/\d+/$"))

    request = ServiceRequest.objects.get()
    assert page.locator("#outcome").get_attribute("data-outcome") == ContactRecord.Outcome.REQUEST_CREATED
    assert request.reference in page.locator("#tell").inner_text()
    assert page.locator("#request-link").inner_text() == request.reference
    assert request.customer == alice and request.attributes == {"fault_location": "service_point"}
    contact = ContactRecord.objects.get()
    assert [s["step"] for s in contact.steps][-3:] == ["troubleshooting", "inference", "work_request"]
    assert contact.steps[-3]["steps_done"] == [1, 2]

    # OUT-3: two neighbours under T1 call: with 李丽's, three service points predict a T1 outage.
    for key in ("n1", "n2"):
        neighbour = world.points[key]
        call = FaultCallInput(customer=neighbour.customer, service_point=neighbour,
                              reporter_phone=neighbour.customer.mobile,
                              problem={"fault_location": "service_point"})
        fault_call_take(call, actor=world.users["agent"])
    outage = Outage.objects.get()
    assert outage.status == OutageStatus.PREDICTED and outage.device == world.devices["T1"]

    # The dispatcher confirms it from the board with a cause, an ETR and a crew, then restores it.
    dispatcher = _new_page(chromium)
    _sign_in(dispatcher, live_server, "dispatcher")
    dispatcher.goto(live_server.url + reverse("web:outages"))
    dispatcher.click(f"#outage-board a:text('{outage.reference}')")
    _wait_for_url(dispatcher, re.compile(rf"/outages/{outage.pk}/$"))
    etr = timezone.localtime(timezone.now() + datetime.timedelta(hours=3)).replace(second=0, microsecond=0)
    dispatcher.fill("#id_confirm-cause", "T1变压器低压熔断器熔断")
    dispatcher.fill("#id_confirm-etr", etr.strftime("%Y-%m-%dT%H:%M"))
    dispatcher.select_option("#id_confirm-provider", str(world.providers["a"].pk))
    dispatcher.click("#confirm-form button[name=confirm]")
    dispatcher.locator("#restore-form").wait_for()
    assert dispatcher.locator("#outage-etr").inner_text().strip() == etr.strftime("%Y-%m-%d %H:%M")
    outage.refresh_from_db()
    assert outage.status == OutageStatus.CONFIRMED and outage.etr == etr
    assert WorkOrder.objects.get().provider == world.providers["a"]

    dispatcher.fill("#id_restore-note", "已更换熔断器")
    dispatcher.click("#restore-form button[name=restore]")
    dispatcher.locator("li.message.success").wait_for()
    outage.refresh_from_db()
    assert outage.status == OutageStatus.RESTORED
    assert dispatcher.locator("#restore-form").count() == 0
    assert not ServiceRequest.objects.exclude(status=RequestStatus.RESOLVED).exists()

    # INT-8: the agent finds the callbacks owed to the three callers and records 李丽's.
    page.goto(live_server.url + reverse("web:callbacks"))
    mine = page.locator("#callbacks-mine")
    for key in ("alice", "n1", "n2"):
        assert world.customers[key].name in mine.inner_text()
    callback = Callback.objects.get(customer=alice)
    row = page.locator(f"#callback-{callback.pk}")
    row.locator("input[type=radio][value='yes']").check()
    row.locator("textarea[name$='-result']").fill("已恢复供电")
    row.locator("input[type=radio][value='satisfied']").check()  # CMP-6: the customer's opinion
    row.locator("form.callback-done button[type=submit]").click()
    page.locator("li.message.success").wait_for()
    assert page.locator(f"#callback-{callback.pk}").count() == 0
    callback.refresh_from_db()
    assert callback.status == Callback.Status.DONE and callback.completed_by == world.users["agent"]
    assert callback.satisfaction == Callback.Satisfaction.SATISFIED
