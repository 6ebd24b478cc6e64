"""Every write of outages and fault calls (seed 004, OUT-2..OUT-6, the leak part of 003, INT-8).

The fault call (``fault_call_take``) follows 004's flow chart and records each step on the contact:

    identify the service point → connection status (OUT-4) → planned outage in force (OUT-2)
    → open outage covering the service point (OUT-2) → guided troubleshooting (OUT-5)
    → outage inference (OUT-3) → work request to the dispatcher (OUT-6)

Concurrency. Calls under one area (a feeder or a supply zone) that reach inference are serialised
by a row lock on the area's device, so fifty callers of one fault make one outage; a call joining
an open outage increments its counter with a conditional UPDATE, which waits for (and then sees)
a concurrent restoration, so no call is linked to an outage after its callers were called back.
A partial unique index allows one open outage per device as the last guard.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.contacts.services import (
    CallbackDraft,
    MessageDraft,
    callbacks_create,
    contact_build,
    messages_queue,
)
from servicedesk.core.exceptions import ActionNotAllowed, Conflict, ValidationFailed
from servicedesk.core.messages import Message, bilingual, label, message, moment, render, typed
from servicedesk.core.prepared import PreparedInsert
from servicedesk.core.shared_cache import bundle_invalidate, stamps_read_once
from servicedesk.core.transactions import unit
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.network.models import Device, Utility
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Capability
from servicedesk.outages.config import CONFIG_CACHE_KEY, OutageConfig, outage_config
from servicedesk.outages.models import (
    OPEN_OUTAGE_STATUSES,
    FaultCall,
    InferenceRule,
    Outage,
    OutageEtrChange,
    OutageStatus,
    PlannedOutage,
    PlannedOutageNotice,
    TroubleshootingScript,
)
from servicedesk.outages.selectors import (
    open_outage_covering,
    outage_crew_types,
    planned_outages_in_force,
    service_points_under,
)
from servicedesk.sla.config import SLA_CACHE_KEY
from servicedesk.tickets.config import CONFIG_CACHE_KEY as INTAKE_CONFIG_KEY
from servicedesk.tickets.models import (
    OPEN_WORK_ORDER_STATUSES,
    EventKind,
    RequestEvent,
    RequestStatus,
    ServiceRequest,
    WorkOrder,
)
from servicedesk.tickets.services import (
    request_create,
    request_transition,
    work_order_create,
    work_order_transition,
)

Outcome = ContactRecord.Outcome
ReporterKind = ContactRecord.ReporterKind
# The work request's field that says whether the neighbours are off too (004 step 19.2's problem
# detail; the main-breaker self-check asks it first), and its value for "only this premise".
SCOPE_FIELD, SCOPE_SINGLE = "outage_scope", "single"
# Written on every fault call: inserts built once (core.prepared).
_CONTACT_INSERT = PreparedInsert(ContactRecord)
_FAULT_CALL_INSERT = PreparedInsert(FaultCall)
ConnectionStatus = ServicePoint.ConnectionStatus
CAUSE_UNKNOWN = gettext_lazy("cause under investigation")


def _require(actor: User, capability: Capability, message: str) -> None:
    if not actor.can(capability):
        raise ActionNotAllowed(message)


def local_time(value: datetime.datetime | None) -> str:
    if value is None:
        return _("not yet known")
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i")


# ----------------------------------------------------------------------------------------------
# The fault call (004)


@dataclass(frozen=True)
class TroubleshootingAnswer:
    """The result of one guided self-check (OUT-5): which script, which steps were done, solved?"""

    script: str
    solved: bool
    steps_done: tuple[int, ...] = ()
    note: str = ""


@dataclass
class FaultCallResult:
    contact: ContactRecord
    outcome: str
    told: Message  # what the agent tells the caller (core.messages), rendered in the reader's language
    steps: list[dict[str, Any]] = field(default_factory=list)
    outage: Outage | None = None
    planned_outage: PlannedOutage | None = None
    request: ServiceRequest | None = None

    @property
    def tell(self) -> str:
        return render(self.told)


def _step(steps: list[dict[str, Any]], step: str, result: str, **details: Any) -> None:
    steps.append({"step": step, "result": result, **details})


def told_details(told: Message) -> dict[str, Any]:
    """What a step keeps of what the caller was told: the text in the language of the call (for
    readers of the raw steps) and the message, rendered in each reader's language when shown."""
    return {"told": render(told), "told_message": told}


def _planned_told(planned: PlannedOutage, notice: PlannedOutageNotice | None) -> Message:
    told = message("tell_planned", reason=typed(planned.reason), start=moment(planned.starts_at),
                   end=moment(planned.ends_at))
    if notice is not None and notice.written:
        told["more"] = [message("tell_planned_notice", date=moment(notice.notified_at))]
    return told


def _outage_told(outage: Outage) -> Message:
    if outage.status == OutageStatus.CONFIRMED:
        return message("tell_outage_confirmed", ref=outage.reference,
                       cause=typed(outage.cause) if outage.cause else label(CAUSE_UNKNOWN), etr=moment(outage.etr))
    return message("tell_outage_predicted", ref=outage.reference)


