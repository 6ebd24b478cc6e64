"""The outage state machine (OUT-3, OUT-6): one transitions table and the one writer of
``Outage.status``, which writes the outage's history (``OutageEvent``) in the same transaction.

``OUTAGE_TRANSITIONS[action] = (from statuses, to status, capability needed, reason required)``.
An outage is created by ``outage_open`` (``predict``: inference, ``declare``: a dispatcher) and
moved by ``outage_transition`` (one outage) or ``outages_transition`` (many at once: the predicted
outages below a new or declared outage, with one UPDATE and one bulk insert of their events, so
that an outage storm's roll-up costs the same few statements however many it merges).
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core.exceptions import ActionNotAllowed, ValidationFailed
from servicedesk.core.messages import Message
from servicedesk.org.models import User
from servicedesk.org.roles import Capability
from servicedesk.outages.exceptions import OutageInvalidTransition
from servicedesk.outages.models import Outage, OutageEvent, OutageEventKind
from servicedesk.outages.models import OutageStatus as OS

NEW = ""  # the "from" status of an outage being created


@dataclass(frozen=True)
class OutageTransition:
    sources: frozenset[str]
    target: str
    capability: Capability | None  # None: only the system takes this step
    reason_required: bool = False
    label: Any = ""
    # What the dispatcher is told when the status does not allow it (%(ref)s, %(status)s).
    refused: Any = gettext_lazy("Outage %(ref)s is %(status)s.")


OUTAGE_TRANSITIONS: dict[str, OutageTransition] = {
    # OUT-3: enough neighbours' calls predict an outage (the system, ``inference``).
    "predict": OutageTransition(frozenset({NEW}), OS.PREDICTED, None,
                                label=gettext_lazy("Predicted from calls")),
    # A dispatcher declares a known outage (SCADA alarm, a leak repair's area): confirmed at once.
    "declare": OutageTransition(frozenset({NEW}), OS.CONFIRMED, Capability.MANAGE_OUTAGES,
                                label=gettext_lazy("Declared")),
    "confirm": OutageTransition(frozenset({OS.PREDICTED}), OS.CONFIRMED, Capability.MANAGE_OUTAGES,
                                label=gettext_lazy("Confirm"),
                                refused=gettext_lazy("Only a predicted outage can be confirmed; %(ref)s is "
                                                     "%(status)s.")),
    "reject": OutageTransition(frozenset({OS.PREDICTED}), OS.REJECTED, Capability.MANAGE_OUTAGES,
                               reason_required=True, label=gettext_lazy("Reject"),
                               refused=gettext_lazy("Only a predicted outage can be rejected.")),
    # The dispatcher knows two open outages are one fault; also the predicted outages below one declared.
    "merge": OutageTransition(frozenset({OS.PREDICTED, OS.CONFIRMED}), OS.MERGED, Capability.MANAGE_OUTAGES,
                              label=gettext_lazy("Merge")),
    # OUT-3 roll-up: a prediction higher up takes the predicted outages below it (the system).
    "roll_up": OutageTransition(frozenset({OS.PREDICTED}), OS.MERGED, None,
                                label=gettext_lazy("Merged into the outage above")),
    "restore": OutageTransition(frozenset({OS.CONFIRMED}), OS.RESTORED, Capability.MANAGE_OUTAGES,
                                label=gettext_lazy("Restore"),
                                refused=gettext_lazy("Only a confirmed outage can be restored; %(ref)s is "
                                                     "%(status)s.")),
}


def _refusal(transition: OutageTransition, action: str, *, reference: str,
             status: str) -> OutageInvalidTransition:
    return OutageInvalidTransition(str(transition.refused) % {"ref": reference, "status": OS(status).label},
                                   action=action, status=status)


def outage_check_transition(outage: Outage, action: str, *, actor: User | None,
                            reason_given: bool = True) -> OutageTransition:
    """The transition ``action`` from the outage's status, or the named refusal; nothing written."""
    transition = OUTAGE_TRANSITIONS.get(action)
    if transition is None:
        raise ValidationFailed(_("Unknown action %(action)s.") % {"action": action}, field="action")
    if outage.status not in transition.sources:
        raise _refusal(transition, action, reference=outage.reference, status=outage.status)
    if actor is not None and (transition.capability is None or not actor.can(transition.capability)):
        raise ActionNotAllowed(_("Your role may not manage outages."))
    if transition.reason_required and not reason_given:
        raise ValidationFailed(_("Say why: “%(action)s” needs a reason.") % {"action": transition.label},
                               field="reason")
    return transition


