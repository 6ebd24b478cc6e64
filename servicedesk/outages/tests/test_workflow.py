"""The outage workflow (issue 12 item 2, OUT-3, OUT-6): one transitions table, one writer of the
status, and a history row for every step: who, when, from, to, why."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from servicedesk.core.exceptions import Conflict
from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.outages.exceptions import OutageInvalidTransition
from servicedesk.outages.fault_calls import FaultCallInput, fault_call_take
from servicedesk.outages.lifecycle import (
    outage_confirm,
    outage_declare,
    outage_merge,
    outage_reject,
    outage_restore,
    outage_update,
)
from servicedesk.outages.models import Outage, OutageEvent, OutageEventKind, OutageStatus
from servicedesk.outages.workflow import OUTAGE_TRANSITIONS

pytestmark = pytest.mark.django_db
PROBLEM = {"fault_location": "service_point"}
backfill = importlib.import_module("servicedesk.outages.migrations.0009_outage_history")


def call(world, key):
    point = world.points[key]
    return fault_call_take(FaultCallInput(customer=point.customer, service_point=point,
                           reporter_phone=point.customer.mobile, problem=PROBLEM), actor=world.users["agent"])


def predicted(world):
    for key in ("n1", "n2", "n3"):
        call(world, key)
    return Outage.objects.get(status=OutageStatus.PREDICTED)


def later(hours=2):
    return timezone.now() + datetime.timedelta(hours=hours)


def steps(outage):
    return list(OutageEvent.objects.filter(outage=outage).order_by("at", "id")
                .values_list("kind", "action", "from_status", "to_status"))


def test_the_transitions_table_names_each_move_and_who_may_take_it():
    """OUT-3/OUT-6: predicted → confirmed/rejected/merged, confirmed → restored/merged; inference's
    moves are the system's (no capability)."""
    table = {action: (sorted(t.sources), t.target, t.capability is None) for action,
             t in OUTAGE_TRANSITIONS.items()}
    assert table == {
        "predict": ([""], "predicted", True), "declare": ([""], "confirmed", False),
        "confirm": (["predicted"], "confirmed", False), "reject": (["predicted"], "rejected", False),
        "merge": (["confirmed", "predicted"], "merged", False), "roll_up": (["predicted"], "merged", True),
        "restore": (["confirmed"], "restored", False),
    }


def test_OUT3_a_prediction_starts_the_history_as_the_systems_creation(world):
    outage = predicted(world)
    event = OutageEvent.objects.get(outage=outage)
    assert (event.kind, event.action, event.from_status, event.to_status, event.actor) == (
        "created", "predict", "", "predicted", None)
    assert abs(event.at - outage.created_at) < datetime.timedelta(seconds=1)


def test_OUT3_OUT6_each_legal_move_writes_one_event_with_who_when_from_to_and_why(world):
    dispatcher = world.users["dispatcher"]
    outage = predicted(world)
    outage_confirm(actor=dispatcher, outage=outage, cause="变压器烧损", etr=later())
    confirm = OutageEvent.objects.get(outage=outage, kind=OutageEventKind.TRANSITION)
    assert (confirm.action, confirm.from_status, confirm.to_status, confirm.actor) == (
        "confirm", "predicted", "confirmed", dispatcher)
    assert confirm.message["key"] == "outage_confirmed"  # why: what the system said, rendered when read
    outage_restore(actor=dispatcher, outage=outage, note="已更换熔断器")
    restore = OutageEvent.objects.filter(outage=outage, kind=OutageEventKind.TRANSITION).latest("at", "id")
    assert (restore.action, restore.from_status, restore.to_status, restore.actor, restore.reason) == (
        "restore", "confirmed", "restored", dispatcher, "已更换熔断器")
    outage.refresh_from_db()
    assert restore.at == outage.closed_at
    assert [s for s in steps(outage) if s[0] != "etr_change"] == [
        ("created", "predict", "", "predicted"), ("transition", "confirm", "predicted", "confirmed"),
        ("transition", "restore", "confirmed", "restored")]


