"""The answer, the customer's opinion (closed when satisfied, reopened and sent back until they
are), the manager's close and the customer's withdrawal (CMP-6)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.complaints.history import complaint_transition, part_transition
from servicedesk.complaints.models import (
    OPEN_PART_STATUSES,
    Complaint,
    ComplaintStatus,
    PartStatus,
    Satisfaction,
)
from servicedesk.complaints.parts import party_label, request_follow
from servicedesk.complaints.services import locked_complaint, major_rules_apply, owner_role
from servicedesk.complaints.workflow import MANAGER, OWNER, SYSTEM
from servicedesk.contacts.models import Callback
from servicedesk.core.exceptions import ActionNotAllowed, Conflict, ValidationFailed
from servicedesk.core.messages import Message, label, message
from servicedesk.core.transactions import unit
from servicedesk.org.models import User
from servicedesk.org.roles import Capability, Role
from servicedesk.tickets.models import RequestStatus, ServiceRequest
from servicedesk.tickets.services import (
    request_transition,
)

# ----------------------------------------------------------------------------------------------
# Answer, the customer's opinion, close (CMP-6)


@unit()
def complaint_answer(
    *, complaint: Complaint, actor: User, result: str, cause_feedback: str = ""
) -> Complaint:
    """The owner answers the complaint once every part is answered; its request is resolved (which
    asks for a result callback to the customer)."""
    locked = locked_complaint(complaint)
    who = owner_role(locked, actor)
    if not result.strip():
        raise ValidationFailed(_("Write the result told to the customer."), field="result")
    waiting = [p for p in locked.parts.select_related("unit", "provider") if p.status in OPEN_PART_STATUSES]
    if waiting:
        names = "、".join(str(p.party) for p in waiting)
        raise Conflict(_("Parts are not answered yet: %(parties)s.") % {"parties": names}, field="parts")
    complaint_transition(
        locked,
        action="answer",
        actor=actor,
        who=who,
        reason=result,
        result=result.strip(),
        cause_feedback=cause_feedback.strip() or locked.cause_feedback,
        answered_at=timezone.now(),
    )
    request_follow(locked.request, ["accept", "resolve"], actor=actor, reason=result)
    return locked


@unit()
def complaint_customer_opinion(
    *, complaint: Complaint, satisfaction: str, actor: User | None, comment: str = ""
) -> Complaint:
    """CMP-6: what the customer said when called back with the result. Satisfied: closed.
    Otherwise: reopened and sent back to the same parties, the reopenings counted, until they are
    satisfied or a manager closes it."""
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed(_("Say whether the customer is satisfied."), field="satisfaction")
    locked = locked_complaint(complaint)
    if locked.status != ComplaintStatus.ANSWERED:
        raise Conflict(
            _("Complaint %(ref)s is not waiting for the customer's opinion.") % {"ref": locked.reference},
            field="status",
        )
    opinion = label(Satisfaction(satisfaction).label)
    if satisfaction == Satisfaction.SATISFIED:
        complaint_transition(
            locked,
            action="close",
            actor=actor,
            who=SYSTEM,
            reason=comment,
            message=message("complaint_closed_satisfied"),
            satisfaction=satisfaction,
            closed_at=timezone.now(),
        )
        _system_request_move(locked.request, "close", note=message("complaint_closed_satisfied"))
        return locked
    note = message("complaint_reopened_unsatisfied", opinion=opinion)
    complaint_transition(
        locked,
        action="reopen",
        actor=actor,
        who=SYSTEM,
        reason=comment,
        message=note,
        satisfaction=satisfaction,
        reopen_count=locked.reopen_count + 1,
        answered_at=None,
    )
    sent_back = 0
    for part in (
        locked.parts.select_for_update(of=("self",))
        .filter(status=PartStatus.ANSWERED)
        .select_related("unit", "provider", "complaint__request")
    ):
        part_transition(
            part,
            action="reopen",
            actor=actor,
            who=SYSTEM,
            message=message("complaint_part_sent_back", party=party_label(part)),
            reopen_count=part.reopen_count + 1,
        )
        sent_back += 1
    if sent_back:
        complaint_transition(locked, action="dispatch", actor=actor, who=OWNER, message=note)
    _system_request_move(locked.request, "reopen", note=note)
    major_rules_apply(locked)
    return locked


def _system_request_move(request: ServiceRequest, action: str, *, note: Message) -> None:
    request.refresh_from_db(fields=["status"])
    if action == "close" and request.status != RequestStatus.RESOLVED:
        return
    if action == "reopen" and request.status not in (RequestStatus.RESOLVED, RequestStatus.CLOSED):
        return
    request_transition(request=request, action=action, actor=None, note=note)


@unit()
def complaint_close(*, complaint: Complaint, actor: User, reason: str) -> Complaint:
    """A manager closes a complaint the customer is still not satisfied with, with a reason (CMP-6);
    open parts are withdrawn."""
    if not (
        actor.can(Capability.SUPERVISE_COMPLAINTS) and actor.role in (Role.DESK_MANAGER, Role.ADMINISTRATOR)
    ):
        raise ActionNotAllowed(_("Only a desk manager may close a complaint without the customer's consent."))
    if not reason.strip():
        raise ValidationFailed(_("Say why the complaint is closed."), field="reason")
    locked = locked_complaint(complaint)
    if locked.status not in (ComplaintStatus.ANSWERED,):
        raise Conflict(
            _("Answer complaint %(ref)s first: it is %(status)s.")
            % {"ref": locked.reference, "status": ComplaintStatus(locked.status).label},
            field="status",
        )
    complaint_transition(
        locked, action="close", actor=actor, who=MANAGER, reason=reason, closed_at=timezone.now()
    )
    request = locked.request
    request.refresh_from_db(fields=["status"])
    if request.status == RequestStatus.RESOLVED:
        request_transition(
            request=request,
            action="close",
            actor=actor if actor.can(Capability.HANDLE_REQUEST) else None,
            reason=reason,
        )
    return locked


@unit()
def complaint_withdraw(*, complaint: Complaint, actor: User, reason: str) -> Complaint:
    """The customer withdraws the complaint: its open parts are withdrawn and its request cancelled."""
    locked = locked_complaint(complaint)
    who = owner_role(locked, actor)
    for part in (
        locked.parts.select_for_update(of=("self",))
        .filter(status__in=OPEN_PART_STATUSES)
        .select_related("complaint__request")
    ):
        part_transition(part, action="withdraw", actor=actor, who=OWNER, reason=reason)
    complaint_transition(
        locked, action="withdraw", actor=actor, who=who, reason=reason, closed_at=timezone.now()
    )
    request = locked.request
    request.refresh_from_db(fields=["status"])
    if request.status in (RequestStatus.NEW, RequestStatus.ACCEPTED, RequestStatus.WAITING):
        request_transition(request=request, action="cancel", actor=None, reason=reason)
    return locked


def complaint_callback_completed(callback: Callback) -> None:
    """CMP-6: the result callback of a complaint's request, with the customer's opinion, closes the
    complaint (satisfied) or reopens it (registered with contacts in ``ComplaintsConfig.ready``)."""
    if callback.request_id is None or not callback.satisfaction:
        return
    complaint = Complaint.objects.filter(
        request_id=callback.request_id, status=ComplaintStatus.ANSWERED
    ).first()
    if complaint is None:
        return
    complaint_customer_opinion(
        complaint=complaint,
        satisfaction=callback.satisfaction,
        actor=callback.completed_by,
        comment=callback.satisfaction_comment,
    )
