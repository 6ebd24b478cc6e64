"""Placing a fault call on the network (OUT-2, OUT-3): joining the open outage that covers it,
or predicting one from the neighbours' calls and rolling it up the network.

Concurrency. Calls under one area (a feeder or a supply zone) that reach inference are serialised
by a row lock on the area's device, so fifty callers of one fault make one outage; a call joining
an open outage reads it with a key-share lock, which waits for (and then sees) a concurrent
restoration, so no call is linked to an outage after its callers were called back. A partial
unique index allows one open outage per device as the last guard.
"""

import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Q

from servicedesk.contacts.models import ContactRecord
from servicedesk.core.messages import message
from servicedesk.customers.models import ServicePoint
from servicedesk.network.models import Device
from servicedesk.network.selectors import devices_under, service_points_under
from servicedesk.outages.callers import note_linked_requests
from servicedesk.outages.config import OutageConfig
from servicedesk.outages.contact_steps import ContactDraft, outage_told, told_details
from servicedesk.outages.models import (
    FAULT_CALL_INSERT,
    OPEN_OUTAGE_STATUSES,
    FaultCall,
    InferenceRule,
    Outage,
    OutageStatus,
)
from servicedesk.outages.selectors import open_outage_covering
from servicedesk.outages.workflow import outage_open, outages_transition
from servicedesk.tickets.models import ServiceRequest

Outcome = ContactRecord.Outcome
# The work request's field that says whether the neighbours are off too (004 step 19.2's problem
# detail; the main-breaker self-check asks it first), and its value for "only this premise".
SCOPE_FIELD, SCOPE_SINGLE = "outage_scope", "single"
# Written on every fault call placed on the network: the insert built once (core.prepared).


def fault_call_row(contact: ContactRecord, point: ServicePoint, *, now: datetime.datetime,
                    outage: Outage | None, problem: dict[str, Any],
                    request: ServiceRequest | None = None) -> FaultCall:
    device = point.device
    assert device is not None, "only a call placed on the network has a row"
    lineage = device.lineage
    return FaultCall(
        contact=contact, service_point=point, device_id=device.pk,
        parent_device_id=lineage[-1] if len(lineage) >= 1 else None,
        grandparent_device_id=lineage[-2] if len(lineage) >= 2 else None,
        reported_at=now, outage=outage, problem=problem, request=request,
        unexplained=outage is None or outage.status == OutageStatus.PREDICTED,
        single_premise=single_premise(problem),
    )


def single_premise(problem: dict[str, Any]) -> bool:
    """The caller says the neighbours have supply (the self-check's first question)."""
    return problem.get(SCOPE_FIELD) == SCOPE_SINGLE


def join_open_outage(draft: ContactDraft, point: ServicePoint, *, now: datetime.datetime,
                     problem: dict[str, Any], step: str) -> Outage | None:
    """Link the call to the open outage covering the service point, if there is one (OUT-2).

    Concurrency (PostgreSQL): the outage is read with a key-share lock, which callers share but
    which waits for a dispatcher's restoration, confirmation or merge (they lock the outage for
    update) and then sees its new status: no call is linked to an outage after its callers were
    called back. Nothing is written to the outage row: the callers of one fault never wait for
    each other (its calls are counted when read)."""
    outage = open_outage_covering(point, lock=True)
    if outage is None:
        return None
    details = {"status": outage.status} if step == "open_outage" else {"device": outage.device.code}
    draft.step(step, outage.reference, **details, **told_details(outage_told(outage)))
    draft.ensure_written(Outcome.OUTAGE_LINKED)
    FAULT_CALL_INSERT.save(fault_call_row(draft.record, point, now=now, outage=outage, problem=problem))
    return outage


# FaultCall's column holding the device ``depth`` levels above a call's own device.
_CALL_COLUMN_AT_DEPTH = ("device", "parent_device", "grandparent_device")


