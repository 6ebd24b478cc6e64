"""What the caller was told is kept as what happened and read in each reader's language
(issue 10 item 6); the recorded steps say no requirement IDs or codes (item 7)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from servicedesk.contacts.models import ContactRecord
from servicedesk.outages.fault_calls import FaultCallInput, TroubleshootingAnswer, fault_call_take

pytestmark = pytest.mark.django_db


def _take(world, key, **kwargs):
    point = world.points[key]
    with translation.override("zh-hans"):  # the agent speaks Chinese
        return fault_call_take(FaultCallInput(customer=point.customer, service_point=point,
                               reporter_phone=point.customer.mobile, **kwargs), actor=world.users["agent"])


def _result_page(client, world, contact, language):
    client.force_login(world.users["agent"])
    client.cookies["django_language"] = language
    return client.get(reverse("web:fault_call_result", args=[contact.pk])).content.decode()


def test_what_a_debtor_was_told_in_chinese_reads_in_english(client, world):
    """Issue 10 item 6: the advice was stored as the Chinese text of the moment."""
    result = _take(world, "debtor")
    contact = ContactRecord.objects.get(pk=result.contact.pk)
    assert contact.steps[-1]["told_message"] == {"key": "tell_cut_unpaid", "params": {"owed": "356.80"}}
    english = _result_page(client, world, contact, "en")
    assert "Supply was cut for unpaid bills: 356.80 yuan is owed." in english
    assert "因欠费" not in english
    chinese = _result_page(client, world, contact, "zh-hans")
    assert "因欠费已停止供应：欠费 356.80 元。" in chinese


def test_a_solved_self_check_names_the_script_in_the_readers_language(client, world):
    result = _take(world, "alice", troubleshooting=[TroubleshootingAnswer(script="main-breaker", solved=True,
                                                                          steps_done=(1,))])
    english = _result_page(client, world, result.contact, "en")
    assert "Solved on the call with the self-check “Main breaker”." in english
    with translation.override("en"):
        assert result.tell == "Solved on the call with the self-check “Main breaker”."


def test_recorded_steps_show_no_requirement_ids_nor_codes(client, world):
    """Issue 10 item 7: step labels said "(OUT-4, 004 第 13 步)"; a caller whose neighbours have
    supply showed the code ``single_premise``."""
    result = _take(world, "alice", problem={"fault_location": "service_point", "outage_scope": "single"})
    chinese = _result_page(client, world, result.contact, "zh-hans")
    english = _result_page(client, world, result.contact, "en")
    for page in (chinese, english):
        steps = page.split('id="recorded-steps"', 1)[1].split("</ol>", 1)[0]
        steps = re.sub(r"\b(SR|WO|O|C)\d+", "", steps)  # references (SR00000405 on PostgreSQL's sequences)
        assert "OUT-" not in steps and "004" not in steps and "第" not in steps.replace("第一", "")
        assert "single_premise" not in steps
    assert "Only this premise is off" in english
