"""Routing and priority rules edited as rows of conditions, with a preview of the requests they
would match (issue 10 item 10; INT-6, INT-7). The stored JSON does not change."""

import json
import re

import pytest
from django.conf import settings
from django.urls import reverse

from servicedesk.org.models import User
from servicedesk.org.roles import Role
from servicedesk.tickets.models import PriorityRule, RoutingRule
from servicedesk.tickets.rule_conditions import condition_to_row, fact_catalogue, rows_to_conditions
from servicedesk.tickets.services import request_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.users["administrator"])
    return client


def _leak(world, dn, point="alice", severity=None):
    attributes = {"dn": dn} if severity is None else {"dn": dn, "severity": severity}
    return request_create(actor=world.users["agent"], request_type=world.types["leak"],
                          service_point=world.points[point], attributes=attributes)


def _rule_form(rule: RoutingRule, rows: list[dict], **overrides) -> dict:
    """The routing rule's change form as the browser posts it, the conditions as rows."""
    data = {
        "name": rule.name, "sort_order": str(rule.sort_order), "active": "on",
        "request_type": str(rule.request_type_id or ""), "channel": rule.channel,
        "target_unit": str(rule.target_unit_id or ""), "crew_type": rule.crew_type,
        "conditions": json.dumps(rule.conditions), "conditions-initial": json.dumps(rule.conditions),
    }
    if rule.route_to_local_office:
        data["route_to_local_office"] = "on"
    for index, row in enumerate(rows):
        data[f"conditions-{index}-field"] = row["field"]
        data[f"conditions-{index}-op"] = row["op"]
        data[f"conditions-{index}-value"] = row.get("values", [])
    data.update(overrides)
    return data


def _visible_option_texts(page: str) -> list[str]:
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<option[^>]*>([^<]*)</option>", page)]


# Form <-> JSON.

def test_stored_conditions_become_rows_and_the_same_json_again(world):
    """issue 10 item 10, INT-6/INT-7: JSON -> rows -> JSON keeps every condition as stored, typed
    (a diameter stays a number, a key account a boolean, a list a list)."""
    stored = [
        {"field": "attributes.dn", "op": "lte", "value": 150},
        {"field": "attributes.severity", "op": "in", "value": ["seep", "burst"]},
        {"field": "customer.key_account", "op": "eq", "value": True},
        {"field": "customer.flags", "op": "contains", "value": "hospital"},
        {"field": "district", "op": "exists"},
        {"field": "channel", "op": "ne", "value": "web"},
    ]
    rows = [condition_to_row(condition) for condition in stored]
    assert rows[0] == {"field": "attributes.dn", "op": "lte", "values": ["150"]}
    assert rows[2]["values"] == ["true"]
    assert rows_to_conditions(rows, fact_catalogue()) == stored


