"""The complaint pages, for who may and who may not (CMP-1..CMP-7, issue 13 part 10)."""

import pytest
from django.urls import reverse

from servicedesk.complaints.models import Complaint, ComplaintStatus
from servicedesk.complaints.parts import PartInput, complaint_dispatch
from servicedesk.complaints.services import ComplaintInput, complaint_take

pytestmark = pytest.mark.django_db


def _complaint(desk, **extra):
    data = ComplaintInput(
        topic="billing",
        description="多收了上门费",
        customer=desk.customers["alice"],
        service_point=desk.points["alice"],
        **extra,
    )
    return complaint_take(data, actor=desk.users["agent"])


def test_agent_takes_a_complaint_and_sees_the_repeat_before_saving_CMP_1_CMP_2(client, desk):
    client.force_login(desk.users["agent"])
    url = reverse("web:complaint_new") + f"?customer={desk.customers['alice'].pk}"
    form = {
        "topic": "billing",
        "description": "账单多收",
        "channel": "phone",
        "complainant_kind": "person",
        "against": "utility",
    }
    first = client.post(url, form)
    assert first.status_code == 302
    earlier = Complaint.objects.get()
    shown = client.post(url, form)
    body = shown.content.decode()
    assert shown.status_code == 200 and earlier.reference in body and 'id="repeat-notice"' in body
    assert Complaint.objects.count() == 1  # nothing saved before the agent confirms
    unlinked = client.post(url, {**form, "repeat_shown": earlier.pk, "not_repeat": "on"})
    assert unlinked.status_code == 422 and "不属于" not in unlinked.content.decode()[:0]
    assert "请说明为什么不是" in unlinked.content.decode()
    saved = client.post(url, {**form, "repeat_shown": earlier.pk})
    assert saved.status_code == 302
    assert Complaint.objects.latest("id").repeat_of == earlier


def test_missing_fields_are_shown_beside_them(client, desk):
    client.force_login(desk.users["agent"])
    response = client.post(reverse("web:complaint_new"), {"channel": "phone"})
    assert response.status_code == 422
    assert 'id="field-topic"' in response.content.decode() and "has-error" in response.content.decode()


def test_detail_shows_parts_clocks_and_history_CMP_5(client, desk):
    complaint = _complaint(desk)
    complaint_dispatch(
        complaint=complaint,
        actor=desk.users["agent"],
        parts=[PartInput(provider=desk.providers["b"]), PartInput(unit=desk.units["engineering"])],
    )
    client.force_login(desk.users["agent"])
    body = client.get(reverse("web:complaint_detail", args=[complaint.pk])).content.decode()
    assert "华南管网工程公司" in body and "工程部" in body
    assert "分派给" in body and 'id="clock-triage_dispatch"' in body
    # The partner sees its own part only, and may answer it on the page.
    client.force_login(desk.users["provider_b_staff"])
    body = client.get(reverse("web:complaint_detail", args=[complaint.pk])).content.decode()
    assert "华南管网工程公司" in body and "工程部" not in body
    part = complaint.parts.get(provider=desk.providers["b"])
    empty = client.post(reverse("web:complaint_part_action", args=[part.pk, "answer"]), {"text": ""})
    assert empty.status_code == 422
    done = client.post(
        reverse("web:complaint_part_action", args=[part.pk, "answer"]), {"text": "已退还上门费"}
    )
    assert done.status_code == 302
    part.refresh_from_db()
    assert part.status == "answered"
    client.force_login(desk.users["provider_a_staff"])
    assert client.get(reverse("web:complaint_detail", args=[complaint.pk])).status_code == 404


def test_answer_then_unsatisfied_reopens_on_the_page_CMP_6(client, desk):
    complaint = _complaint(desk)
    client.force_login(desk.users["agent"])
    answer = client.post(reverse("web:complaint_action", args=[complaint.pk, "answer"]), {"result": "已解释"})
    assert answer.status_code == 302
    opinion = client.post(
        reverse("web:complaint_action", args=[complaint.pk, "opinion"]),
        {"satisfaction": "average", "comment": "还行但没解决"},
    )
    assert opinion.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ACCEPTED and complaint.reopen_count == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("agent", 200),
        ("team_lead", 200),
        ("desk_manager", 200),
        ("provider_a_staff", 200),
        ("dispatcher", 200),
        ("finance", 403),
        ("outsider", 403),
        ("customer_user", 403),
    ],
)
def test_the_complaint_desk_for_each_role(client, desk, persona, status):
    client.force_login(desk.users[persona])
    assert client.get(reverse("web:complaint_desk")).status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("desk_manager", 200),
        ("leadership", 200),
        ("supervisor", 200),
        ("provider_b_staff", 403),
        ("dispatcher", 403),
        ("customer_user", 403),
        ("outsider", 403),
    ],
)
def test_major_complaints_and_hot_issues_for_each_role_CMP_3(client, desk, persona, status):
    major = complaint_take(
        ComplaintInput(topic="attitude", description="已向媒体反映", customer=desk.customers["bob"]),
        actor=desk.users["agent"],
    )
    client.force_login(desk.users[persona])
    page = client.get(reverse("web:complaint_major"))
    assert page.status_code == status
    if status == 200:
        assert major.reference in page.content.decode() and "媒体" in page.content.decode()
    assert client.get(reverse("web:complaint_hot_issues")).status_code == status


def test_a_team_lead_passes_ownership_and_an_agent_cannot_CMP_4(client, desk):
    complaint = _complaint(desk)
    client.force_login(desk.users["agent"])
    refused = client.post(
        reverse("web:complaint_action", args=[complaint.pk, "transfer"]),
        {"owner": desk.users["key_account_manager"].pk, "reason": "大客户"},
    )
    assert refused.status_code == 403
    client.force_login(desk.users["team_lead"])
    moved = client.post(
        reverse("web:complaint_action", args=[complaint.pk, "transfer"]),
        {"owner": desk.users["key_account_manager"].pk, "reason": "大客户"},
    )
    assert moved.status_code == 302
    complaint.refresh_from_db()
    assert complaint.owner == desk.users["key_account_manager"]
