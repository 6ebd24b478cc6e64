"""An administrator edits a priority rule's conditions as rows in a real browser (issue 10 item 10;
INT-6): changes a value, adds a condition, sees the JSON follow, previews the matching requests
and saves; the rule keeps its JSON format.

Headless Chromium from the Debian package (/usr/bin/chromium), as in test_agent_flow.py.
"""

import json
import re
import shutil

import pytest
from django.urls import reverse

from servicedesk.browser_tests.test_agent_flow import CHROMIUM, browser_page  # noqa: F401 (fixture)
from servicedesk.testing.world import PASSWORD, build_world
from servicedesk.tickets.models import PriorityRule
from servicedesk.tickets.services import request_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM),
                       reason="Chromium is not installed (apt-get install chromium)"),
]


def test_administrator_edits_conditions_as_rows_and_previews_the_matches(
    live_server, transactional_db, browser_page  # noqa: F811
):
    """issue 10 item 10, INT-6: rows in, the same JSON out; the preview lists only the matches."""
    world = build_world()
    hospital = request_create(actor=world.users["agent"], request_type=world.types["leak"],
                              service_point=world.points["hospital"], attributes={"dn": 100})
    alice = request_create(actor=world.users["agent"], request_type=world.types["leak"],
                           service_point=world.points["alice"], attributes={"dn": 100})
    rule = PriorityRule.objects.get(name="政府机关优先")
    page = browser_page
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "administrator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(live_server.url + reverse("admin:tickets_priorityrule_change", args=[rule.pk]))

    assert page.locator("tr.condition-row").count() == 1  # the script drops the empty row
    page.select_option("select[name='conditions-0-value']", "hospital")
    page.click("button.conditions-add")
    new_row = page.locator("tr.condition-row").nth(1)
    new_row.locator("select.condition-field").select_option("channel")
    new_row.locator("select.condition-op").select_option("eq")
    new_row.locator(".condition-value select").select_option("phone")
    page.click("details.conditions-raw summary")
    expected = [{"field": "customer.flags", "op": "contains", "value": "hospital"},
                {"field": "channel", "op": "eq", "value": "phone"}]
    assert json.loads(page.input_value("textarea.conditions-json")) == expected

    page.click("button.rule-preview-button")
    page.wait_for_selector("#rule-preview-result tr.rule-preview-match")
    preview = page.inner_text("#rule-preview-result")
    assert re.findall(r"SR\d{8}", preview) == [hospital.reference]
    assert alice.reference not in preview

    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/tickets/priorityrule/$"))
    rule.refresh_from_db()
    assert rule.conditions == expected