def infer(draft: ContactDraft, point: ServicePoint, *, config: OutageConfig, now: datetime.datetime,
          problem: dict[str, Any]) -> Outage | None:
    """OUT-3: predict an outage if this call and the neighbours' meet the thresholds.

    1. Enough different callers under the service point's transformer (pipe segment), this one
       included, predict it: the call is placed on the network and joins the new outage.
    2. A new prediction rolls up: when enough of the section's transformers are out, the
       section is predicted, and so on to the feeder.
    3. A prediction takes every unexplained call under its device and the predicted outages
       below it.

    Otherwise nothing is written here: the call gets a work request and is placed on the network
    with it (``fault_calls._work_request``)."""
    device = point.device
    assert device is not None, "only a call placed on the network is inferred from"
    if device.area_id is not None:
        # Serialise the calls of one area (feeder or zone); on SQLite writes are serial anyway.
        # FOR NO KEY UPDATE: it must not block the key-share locks that inserting a fault call
        # (whose foreign keys name this feeder) takes, or a caller joining an open outage and a
        # caller here would wait for each other.
        list(Device.objects.select_for_update(no_key=True).filter(pk=device.area_id).values_list("pk"))
        # Created while we waited for the lock?
        outage = join_open_outage(draft, point, now=now, problem=problem, step="inference")
        if outage is not None:
            return outage
    rule = config.rules_by_kind.get(device.kind)
    if rule is None or not _callers_enough(rule, device, depth=0, now=now, caller=point.pk):
        return None
    draft.ensure_written(Outcome.OUTAGE_LINKED)
    FAULT_CALL_INSERT.save(fault_call_row(draft.record, point, now=now, outage=None, problem=problem))
    outage = _predict(device, depth=0, window=rule.window_minutes, now=now)
    # Roll up (OUT-3): the devices above, while enough of their children are out.
    above = {d.pk: d for d in Device.objects.filter(pk__in=device.lineage)} if device.lineage else {}
    for depth, ancestor_id in enumerate(reversed(device.lineage), start=1):
        ancestor = above.get(ancestor_id)
        rule = config.rules_by_kind.get(ancestor.kind) if ancestor else None
        if (ancestor is None or rule is None or depth >= len(_CALL_COLUMN_AT_DEPTH)
                or not _children_enough(rule, ancestor)
                or not _callers_enough(rule, ancestor, depth=depth, now=now)):
            break
        outage = _predict(ancestor, depth=depth, window=rule.window_minutes, now=now)
    draft.step("inference", outage.reference, device=outage.device.code)
    return outage


def _callers_enough(rule: InferenceRule, device: Device, *, depth: int, now: datetime.datetime,
                    caller: int | None = None) -> bool:
    """Enough different service points under ``device`` called within the rule's window,
    counting ``caller`` (a service point whose call is not recorded yet) too."""
    since = now - datetime.timedelta(minutes=rule.window_minutes)
    if depth == 0 and caller is not None:
        calling, under = _leaf_callers(device, since=since, caller=caller)
        calling += 1
    else:
        calls = FaultCall.objects.filter(**{_CALL_COLUMN_AT_DEPTH[depth]: device.pk}, unexplained=True,
                                         single_premise=False, reported_at__gte=since)
        calling = calls.aggregate(n=Count("service_point", distinct=True))["n"]
        under = None
    if calling < rule.min_service_points:
        return False
    if not rule.min_service_points_percent:
        return True
    if under is None:
        under = service_points_under(device).count()
    return calling >= rule.service_points_needed(under)


def _leaf_callers(device: Device, *, since: datetime.datetime, caller: int) -> tuple[int, int]:
    """(other service points under a transformer or pipe segment with an unexplained call since
    ``since``, service points it supplies): asked on every call that reaches inference, in one
    statement written out (the partial index ``faultcall_device`` serves the first count)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(DISTINCT service_point_id), (SELECT COUNT(*) FROM {ServicePoint._meta.db_table} "
            f"WHERE device_id = %s) FROM {FaultCall._meta.db_table} "
            "WHERE device_id = %s AND unexplained AND NOT single_premise AND reported_at >= %s "
            "AND service_point_id <> %s",
            [device.pk, device.pk, connection.ops.adapt_datetimefield_value(since), caller])
        calling, under = cursor.fetchone()
    return calling, under


def _children_enough(rule: InferenceRule, device: Device) -> bool:
    """Enough of the device's children have an open outage (the roll-up)."""
    out = (Outage.objects.filter(device__parent=device, status__in=OPEN_OUTAGE_STATUSES)
           .values("device_id").distinct().count())
    if out < rule.min_children:
        return False
    return out >= rule.children_needed(Device.objects.filter(parent=device).count())



def _predict(device: Device, *, depth: int, window: int, now: datetime.datetime) -> Outage:
    """A predicted outage of ``device``: the predicted outages below it are merged into it (rolled
    up, one history row each), and it takes their calls and every unexplained call under it within
    the window."""
    outage = outage_open(action="predict", actor=None, at=now, utility=device.utility, device=device,
                         origin=Outage.Origin.INFERRED)
    # Locked for update: waits for callers joining them (they hold a key-share lock) to commit.
    below = list(Outage.objects.select_for_update().filter(status=OutageStatus.PREDICTED,
                                                            device__in=list(devices_under(device)))
                 .exclude(pk=outage.pk).order_by("pk").values_list("pk", "status"))
    # The page says "merged into" from ``merged_into``, in the reader's language (no note written).
    outages_transition(sources=below, action="roll_up", actor=None, at=now,
                       message=message("outage_merged_into", ref=outage.reference), merged_into=outage,
                       closed_at=now)
    since = now - datetime.timedelta(minutes=window)
    FaultCall.objects.filter(
        Q(**{_CALL_COLUMN_AT_DEPTH[depth]: device.pk}, unexplained=True, reported_at__gte=since,
          outage__isnull=True)
        | Q(outage_id__in=[pk for pk, _status in below])).update(outage=outage)
    outage.forget_call_stats()
    note_linked_requests(outage, message("outage_grouped", ref=outage.reference, device=device.code))
    return outage
