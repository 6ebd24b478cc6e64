"""The complaint's history rows and the status writers (the only code that sets ``status`` on a
complaint or a part)."""

import datetime
from typing import Any

from servicedesk.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintPart,
    ComplaintStatus,
    PartStatus,
)
from servicedesk.complaints.workflow import COMPLAINT_TRANSITIONS, PART_TRANSITIONS, check_transition
from servicedesk.core.messages import Message
from servicedesk.org.models import User


def _json(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def complaint_event(
    complaint: Complaint,
    *,
    actor: User | None,
    action: str,
    part: ComplaintPart | None = None,
    from_status: str = "",
    to_status: str = "",
    changes: dict[str, tuple[Any, Any]] | None = None,
    reason: str = "",
    message: Message | None = None,
) -> ComplaintEvent:
    """``reason``: what a person typed; ``message``: what the system says, rendered when read."""
    return ComplaintEvent.objects.create(
        complaint=complaint,
        part=part,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason.strip(),
        message=message or {},
        changes={k: [_json(old), _json(new)] for k, (old, new) in (changes or {}).items()},
    )


def complaint_transition(
    complaint: Complaint,
    *,
    action: str,
    actor: User | None,
    who: str,
    reason: str = "",
    message: Message | None = None,
    **fields: Any,
) -> Complaint:
    """Move a complaint (read locked by the caller) along its workflow, with ``fields`` set with the
    status, and write one history row."""
    transition = check_transition(
        COMPLAINT_TRANSITIONS,
        action=action,
        status=complaint.status,
        who=who,
        reason_given=bool(reason.strip() or message),
        status_label=str(ComplaintStatus(complaint.status).label),
    )
    previous = complaint.status
    complaint.status = transition.target
    for name, value in fields.items():
        setattr(complaint, name, value)
    complaint.save(update_fields=["status", *fields])
    complaint_event(
        complaint,
        actor=actor,
        action=action,
        from_status=previous,
        to_status=transition.target,
        reason=reason,
        message=message,
    )
    return complaint


def part_transition(
    part: ComplaintPart,
    *,
    action: str,
    actor: User | None,
    who: str,
    reason: str = "",
    message: Message | None = None,
    **fields: Any,
) -> ComplaintPart:
    """Move a part (read locked by the caller) along its workflow, write its history row and
    recompute its clocks."""
    from servicedesk.complaints.timing import sync_part_timers

    transition = check_transition(
        PART_TRANSITIONS,
        action=action,
        status=part.status,
        who=who,
        reason_given=bool(reason.strip() or message),
        status_label=str(PartStatus(part.status).label),
    )
    previous = part.status
    part.status = transition.target
    for name, value in fields.items():
        setattr(part, name, value)
    part.save(update_fields=["status", *fields])
    complaint_event(
        part.complaint,
        part=part,
        actor=actor,
        action=action,
        from_status=previous,
        to_status=transition.target,
        reason=reason,
        message=message,
    )
    sync_part_timers(part)
    return part
