"""Joint dispatch (CMP-5): a complaint sent to several departments and partners at once, each
part with its own clocks; the parties take their parts in hand and answer them."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.complaints.history import complaint_event, complaint_transition, part_transition
from servicedesk.complaints.models import (
    OPEN_PART_STATUSES,
    Complaint,
    ComplaintPart,
    ComplaintStatus,
)
from servicedesk.complaints.services import locked_complaint, owner_role
from servicedesk.complaints.timing import sync_part_timers
from servicedesk.complaints.workflow import PARTY
from servicedesk.core.exceptions import ActionNotAllowed, Conflict, ValidationFailed
from servicedesk.core.messages import Message, bilingual, message
from servicedesk.core.transactions import unit
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Capability
from servicedesk.tickets.models import RequestStatus, ServiceRequest
from servicedesk.tickets.services import (
    request_transition,
)

# ----------------------------------------------------------------------------------------------
# Joint dispatch (CMP-5)


@dataclass(frozen=True)
class PartInput:
    unit: OrgUnit | None = None
    provider: Provider | None = None
    urgency: str = ComplaintPart.Urgency.URGENT
    instructions: str = ""


def party_label(part: ComplaintPart) -> dict[str, str]:
    party = part.provider if part.provider_id else part.unit
    return bilingual(party)


def request_follow(
    request: ServiceRequest,
    actions: Sequence[str],
    *,
    actor: User,
    reason: str = "",
    note: Message | None = None,
) -> None:
    """Move the complaint's request with the complaint (its clocks follow), as the actor when their
    role handles requests, else as the system saying why."""
    for action in actions:
        if action == "accept" and request.status != RequestStatus.NEW:
            continue
        by = actor if actor.can(Capability.HANDLE_REQUEST) else None
        request_transition(
            request=request,
            action=action,
            actor=by,
            reason=reason,
            note=note if by is None or not reason.strip() else None,
        )


@unit()
def complaint_dispatch(
    *, complaint: Complaint, actor: User, parts: Sequence[PartInput]
) -> list[ComplaintPart]:
    """CMP-5: send the complaint to several departments and partners at once, each part with its
    own clocks; the complaint's request is accepted (its reply clock stops)."""
    locked = locked_complaint(complaint)
    who = owner_role(locked, actor)
    if not parts:
        raise ValidationFailed(_("Choose at least one department or partner."), field="parts")
    if locked.status not in (ComplaintStatus.ACCEPTED, ComplaintStatus.DISPATCHED):
        raise Conflict(
            _("Complaint %(ref)s is %(status)s: nothing can be sent.")
            % {"ref": locked.reference, "status": ComplaintStatus(locked.status).label},
            field="status",
        )
    open_parties = {(p.unit_id, p.provider_id) for p in locked.parts.filter(status__in=OPEN_PART_STATUSES)}
    created: list[ComplaintPart] = []
    for index, data in enumerate(parts):
        field = f"parts[{index}]"
        if (data.unit is None) == (data.provider is None):
            raise ValidationFailed(_("Each part goes to one department or one partner."), field=field)
        if data.urgency not in ComplaintPart.Urgency.values:
            raise ValidationFailed(_("Urgency is urgent or difficult."), field=f"{field}.urgency")
        key = (data.unit.pk if data.unit else None, data.provider.pk if data.provider else None)
        if key in open_parties:
            raise ValidationFailed(_("This party already has an open part of the complaint."), field=field)
        if (data.provider is not None and not data.provider.active) or (
            data.unit is not None and not data.unit.active
        ):
            raise ValidationFailed(_("This party is no longer active."), field=field)
        open_parties.add(key)
        part = ComplaintPart.objects.create(
            complaint=locked,
            unit=data.unit,
            provider=data.provider,
            urgency=data.urgency,
            instructions=data.instructions.strip(),
            created_by=actor,
        )
        complaint_event(
            locked,
            part=part,
            actor=actor,
            action="send",
            to_status=part.status,
            message=message("complaint_part_sent", party=party_label(part)),
        )
        sync_part_timers(part)
        created.append(part)
    if locked.status == ComplaintStatus.ACCEPTED:
        complaint_transition(locked, action="dispatch", actor=actor, who=who)
    request_follow(
        locked.request,
        ["accept"],
        actor=actor,
        note=message("complaint_part_sent", party=party_label(created[0])),
    )
    return created


def _as_party(part: ComplaintPart, actor: User) -> str:
    """PARTY when the actor works for the part's partner or department."""
    if (
        part.provider_id is not None
        and actor.provider_id == part.provider_id
        and actor.can(Capability.WORK_ON_ORDERS)
    ):
        return PARTY
    if part.unit_id is not None and (
        actor.unit_id == part.unit_id or (part.unit is not None and part.unit.lead_id == actor.pk)
    ):
        if actor.can(Capability.HANDLE_REQUEST) or actor.can(Capability.DISPATCH):
            return PARTY
    raise ActionNotAllowed(_("This part of the complaint is not for you."))


def _locked_part(part: ComplaintPart) -> ComplaintPart:
    return (
        ComplaintPart.objects.select_for_update(of=("self",))
        .select_related("complaint", "complaint__request", "unit", "provider")
        .get(pk=part.pk)
    )


@unit()
def part_accept(*, part: ComplaintPart, actor: User) -> ComplaintPart:
    """002 §5.4 (2): the party has judged the scope and takes its part in hand."""
    locked = _locked_part(part)
    return part_transition(locked, action="accept", actor=actor, who=_as_party(locked, actor))


@unit()
def part_answer(*, part: ComplaintPart, actor: User, answer: str) -> ComplaintPart:
    """The party's reply: its part is done (CMP-5); the complaint waits for every part."""
    locked = _locked_part(part)
    who = _as_party(locked, actor)
    if not answer.strip():
        raise ValidationFailed(_("Write the answer."), field="answer")
    return part_transition(
        locked,
        action="answer",
        actor=actor,
        who=who,
        reason=answer,
        answer=answer.strip(),
        answered_at=timezone.now(),
        answered_by=actor,
    )


@unit()
def part_withdraw(*, part: ComplaintPart, actor: User, reason: str) -> ComplaintPart:
    locked = _locked_part(part)
    return part_transition(
        locked, action="withdraw", actor=actor, who=owner_role(locked.complaint, actor), reason=reason
    )
