"""A crew works from a phone (issue 10 item 9): at 390×844 the provider's work-order list and page,
the agent's callback list and the notifications fit the screen (no horizontal page scrolling, no
table squeezed to a character a line), and a crew member accepts, starts and completes a work
order there. From 1024 px up the desk keeps its tables and its open header.

Headless Chromium from the Debian package, as in test_agent_flow.py.
"""

import re
import shutil

import pytest
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from servicedesk.browser_tests.chromium import CHROMIUM, chromium_browser
from servicedesk.contacts.models import Callback
from servicedesk.contacts.services import CallbackDraft, callbacks_create
from servicedesk.sla.models import Notification
from servicedesk.testing.world import PASSWORD, build_world
from servicedesk.tickets.models import WorkOrder, WorkOrderStatus
from servicedesk.tickets.services import request_create, work_order_create

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1024, "height": 768}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM),
                       reason="Chromium is not installed (apt-get install chromium)"),
]

# Visible table cells narrower than 60 px in a table still laid out as a table (the card layout
# turns the table into blocks): what "one character per line" looks like.
NARROW_CELLS = """() => [...document.querySelectorAll('main td, main th')].filter(cell => {
    const box = cell.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && box.width < 60
        && getComputedStyle(cell.closest('table')).display !== 'block';
}).map(cell => cell.textContent.trim().slice(0, 40))"""


@pytest.fixture
def phone():
    with chromium_browser() as browser:
        page = browser.new_page(viewport=PHONE, has_touch=True)
        page.set_default_timeout(15_000)
        yield page


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: the page is {width} px wide"
    assert page.evaluate(NARROW_CELLS) == [], page.url


def _sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + reverse("web:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(lambda url: reverse("web:login") not in url)


def _step(page, action: str, order: WorkOrder, expected: str) -> None:
    """Press the action's button (it must lie within the screen's width) and see the new status."""
    button = page.locator(f"#action-{action} button[type=submit]")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (action, box)
    button.click()
    try:
        page.wait_for_url(re.compile(re.escape(reverse("web:work_order_detail", args=[order.pk])) + "$"))
        page.locator(".message.success").wait_for()
    except PlaywrightTimeout:
        raise AssertionError(f"{action}: {page.locator('body').inner_text()[:2000]}") from None
    order.refresh_from_db()
    assert order.status == expected
    _fits_the_phone(page)


def test_a_crew_accepts_starts_and_completes_a_work_order_on_a_390px_phone(live_server,
                                                                           transactional_db, phone):
    """Issue 10 item 9: at 390×844 the work-order list is cards, the header folds into a menu, the
    work-order page's actions are within reach, and the callback list and the notifications fit;
    at 1024 px the tables and the header are as before."""
    world = build_world()
    request = request_create(actor=world.users["agent"], request_type=world.types["leak"],
                             service_point=world.points["alice"], attributes={"dn": 100},
                             subject="小区门口主管道漏水，水量较大，需尽快到场处理")
    order = work_order_create(request=request, actor=world.users["dispatcher"], provider=world.providers["a"],
                              instructions="关闭上游阀门后抢修，注意交通疏导")
    crew = world.users["provider_a_staff"]
    for i in range(3):
        Notification.objects.create(user=crew,
                                    title=f"75 % 的时限已用：{order.reference} 回复（第{i + 1}次提醒）",
                                    link=reverse("web:work_order_detail", args=[order.pk]),
                                    subject_type="work_order", subject_id=order.pk)
    callbacks_create([CallbackDraft(reason="停电恢复后回访，确认用户用电正常",
                                    customer=world.customers["alice"],
                                    request_id=request.pk, phone="13800138000")])
    assert Callback.objects.filter(assigned_to=world.users["agent"]).exists()
    page = phone

    # The crew signs in and lands on the work-order list: one card per order, nothing overflows.
    _sign_in(page, live_server.url, "provider_a_staff")
    assert page.url.endswith(reverse("web:work_orders"))
    _fits_the_phone(page)
    display = page.evaluate("getComputedStyle(document.querySelector('table.work-order-list')).display")
    assert display == "block"
    assert page.locator("table.work-order-list td[data-label]").first.evaluate(
        "cell => getComputedStyle(cell, '::before').content").strip('"') != ""

    # The header folds into a menu that opens and closes.
    assert page.locator(".menu-toggle .nav-count").inner_text() == "3"  # unread notifications, menu closed
    navigation = page.locator("#mainnav")
    assert not navigation.is_visible()
    page.click(".menu-toggle")
    assert navigation.is_visible() and page.locator(".menu-toggle").get_attribute("aria-expanded") == "true"
    assert navigation.get_by_role("link", name="工作单").is_visible()
    _fits_the_phone(page)
    page.click(".menu-toggle")
    assert not navigation.is_visible()

    # The work order: accept, start, complete with its result.
    page.click(f"a[href='{reverse('web:work_order_detail', args=[order.pk])}']")
    page.wait_for_url(re.compile(re.escape(reverse("web:work_order_detail", args=[order.pk])) + "$"))
    _fits_the_phone(page)
    page.click(".jump-to-actions")  # the actions sit below the facts and the timeline on a phone
    assert page.locator("#action-accept button[type=submit]").evaluate(
        "button => button.getBoundingClientRect().bottom <= window.innerHeight")
    _step(page, "accept", order, WorkOrderStatus.ACCEPTED)
    _step(page, "start", order, WorkOrderStatus.IN_PROGRESS)
    result = page.locator("#reason-complete")
    result.scroll_into_view_if_needed()
    assert result.bounding_box()["width"] >= 200
    result.fill("已关闭阀门并更换DN100管段，恢复供水")
    _step(page, "complete", order, WorkOrderStatus.COMPLETED)
    assert order.result == "已关闭阀门并更换DN100管段，恢复供水"

    # The crew's notifications, grouped under the work order.
    page.goto(live_server.url + reverse("web:notifications"))
    assert page.locator(".notification-group").count() == 1
    _fits_the_phone(page)

    # The agent's callback list.
    page.click(".menu-toggle")
    page.click("#topbar-right button.link:not([name])")  # sign out
    _sign_in(page, live_server.url, "agent")
    page.goto(live_server.url + reverse("web:callbacks"))
    assert page.locator("tr.callback").count() == 1
    _fits_the_phone(page)
    outcome = page.locator("tr.callback form.callback-done textarea[name$='-result']")
    assert outcome.bounding_box()["width"] >= 200
    # CMP-6: the customer's opinion and the evidence upload fit the card too.
    assert page.locator("tr.callback fieldset.opinion input[type=radio]").count() == 3
    assert page.locator("tr.callback form.callback-evidence input[type=file]").bounding_box()["width"] <= 390

    # From 1024 px up: tables stay tables, the header stays open, no menu button.
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + reverse("web:callbacks"))
    assert page.evaluate("getComputedStyle(document.querySelector('table.callback-list')).display") == "table"
    assert page.locator("#mainnav").is_visible() and not page.locator(".menu-toggle").is_visible()
    assert page.locator("#callbacks-mine thead").is_visible()