def test_OUT3_rejecting_writes_the_dispatchers_reason(world):
    outage = outage_reject(actor=world.users["dispatcher"], outage=predicted(world), reason="各户独立故障")
    event = OutageEvent.objects.get(outage=outage, kind=OutageEventKind.TRANSITION)
    assert (event.action, event.to_status, event.reason) == ("reject", "rejected", "各户独立故障")


@pytest.mark.parametrize("move", ["restore_predicted", "confirm_restored", "reject_confirmed"])
def test_OUT3_OUT6_an_illegal_move_is_refused_and_writes_nothing(world, move):
    dispatcher = world.users["dispatcher"]
    outage = predicted(world)
    if move != "restore_predicted":
        outage_confirm(actor=dispatcher, outage=outage, cause="x", etr=later())
    if move == "confirm_restored":
        outage_restore(actor=dispatcher, outage=outage)
    before = (Outage.objects.get(pk=outage.pk).status, OutageEvent.objects.count())
    with pytest.raises(OutageInvalidTransition) as refused:
        if move == "restore_predicted":
            outage_restore(actor=dispatcher, outage=outage)
        elif move == "confirm_restored":
            outage_confirm(actor=dispatcher, outage=outage, cause="x", etr=later())
        else:
            outage_reject(actor=dispatcher, outage=outage, reason="x")
    assert isinstance(refused.value, Conflict) and refused.value.errors == {"status": refused.value.message}
    assert (Outage.objects.get(pk=outage.pk).status, OutageEvent.objects.count()) == before


def test_OUT6_an_illegal_move_through_the_api_is_a_409_with_the_error_body_and_writes_nothing(world):
    """The same shape as a request's refused transition: 409 and {"error": {code, message, fields}}.
    The code stays ``conflict``, as the outage endpoints answered before the table (test_api pins it)."""
    outage = predicted(world)
    events = OutageEvent.objects.count()
    response = as_(world, "dispatcher").post(f"/outages/{outage.pk}/restore", {})
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict" and "status" in error["fields"] and error["message"]
    assert OutageEvent.objects.count() == events
    assert Outage.objects.get(pk=outage.pk).status == "predicted"


def test_OUT3_roll_up_writes_one_event_per_merged_outage(world):
    """T1 then T2 predicted roll up to S1: each transformer outage gets its roll_up event, by the system."""
    predicted(world)
    for key in ("m1", "m2", "m3"):
        call(world, key)
    section = Outage.objects.get(status=OutageStatus.PREDICTED)
    merged = Outage.objects.filter(status=OutageStatus.MERGED)
    assert merged.count() == 2
    for outage in merged:
        event = OutageEvent.objects.get(outage=outage, kind=OutageEventKind.TRANSITION)
        assert (event.action, event.from_status, event.to_status, event.actor) == (
            "roll_up", "predicted", "merged", None)
        assert event.message == {"key": "outage_merged_into", "params": {"ref": section.reference}}


def test_OUT3_declaring_above_predicted_outages_merges_them_with_one_event_each(world):
    dispatcher = world.users["dispatcher"]
    below = predicted(world)
    declared = outage_declare(actor=dispatcher, device=world.devices["S1"], cause="开关跳闸", etr=later())
    assert steps(declared)[0] == ("created", "declare", "", "confirmed")
    event = OutageEvent.objects.get(outage=below, kind=OutageEventKind.TRANSITION)
    assert (event.action, event.from_status, event.to_status, event.actor) == ("merge", "predicted", "merged",
                                                                                dispatcher)


