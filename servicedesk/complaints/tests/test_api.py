"""The complaint's life through the REST API, and who may and may not (CMP-1..CMP-7)."""

import pytest

from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.customers.models import Account
from servicedesk.tickets.services import request_create, work_order_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(desk):
    request = request_create(
        actor=desk.users["agent"],
        request_type=desk.types["leak"],
        service_point=desk.points["alice"],
        attributes={"dn": 100},
    )
    return work_order_create(request=request, actor=desk.users["dispatcher"], provider=desk.providers["b"])


def _body(desk, order, **extra):
    return {
        "topic": "timeliness",
        "description": "抢修迟到三小时",
        "customer_id": desk.customers["alice"].pk,
        "service_point_id": desk.points["alice"].pk,
        "against": "provider",
        "about_work_order_id": order.pk,
        **extra,
    }


def test_the_whole_story_through_the_api_CMP_1_to_CMP_7(desk, order):
    agent = as_(desk, "agent")
    first = agent.post("/complaints", _body(desk, order))
    assert first.status_code == 201, first.content
    first = first.json()
    assert first["reference"].startswith("CP") and first["provider"]["code"] == "partner-b"
    assert first["owner"]["username"] == "agent" and first["status"] == "accepted"

    preview = agent.post("/complaints/repeat-check", _body(desk, order)).json()
    assert preview["repeat_of"]["id"] == first["id"]
    second = agent.post("/complaints", _body(desk, order)).json()
    assert second["repeat_of_id"] == first["id"] and second["repeat_depth"] == 1

    flagged = agent.post(f"/complaints/{second['id']}/major", {"reason": "客户情绪激动"})
    assert flagged.status_code == 200 and flagged.json()["major"] is True

    sent = agent.post(
        f"/complaints/{second['id']}/parts",
        {
            "parts": [
                {"provider_id": desk.providers["b"].pk, "urgency": "urgent"},
                {"unit_id": desk.units["engineering"].pk, "urgency": "difficult"},
                {"provider_id": desk.providers["a"].pk, "urgency": "difficult"},
            ]
        },
    )
    assert sent.status_code == 200, sent.content
    parts = {p["provider"]["code"] if p["provider"] else p["unit"]["code"]: p for p in sent.json()["parts"]}
    assert sent.json()["status"] == "dispatched" and len(parts) == 3

    # A provider sees the complaint with its own part only.
    seen = as_(desk, "provider_b_staff").get(f"/complaints/{second['id']}").json()
    assert [p["provider"]["code"] for p in seen["parts"]] == ["partner-b"]
    refused = as_(desk, "provider_b_staff").post(
        f"/complaint-parts/{parts['crew-a']['id']}/answer", {"answer": "x"}
    )
    assert refused.status_code == 404
    for persona, code in (
        ("provider_b_staff", "partner-b"),
        ("dispatcher", "engineering"),
        ("provider_a_staff", "crew-a"),
    ):
        answered = as_(desk, persona).post(
            f"/complaint-parts/{parts[code]['id']}/answer", {"answer": "已处理"}
        )
        assert answered.status_code == 200, answered.content
    answered = agent.post(f"/complaints/{second['id']}/answer", {"result": "已修复并道歉"})
    assert answered.json()["status"] == "answered"

    unhappy = agent.post(
        f"/complaints/{second['id']}/opinion", {"satisfaction": "very_poor", "comment": "不满意"}
    )
    body = unhappy.json()
    assert body["status"] == "dispatched" and body["reopen_count"] == 1
    assert {p["status"] for p in body["parts"]} == {"accepted"}

    account = Account.objects.create(number="A-9", customer=desk.customers["alice"])
    refund = as_(desk, "team_lead").post(
        f"/complaints/{second['id']}/refunds",
        {
            "account_id": account.pk,
            "charged_wrongly": "25.50",
            "provider_id": desk.providers["b"].pk,
            "reason": "多收上门费",
        },
    )
    assert refund.status_code == 201, refund.content
    assert refund.json()["amount"] == "51.00"