def fault_call_take(
    *,
    actor: User,
    utility: str = Utility.POWER,
    channel: str = Channel.PHONE,
    reporter_kind: str = ReporterKind.CUSTOMER,
    customer: Customer | None = None,
    service_point: ServicePoint | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    location: str = "",
    notes: str = "",
    troubleshooting: Sequence[TroubleshootingAnswer] = (),
    problem: dict[str, Any] | None = None,
    estimated_completion_at: datetime.datetime | None = None,
    started_at: datetime.datetime | None = None,
) -> FaultCallResult:
    """Take one fault call through 004's flow and record it; returns what to tell the caller.

    ``problem`` holds the work request's fields (e.g. ``fault_location``: high-voltage cable or
    service point, ``outage_scope``); they are needed only when the call ends in a work request
    (the answer names the missing ones). One transaction: nothing is kept if any step fails.
    """
    _require(actor, Capability.LOG_CONTACT, _("Your role may not take calls."))
    _require(actor, Capability.CREATE_REQUEST, _("Your role may not create service requests."))
    if customer is not None and service_point is None:
        points = list(customer.service_points.filter(utility=utility)[:2])
        if len(points) == 1:
            service_point = points[0]
        elif points:
            raise ValidationFailed(_("This customer has several service points: choose the one without supply."),
                                   field="service_point_id")
    if service_point is not None:
        utility = service_point.utility
    if utility not in Utility.values:
        raise ValidationFailed(_("Unknown utility."), field="utility")
    # One cache read for the configurations the call may need (a work request needs all three).
    with stamps_read_once((CONFIG_CACHE_KEY, INTAKE_CONFIG_KEY, SLA_CACHE_KEY)):
        config = outage_config()
        with unit():
            contact = contact_build(
                agent=actor, channel=channel, reporter_kind=reporter_kind, customer=customer,
                service_point=service_point, reporter_name=reporter_name, reporter_phone=reporter_phone,
                request_type=_fault_setting(config, utility).request_type, notes=notes, started_at=started_at,
            )
            result = _flow(contact, actor=actor, utility=utility, config=config, location=location,
                           troubleshooting=troubleshooting, problem=problem or {},
                           estimated_completion_at=estimated_completion_at)
            contact = result.contact
            if result.steps and "told" not in result.steps[-1]:
                result.steps[-1].update(told_details(result.told))  # what the caller was told is kept with the steps
            if contact.pk is None:
                contact.steps = result.steps
                contact.outcome = result.outcome
                _CONTACT_INSERT.save(contact)
            elif getattr(contact, "_saved_state", None) != (result.outcome, repr(result.steps),
                                                             contact.first_contact_resolution):
                contact.steps = result.steps
                contact.outcome = result.outcome
                ContactRecord.objects.filter(pk=contact.pk).update(
                    steps=contact.steps, outcome=contact.outcome, first_contact_resolution=contact.first_contact_resolution)
            return result


def _fault_setting(config: OutageConfig, utility: str) -> Any:
    setting = config.settings_by_utility.get(utility)
    if setting is None:
        raise ValidationFailed(_("No fault request type is configured for %(utility)s.") % {"utility": utility},
                               field="utility")
    return setting


def _flow(contact: ContactRecord, *, actor: User, utility: str, config: OutageConfig, location: str,
          troubleshooting: Sequence[TroubleshootingAnswer], problem: dict[str, Any],
          estimated_completion_at: datetime.datetime | None) -> FaultCallResult:
    steps: list[dict[str, Any]] = []
    point = contact.service_point
    now = timezone.now()

    # 004 steps 3, 6, 8: identify the service point and the caller.
    if point is None:
        _step(steps, "identify", contact.reporter_kind, service_point=None, location=location.strip())
        if contact.reporter_kind == ReporterKind.UNIDENTIFIED and not location.strip():
            contact.outcome = Outcome.INFORMATION_RECORDED
            return FaultCallResult(contact, Outcome.INFORMATION_RECORDED, steps=steps,
                                   told=message("tell_unidentified"))
        # 004 step 2: a report not tied to a customer (police, passer-by): straight to a work request.
        return _work_request(contact, actor=actor, utility=utility, config=config, steps=steps, location=location,
                             problem=problem, troubleshooting=troubleshooting,
                             estimated_completion_at=estimated_completion_at)
    _step(steps, "identify", contact.reporter_kind, service_point=point.number,
          customer=contact.customer.number if contact.customer else None)

    # OUT-4, 004 steps 13 and 17: supply cut for unpaid bills or an unregistered move-in.
    status = point.connection_status
    _step(steps, "connection_status", status)
    if status != ConnectionStatus.CONNECTED:
        return FaultCallResult(contact, Outcome.CONNECTION_CUT, steps=steps,
                               told=connection_advice_message(point))

    # OUT-2, 004 steps 10–12: a planned outage in force here: tell again, a new contact record.
    planned = planned_outages_in_force(point, at=now, schedule=config.planned)
    if planned:
        notice = PlannedOutageNotice.objects.filter(planned_outage=planned[0], service_point=point).first()
        _step(steps, "planned_outage", planned[0].reference, written_notice=bool(notice and notice.written))
        return FaultCallResult(contact, Outcome.PLANNED_OUTAGE, steps=steps, planned_outage=planned[0],
                               told=_planned_told(planned[0], notice))
    _step(steps, "planned_outage", "none")

    # OUT-2, 004 steps 4–5: an open outage covers this service point: link, no new work.
    outage = _join_open_outage(contact, point, now=now, problem=problem, steps=steps, step="open_outage")
    if outage is not None:
        return FaultCallResult(contact, Outcome.OUTAGE_LINKED, steps=steps, outage=outage, told=_outage_told(outage))
    _step(steps, "open_outage", "none")

    # OUT-5, 004 steps 14–16: a safe self-check solved it: a contact record only.
    solved = _record_troubleshooting(steps, troubleshooting, config=config, utility=utility)
    if solved is not None:
        contact.first_contact_resolution = True
        return FaultCallResult(contact, Outcome.SELF_HELP, steps=steps,
                               told=message("tell_self_help", script=bilingual(solved)))

    # OUT-3: place the call on the network; enough neighbours' calls predict an outage. A caller
    # whose neighbours have supply has a fault of their own: nothing to infer.
    if point.device_id is not None and _single_premise(problem):
        _step(steps, "inference", "single_premise")
    elif point.device_id is not None:
        outage = _infer(contact, point, config=config, now=now, problem=problem, steps=steps)
        if outage is not None:
            return FaultCallResult(contact, Outcome.OUTAGE_LINKED, steps=steps, outage=outage,
                                   told=_outage_told(outage))
        _step(steps, "inference", "none")

    # OUT-6, 004 steps 18–20: a work request to the dispatcher; the call stays on the network
    # with its request, for the outage it may be grouped into later.
    return _work_request(contact, actor=actor, utility=utility, config=config, steps=steps, location=location,
                         problem=problem, troubleshooting=(), estimated_completion_at=estimated_completion_at,
                         on_network=point.device_id is not None, now=now)