def test_merging_by_hand_writes_the_merge_and_a_cause_change_is_kept(world):
    dispatcher = world.users["dispatcher"]
    source = outage_declare(actor=dispatcher, device=world.devices["T3"], cause="x", etr=later())
    target = outage_declare(actor=dispatcher, device=world.devices["T4"], cause="树枝碰线", etr=later())
    outage_merge(actor=dispatcher, source=source, target=target)
    assert steps(source)[-1] == ("transition", "merge", "confirmed", "merged")
    outage_update(actor=dispatcher, outage=target, cause="电缆击穿", reason="现场确认")
    change = OutageEvent.objects.get(outage=target, kind=OutageEventKind.CAUSE_CHANGE)
    assert (change.changes, change.reason, change.actor) == ({"cause": ["树枝碰线", "电缆击穿"]}, "现场确认",
                                                             dispatcher)


def test_history_rows_refuse_update_and_delete(world):
    row = OutageEvent.objects.filter(outage=predicted(world)).first()
    row.reason = "改写"
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValueError):
        row.delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            OutageEvent.objects.filter(pk=row.pk).update(reason="改写")
        with pytest.raises(DatabaseError), transaction.atomic():
            OutageEvent.objects.filter(pk=row.pk).delete()


def test_the_backfill_gives_an_existing_outage_its_history(world):
    """Migration 0009: an outage from before the history (no events) gets created and transition
    events from its timestamps; a second run adds nothing."""
    dispatcher = world.users["dispatcher"]
    created = timezone.now() - datetime.timedelta(hours=5)
    confirmed_at, closed_at = created + datetime.timedelta(hours=1), created + datetime.timedelta(hours=3)
    old = Outage.objects.create(utility="power", device=world.devices["T4"], status=OutageStatus.RESTORED,
                                origin=Outage.Origin.INFERRED, created_at=created, confirmed_at=confirmed_at,
                                confirmed_by=dispatcher, closed_at=closed_at, closed_by=dispatcher,
                                note="已修复")
    declared = Outage.objects.create(utility="power", device=world.devices["T3"],
                                     status=OutageStatus.CONFIRMED,
                                     origin=Outage.Origin.DECLARED, created_at=created, confirmed_at=created,
                                     confirmed_by=dispatcher)
    backfill.backfill_events(apps, None)
    rows = list(OutageEvent.objects.filter(outage=old).order_by("at", "id")
                .values_list("at", "kind", "action", "from_status", "to_status", "actor", "reason"))
    assert rows == [
        (created, "created", "predict", "", "predicted", None, ""),
        (confirmed_at, "transition", "confirm", "predicted", "confirmed", dispatcher.pk, ""),
        (closed_at, "transition", "restore", "confirmed", "restored", dispatcher.pk, "已修复"),
    ]
    assert steps(declared) == [("created", "declare", "", "confirmed")]
    backfill.backfill_events(apps, None)
    assert OutageEvent.objects.filter(outage__in=[old, declared]).count() == 4


def test_the_outage_page_shows_the_history_in_the_readers_language(client, world):
    dispatcher = world.users["dispatcher"]
    outage = outage_confirm(actor=dispatcher, outage=predicted(world), cause="变压器烧损", etr=later())
    client.force_login(world.users["agent"])
    for language, words in (("en", ("History of the outage", "Predicted from calls", "Confirm", "System")),
                            ("zh-hans", ("停电事件记录", "系统"))):
        client.cookies["django_language"] = language
        body = client.get(reverse("web:outage_detail", args=[outage.pk])).content.decode()
        assert words[0] in body
        table = body[body.index('id="outage-history"'):]
        table = table[:table.index("</table>")]
        assert all(word in table for word in words[1:]), (language, table)
        assert "roll_up" not in table and ">predicted<" not in table  # no internal codes


def test_the_api_lists_the_outage_events(world):
    outage = outage_confirm(actor=world.users["dispatcher"], outage=predicted(world), cause="变压器烧损",
                            etr=later())
    body = as_(world, "agent").get(f"/outages/{outage.pk}").json()
    assert [(e["kind"], e["action"], e["to_status"]) for e in body["events"]][:2] == [
        ("created", "predict", "predicted"), ("transition", "confirm", "confirmed")]
    assert (body["events"][1]["actor"]["username"] == "dispatcher"
            and "变压器烧损" in body["events"][1]["reason"])