def test_errors_name_the_field_CMP_1(desk, order):
    agent = as_(desk, "agent")
    missing = agent.post("/complaints", {"topic": "nothing", "description": "x"})
    assert missing.status_code == 422 and "topic" in error_of(missing)["fields"]
    no_provider = agent.post("/complaints", {"topic": "billing", "description": "x", "against": "provider"})
    assert "provider_id" in error_of(no_provider)["fields"]
    complaint = agent.post("/complaints", _body(desk, order)).json()
    empty = agent.post(f"/complaints/{complaint['id']}/parts", {"parts": [{"urgency": "urgent"}]})
    assert empty.status_code == 422 and "parts[0]" in error_of(empty)["fields"]
    early = agent.post(f"/complaints/{complaint['id']}/opinion", {"satisfaction": "satisfied"})
    assert early.status_code == 409


@pytest.mark.parametrize("persona", ["finance", "outsider", "leadership", "supervisor", "customer_user"])
def test_who_may_not_take_complaints_CMP_1(desk, persona):
    response = as_(desk, persona).post("/complaints", {"topic": "billing", "description": "x"})
    assert response.status_code == 403


def test_a_partner_takes_a_complaint_it_received_directly_and_owns_it_CMP_1_CMP_4(desk):
    response = as_(desk, "provider_a_staff").post(
        "/complaints",
        {"topic": "attitude", "description": "施工人员态度差", "customer_id": desk.customers["bob"].pk},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner_provider"]["code"] == "crew-a"
    assert as_(desk, "provider_b_staff").get(f"/complaints/{body['id']}").status_code == 404


def test_customers_see_only_their_own_complaints(desk):
    mine = (
        as_(desk, "agent")
        .post(
            "/complaints",
            {"topic": "billing", "description": "账单有误", "customer_id": desk.customers["alice"].pk},
        )
        .json()
    )
    assert as_(desk, "customer_user").get(f"/complaints/{mine['id']}").status_code == 200
    assert as_(desk, "other_customer_user").get(f"/complaints/{mine['id']}").status_code == 404
    assert as_(desk, "other_customer_user").get("/complaints").json()["count"] == 0
    assert as_(desk, "outsider").get("/complaints").status_code == 403


def test_ownership_transfer_and_manager_close_are_refused_to_agents_CMP_4_CMP_6(desk):
    complaint = (
        as_(desk, "agent")
        .post(
            "/complaints",
            {"topic": "billing", "description": "账单有误", "customer_id": desk.customers["alice"].pk},
        )
        .json()
    )
    body = {"owner_id": desk.users["key_account_manager"].pk, "reason": "大客户"}
    assert as_(desk, "agent").post(f"/complaints/{complaint['id']}/owner", body).status_code == 403
    moved = as_(desk, "team_lead").post(f"/complaints/{complaint['id']}/owner", body)
    assert moved.json()["owner"]["username"] == "key_account_manager"
    refund = as_(desk, "agent").post(
        f"/complaints/{complaint['id']}/refunds", {"account_id": 1, "charged_wrongly": "1", "reason": "x"}
    )
    assert refund.status_code == 403


def test_hot_issues_count_types_and_places(desk):
    agent = as_(desk, "agent")
    for topic in ("billing", "billing", "attitude"):
        agent.post(
            "/complaints",
            {
                "topic": topic,
                "description": "x",
                "customer_id": desk.customers["alice"].pk,
                "not_repeat_of": None,
            },
        )
    found = as_(desk, "desk_manager").get("/complaints/hot-issues").json()
    assert found["topics"][0] == {"value": "billing", "label": "计费收费", "count": 2}
    assert found["places"][0]["count"] == 3
    assert as_(desk, "provider_a_staff").get("/complaints/hot-issues").status_code == 403