def _event_time(outage: Outage, at: datetime.datetime | None) -> datetime.datetime:
    """Now, or ``at`` (e.g. when supply came back), never before the outage's latest history row:
    the history stays in order."""
    if at is None:
        return timezone.now()
    latest = OutageEvent.objects.filter(outage=outage).aggregate(latest=Max("at"))["latest"]
    return max(at, latest) if latest is not None else at


def outage_open(*, action: str, actor: User | None, at: datetime.datetime, message: Message | None = None,
                **fields: Any) -> Outage:
    """Create an outage in the status ``action`` gives (``predict``, ``declare``), with its
    ``created`` event."""
    transition = OUTAGE_TRANSITIONS[action]
    if NEW not in transition.sources:
        raise ValueError(f"{action} does not create an outage")
    outage = Outage.objects.create(status=transition.target, created_at=at, **fields)
    OutageEvent.objects.create(outage=outage, at=at, actor=actor, kind=OutageEventKind.CREATED, action=action,
                               from_status=NEW, to_status=transition.target, message=message or {})
    return outage


def outage_transition(*, outage: Outage, action: str, actor: User | None, at: datetime.datetime | None = None,
                      reason: str = "", message: Message | None = None, **fields: Any) -> Outage:
    """Move one outage (read locked by the caller) along its workflow, setting ``fields`` with the
    status (e.g. ``closed_at``), and write one history row: who, when, from, to, why."""
    transition = outage_check_transition(outage, action, actor=actor,
                                         reason_given=bool(reason.strip() or message))
    previous = outage.status
    when = _event_time(outage, at)
    outage.status = transition.target
    for name, value in fields.items():
        setattr(outage, name, value)
    outage.save(update_fields=["status", *fields])
    OutageEvent.objects.create(outage=outage, at=when, actor=actor, kind=OutageEventKind.TRANSITION,
                               action=action,
                               from_status=previous, to_status=transition.target, reason=reason.strip(),
                               message={} if reason.strip() else (message or {}))
    return outage


def outages_transition(*, sources: Sequence[tuple[int, str]], action: str, actor: User | None,
                       at: datetime.datetime, message: Message | None = None, **fields: Any) -> int:
    """Move many outages (``(id, status)`` as read locked by the caller) at once: one UPDATE and
    one bulk insert of one history row each. Returns how many."""
    if not sources:
        return 0
    transition = OUTAGE_TRANSITIONS[action]
    if actor is not None and (transition.capability is None or not actor.can(transition.capability)):
        raise ActionNotAllowed(_("Your role may not manage outages."))
    for pk, status in sources:
        if status not in transition.sources:
            raise _refusal(transition, action, reference=f"O{pk:06d}", status=status)
    Outage.objects.filter(pk__in=[pk for pk, _status in sources]).update(status=transition.target, **fields)
    OutageEvent.objects.bulk_create([
        OutageEvent(outage_id=pk, at=at, actor=actor, kind=OutageEventKind.TRANSITION, action=action,
                    from_status=status, to_status=transition.target, message=message or {})
        for pk, status in sources], batch_size=2000)
    return len(sources)


def outage_record_change(*, outage: Outage, kind: str, actor: User | None,
                         at: datetime.datetime | None = None,
                         reason: str = "", message: Message | None = None,
                         old_etr: datetime.datetime | None = None,
                         new_etr: datetime.datetime | None = None, changes: dict[str, Any] | None = None,
                         ) -> OutageEvent:
    """A history row for a change that is not a status change: a new ETR (OUT-6) or cause."""
    return OutageEvent.objects.create(outage=outage, at=at or timezone.now(), actor=actor, kind=kind,
                                      old_etr=old_etr, new_etr=new_etr, changes=changes or {}, reason=reason,
                                      message={} if reason else (message or {}))
