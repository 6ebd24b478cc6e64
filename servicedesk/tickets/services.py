"""Every write of service requests and work orders.

Each service runs in one transaction, checks the actor's role, and appends a history row for
every change (who, when, from what to what, why): SLA clocks and reports are computed from them.
"""

import datetime
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from servicedesk.contacts.models import CONTACT_INSERT, Channel, ContactRecord
from servicedesk.contacts.services import CallbackDraft, contact_build, result_callback_create
from servicedesk.core.exceptions import ActionNotAllowed, ValidationFailed
from servicedesk.core.messages import Message, bilingual, message, moment, render, typed
from servicedesk.core.transactions import unit
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.customers.phones import checked_phone
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Capability
from servicedesk.tickets.closing import request_closed
from servicedesk.tickets.config import intake_config
from servicedesk.tickets.exceptions import InvalidTransition
from servicedesk.tickets.fields import clean_attributes
from servicedesk.tickets.models import (
    OPEN_WORK_ORDER_STATUSES,
    REQUEST_EVENT_INSERT,
    REQUEST_INSERT,
    EventKind,
    Priority,
    RequestCategory,
    RequestEvent,
    RequestStatus,
    RequestType,
    ServiceRequest,
    Severity,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderStatus,
)
from servicedesk.tickets.routing import decide_priority, request_facts, route_request
from servicedesk.tickets.timing import sync_request_timers, sync_work_order_timers
from servicedesk.tickets.workflow import REQUEST_TRANSITIONS, WORK_ORDER_TRANSITIONS, Transition

# Written on every new request (and every fault call that needs one): inserts built once.


def _require(actor: User | None, capability: Capability, message: str) -> None:
    if actor is not None and not actor.can(capability):
        raise ActionNotAllowed(message)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _request_event(request: ServiceRequest, *, actor: User | None, kind: str, action: str = "",
                   from_status: str = "", to_status: str = "", changes: dict[str, Any] | None = None,
                   reason: str = "", message: Message | None = None,
                   at: datetime.datetime | None = None) -> RequestEvent:
    """``reason``: what a person typed; ``message``: what the system says, rendered when read."""
    return REQUEST_EVENT_INSERT.save(RequestEvent(
        request=request, actor=actor, kind=kind, action=action, from_status=from_status, to_status=to_status,
        changes={k: [_json_value(old), _json_value(new)] for k, (old, new) in (changes or {}).items()},
        reason=reason, message=message or {}, **({"at": at} if at is not None else {}),
    ))


# ----------------------------------------------------------------------------------------------
# Requests


def _request_step(request: ServiceRequest, estimate: datetime.datetime | None) -> dict[str, Any]:
    """A guided call's step for the request it ended in, with what the caller is told."""
    told = message("tell_work_request", ref=request.reference, eta=moment(estimate))
    return {"step": "work_request", "result": request.reference, "priority": request.priority,
            "unit": request.responsible_unit.code if request.responsible_unit else None,
            "estimated_completion_at": estimate.isoformat() if estimate else None,
            "told": render(told), "told_message": told}


@unit()
def request_create(
    *,
    actor: User,
    request_type: RequestType | str,
    channel: str = Channel.PHONE,
    customer: Customer | None = None,
    service_point: ServicePoint | None = None,
    reporter_kind: str = ContactRecord.ReporterKind.CUSTOMER,
    reporter_name: str = "",
    reporter_phone: str = "",
    location: str = "",
    district: str = "",
    subject: str = "",
    description: str = "",
    attributes: dict[str, Any] | None = None,
    estimated_completion_at: datetime.datetime | None = None,
    contact: ContactRecord | None = None,
    check_role: bool = True,
) -> ServiceRequest:
    """Create a service request from a contact (INT-4..INT-7).

    The request is linked to ``contact`` (saved here if it is not yet), or to a new contact record
    made from the same caller details, so that every request traces back to how it came in
    (INT-1). ``request_type`` may be given by its code. ``check_role=False`` is for services that
    create a request as the consequence of another action they have already authorised (a
    dispatcher confirming an outage).

    A contact given as a draft (not yet written) whose flow is recorded step by step (a fault call,
    004) gets the request as its last step, with what the caller is told (the request's number and
    the estimated completion), and is written once, here.
    """
    if check_role:
        _require(actor, Capability.CREATE_REQUEST, _("Your role may not create service requests."))
    config = intake_config()
    if isinstance(request_type, str):
        found = config.types_by_code.get(request_type)
        if found is None:
            raise ValidationFailed(_("No such request type: %(code)s.") % {"code": request_type},
                                   field="request_type")
        request_type = found
    if not request_type.active:
        raise ValidationFailed(_("This request type is no longer in use."), field="request_type")
    if channel not in Channel.values:
        raise ValidationFailed(_("Unknown channel."), field="channel")
    cleaned = clean_attributes(request_type, attributes, fields=config.fields_of(request_type))
    if (service_point is not None and customer is None
            and reporter_kind == ContactRecord.ReporterKind.CUSTOMER):
        customer = service_point.customer
    if request_type.requires_location and service_point is None and not location.strip():
        raise ValidationFailed(_("Give the exact location or choose a service point."), field="location")
    if (estimated_completion_at is not None
            and estimated_completion_at < timezone.now() - datetime.timedelta(minutes=5)):
        raise ValidationFailed(_("The estimated completion time is in the past."),
                               field="estimated_completion_at")

    new_contact = contact is None
    if contact is None:
        contact = contact_build(
            agent=actor, channel=channel, reporter_kind=reporter_kind, customer=customer,
            service_point=service_point, reporter_name=reporter_name, reporter_phone=reporter_phone,
            request_type=request_type, notes=description, check_role=check_role,
        )
    elif contact.request_id is not None:
        raise ValidationFailed(_("This contact already has a request."), field="contact_id")
    else:
        customer = customer or contact.customer
        service_point = service_point or contact.service_point
        reporter_name = reporter_name or contact.reporter_name
        reporter_phone = reporter_phone or contact.reporter_phone

    phone = checked_phone(reporter_phone, field="reporter_phone") or (customer.mobile or customer.phone
                                                                      if customer else "")
    if request_type.category == RequestCategory.LEAK and not phone:
        # 003 §8.2: record the reporter's phone with the exact location, to call back.
        raise ValidationFailed(_("Record the reporter's phone number."), field="reporter_phone")

    district = (district or (service_point.district if service_point else "")).strip()
    facts = request_facts(channel=channel, district=district, attributes=cleaned, customer=customer,
                          service_point=service_point)
    routing = route_request(request_type=request_type, channel=channel, facts=facts, config=config)
    priority, reasons = decide_priority(request_type=request_type, facts=facts, config=config)
    if not subject.strip():
        # The place only: the type is shown beside it, in the reader's language (issue 10).
        subject = location.strip() or (service_point.address if service_point else "")

    request = REQUEST_INSERT.save(ServiceRequest(
        request_type=request_type,
        status=RequestStatus.NEW,
        priority=priority,
        channel=channel,
        customer=customer,
        service_point=service_point,
        reporter_name=(reporter_name or (customer.name if customer else "")).strip()[:100],
        reporter_phone=phone,
        location=location.strip()[:300],
        district=district,
        subject=subject.strip()[:200],
        description=description.strip(),
        attributes=cleaned,
        responsible_unit=routing.unit,
        routing_rule=routing.rule,
        crew_type=routing.crew_type,
        priority_reasons=reasons,
        estimated_completion_at=estimated_completion_at,
        created_by=actor,
        created_at=contact.started_at if contact.started_at < timezone.now() else timezone.now(),
    ))
    contact.request = request
    contact.outcome = ContactRecord.Outcome.REQUEST_CREATED
    if contact.pk is None and contact.steps:
        contact.steps.append(_request_step(request, estimated_completion_at))
    if new_contact or contact.pk is None:
        CONTACT_INSERT.save(contact)  # one INSERT, already linked
    else:
        ContactRecord.objects.filter(pk=contact.pk).update(request=request, outcome=contact.outcome)
    created_event = _request_event(
        request, actor=actor, kind=EventKind.CREATED, to_status=RequestStatus.NEW,
        changes={
            "priority": (None, priority),
            "responsible_unit": (None, routing.unit),
            "routing_rule": (None, routing.rule.name if routing.rule else None),
        },
        message=message("request_created_from_contact", ref=contact.reference),
        at=request.created_at,  # the history starts when the request does (SLA clocks start there)
    )
    sync_request_timers(request, created_event=created_event)
    return request


def _check_transition(transitions: dict[str, Transition], *, entity: str, action: str, status: str,
                      actor: User | None, reason_given: bool,
                      status_labels: dict[str, str | Promise]) -> Transition:
    transition = transitions.get(action)
    if transition is None:
        raise ValidationFailed(_("Unknown action %(action)s.") % {"action": action}, field="action")
    if status not in transition.sources:
        raise InvalidTransition(entity=entity, action=action, status=status,
                                action_label=str(transition.label),
                                status_label=status_labels.get(status, status))
    if actor is not None and (transition.capability is None or not actor.can(transition.capability)):
        raise ActionNotAllowed(_("Your role may not do “%(action)s” on a %(entity)s.") % {
            "action": transition.label, "entity": entity})
    if transition.reason_required and not reason_given:
        raise ValidationFailed(_("Say why: “%(action)s” needs a reason.") % {"action": transition.label},
                               field="reason")
    return transition


def _locked_request(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().get(pk=request.pk)


def _event_time(at: datetime.datetime | None, history: Any) -> datetime.datetime:
    """When a transition is recorded: now, or ``at`` (a time the actor gives, e.g. when supply was
    restored) but never before the subject's latest history row, so that the history stays in
    order and the SLA clocks, read from it in order, see the transition last."""
    if at is None:
        return timezone.now()
    latest = history.aggregate(latest=Max("at"))["latest"]
    return max(at, latest) if latest is not None else at


@unit()
def request_transition(*, request: ServiceRequest, action: str, actor: User | None, reason: str = "",
                       note: Message | None = None, at: datetime.datetime | None = None) -> ServiceRequest:
    """Move a request along its workflow; ``actor=None`` means the system (e.g. a work order event),
    which says why with ``note`` (a core.messages message) instead of a typed ``reason``. ``at``:
    when it happened, if earlier than now (see ``_event_time``)."""
    locked = _locked_request(request)
    transition = _check_transition(REQUEST_TRANSITIONS, entity=_("request"), action=action,
                                   status=locked.status,
                                   actor=actor, reason_given=bool(reason.strip() or note),
                                   status_labels=dict(RequestStatus.choices))
    previous = locked.status
    now = _event_time(at, RequestEvent.objects.filter(request=locked))
    locked.status = transition.target
    update_fields = ["status", "updated_at"]
    if transition.target == RequestStatus.RESOLVED:
        locked.resolved_at = now
        locked.resolution = reason.strip()  # a system's note is in the history, rendered when read
        update_fields += ["resolved_at", "resolution"]
    elif transition.target == RequestStatus.CLOSED:
        locked.closed_at = now
        update_fields.append("closed_at")
    elif action == "reopen":
        locked.resolved_at = None
        locked.closed_at = None
        update_fields += ["resolved_at", "closed_at"]
    if action == "accept" and actor is not None and locked.assignee_id is None:
        locked.assignee = actor  # who accepted follows it (SLA-4: warned first)
        update_fields.append("assignee")
    locked.save(update_fields=update_fields)
    event = _request_event(locked, actor=actor, kind=EventKind.TRANSITION, action=action,
                           from_status=previous, to_status=transition.target, reason=reason.strip(),
                           message=note, at=now if at is not None else None)
    sync_request_timers(locked)
    if transition.target == RequestStatus.RESOLVED and locked.request_type.calls_back_with_result:
        _owe_result_callback(locked)
    if transition.target == RequestStatus.CLOSED:
        request_closed(locked, event)  # the follow-up apps' handlers (surveys), in this transaction
    request.__dict__.update({f: getattr(locked, f) for f in update_fields})
    return locked


def _owe_result_callback(request: ServiceRequest) -> None:
    """INT-5, 002 §5 (四) 2: the customer hears how their request ended. One callback, routed as
    every callback (a key account to its manager, else the least-loaded available agent), linked
    to the request and the contact that raised it; none while an earlier one is still to be made."""
    customer = request.customer
    contact = (ContactRecord.objects.filter(request=request, direction=ContactRecord.Direction.INBOUND)
               .order_by("started_at", "id").first())
    reason = (message("callback_result_note", ref=request.reference, resolution=typed(request.resolution))
              if request.resolution else message("callback_result", ref=request.reference))
    phone = request.reporter_phone or (contact.reporter_phone if contact else "") or (
        (customer.mobile or customer.phone) if customer else "")
    name = request.reporter_name or (customer.name if customer else "")
    result_callback_create(CallbackDraft(
        reason=render(reason), message=reason, source=request.reference, contact=contact, customer=customer,
        request_id=request.pk, name=name, phone=phone))


@unit()
def request_update(*, request: ServiceRequest, actor: User, priority: int | None = None,
                   responsible_unit: OrgUnit | None = None,
                   estimated_completion_at: datetime.datetime | None = None,
                   reason: str = "", note: Message | None = None) -> ServiceRequest:
    """Change the priority, responsible unit or estimated completion by hand, with a reason."""
    _require(actor, Capability.HANDLE_REQUEST, _("Your role may not change requests."))
    locked = _locked_request(request)
    if not locked.is_open:
        raise ValidationFailed(_("A finished request cannot be changed; reopen it first."), field="status")
    changes: dict[str, tuple[Any, Any]] = {}
    if priority is not None and priority != locked.priority:
        if priority not in Priority.values:
            raise ValidationFailed(_("Priority must be 1 to 4."), field="priority")
        changes["priority"] = (locked.priority, priority)
        locked.priority = priority
    if responsible_unit is not None and responsible_unit.pk != locked.responsible_unit_id:
        changes["responsible_unit"] = (locked.responsible_unit_id, responsible_unit.pk)
        locked.responsible_unit = responsible_unit
    if estimated_completion_at is not None and estimated_completion_at != locked.estimated_completion_at:
        changes["estimated_completion_at"] = (locked.estimated_completion_at, estimated_completion_at)
        locked.estimated_completion_at = estimated_completion_at
    if not changes:
        return locked
    if not reason.strip() and not note:
        raise ValidationFailed(_("Say why you change the request."), field="reason")
    locked.save()
    _request_event(locked, actor=actor, kind=EventKind.CHANGE, changes=changes,
                   reason=reason.strip(), message=note)
    sync_request_timers(locked)  # a new priority may bring another policy (SLA-2)
    return locked


# Severity and type: set by whoever handles or dispatches the request, always with a reason; the
# policies (SLA-2) match on both, so the clocks of the request and of its open work orders follow.


def _require_handler(actor: User, message: str) -> None:
    if not (actor.can(Capability.HANDLE_REQUEST) or actor.can(Capability.DISPATCH)):
        raise ActionNotAllowed(message)


def _open_request(request: ServiceRequest) -> ServiceRequest:
    locked = _locked_request(request)
    if not locked.is_open:
        raise ValidationFailed(_("A finished request cannot be changed; reopen it first."), field="status")
    return locked


def _required_reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationFailed(_("Say why you change the request."), field="reason")
    return reason.strip()


def _sync_clocks_of(request: ServiceRequest) -> None:
    """The request's clocks and its open work orders' (their policies match on the request's type
    and severity). A finished work order keeps the verdict it was measured by."""
    sync_request_timers(request)
    for order in request.work_orders.filter(status__in=OPEN_WORK_ORDER_STATUSES).select_related(
            "request__customer"):
        sync_work_order_timers(order)


@unit()
def request_set_severity(*, request: ServiceRequest, actor: User, severity: int | None,
                         reason: str) -> ServiceRequest:
    """Rate an open request's severity level 1/2/3 (002 §2.3), or clear it (None), with a reason.

    A policy for that severity now matches (SLA-2): the clocks are recomputed and those of the
    policy the request leaves are replaced. The same level again changes nothing.
    """
    _require_handler(actor, _("Your role may not rate requests."))
    if severity is not None and severity not in Severity.values:
        raise ValidationFailed(_("The severity level is 1, 2 or 3."), field="severity")
    locked = _open_request(request)
    if severity == locked.severity:
        return locked
    reason = _required_reason(reason)
    previous, locked.severity = locked.severity, severity
    locked.save(update_fields=["severity", "updated_at"])
    _request_event(locked, actor=actor, kind=EventKind.CHANGE, changes={"severity": (previous, severity)},
                   reason=reason)
    _sync_clocks_of(locked)
    return locked


def _active_type(request_type: RequestType | str) -> RequestType:
    if isinstance(request_type, str):
        found = intake_config().types_by_code.get(request_type)
        if found is None:
            raise ValidationFailed(_("No such request type: %(code)s.") % {"code": request_type},
                                   field="request_type")
        request_type = found
    if not request_type.active:
        raise ValidationFailed(_("This request type is no longer in use."), field="request_type")
    return request_type


def _check_type_fits(request: ServiceRequest, request_type: RequestType) -> None:
    """What request_create asks of a new request of the type, and the request already has to have."""
    if request_type.pk == request.request_type_id:
        raise ValidationFailed(_("The request is already of this type."), field="request_type")
    if request_type.requires_location and request.service_point_id is None and not request.location.strip():
        raise ValidationFailed(_("This type needs the exact location or a service point, which the "
                                 "request does not have."), field="request_type")
    if request_type.category == RequestCategory.LEAK and not request.reporter_phone:
        raise ValidationFailed(_("A leak report needs the reporter's phone number, which the request does "
                                 "not have."), field="request_type")


@unit()
def request_reclassify(*, request: ServiceRequest, actor: User, request_type: RequestType | str,
                       attributes: dict[str, Any] | None = None, reason: str) -> ServiceRequest:
    """Change an open request's wrongly chosen type to another active one, with a reason (SLA-2).

    1. The new type's fields are checked (INT-4) against ``attributes``; when none are given,
       against the request's values of the fields the new type also has (the others are dropped:
       the history keeps them).
    2. The routing stays: the responsible unit, its rule and the priority do not move (request_update
       changes them, by hand).
    3. One history row, a change with the action ``reclassify`` (reports count them), from the old
       type and type fields to the new; the clocks of the new type's policy replace the old one's.
    """
    _require_handler(actor, _("Your role may not change the type of requests."))
    new_type = _active_type(request_type)
    locked = _open_request(request)
    _check_type_fits(locked, new_type)
    reason = _required_reason(reason)
    fields = intake_config().fields_of(new_type)
    if attributes is None:
        keys = {field.key for field in fields}
        attributes = {key: value for key, value in (locked.attributes or {}).items() if key in keys}
    cleaned = clean_attributes(new_type, attributes, fields=fields)
    changes: dict[str, tuple[Any, Any]] = {"request_type": (locked.request_type_id, new_type.pk)}
    if cleaned != (locked.attributes or {}):
        changes["attributes"] = (locked.attributes or {}, cleaned)
    locked.request_type, locked.attributes = new_type, cleaned
    locked.save(update_fields=["request_type", "attributes", "updated_at"])
    _request_event(locked, actor=actor, kind=EventKind.CHANGE, action="reclassify", changes=changes,
                   reason=reason)
    _sync_clocks_of(locked)
    return locked


@unit()
def request_escalate(*, request: ServiceRequest, priority: int, note: Message) -> ServiceRequest:
    """Raise the priority as the consequence of an action the caller has authorised (a repeat
    complaint, CMP-2); never lowers it. The clocks follow (SLA-2)."""
    locked = _locked_request(request)
    if priority >= locked.priority:
        return locked
    changes = {"priority": (locked.priority, priority)}
    locked.priority = priority
    locked.save(update_fields=["priority", "updated_at"])
    _request_event(locked, actor=None, kind=EventKind.CHANGE, changes=changes, message=note)
    sync_request_timers(locked)
    request.priority = priority
    return locked


@unit()
def request_assign(*, request: ServiceRequest, assignee: User, actor: User | None,
                   note: Message) -> ServiceRequest:
    """Who follows the request (SLA-4: warned first), as the consequence of an action the caller
    has authorised (the owner of a complaint passed on, CMP-4)."""
    locked = _locked_request(request)
    if locked.assignee_id == assignee.pk:
        return locked
    changes = {"assignee": (locked.assignee_id, assignee.pk)}
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    _request_event(locked, actor=actor, kind=EventKind.CHANGE, changes=changes, message=note)
    request.assignee = assignee
    return locked


@unit()
def request_add_note(*, request: ServiceRequest, actor: User, text: str) -> RequestEvent:
    if not (actor.can(Capability.HANDLE_REQUEST) or actor.can(Capability.DISPATCH)):
        raise ActionNotAllowed(_("Your role may not add notes to requests."))
    if not text.strip():
        raise ValidationFailed(_("The note is empty."), field="text")
    return _request_event(request, actor=actor, kind=EventKind.NOTE, reason=text.strip())


# ----------------------------------------------------------------------------------------------
# Work orders


def _work_order_event(work_order: WorkOrder, *, actor: User | None, kind: str, action: str = "",
                      from_status: str = "", to_status: str = "", changes: dict[str, Any] | None = None,
                      reason: str = "", message: Message | None = None,
                      at: datetime.datetime | None = None) -> WorkOrderEvent:
    return WorkOrderEvent.objects.create(
        work_order=work_order, actor=actor, kind=kind, action=action, from_status=from_status,
        to_status=to_status,
        changes={k: [_json_value(old), _json_value(new)] for k, (old, new) in (changes or {}).items()},
        reason=reason, message=message or {}, **({"at": at} if at is not None else {}),
    )


@unit()
def work_order_create(*, request: ServiceRequest, actor: User, provider: Provider, crew_type: str = "",
                      instructions: str = "", promised_start_at: datetime.datetime | None = None,
                      promised_end_at: datetime.datetime | None = None) -> WorkOrder:
    """Dispatch field work for a request to one provider; the request becomes dispatched."""
    _require(actor, Capability.DISPATCH, _("Your role may not dispatch work orders."))
    locked = _locked_request(request)
    if locked.status not in (RequestStatus.NEW, RequestStatus.ACCEPTED, RequestStatus.DISPATCHED,
                             RequestStatus.IN_PROGRESS):
        raise InvalidTransition(entity=_("request"), action="dispatch", status=locked.status,
                                action_label=_("Dispatch"), status_label=locked.get_status_display())
    if not provider.active:
        raise ValidationFailed(_("This provider is not active."), field="provider_id")
    if promised_start_at and promised_end_at and promised_end_at < promised_start_at:
        raise ValidationFailed(_("The promised end is before the promised start."), field="promised_end_at")
    work_order = WorkOrder.objects.create(
        request=locked, provider=provider, priority=locked.priority,
        crew_type=crew_type.strip() or locked.crew_type, instructions=instructions.strip(),
        promised_start_at=promised_start_at, promised_end_at=promised_end_at, created_by=actor,
    )
    created_event = _work_order_event(work_order, actor=actor, kind=EventKind.CREATED,
                                      to_status=WorkOrderStatus.ISSUED,
                                      changes={"provider": (None, provider.code),
                                               "promised_end_at": (None, promised_end_at)})
    sync_work_order_timers(work_order, created_event=created_event)
    _request_event(locked, actor=actor, kind=EventKind.WORK_ORDER, action="work_order_created",
                   changes={"work_order": (None, work_order.reference), "provider": (None, provider.code)})
    if locked.status in (RequestStatus.NEW, RequestStatus.ACCEPTED):
        request_transition(request=locked, action="dispatch", actor=actor,
                           note=message("work_order_dispatched", ref=work_order.reference,
                                        provider=bilingual(provider)))
    return work_order


@unit()
def work_order_transition(*, work_order: WorkOrder, action: str, actor: User | None, reason: str = "",
                          note: Message | None = None, at: datetime.datetime | None = None) -> WorkOrder:
    """Move a work order along its workflow and carry the consequence to its request.

    ``actor=None`` means the system, which alone takes the steps no role may take by hand (e.g.
    ``restored``, when the dispatcher restores the outage the order was issued for), and says why
    with ``note`` (a core.messages message) instead of a typed ``reason``. ``at``: when it
    happened, if earlier than now (see ``_event_time``); its request's consequence gets the same time."""
    locked = WorkOrder.objects.select_for_update().select_related("request").get(pk=work_order.pk)
    transition = _check_transition(WORK_ORDER_TRANSITIONS, entity=_("work order"), action=action,
                                   status=locked.status, actor=actor,
                                   reason_given=bool(reason.strip() or note),
                                   status_labels=dict(WorkOrderStatus.choices))
    previous = locked.status
    now = _event_time(at, WorkOrderEvent.objects.filter(work_order=locked))
    locked.status = transition.target
    if transition.target == WorkOrderStatus.IN_PROGRESS and locked.actual_start_at is None:
        locked.actual_start_at = now
    if transition.target == WorkOrderStatus.COMPLETED:
        locked.actual_end_at = now
        locked.actual_start_at = locked.actual_start_at or now
        # The result field is text the crew reads; the system's note is kept as a message in the history.
        locked.result = reason.strip() or (render(note) if note else "")
    locked.save()
    _work_order_event(locked, actor=actor, kind=EventKind.TRANSITION, action=action, from_status=previous,
                      to_status=transition.target, reason=reason.strip(), message=note,
                      at=now if at is not None else None)
    sync_work_order_timers(locked)
    _carry_to_request(locked, actor=actor, at=now if at is not None else None, note=note)
    return locked


def _carry_to_request(work_order: WorkOrder, *, actor: User | None, at: datetime.datetime | None = None,
                      note: Message | None = None) -> None:
    """The request follows its work orders: started when one starts; resolved when all are done;
    back in the dispatcher's queue when none is left."""
    request = _locked_request(work_order.request)
    reference = work_order.reference
    if work_order.status == WorkOrderStatus.IN_PROGRESS and request.status == RequestStatus.DISPATCHED:
        request_transition(request=request, action="start", actor=None, at=at,
                           note=message("work_order_started", ref=reference))
        return
    if work_order.status not in (WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED):
        return
    siblings = request.work_orders.exclude(pk=work_order.pk)
    if siblings.filter(status__in=OPEN_WORK_ORDER_STATUSES).exists():
        return
    any_completed = work_order.status == WorkOrderStatus.COMPLETED or siblings.filter(
        status=WorkOrderStatus.COMPLETED).exists()
    if any_completed and request.status in (RequestStatus.DISPATCHED, RequestStatus.IN_PROGRESS):
        typed_result = "" if note else work_order.result
        request_transition(request=request, action="resolve", actor=None, at=at, reason=typed_result,
                           note=note or (None if typed_result
                                         else message("work_order_completed", ref=reference)))
    elif not any_completed and request.status == RequestStatus.DISPATCHED:
        request_transition(request=request, action="return", actor=None, at=at,
                           note=message("work_order_none_left", ref=reference))