def test_rows_posted_in_the_admin_are_saved_as_the_json(world, admin_client):
    """issue 10 item 10, INT-7: the administrator picks field, operator and value; the rule keeps
    its JSON conditions, typed, and routes by them."""
    rule = RoutingRule.objects.get(name="DN150以上报漏由工程部跟进")
    rows = [{"field": "attributes.dn", "op": "gte", "values": ["300"]},
            {"field": "attributes.severity", "op": "in", "values": ["seep", "burst"]},
            {"field": "", "op": "eq", "values": [""]}]  # the empty row at the end of the form
    response = admin_client.post(reverse("admin:tickets_routingrule_change", args=[rule.pk]),
                                 _rule_form(rule, rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    rule.refresh_from_db()
    assert rule.conditions == [{"field": "attributes.dn", "op": "gte", "value": 300},
                               {"field": "attributes.severity", "op": "in", "value": ["seep", "burst"]}]


def test_the_change_page_shows_the_stored_conditions_as_rows_and_the_json(world, admin_client):
    """issue 10 item 10, INT-7: the saved conditions appear as selected rows, and as JSON in the
    collapsed textarea for power users."""
    rule = RoutingRule.objects.get(name="高压电缆故障")
    page = admin_client.get(reverse("admin:tickets_routingrule_change", args=[rule.pk])).content.decode()
    assert re.search(r'<option value="attributes.fault_location" selected>', page)
    assert re.search(r'<select name="conditions-0-op"[^>]*>.*?<option value="eq" selected>', page, re.S)
    assert re.search(r'<option value="hv_cable" selected>高压电缆</option>', page)
    textarea = re.search(r'<textarea name="conditions"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert json.loads(textarea.replace("&quot;", '"')) == rule.conditions
    assert "<details" in page


def test_edited_json_wins_over_the_rows(world, admin_client):
    """issue 10 item 10, INT-6: a power user who edits the JSON gets exactly that JSON saved."""
    rule = PriorityRule.objects.get(name="政府机关优先")
    edited = [{"field": "customer.class", "op": "eq", "value": "government"}]
    data = {"name": rule.name, "sort_order": "20", "active": "on", "request_type": "", "priority": "2",
            "conditions": json.dumps(edited), "conditions-initial": json.dumps(rule.conditions),
            "conditions-0-field": "customer.flags", "conditions-0-op": "contains",
            "conditions-0-value": "government"}
    response = admin_client.post(reverse("admin:tickets_priorityrule_change", args=[rule.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule.refresh_from_db()
    assert rule.conditions == edited


def test_invalid_conditions_are_refused_with_errors_naming_the_condition(world, admin_client):
    """issue 10 item 10, INT-7: each problem is reported beside the field, naming the condition by
    its position and label; nothing is saved."""
    rule = RoutingRule.objects.get(name="DN150以上报漏由工程部跟进")
    rows = [{"field": "attributes.severity", "op": "eq", "values": ["burst"]},
            {"field": "attributes.dn", "op": "gt", "values": ["大约一百"]},
            {"field": "customer.flags", "op": "eq", "values": ["hospital"]}]
    response = admin_client.post(reverse("admin:tickets_routingrule_change", args=[rule.pk]),
                                 _rule_form(rule, rows))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["conditions"]
    assert errors == [
        "条件2（报漏：管径DN）：“大于”需要一个数字。",
        "条件3（客户标识）：“客户标识”包含多个值：请使用“包含”。",
    ]
    page = response.content.decode()
    assert "条件2（报漏：管径DN）" in page
    rule.refresh_from_db()
    assert rule.conditions == [{"field": "attributes.dn", "op": "gt", "value": 150}]


def test_unreadable_json_is_refused_with_its_problem(world, admin_client):
    """issue 10 item 10, INT-6."""
    rule = PriorityRule.objects.get(name="政府机关优先")
    data = {"name": rule.name, "sort_order": "20", "active": "on", "request_type": "", "priority": "2",
            "conditions": "[{field: 1}", "conditions-initial": json.dumps(rule.conditions)}
    response = admin_client.post(reverse("admin:tickets_priorityrule_change", args=[rule.pk]), data)
    assert response.status_code == 200
    assert "JSON" in response.context["adminform"].form.errors["conditions"][0]
    rule.refresh_from_db()
    assert rule.conditions == [{"field": "customer.flags", "op": "contains", "value": "government"}]


# Labels, in both languages.

@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("url_name, model", [("admin:tickets_routingrule_change", RoutingRule),
                                             ("admin:tickets_priorityrule_change", PriorityRule)])
def test_rule_pages_show_labels_not_codes(world, admin_client, language, url_name, model):
    """issue 10 item 10, INT-6/INT-7: fields, operators and values are offered by their labels in
    the user's language; no internal code is visible in the selects."""
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    rule = model.objects.filter(conditions__0__field="attributes.dn").first() if model is RoutingRule else \
        model.objects.get(name="大口径爆管")
    page = admin_client.get(reverse(url_name, args=[rule.pk])).content.decode()
    texts = _visible_option_texts(page)
    english = language == "en"
    for label in (["Pipe diameter DN",
                   "is at most" if model is RoutingRule else "is at least", "Customer flags",
                   "Key account (has a key account manager)", "Channel"] if english else
                  ["管径DN", "小于或等于" if model is RoutingRule else "大于或等于", "客户标识", "渠道"]):
        assert any(label in text for text in texts), label
    for code in ("attributes.dn", "customer.flags", "customer.key_account", "lte", "gte",
                 "not_in", "hospital",
                 "burst", "fault_location", "hv_cable"):
        assert code not in texts, code
    assert not any(text.startswith(("attributes.", "customer.")) for text in texts)


# The preview.

def test_the_preview_lists_only_the_requests_the_edited_rule_matches(world, admin_client):
    """issue 10 item 10, INT-7: the preview runs the rule as edited (not yet saved) over recent
    requests with the production matching, and tells where each would go."""
    small = _leak(world, 100, point="alice")  # 南山区
    large = _leak(world, 400, point="bob")
    other = _leak(world, 120, point="bob")  # 福田区
    rule = RoutingRule.objects.get(name="DN150及以下报漏由营业所跟进")
    rows = [{"field": "attributes.dn", "op": "lte", "values": ["150"]}]
    response = admin_client.post(reverse("admin:tickets_routingrule_preview"), _rule_form(rule, rows))
    assert response.status_code == 200
    page = response.content.decode()
    listed = re.findall(r"SR\d{8}", page)
    assert sorted(listed) == sorted([small.reference, other.reference])
    assert large.reference not in page
    assert "南山营业所" in page and "福田营业所" in page  # the local business office of each district

    rows = [{"field": "attributes.dn", "op": "gt", "values": ["300"]}]  # edited, not saved
    page = admin_client.post(reverse("admin:tickets_routingrule_preview"),
                             _rule_form(rule, rows)).content.decode()
    assert re.findall(r"SR\d{8}", page) == [large.reference]
    rule.refresh_from_db()
    assert rule.conditions == [{"field": "attributes.dn", "op": "lte", "value": 150}]


def test_the_priority_preview_lists_only_matching_requests(world, admin_client):
    """issue 10 item 10, INT-6: a priority rule on the customer's flags matches the hospital's
    request only."""
    hospital = _leak(world, 100, point="hospital")
    _leak(world, 100, point="alice")
    data = {"name": "医院", "sort_order": "5", "active": "on", "request_type": "", "priority": "1",
            "conditions": "[]", "conditions-initial": "[]",
            "conditions-0-field": "customer.flags", "conditions-0-op": "contains",
            "conditions-0-value": "hospital"}
    page = admin_client.post(reverse("admin:tickets_priorityrule_preview"), data).content.decode()
    assert re.findall(r"SR\d{8}", page) == [hospital.reference]


def test_the_preview_reports_invalid_conditions(world, admin_client):
    """issue 10 item 10, INT-7."""
    _leak(world, 100)
    rule = RoutingRule.objects.get(name="DN150及以下报漏由营业所跟进")
    rows = [{"field": "attributes.dn", "op": "lte", "values": ["很小"]}]
    page = admin_client.post(reverse("admin:tickets_routingrule_preview"),
                             _rule_form(rule, rows)).content.decode()
    assert "条件1（报漏：管径DN）" in page
    assert not re.findall(r"SR\d{8}", page)


def test_only_administrators_reach_the_preview(world, client):
    """issue 10 item 10, INT-7: an agent is sent to the admin login; staff without rights to rules
    are refused."""
    rule = RoutingRule.objects.first()
    _leak(world, 100)
    client.force_login(world.users["agent"])
    response = client.post(reverse("admin:tickets_routingrule_preview"), _rule_form(rule, []))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    clerk = User.objects.create_user(username="clerk", password="x-123456789", role=Role.AGENT, is_staff=True)
    client.force_login(clerk)
    assert client.post(reverse("admin:tickets_routingrule_preview"), _rule_form(rule, [])).status_code == 403
    assert client.get(reverse("admin:tickets_routingrule_change", args=[rule.pk])).status_code == 403
