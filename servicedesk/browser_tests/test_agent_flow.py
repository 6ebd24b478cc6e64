"""The agent's whole intake in a real browser (INT-2, INT-1, INT-4, INT-7): find the caller by a
fragment of her Chinese address, log the call, create a leak request with DN 200, and see it land
at the engineering department (工程部), on the page and in the database.

Headless Chromium from the Debian package (/usr/bin/chromium), driven by Playwright's sync API
against pytest-django's live server. Nothing is fetched from the internet: htmx is served from
our static folder.
"""

import re
import shutil

import pytest
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from servicedesk.browser_tests.chromium import CHROMIUM, chromium_browser
from servicedesk.contacts.models import ContactRecord
from servicedesk.testing.world import PASSWORD, build_world
from servicedesk.tickets.models import ServiceRequest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM),
                       reason="Chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture
def browser_page():
    with chromium_browser() as browser:
        page = browser.new_page()
        page.set_default_timeout(15_000)
        yield page


def test_agent_finds_alice_by_address_logs_the_call_and_the_dn200_leak_lands_at_engineering(
    live_server, transactional_db, browser_page
):
    world = build_world()
    alice = world.customers["alice"]
    leak = world.types["leak"]
    page = browser_page

    # Sign in; the desk is Chinese by default.
    page.goto(live_server.url + reverse("web:login"))
    page.fill("#id_username", "agent")
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url(re.compile(re.escape(reverse("web:desk")) + "$"))
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    # INT-2: a fragment of the address finds her (HTMX live search).
    page.fill("#caller-search", "海岸城3栋")
    hit = page.locator("#search-results a.caller-hit", has_text="李丽")
    hit.wait_for()
    hit.click()
    page.wait_for_url(re.compile(re.escape(reverse("web:customer_panel", args=[alice.pk])) + "$"))
    assert "深圳市南山区科技南路18号海岸城3栋1201" in page.content()

    # INT-1: log the call.
    page.select_option("#id_contact-request_type", str(leak.pk))
    page.fill("#id_contact-notes", "楼下路面冒水，水量较大")
    page.click("#contact-form button[name=log_contact]")
    _wait_for_url(page, re.compile(r"\?contact=\d+"))
    contact_ref = page.locator("#current-contact").inner_text()
    assert "C0" in contact_ref

    # INT-4: choose the leak type; its DN field appears (HTMX fragment), fill DN 200.
    page.select_option("#id_request-request_type", str(leak.pk))
    page.locator("#id_request-attr_dn").wait_for()
    # On a loaded machine the fragment may still be swapping in: fill only once no HTMX request
    # is in flight, and check the values stuck before submitting.
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert "mm" in page.locator("#field-request-attr_dn").inner_text()
    page.fill("#id_request-attr_dn", "200")
    page.fill("#id_request-description", "小区门口主管道漏水")
    assert page.input_value("#id_request-attr_dn") == "200"
    assert page.input_value("#id_request-request_type") == str(leak.pk)
    page.click("button[name=create_request]")
    _wait_for_url(page, re.compile(r"/requests/\d+/$"))

    # INT-7, 003 §8.2: above DN150 the engineering department follows the leak.
    assert page.locator(".responsible-unit").inner_text().strip() == "工程部"
    assert "DN150以上报漏由工程部跟进" in page.content()

    created = ServiceRequest.objects.select_related("responsible_unit").get()
    assert page.url.endswith(reverse("web:request_detail", args=[created.pk]))
    assert created.responsible_unit == world.units["engineering"]
    assert created.responsible_unit.name == "工程部"
    assert created.attributes["dn"] == 200
    assert created.customer == alice
    assert created.service_point == world.points["alice"]
    contact = ContactRecord.objects.get()
    assert contact.request == created
    assert contact.agent == world.users["agent"]
    assert contact.outcome == ContactRecord.Outcome.REQUEST_CREATED


def _wait_for_url(page, pattern: re.Pattern) -> None:
    """Wait for the page a form leads to; if it does not come, fail with what the page shows
    (a field error, a server error) rather than a bare timeout."""
    try:
        page.wait_for_url(pattern, timeout=30_000)
    except PlaywrightTimeout:
        raise AssertionError(f"still on {page.url}: {page.locator('body').inner_text()[:3000]}") from None
