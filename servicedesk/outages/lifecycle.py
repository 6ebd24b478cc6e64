"""The outage's life after it is predicted or declared (OUT-3, OUT-6, INT-8): the dispatcher
declares, confirms, rejects, merges, changes the ETR or cause, restores. Every status change goes
through ``workflow`` (the table and its history); every ETR change through ``_set_etr``.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.contacts.models import Callback, ContactRecord
from servicedesk.contacts.services import CallbackDraft, callbacks_create, messages_queue
from servicedesk.core.exceptions import ActionNotAllowed, Conflict, ValidationFailed
from servicedesk.core.messages import Message, message, render, typed
from servicedesk.core.transactions import unit
from servicedesk.network.models import Device
from servicedesk.network.selectors import devices_under
from servicedesk.org.models import Provider, User
from servicedesk.org.roles import Capability
from servicedesk.outages.callers import (
    caller_messages,
    linked_callers,
    linked_requests,
    local_time,
    note_linked_requests,
)
from servicedesk.outages.config import fault_setting, outage_config
from servicedesk.outages.models import OPEN_OUTAGE_STATUSES, FaultCall, Outage, OutageEventKind, OutageStatus
from servicedesk.outages.selectors import outage_crew_types
from servicedesk.outages.workflow import (
    outage_check_transition,
    outage_open,
    outage_record_change,
    outage_transition,
    outages_transition,
)
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

ReporterKind = ContactRecord.ReporterKind


def _require(actor: User, capability: Capability, message: str) -> None:
    if not actor.can(capability):
        raise ActionNotAllowed(message)



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



@unit()
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
    outage = outage_open(action="declare", actor=actor, at=now, utility=device.utility, device=device,
                         origin=origin, cause=cause.strip(), etr=etr, request=request, confirmed_at=now,
                         confirmed_by=actor)
    declared = message("outage_declared", ref=outage.reference, cause=typed(outage.cause))
    # Declared with its first ETR: the start of the outage's ETR changes.
    _record_etr_change(outage, old=None, new=etr, actor=actor, note=declared)
    # Predicted outages below it and their calls are explained by it now.
    below = Outage.objects.filter(status=OutageStatus.PREDICTED,
                                  device__in=[d.pk for d in list(devices_under(device))],
                                  ).exclude(pk=outage.pk)
    _merge_many(list(below.values_list("pk", flat=True)), into=outage, actor=actor, now=now)
    window = max([r.window_minutes for r in outage_config().rules_by_kind.values()] or [120])
    leaves = [d.pk for d in list(devices_under(device))]
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



def _merge_many(ids: list[int], *, into: Outage, actor: User, now: datetime.datetime) -> None:
    """Merge the outages ``ids`` into ``into``: one UPDATE and one history row each
    (``workflow.outages_transition``); their calls move to ``into``."""
    if not ids:
        return
    # Locked for update: waits for callers joining them (they hold a key-share lock) to commit.
    locked = list(Outage.objects.select_for_update().filter(pk__in=ids).order_by("pk")
                  .values_list("pk", "status"))
    outages_transition(sources=locked, action="merge", actor=actor, at=now,
                       message=message("outage_merged_into", ref=into.reference), merged_into=into,
                       closed_at=now,
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
        raise ValidationFailed(_("%(provider)s has no crew for this outage (%(utility)s): choose one from "
                                 "the list.") % {
            "provider": provider.display_name, "utility": utility}, field="provider")
    if crew_type.strip() and crew_type.strip() not in crew_types:
        raise ValidationFailed(_("This crew type does not repair this outage (%(utility)s).")
                               % {"utility": utility}, field="crew_type")
    if crew_type.strip() and crew_type.strip() not in theirs:
        raise ValidationFailed(_("%(provider)s has no crew of this type.")
                               % {"provider": provider.display_name}, field="crew_type")



@unit()
def outage_confirm(*, actor: User, outage: Outage, cause: str, etr: datetime.datetime | None,
                   provider: Provider | None = None, crew_type: str = "", instructions: str = "",
                   attributes: dict[str, Any] | None = None) -> Outage:
    """Confirm a predicted outage (OUT-3): a cause, an ETR and a crew work order. The crew's work
    is carried by the outage's request: the first linked caller's request if there is one, else a
    new request from the first linked call."""
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    locked = _locked_outage(outage)
    outage_check_transition(locked, "confirm", actor=actor)
    if not cause.strip():
        raise ValidationFailed(_("Give the cause."), field="cause")
    _check_etr(etr, required=True)
    _check_crew(locked, provider, crew_type)
    now = timezone.now()
    request = locked.request or _outage_carrier_request(locked, actor=actor, etr=etr,
                                                        attributes=attributes or {})
    outage_transition(outage=locked, action="confirm", actor=actor, at=now,
                      message=message("outage_confirmed", ref=locked.reference, cause=typed(cause.strip())),
                      cause=cause.strip(), confirmed_at=now, confirmed_by=actor, request=request)
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
    setting = fault_setting(outage_config(), outage.utility)
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
        outage_record_change(outage=outage, kind=OutageEventKind.ETR_CHANGE, actor=actor, old_etr=old,
                             new_etr=new,
                             reason=reason, message=note)


def _set_etr(outage: Outage, etr: datetime.datetime | None, *, actor: User, reason: str = "",
             note: Message | None = None) -> None:
    """OUT-6: the one writer of an open outage's ETR. A change is kept with its time, author and
    why (an ``etr_change`` row of its history, shown on the outage page): the dispatcher's ``reason``,
    else the system's ``note``; a new ETR reaches every linked caller: their requests' estimated
    completion (with a history row saying why) and a message to their phone."""
    _record_etr_change(outage, old=outage.etr, new=etr, actor=actor, reason=reason, note=note)
    Outage.objects.filter(pk=outage.pk).update(etr=etr)
    outage.etr = etr
    if etr is None:
        return
    request_ids = linked_requests(outage)
    if outage.request_id:
        request_ids.append(outage.request_id)
    open_ids = list(ServiceRequest.objects.filter(pk__in=set(request_ids))
                    .exclude(status__in=(RequestStatus.RESOLVED, RequestStatus.CLOSED,
                                         RequestStatus.CANCELLED))
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
    messages_queue(caller_messages(outage, text))



@unit()
def outage_update(*, actor: User, outage: Outage, etr: datetime.datetime | None = None,
                  cause: str | None = None,
                  reason: str = "") -> Outage:
    """Change the ETR or the cause of an open outage; callers are told the new ETR."""
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    locked = _locked_outage(outage)
    _check_open(locked)
    _check_etr(etr, required=False)
    if cause is not None and cause.strip() and cause.strip() != locked.cause:
        outage_record_change(outage=locked, kind=OutageEventKind.CAUSE_CHANGE, actor=actor,
                             reason=reason.strip(),
                             changes={"cause": [locked.cause, cause.strip()]})
        locked.cause = cause.strip()
        Outage.objects.filter(pk=locked.pk).update(cause=locked.cause)
    if etr is not None and etr != locked.etr:
        _set_etr(locked, etr, actor=actor, reason=reason.strip(),
                 note=message("outage_new_etr", ref=locked.reference))
    return locked


@unit()
def outage_reject(*, actor: User, outage: Outage, reason: str) -> Outage:
    """A predicted outage that is not one (OUT-3): its calls go back to being single faults, and
    every call that was linked without a work request gets one, so no caller is lost."""
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    locked = _locked_outage(outage)
    outage_check_transition(locked, "reject", actor=actor)
    if not reason.strip():
        raise ValidationFailed(_("Say why it is not an outage."), field="reason")
    now = timezone.now()
    outage_transition(outage=locked, action="reject", actor=actor, at=now, reason=reason.strip(),
                      closed_at=now,
                      closed_by=actor, note=reason.strip())
    setting = fault_setting(outage_config(), locked.utility)
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
    note_linked_requests(locked, message("outage_rejected", ref=locked.reference, reason=typed(locked.note)),
                          actor=actor)
    return locked


@unit()
def outage_merge(*, actor: User, source: Outage, target: Outage) -> Outage:
    """Merge one open outage into another (the dispatcher knows they are one fault)."""
    _require(actor, Capability.MANAGE_OUTAGES, _("Your role may not manage outages."))
    if source.pk == target.pk:
        raise ValidationFailed(_("An outage cannot be merged into itself."), field="target_id")
    first, second = sorted([source.pk, target.pk])
    locked = {o.pk: o
              for o in Outage.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    source, target = locked[source.pk], locked[target.pk]
    outage_check_transition(source, "merge", actor=actor)
    _check_open(target)
    if source.utility != target.utility:
        raise ValidationFailed(_("A power outage and a water outage cannot be merged."), field="target_id")
    now = timezone.now()
    _merge_many([source.pk], into=target, actor=actor, now=now)
    if target.status == OutageStatus.CONFIRMED:
        FaultCall.objects.filter(outage=target).update(unexplained=False)
    target.forget_call_stats()
    note_linked_requests(target, message("outage_merged", source=source.reference, target=target.reference),
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


def _restoration_time(outage: Outage, restored_at: datetime.datetime, *,
                      now: datetime.datetime) -> datetime.datetime:
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


@unit()
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
    outage_check_transition(locked, "restore", actor=actor)
    now = timezone.now()
    restored_at = _restoration_time(locked, restored_at or now, now=now)
    restored = (message("outage_restored_note", ref=locked.reference, note=typed(note.strip()))
                if note.strip() else message("outage_restored", ref=locked.reference))
    outage_transition(outage=locked, action="restore", actor=actor, at=restored_at, reason=note.strip(),
                      message=restored, closed_at=restored_at, closed_by=actor, note=note.strip())
    reason = render(restored)  # the callbacks' text in the language of the moment (its message is kept too)
    request_ids = set(linked_requests(locked))
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
    callers = linked_callers(locked)
    callbacks = callbacks_create([
        CallbackDraft(kind=Callback.Kind.RESTORATION, reason=reason, message=restored,
                      source=locked.reference, contact=call.contact, customer=call.contact.customer,
                      request_id=call.request_id, name=call.contact.reporter_name or (
                          call.contact.customer.name if call.contact.customer else ""),
                      phone=call.contact.reporter_phone or (
                          (call.contact.customer.mobile or call.contact.customer.phone)
                          if call.contact.customer else ""))
        for call in callers
    ], at=now)
    text = _("%(ref)s: supply is restored. If you still have no supply, please call us again.") % {
        "ref": locked.reference}
    messages = messages_queue(caller_messages(locked, text))
    return RestorationReport(outage=locked, requests_resolved=resolved, callbacks=len(callbacks),
                             messages=len(messages))