def connection_advice_message(point: ServicePoint) -> Message:
    """OUT-4: what to tell a caller whose supply is cut, and how to be reconnected."""
    status = point.connection_status
    if status == ConnectionStatus.CUT_UNPAID:
        owed = point.account.amount_owed if point.account_id else 0
        return message("tell_cut_unpaid", owed=str(owed))
    if status == ConnectionStatus.CUT_MOVE_IN_UNREGISTERED:
        return message("tell_cut_move_in")
    if status == ConnectionStatus.SUSPENDED:
        return message("tell_suspended")
    return message("tell_closed")


def connection_advice(point: ServicePoint) -> str:
    return render(connection_advice_message(point))


def _record_troubleshooting(steps: list[dict[str, Any]], answers: Sequence[TroubleshootingAnswer], *,
                            config: OutageConfig, utility: str) -> TroubleshootingScript | None:
    """Record each self-check on the contact; the one that solved it, if any."""
    solved: TroubleshootingScript | None = None
    for answer in answers:
        script = config.script(answer.script)
        if script is None or script.utility != utility:
            raise ValidationFailed(_("Unknown troubleshooting script %(code)s.") % {"code": answer.script},
                                   field="troubleshooting")
        known = {s.order for s in config.steps_by_script.get(script.pk, [])}
        unknown = [n for n in answer.steps_done if n not in known]
        if unknown:
            raise ValidationFailed(_("Script %(code)s has no step %(step)s.") % {"code": script.code,
                                                                                 "step": unknown[0]},
                                   field="troubleshooting")
        _step(steps, "troubleshooting", "solved" if answer.solved else "not_solved", script=script.code,
              steps_done=list(answer.steps_done), note=answer.note.strip())
        if answer.solved and solved is None:
            solved = script
    return solved


def _work_request(contact: ContactRecord, *, actor: User, utility: str, config: OutageConfig,
                  steps: list[dict[str, Any]], location: str, problem: dict[str, Any],
                  troubleshooting: Sequence[TroubleshootingAnswer],
                  estimated_completion_at: datetime.datetime | None, on_network: bool = False,
                  now: datetime.datetime | None = None) -> FaultCallResult:
    """The request, then the contact written once with every step (``request_create`` saves it),
    then the call's place on the network with its request."""
    if troubleshooting:
        _record_troubleshooting(steps, troubleshooting, config=config, utility=utility)
    setting = _fault_setting(config, utility)
    estimate = estimated_completion_at or timezone.now() + datetime.timedelta(
        minutes=setting.initial_estimate_minutes)
    told: Message = {}

    def complete_contact(request: ServiceRequest) -> None:
        nonlocal told
        told = message("tell_work_request", ref=request.reference, eta=moment(estimate))
        _step(steps, "work_request", request.reference, priority=request.priority,
              unit=request.responsible_unit.code if request.responsible_unit else None,
              estimated_completion_at=estimate.isoformat(), **told_details(told))
        _mark_saved(contact, Outcome.REQUEST_CREATED, steps)

    try:
        request = request_create(actor=actor, request_type=setting.request_type, channel=contact.channel,
                                 contact=contact, location=location, description=contact.notes,
                                 attributes=problem, estimated_completion_at=estimate,
                                 before_contact_save=complete_contact)
    except ValidationFailed as error:
        # The problem detail is asked for only when the call needs a work request: say so.
        errors = {(f"problem.{k.removeprefix('attributes.')}" if k.startswith("attributes") else k): v
                  for k, v in error.errors.items()}
        raise ValidationFailed(error.message, errors=errors) from error
    if on_network:
        _FAULT_CALL_INSERT.save(_fault_call_row(contact, contact.service_point, now=now or timezone.now(),
                                                outage=None, problem=problem, request=request))
    return FaultCallResult(contact, Outcome.REQUEST_CREATED, steps=steps, request=request, told=told)


def _fault_call_row(contact: ContactRecord, point: ServicePoint, *, now: datetime.datetime,
                    outage: Outage | None, problem: dict[str, Any],
                    request: ServiceRequest | None = None) -> FaultCall:
    device = point.device
    lineage = device.lineage
    return FaultCall(
        contact=contact, service_point=point, device_id=device.pk,
        parent_device_id=lineage[-1] if len(lineage) >= 1 else None,
        grandparent_device_id=lineage[-2] if len(lineage) >= 2 else None,
        reported_at=now, outage=outage, problem=problem, request=request,
        unexplained=outage is None or outage.status == OutageStatus.PREDICTED,
        single_premise=_single_premise(problem),
    )


def _single_premise(problem: dict[str, Any]) -> bool:
    """The caller says the neighbours have supply (the self-check's first question)."""
    return problem.get(SCOPE_FIELD) == SCOPE_SINGLE


def _mark_saved(contact: ContactRecord, outcome: str, steps: list[dict[str, Any]]) -> None:
    """Set what the contact is saved with; ``fault_call_take`` writes the steps again at the end
    only if more were recorded since."""
    contact.outcome = outcome
    contact.steps = list(steps)
    contact._saved_state = (outcome, repr(steps), contact.first_contact_resolution)  # type: ignore[attr-defined]


def _save_contact(contact: ContactRecord, outcome: str, steps: list[dict[str, Any]]) -> None:
    """Save the contact now (a fault call row must point at it)."""
    if contact.pk is None:
        _mark_saved(contact, outcome, steps)
        _CONTACT_INSERT.save(contact)


def _join_open_outage(contact: ContactRecord, point: ServicePoint, *, now: datetime.datetime,
                      problem: dict[str, Any], steps: list[dict[str, Any]], step: str) -> Outage | None:
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
    _step(steps, step, outage.reference, **details, **told_details(_outage_told(outage)))
    _save_contact(contact, Outcome.OUTAGE_LINKED, steps)
    _FAULT_CALL_INSERT.save(_fault_call_row(contact, point, now=now, outage=outage, problem=problem))
    return outage


# FaultCall's column holding the device ``depth`` levels above a call's own device.
_CALL_COLUMN_AT_DEPTH = ("device", "parent_device", "grandparent_device")


def _infer(contact: ContactRecord, point: ServicePoint, *, config: OutageConfig, now: datetime.datetime,
           problem: dict[str, Any], steps: list[dict[str, Any]]) -> Outage | None:
    """OUT-3: predict an outage if this call and the neighbours' meet the thresholds.

    1. Enough different callers under the service point's transformer (pipe segment), this one
       included, predict it: the call is placed on the network and joins the new outage.
    2. A new prediction rolls up: when enough of the section's transformers are out, the
       section is predicted, and so on to the feeder.
    3. A prediction takes every unexplained call under its device and the predicted outages
       below it.

    Otherwise nothing is written here: the call gets a work request and is placed on the network
    with it (``_work_request``)."""
    device = point.device
    if device.area_id is not None:
        # Serialise the calls of one area (feeder or zone); on SQLite writes are serial anyway.
        # FOR NO KEY UPDATE: it must not block the key-share locks that inserting a fault call
        # (whose foreign keys name this feeder) takes, or a caller joining an open outage and a
        # caller here would wait for each other.
        list(Device.objects.select_for_update(no_key=True).filter(pk=device.area_id).values_list("pk"))
        # Created while we waited for the lock?
        outage = _join_open_outage(contact, point, now=now, problem=problem, steps=steps, step="inference")
        if outage is not None:
            return outage
    rule = config.rules_by_kind.get(device.kind)
    if rule is None or not _callers_enough(rule, device, depth=0, now=now, caller=point.pk):
        return None
    _save_contact(contact, Outcome.OUTAGE_LINKED, steps)
    _FAULT_CALL_INSERT.save(_fault_call_row(contact, point, now=now, outage=None, problem=problem))
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
    _step(steps, "inference", outage.reference, device=outage.device.code)
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
    """A predicted outage of ``device``: the predicted outages below it are merged into it, and
    it takes their calls and every unexplained call under it within the window."""
    outage = Outage.objects.create(utility=device.utility, device=device, status=OutageStatus.PREDICTED,
                                   origin=Outage.Origin.INFERRED, created_at=now)
    # Locked for update: waits for callers joining them (they hold a key-share lock) to commit.
    below = list(Outage.objects.select_for_update().filter(status=OutageStatus.PREDICTED,
                                                            device__in=_devices_below(device))
                 .exclude(pk=outage.pk).order_by("pk").values_list("pk", flat=True))
    if below:
        # The page says "merged into" from ``merged_into``, in the reader's language (no note written).
        Outage.objects.filter(pk__in=below).update(status=OutageStatus.MERGED, merged_into=outage, closed_at=now)
    since = now - datetime.timedelta(minutes=window)
    FaultCall.objects.filter(
        Q(**{_CALL_COLUMN_AT_DEPTH[depth]: device.pk}, unexplained=True, reported_at__gte=since, outage__isnull=True)
        | Q(outage_id__in=below)).update(outage=outage)
    outage.forget_call_stats()
    _note_linked_requests(outage, message("outage_grouped", ref=outage.reference, device=device.code))
    return outage


def _linked_requests(outage: Outage) -> list[int]:
    return list(FaultCall.objects.filter(outage=outage, request__isnull=False).values_list("request_id", flat=True))


def _note_linked_requests(outage: Outage, note: Message, *, actor: User | None = None,
                          request_ids: Iterable[int] | None = None) -> None:
    ids = list(request_ids) if request_ids is not None else _linked_requests(outage)
    if not ids:
        return
    now = timezone.now()
    RequestEvent.objects.bulk_create(
        [RequestEvent(request_id=i, at=now, actor=actor, kind=EventKind.NOTE, message=note) for i in ids],
        batch_size=2000)
    ServiceRequest.objects.filter(pk__in=ids).update(updated_at=now)  # the note is the latest change


# ----------------------------------------------------------------------------------------------
# The dispatcher: confirm, reject, merge, ETR, restore (OUT-3, OUT-6, INT-8)


def _locked_outage(outage: Outage) -> Outage:
    return Outage.objects.select_for_update().select_related("device").get(pk=outage.pk)


def _check_open(outage: Outage) -> None:
    if outage.status not in OPEN_OUTAGE_STATUSES:
        raise Conflict(_("Outage %(ref)s is %(status)s.") % {"ref": outage.reference,
                                                             "status": outage.get_status_display()},
                       field="status")


def _check_etr(etr: datetime.datetime | None, *, required: bool) -> None:
    if etr is None and required:
        raise ValidationFailed(_("Give the estimated time of restoration."), field="etr")
    if etr is not None and etr < timezone.now() - datetime.timedelta(minutes=5):
        raise ValidationFailed(_("The estimated restoration time is in the past."), field="etr")


