"""Texts the system writes are stored as what happened and shown in the reader's language
(issue 10 item 6); workflow errors name the action as people read it (issue 10 item 7)."""

import pytest
from django.urls import reverse
from django.utils import translation

from servicedesk.core.exceptions import ValidationFailed
from servicedesk.core.tests.api_helpers import as_
from servicedesk.tickets.exceptions import InvalidTransition
from servicedesk.tickets.models import EventKind, RequestEvent, RequestStatus
from servicedesk.tickets.services import request_create, work_order_create, work_order_transition

pytestmark = pytest.mark.django_db

def _dispatched(world):
    """A leak dispatched to crew A (抢修一队 / Repair crew A) and started on site, written while the
    interface speaks Chinese (the default)."""
    with translation.override("zh-hans"):
        request = request_create(actor=world.users["agent"], request_type=world.types["leak"],
                                 service_point=world.points["alice"], attributes={"dn": 200})
        order = work_order_create(request=request, actor=world.users["dispatcher"],
                                  provider=world.providers["a"])
        work_order_transition(work_order=order, action="accept", actor=world.users["provider_a_staff"])
        work_order_transition(work_order=order, action="start", actor=world.users["provider_a_staff"])
    return request, order


def _page(client, user, url, language):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(url).content.decode()


def test_history_notes_written_in_chinese_read_in_english(client, world):
    """Issue 10 item 6: "工作单…派发给抢修一队" was kept as Chinese text; the note is now kept as
    what happened and an English reader sees it in English, with the provider's English name."""
    request, order = _dispatched(world)
    dispatch = RequestEvent.objects.get(request=request, action="dispatch")
    assert dispatch.message == {"key": "work_order_dispatched", "params": {
        "ref": order.reference, "provider": {"zh": "抢修一队", "en": "Repair crew A"}}}
    assert dispatch.reason == ""  # nobody typed it

    url = reverse("web:request_detail", args=[request.pk])
    english = _page(client, world.users["dispatcher"], url, "en")
    assert f"Work order {order.reference} to Repair crew A" in english
    assert f"Work order {order.reference} started on site" in english
    assert "Created from contact C" in english
    assert "派发" not in english and "抢修一队" not in english

    chinese = _page(client, world.users["dispatcher"], url, "zh-hans")
    assert f"工作单 {order.reference} 派发给 抢修一队" in chinese
    assert "Repair crew A" not in chinese


def test_the_api_gives_history_notes_in_the_requests_language(world):
    """Issue 10 item 6: the API's ``reason`` of a system note follows Accept-Language."""
    request, order = _dispatched(world)
    body = as_(world, "dispatcher").get(f"/requests/{request.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    notes = [event["reason"] for event in body["events"]]
    assert f"Work order {order.reference} to Repair crew A" in notes
    dispatch = next(event for event in body["events"] if event["action"] == "dispatch")
    assert dispatch["message"]["key"] == "work_order_dispatched"


def test_rows_written_before_messages_keep_their_text(client, world):
    """Issue 10 item 6: an old history row has only its text: it is shown as it was written."""
    request, _order = _dispatched(world)
    RequestEvent.objects.create(request=request, kind=EventKind.NOTE, reason="旧的系统备注")
    english = _page(client, world.users["dispatcher"], reverse("web:request_detail", args=[request.pk]), "en")
    assert "旧的系统备注" in english


def test_lists_show_the_request_type_in_the_readers_language(client, world):
    """Issue 10 item 6: the queue showed "停电故障报修" where the detail page said "Power fault /
    outage report": the automatic subject began with the type's Chinese name. The subject is now
    the place only, and the type is shown in the reader's language everywhere."""
    leak = world.types["leak"]
    with translation.override("zh-hans"):
        request = request_create(actor=world.users["agent"], request_type=leak,
                                 service_point=world.points["alice"], attributes={"dn": 200})
    assert not request.subject.startswith(leak.name)
    assert request.subject == world.points["alice"].address
    body = _page(client, world.users["dispatcher"], reverse("web:queue"), "en")
    rows = body.split(request.reference, 1)[1].split("</tr>", 1)[0]
    assert leak.name_en in rows
    assert leak.name not in rows


def test_an_older_subject_starting_with_the_type_name_is_shown_without_it(world):
    leak = world.types["leak"]
    with translation.override("zh-hans"):
        request = request_create(actor=world.users["agent"], request_type=leak,
                                 service_point=world.points["alice"], attributes={"dn": 100},
                                 subject=f"{leak.name} 福田区某路 1 号")
    assert request.typed_subject == "福田区某路 1 号"
    with translation.override("en"):
        assert 'data-customer-text' in request.subject_html and leak.name not in request.subject_html


def test_a_missing_reason_names_the_action_by_its_label(world):
    """Issue 10 item 7: "执行 complete 操作需要填写原因" showed the action's code."""
    _request, order = _dispatched(world)
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused:
        work_order_transition(work_order=order, action="complete", actor=world.users["provider_a_staff"])
    assert "complete" not in refused.value.message
    assert "“完工”" in refused.value.message
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        work_order_transition(work_order=order, action="complete", actor=world.users["provider_a_staff"])
    assert refused.value.message == "Say why: “Complete” needs a reason."


def test_an_impossible_action_names_the_status_by_its_label(world):
    """Issue 10 item 7: statuses and actions as people read them, not their codes."""
    request, order = _dispatched(world)
    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as refused:
        work_order_transition(work_order=order, action="accept", actor=world.users["provider_a_staff"])
    message = str(refused.value.message)
    assert "in_progress" not in message and "accept" not in message
    assert "“处理中”" in message and "“受理”" in message
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS
