"""The fault call (seed 004, OUT-2..OUT-6): ``fault_call_take`` follows 004's flow chart and records
each step on the contact:

    identify the service point → connection status (OUT-4) → planned outage in force (OUT-2)
    → open outage covering the service point (OUT-2) → guided troubleshooting (OUT-5)
    → outage inference (OUT-3) → work request to the dispatcher (OUT-6)

Placing the call on the network (joining an open outage, inference) is ``inference``'s.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.contacts.services import contact_build
from servicedesk.core.exceptions import ActionNotAllowed, ValidationFailed
from servicedesk.core.messages import Message, bilingual, message, render
from servicedesk.core.shared_cache import stamps_read_once
from servicedesk.core.transactions import unit
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.network.models import Utility
from servicedesk.org.models import User
from servicedesk.org.roles import Capability
from servicedesk.outages.config import CONFIG_CACHE_KEY, OutageConfig, fault_setting, outage_config
from servicedesk.outages.contact_steps import (
    ContactDraft,
    outage_told,
    planned_told,
    record_step,
    told_details,
)
from servicedesk.outages.inference import (
    fault_call_row,
    infer,
    join_open_outage,
    single_premise,
)
from servicedesk.outages.models import (
    FAULT_CALL_INSERT,
    Outage,
    PlannedOutage,
    PlannedOutageNotice,
    TroubleshootingScript,
)
from servicedesk.outages.selectors import planned_outages_in_force
from servicedesk.sla.config import SLA_CACHE_KEY
from servicedesk.tickets.config import CONFIG_CACHE_KEY as INTAKE_CONFIG_KEY
from servicedesk.tickets.models import ServiceRequest
from servicedesk.tickets.services import request_create

Outcome = ContactRecord.Outcome
ReporterKind = ContactRecord.ReporterKind
ConnectionStatus = ServicePoint.ConnectionStatus


def _require(actor: User, capability: Capability, message: str) -> None:
    if not actor.can(capability):
        raise ActionNotAllowed(message)



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



@dataclass(frozen=True)
class FaultCallInput:
    """What the caller said: who they are, where, and what they have tried (seed 004's inputs).

    ``problem`` holds the work request's fields (e.g. ``fault_location``: high-voltage cable or
    service point, ``outage_scope``); they are needed only when the call ends in a work request.
    """

    utility: str = Utility.POWER
    channel: str = Channel.PHONE
    reporter_kind: str = ReporterKind.CUSTOMER
    customer: Customer | None = None
    service_point: ServicePoint | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    location: str = ""
    notes: str = ""
    troubleshooting: Sequence[TroubleshootingAnswer] = ()
    problem: dict[str, Any] = field(default_factory=dict)
    estimated_completion_at: datetime.datetime | None = None
    started_at: datetime.datetime | None = None


def fault_call_take(call: FaultCallInput, *, actor: User) -> FaultCallResult:
    """Take one fault call through 004's flow and record it; returns what to tell the caller.

    The answer names the missing ``problem`` fields when the call ends in a work request. One
    transaction: nothing is kept if any step fails.
    """
    _require(actor, Capability.LOG_CONTACT, _("Your role may not take calls."))
    _require(actor, Capability.CREATE_REQUEST, _("Your role may not create service requests."))
    call = _placed(call)
    # One cache read for the configurations the call may need (a work request needs all three).
    with stamps_read_once((CONFIG_CACHE_KEY, INTAKE_CONFIG_KEY, SLA_CACHE_KEY)):
        config = outage_config()
        with unit():
            draft = ContactDraft(contact_build(
                agent=actor, channel=call.channel, reporter_kind=call.reporter_kind, customer=call.customer,
                service_point=call.service_point, reporter_name=call.reporter_name,
                reporter_phone=call.reporter_phone, notes=call.notes, started_at=call.started_at,
                request_type=fault_setting(config, call.utility).request_type,
            ))
            result = _flow(draft, call, actor=actor, config=config)
            if draft.steps and "told" not in draft.steps[-1]:
                # What the caller was told is kept with the steps.
                draft.steps[-1].update(told_details(result.told))
            draft.write(result.outcome)
            result.steps = draft.steps
            return result


def _placed(call: FaultCallInput) -> FaultCallInput:
    """The call with its service point and utility settled: a customer with one service point of
    the utility is on that one; a service point decides the utility."""
    point = call.service_point
    if call.customer is not None and point is None:
        points = list(call.customer.service_points.filter(utility=call.utility)[:2])
        if len(points) > 1:
            raise ValidationFailed(_("This customer has several service points: choose the one without "
                                     "supply."),
                                   field="service_point_id")
        point = points[0] if points else None
    utility = point.utility if point is not None else call.utility
    if utility not in Utility.values:
        raise ValidationFailed(_("Unknown utility."), field="utility")
    return replace(call, service_point=point, utility=utility)


def _flow(draft: ContactDraft, call: FaultCallInput, *, actor: User, config: OutageConfig) -> FaultCallResult:
    contact, steps = draft.record, draft.steps
    utility, location, problem = call.utility, call.location, call.problem
    point = contact.service_point
    now = timezone.now()

    # 004 steps 3, 6, 8: identify the service point and the caller.
    if point is None:
        record_step(steps, "identify", contact.reporter_kind, service_point=None, location=location.strip())
        if contact.reporter_kind == ReporterKind.UNIDENTIFIED and not location.strip():
            contact.outcome = Outcome.INFORMATION_RECORDED
            return FaultCallResult(contact, Outcome.INFORMATION_RECORDED, steps=steps,
                                   told=message("tell_unidentified"))
        # 004 step 2: a report not tied to a customer (police, passer-by): straight to a work request.
        return _work_request(draft, call, actor=actor, config=config)
    record_step(steps, "identify", contact.reporter_kind, service_point=point.number,
          customer=contact.customer.number if contact.customer else None)

    # OUT-4, 004 steps 13 and 17: supply cut for unpaid bills or an unregistered move-in.
    status = point.connection_status
    record_step(steps, "connection_status", status)
    if status != ConnectionStatus.CONNECTED:
        return FaultCallResult(contact, Outcome.CONNECTION_CUT, steps=steps,
                               told=connection_advice_message(point))

    # OUT-2, 004 steps 10–12: a planned outage in force here: tell again, a new contact record.
    planned = planned_outages_in_force(point, at=now, schedule=config.planned)
    if planned:
        notice = PlannedOutageNotice.objects.filter(planned_outage=planned[0], service_point=point).first()
        record_step(steps, "planned_outage", planned[0].reference,
                    written_notice=bool(notice and notice.written))
        return FaultCallResult(contact, Outcome.PLANNED_OUTAGE, steps=steps, planned_outage=planned[0],
                               told=planned_told(planned[0], notice))
    record_step(steps, "planned_outage", "none")

    # OUT-2, 004 steps 4–5: an open outage covers this service point: link, no new work.
    outage = join_open_outage(draft, point, now=now, problem=problem, step="open_outage")
    if outage is not None:
        return FaultCallResult(contact, Outcome.OUTAGE_LINKED, steps=steps, outage=outage,
                               told=outage_told(outage))
    record_step(steps, "open_outage", "none")

    # OUT-5, 004 steps 14–16: a safe self-check solved it: a contact record only.
    solved = _record_troubleshooting(steps, call.troubleshooting, config=config, utility=utility)
    if solved is not None:
        contact.first_contact_resolution = True
        return FaultCallResult(contact, Outcome.SELF_HELP, steps=steps,
                               told=message("tell_self_help", script=bilingual(solved)))

    # OUT-3: place the call on the network; enough neighbours' calls predict an outage. A caller
    # whose neighbours have supply has a fault of their own: nothing to infer.
    if point.device_id is not None and single_premise(problem):
        record_step(steps, "inference", "single_premise")
    elif point.device_id is not None:
        outage = infer(draft, point, config=config, now=now, problem=problem)
        if outage is not None:
            return FaultCallResult(contact, Outcome.OUTAGE_LINKED, steps=steps, outage=outage,
                                   told=outage_told(outage))
        record_step(steps, "inference", "none")

    # OUT-6, 004 steps 18–20: a work request to the dispatcher; the call stays on the network
    # with its request, for the outage it may be grouped into later.
    return _work_request(draft, replace(call, troubleshooting=()), actor=actor, config=config,
                         on_network=point.device_id is not None, now=now)


def connection_advice_message(point: ServicePoint) -> Message:
    """OUT-4: what to tell a caller whose supply is cut, and how to be reconnected."""
    status = point.connection_status
    if status == ConnectionStatus.CUT_UNPAID:
        owed = point.account.amount_owed if point.account is not None else 0
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
        record_step(steps, "troubleshooting", "solved" if answer.solved else "not_solved", script=script.code,
              steps_done=list(answer.steps_done), note=answer.note.strip())
        if answer.solved and solved is None:
            solved = script
    return solved


def _work_request(draft: ContactDraft, call: FaultCallInput, *, actor: User, config: OutageConfig,
                  on_network: bool = False, now: datetime.datetime | None = None) -> FaultCallResult:
    """The request, which writes the contact once with every step, the request's last (what the
    caller is told: its number and the estimate); then the call's place on the network."""
    contact, problem = draft.record, call.problem
    if call.troubleshooting:
        _record_troubleshooting(draft.steps, call.troubleshooting, config=config, utility=call.utility)
    setting = fault_setting(config, call.utility)
    estimate = call.estimated_completion_at or timezone.now() + datetime.timedelta(
        minutes=setting.initial_estimate_minutes)
    contact.steps = list(draft.steps)
    try:
        request = request_create(actor=actor, request_type=setting.request_type, channel=contact.channel,
                                 contact=contact, location=call.location, description=contact.notes,
                                 attributes=problem, estimated_completion_at=estimate)
    except ValidationFailed as error:
        # The problem detail is asked for only when the call needs a work request: say so.
        errors = {(f"problem.{k.removeprefix('attributes.')}" if k.startswith("attributes") else k): v
                  for k, v in error.errors.items()}
        raise ValidationFailed(error.message, errors=errors) from error
    draft.written_by_request()
    told: Message = draft.steps[-1]["told_message"]
    if on_network:
        assert contact.service_point is not None  # placed on the network: the call's service point
        FAULT_CALL_INSERT.save(fault_call_row(contact, contact.service_point, now=now or timezone.now(),
                                                outage=None, problem=problem, request=request))
    return FaultCallResult(contact, Outcome.REQUEST_CREATED, steps=draft.steps, request=request, told=told)