@transaction.atomic
def outage_declare(*, actor: User, device: Device, cause: str, etr: datetime.datetime | None,
                   origin: str = Outage.Origin.DECLARED, request: ServiceRequest | None = None) -> Outage:
    """A dispatcher declares a known outage (SCADA alarm, a leak repair's affected area): callers
    under the device are told the cause and ETR and linked from now on."""
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    if not cause.strip():
        raise ValidationFailed(_("Give the cause."), field="cause")
    _check_etr(etr, required=False)
    if device.area_id is not None:
        list(Device.objects.select_for_update(no_key=True).filter(pk=device.area_id).values_list("pk"))
    existing = Outage.objects.filter(device=device, status__in=OPEN_OUTAGE_STATUSES).first()
    if existing is not None:
        raise Conflict(_("Outage %(ref)s is already open on this device.") % {"ref": existing.reference},
                       field="device_id")
    now = timezone.now()
    outage = Outage.objects.create(utility=device.utility, device=device, status=OutageStatus.CONFIRMED,
                                   origin=origin, cause=cause.strip(), etr=etr, request=request,
                                   confirmed_at=now, confirmed_by=actor, created_at=now)
    # Declared with its first ETR: the start of the outage's ETR changes.
    _record_etr_change(outage, old=None, new=etr, actor=actor,
                       note=message("outage_declared", ref=outage.reference, cause=typed(outage.cause)))
    # Predicted outages below it and their calls are explained by it now.
    below = Outage.objects.filter(status=OutageStatus.PREDICTED,
                                  device__in=[d.pk for d in _devices_below(device)]).exclude(pk=outage.pk)
    _merge_many(list(below), into=outage, actor=actor, now=now)
    window = max([r.window_minutes for r in outage_config().rules_by_kind.values()] or [120])
    leaves = [d.pk for d in _devices_below(device)]
    FaultCall.objects.filter(outage__isnull=True, unexplained=True, device_id__in=leaves,
                             reported_at__gte=now - datetime.timedelta(minutes=window)).update(outage=outage)
    FaultCall.objects.filter(outage=outage).update(unexplained=False)
    outage.forget_call_stats()
    if request is not None:
        from servicedesk.tickets.services import request_update

        if etr is not None and request.is_open:
            request_update(request=request, actor=actor, estimated_completion_at=etr,
                           note=message("outage_estimated_completion", ref=outage.reference))
    return outage


def _devices_below(device: Device) -> list[Device]:
    from servicedesk.outages.selectors import devices_under

    return list(devices_under(device))


def _merge_many(sources: list[Outage], *, into: Outage, actor: User | None, now: datetime.datetime) -> None:
    ids = [s.pk for s in sources]
    if not ids:
        return
    # Locked for update: waits for callers joining them (they hold a key-share lock) to commit.
    list(Outage.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    Outage.objects.filter(pk__in=ids).update(status=OutageStatus.MERGED, merged_into=into, closed_at=now,
                                             closed_by=actor)
    FaultCall.objects.filter(outage_id__in=ids).update(outage=into)


def _outage_request_attributes(request_type: Any, given: dict[str, Any], *,
                               defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fields of a request the desk creates for an outage or a rejected prediction: what was
    given (the caller's problem detail, the dispatcher's input) where the type defines the field,
    then ``defaults``, then for a required choice still missing "unknown" or its first choice."""
    from servicedesk.tickets.config import intake_config

    fields = intake_config().fields_of(request_type)
    values = {**(defaults or {}), **given}
    attributes: dict[str, Any] = {}
    for type_field in fields:
        choices = [c.get("value") for c in type_field.choices or []]
        value = values.get(type_field.key)
        if value is not None and (not choices or value in choices):
            attributes[type_field.key] = value
        elif type_field.required and choices:
            attributes[type_field.key] = "unknown" if "unknown" in choices else choices[0]
    return attributes


def _check_crew(outage: Outage, provider: Provider | None, crew_type: str) -> None:
    """The crew's provider and crew type must repair this outage's utility (``outage_crew_types``):
    no water crew on a power outage. A utility without crew types in its routing rules leaves the
    choice to the dispatcher (there is nothing to check against)."""
    crew_types = outage_crew_types(outage)
    if provider is None or not crew_types:
        return
    theirs = set(provider.crew_types or ())
    utility = outage.get_utility_display()
    if not crew_types & theirs:
        raise ValidationFailed(_("%(provider)s has no crew for this outage (%(utility)s): choose one from the list.") % {
            "provider": provider.display_name, "utility": utility}, field="provider")
    if crew_type.strip() and crew_type.strip() not in crew_types:
        raise ValidationFailed(_("This crew type does not repair this outage (%(utility)s).") % {"utility": utility},
                               field="crew_type")
    if crew_type.strip() and crew_type.strip() not in theirs:
        raise ValidationFailed(_("%(provider)s has no crew of this type.") % {"provider": provider.display_name},
                               field="crew_type")


@transaction.atomic
def outage_confirm(*, actor: User, outage: Outage, cause: str, etr: datetime.datetime | None,
                   provider: Provider | None = None, crew_type: str = "", instructions: str = "",
                   attributes: dict[str, Any] | None = None) -> Outage:
    """Confirm a predicted outage (OUT-3): a cause, an ETR and a crew work order. The crew's work
    is carried by the outage's request: the first linked caller's request if there is one, else a
    new request from the first linked call."""
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    locked = _locked_outage(outage)
    if locked.status != OutageStatus.PREDICTED:
        raise Conflict(_("Only a predicted outage can be confirmed; %(ref)s is %(status)s.") % {
            "ref": locked.reference, "status": locked.get_status_display()}, field="status")
    if not cause.strip():
        raise ValidationFailed(_("Give the cause."), field="cause")
    _check_etr(etr, required=True)
    _check_crew(locked, provider, crew_type)
    now = timezone.now()
    request = locked.request or _outage_carrier_request(locked, actor=actor, etr=etr, attributes=attributes or {})
    locked.status = OutageStatus.CONFIRMED
    locked.cause = cause.strip()
    locked.confirmed_at = now
    locked.confirmed_by = actor
    locked.request = request
    locked.save()
    FaultCall.objects.filter(outage=locked).update(unexplained=False)
    if provider is not None and request is not None:
        work_order_create(request=request, actor=actor, provider=provider, crew_type=crew_type,
                          instructions=instructions or _("Outage %(ref)s: %(cause)s") % {
                              "ref": locked.reference, "cause": locked.cause},
                          promised_end_at=etr)
    _set_etr(locked, etr, actor=actor, note=message("outage_confirmed", ref=locked.reference,
                                                    cause=typed(locked.cause)))
    return locked


def _outage_carrier_request(outage: Outage, *, actor: User, etr: datetime.datetime | None,
                            attributes: dict[str, Any]) -> ServiceRequest:
    """The request that carries the crew's work: the earliest linked caller's open request, else
    a new one from the earliest linked call without a request, else from the dispatcher."""
    calls = list(FaultCall.objects.filter(outage=outage).select_related("contact", "request")
                 .order_by("reported_at", "id"))
    for call in calls:
        if call.request is not None and call.request.is_open:
            return call.request
    setting = _fault_setting(outage_config(), outage.utility)
    free = next((c for c in calls if c.request_id is None and c.contact.request_id is None), None)
    request = request_create(
        actor=actor, request_type=setting.request_type, contact=free.contact if free else None,
        reporter_kind=ReporterKind.NON_CUSTOMER, reporter_name=actor.display_name,
        subject=_("Outage %(ref)s at %(device)s") % {"ref": outage.reference, "device": str(outage.device)},
        attributes=_outage_request_attributes(setting.request_type, attributes,
                                              defaults={"outage_scope": "area", "fault_location": "unknown"}),
        location=outage.device.location or str(outage.device), district=outage.device.district,
        estimated_completion_at=etr, check_role=False,
    )
    if free is not None:
        FaultCall.objects.filter(pk=free.pk).update(request=request)
    return request


def _record_etr_change(outage: Outage, *, old: datetime.datetime | None, new: datetime.datetime | None,
                       actor: User | None, reason: str = "", note: Message | None = None) -> None:
    if old != new:
        OutageEtrChange.objects.create(outage=outage, actor=actor, old_etr=old, new_etr=new, reason=reason,
                                       message={} if reason else (note or {}))


def _set_etr(outage: Outage, etr: datetime.datetime | None, *, actor: User, reason: str = "",
             note: Message | None = None) -> None:
    """OUT-6: the one writer of an open outage's ETR. A change is kept with its time, author and
    why (``OutageEtrChange``, shown on the outage page): the dispatcher's ``reason``, else the
    system's ``note``; a new ETR reaches every linked caller: their requests' estimated completion
    (with a history row saying why) and a message to their phone."""
    _record_etr_change(outage, old=outage.etr, new=etr, actor=actor, reason=reason, note=note)
    Outage.objects.filter(pk=outage.pk).update(etr=etr)
    outage.etr = etr
    if etr is None:
        return
    request_ids = _linked_requests(outage)
    if outage.request_id:
        request_ids.append(outage.request_id)
    open_ids = list(ServiceRequest.objects.filter(pk__in=set(request_ids))
                    .exclude(status__in=(RequestStatus.RESOLVED, RequestStatus.CLOSED, RequestStatus.CANCELLED))
                    .exclude(estimated_completion_at=etr).values_list("pk", "estimated_completion_at"))
    ServiceRequest.objects.filter(pk__in=[pk for pk, _old in open_ids]).update(estimated_completion_at=etr,
                                                                                updated_at=timezone.now())
    RequestEvent.objects.bulk_create([
        RequestEvent(request_id=pk, actor=actor, kind=EventKind.CHANGE, reason=reason,
                     message={} if reason else (note or {}),
                     changes={"estimated_completion_at": [old.isoformat() if old else None, etr.isoformat()]})
        for pk, old in open_ids], batch_size=2000)
    text = _("%(ref)s: %(cause)s. Supply is expected back by %(etr)s.") % {
        "ref": outage.reference, "cause": outage.cause, "etr": local_time(etr)}
    messages_queue(_caller_messages(outage, text))


def _callers(outage: Outage) -> list[FaultCall]:
    """One linked call per caller (by customer, else by phone), the latest."""
    seen: set[tuple[str, Any]] = set()
    callers: list[FaultCall] = []
    for call in (FaultCall.objects.filter(outage=outage).select_related("contact", "contact__customer")
                 .order_by("-reported_at", "-id")):
        contact = call.contact
        key = ("customer", contact.customer_id) if contact.customer_id else ("phone", contact.reporter_phone)
        if key[1] in (None, "") or key in seen:
            continue
        seen.add(key)
        callers.append(call)
    return callers


def _caller_messages(outage: Outage, text: str) -> list[MessageDraft]:
    drafts = []
    for call in _callers(outage):
        contact = call.contact
        customer = contact.customer
        phone = contact.reporter_phone or (customer.mobile or customer.phone if customer else "")
        drafts.append(MessageDraft(phone=phone, text=text, customer_id=contact.customer_id, contact_id=contact.pk,
                                   source=outage.reference))
    return drafts


@transaction.atomic
def outage_update(*, actor: User, outage: Outage, etr: datetime.datetime | None = None, cause: str | None = None,
                  reason: str = "") -> Outage:
    """Change the ETR or the cause of an open outage; callers are told the new ETR."""
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    locked = _locked_outage(outage)
    _check_open(locked)
    _check_etr(etr, required=False)
    if cause is not None and cause.strip() and cause.strip() != locked.cause:
        locked.cause = cause.strip()
        Outage.objects.filter(pk=locked.pk).update(cause=locked.cause)
    if etr is not None and etr != locked.etr:
        _set_etr(locked, etr, actor=actor, reason=reason.strip(),
                 note=message("outage_new_etr", ref=locked.reference))
    return locked


@transaction.atomic
def outage_reject(*, actor: User, outage: Outage, reason: str) -> Outage:
    """A predicted outage that is not one (OUT-3): its calls go back to being single faults, and
    every call that was linked without a work request gets one, so no caller is lost."""
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    locked = _locked_outage(outage)
    if locked.status != OutageStatus.PREDICTED:
        raise Conflict(_("Only a predicted outage can be rejected."), field="status")
    if not reason.strip():
        raise ValidationFailed(_("Say why it is not an outage."), field="reason")
    now = timezone.now()
    locked.status = OutageStatus.REJECTED
    locked.closed_at = now
    locked.closed_by = actor
    locked.note = reason.strip()
    locked.save()
    setting = _fault_setting(outage_config(), locked.utility)
    calls = list(FaultCall.objects.filter(outage=locked).select_related("contact"))
    # Explained (by the dispatcher's judgement): they must not predict the same outage again.
    FaultCall.objects.filter(outage=locked).update(unexplained=False)
    for call in calls:
        if call.request_id is None:
            request = request_create(
                actor=actor, request_type=setting.request_type, contact=call.contact,
                attributes=_outage_request_attributes(setting.request_type, call.problem,
                                                      defaults={"outage_scope": "single"}),
                estimated_completion_at=now + datetime.timedelta(minutes=setting.initial_estimate_minutes),
                check_role=False,
            )
            FaultCall.objects.filter(pk=call.pk).update(request=request)
    _note_linked_requests(locked, message("outage_rejected", ref=locked.reference, reason=typed(locked.note)),
                          actor=actor)
    return locked


@transaction.atomic
def outage_merge(*, actor: User, source: Outage, target: Outage) -> Outage:
    """Merge one open outage into another (the dispatcher knows they are one fault)."""
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    if source.pk == target.pk:
        raise ValidationFailed(_("An outage cannot be merged into itself."), field="target_id")
    first, second = sorted([source.pk, target.pk])
    locked = {o.pk: o for o in Outage.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    source, target = locked[source.pk], locked[target.pk]
    _check_open(source)
    _check_open(target)
    if source.utility != target.utility:
        raise ValidationFailed(_("A power outage and a water outage cannot be merged."), field="target_id")
    now = timezone.now()
    _merge_many([source], into=target, actor=actor, now=now)
    if target.status == OutageStatus.CONFIRMED:
        FaultCall.objects.filter(outage=target).update(unexplained=False)
    target.forget_call_stats()
    _note_linked_requests(target, message("outage_merged", source=source.reference, target=target.reference),
                          actor=actor)
    if target.status == OutageStatus.CONFIRMED and target.etr is not None:
        _set_etr(target, target.etr, actor=actor, note=message("outage_merged_into", ref=target.reference))
    return target


@dataclass
class RestorationReport:
    outage: Outage
    requests_resolved: int
    callbacks: int
    messages: int


# A restoration time may be up to this much ahead of the server's clock (the dispatcher's watch).
RESTORATION_CLOCK_SKEW = datetime.timedelta(minutes=1)
_OPEN_REQUEST_STATUSES = (RequestStatus.NEW, RequestStatus.ACCEPTED, RequestStatus.DISPATCHED,
                          RequestStatus.IN_PROGRESS, RequestStatus.WAITING)


def outage_started_at(outage: Outage) -> datetime.datetime:
    """When the outage began, as far as the desk knows: its first linked call, or when it was
    predicted or declared if that came first."""
    first_call = outage.first_call_at
    return min(outage.created_at, first_call) if first_call is not None else outage.created_at


def _restoration_time(outage: Outage, restored_at: datetime.datetime, *, now: datetime.datetime) -> datetime.datetime:
    """The restoration time given, checked: not in the future (beyond the clock skew), not before
    the outage began. Times are given to the minute (the page's input): one in the minute the
    outage began means its start at the earliest."""
    if restored_at > now + RESTORATION_CLOCK_SKEW:
        raise ValidationFailed(_("The restoration time is in the future."), field="restored_at")
    started = outage_started_at(outage)
    if restored_at < started.replace(second=0, microsecond=0):
        raise ValidationFailed(_("The restoration time is before the outage began (%(start)s).") % {
            "start": local_time(started)}, field="restored_at")
    return max(restored_at, started)


@transaction.atomic
def outage_restore(*, actor: User, outage: Outage, note: str = "",
                   restored_at: datetime.datetime | None = None) -> RestorationReport:
    """Supply is back (OUT-6, INT-8), at ``restored_at`` (default now; not in the future, not
    before the outage began).

    1. The outage's work: every work order on its request (the crew's order made on
       confirmation) and on the linked callers' requests. An open one (issued, accepted or in
       progress) is completed by the system with the restoration as its result, at the
       restoration time: the supply being back is the outcome the order was issued for, so the
       crew's order is done whether or not the crew reported each step, and its clocks stop there
       (met or missed, never left running against the crew). A dispatcher who wants another
       outcome for an order cancels it before restoring. Completed and cancelled orders are left
       as they are: already finished, their clocks already stopped.
    2. Every linked request still open is resolved (a request whose orders were all completed
       above is resolved by its last order, with the same reason and time).
    3. Every linked caller gets a message and a callback routed to an available agent (key
       accounts: their manager).
    """
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    locked = _locked_outage(outage)
    if locked.status != OutageStatus.CONFIRMED:
        raise Conflict(_("Only a confirmed outage can be restored; %(ref)s is %(status)s.") % {
            "ref": locked.reference, "status": locked.get_status_display()}, field="status")
    now = timezone.now()
    restored_at = _restoration_time(locked, restored_at or now, now=now)
    locked.status = OutageStatus.RESTORED
    locked.closed_at = restored_at
    locked.closed_by = actor
    locked.note = note.strip()
    locked.save()
    restored = (message("outage_restored_note", ref=locked.reference, note=typed(note.strip())) if note.strip()
                else message("outage_restored", ref=locked.reference))
    reason = render(restored)  # the callbacks' text in the language of the moment (its message is kept too)
    request_ids = set(_linked_requests(locked))
    if locked.request_id:
        request_ids.add(locked.request_id)
    open_ids = set(ServiceRequest.objects.filter(pk__in=request_ids, status__in=_OPEN_REQUEST_STATUSES)
                   .values_list("pk", flat=True))
    for order in (WorkOrder.objects.filter(request_id__in=request_ids, status__in=OPEN_WORK_ORDER_STATUSES)
                  .order_by("pk")):
        work_order_transition(work_order=order, action="restored", actor=None, note=restored, at=restored_at)
    for request in ServiceRequest.objects.filter(pk__in=open_ids).order_by("pk"):
        if request.status == RequestStatus.NEW:
            request_transition(request=request, action="accept", actor=None, note=restored, at=restored_at)
        if request.status in _OPEN_REQUEST_STATUSES:
            request_transition(request=request, action="resolve", actor=None, note=restored, at=restored_at)
    resolved = ServiceRequest.objects.filter(pk__in=open_ids, status=RequestStatus.RESOLVED).count()
    callers = _callers(locked)
    callbacks = callbacks_create([
        CallbackDraft(reason=reason, message=restored, source=locked.reference, contact=call.contact, customer=call.contact.customer,
                      request_id=call.request_id, name=call.contact.reporter_name or (
                          call.contact.customer.name if call.contact.customer else ""),
                      phone=call.contact.reporter_phone or (
                          (call.contact.customer.mobile or call.contact.customer.phone)
                          if call.contact.customer else ""))
        for call in callers
    ], at=now)
    text = _("%(ref)s: supply is restored. If you still have no supply, please call us again.") % {
        "ref": locked.reference}
    messages = messages_queue(_caller_messages(locked, text))
    return RestorationReport(outage=locked, requests_resolved=resolved, callbacks=len(callbacks),
                             messages=len(messages))


# ----------------------------------------------------------------------------------------------
# Planned outages (OUT-2)


def _unknown_districts(districts: Sequence[str]) -> list[str]:
    """The named districts that neither a service point nor an office's area knows, in the given order."""
    named = [d.strip() for d in districts if d.strip()]
    if not named:
        return []
    known = set(ServicePoint.objects.filter(district__in=named).values_list("district", flat=True).distinct())
    for served in OrgUnit.objects.exclude(districts=[]).values_list("districts", flat=True):
        known.update(served or ())
    return [d for d in named if d not in known]


@transaction.atomic
def planned_outage_create(*, actor: User, utility: str, reason: str, starts_at: datetime.datetime | None,
                          ends_at: datetime.datetime | None, devices: Sequence[Device] = (),
                          districts: Sequence[str] = (), area_description: str = "",
                          published: bool = True) -> PlannedOutage:
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    errors: dict[str, str] = {}
    if utility not in Utility.values:
        errors["utility"] = _("Unknown utility.")
    if not reason.strip():
        errors["reason"] = _("Give the reason (e.g. line maintenance).")
    if starts_at is None:
        errors["starts_at"] = _("Give the start.")
    if ends_at is None:
        errors["ends_at"] = _("Give the end.")
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    if not devices and not [d for d in districts if d.strip()]:
        errors["devices"] = _("Give the devices or the districts affected.")
    if unknown := _unknown_districts(districts):
        errors["districts"] = _("No service point or office is in %(district)s.") % {"district": unknown[0]}
    wrong = [d.code for d in devices if d.utility != utility]
    if wrong and "utility" not in errors:
        errors["devices"] = _("%(code)s is not part of the %(utility)s network.") % {"code": wrong[0],
                                                                                    "utility": utility}
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    planned = PlannedOutage.objects.create(
        utility=utility, reason=reason.strip(), starts_at=starts_at, ends_at=ends_at,
        districts=sorted({d.strip() for d in districts if d.strip()}), area_description=area_description.strip(),
        published=published, created_by=actor,
    )
    planned.devices.set(devices)
    return planned


@transaction.atomic
def planned_outage_cancel(*, actor: User, planned: PlannedOutage) -> PlannedOutage:
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    PlannedOutage.objects.filter(pk=planned.pk).update(status=PlannedOutage.Status.CANCELLED)
    bundle_invalidate(CONFIG_CACHE_KEY)  # an update() sends no signal; the bundle has the planned outages
    planned.status = PlannedOutage.Status.CANCELLED
    return planned


def planned_outage_points(planned: PlannedOutage) -> Any:
    """The service points a planned outage affects (its devices' and its districts')."""
    q = Q(pk__in=[])
    for device in planned.devices.all():
        q |= Q(pk__in=service_points_under(device).values("pk"))
    if planned.districts:
        q |= Q(district__in=planned.districts, utility=planned.utility)
    return ServicePoint.objects.filter(q)


@transaction.atomic
def planned_outage_notices_record(*, actor: User, planned: PlannedOutage, channel: str,
                                  service_points: Sequence[ServicePoint] | None = None,
                                  notified_at: datetime.datetime | None = None) -> int:
    """Record that the notice was given (004 step 13): to the listed service points, or to every
    service point affected. A service point already notified keeps its first notice. Returns how
    many notices were added."""
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    if channel not in PlannedOutageNotice.Channel.values:
        raise ValidationFailed(_("Unknown notice channel."), field="channel")
    affected = planned_outage_points(planned)
    if service_points is not None:
        ids = [p.pk for p in service_points]
        outside = set(ids) - set(affected.filter(pk__in=ids).values_list("pk", flat=True))
        if outside:
            raise ValidationFailed(_("Service point %(number)s is not affected by this planned outage.") % {
                "number": ServicePoint.objects.get(pk=min(outside)).number}, field="service_point_ids")
        point_ids = ids
    else:
        point_ids = list(affected.values_list("pk", flat=True))
    already = set(PlannedOutageNotice.objects.filter(planned_outage=planned).values_list("service_point_id",
                                                                                          flat=True))
    at = notified_at or timezone.now()
    new = [PlannedOutageNotice(planned_outage=planned, service_point_id=pk, channel=channel, notified_at=at,
                               recorded_by=actor) for pk in point_ids if pk not in already]
    PlannedOutageNotice.objects.bulk_create(new, batch_size=2000)
    return len(new)
