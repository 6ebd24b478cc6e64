"""The complaint and complaint-part state machines: one transitions table each, and the only
writers of their statuses (``complaint_transition``, ``part_transition``), which write the history
row in the same transaction.

``COMPLAINT_TRANSITIONS[action] = (from statuses, to status, who may, reason required)``; ``who``
is checked by the services (the owner, a team lead, the system), so it is named here, not a
capability.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.complaints.exceptions import ComplaintInvalidTransition
from servicedesk.complaints.models import ComplaintStatus as CS
from servicedesk.complaints.models import PartStatus as PS
from servicedesk.core.exceptions import ValidationFailed

NEW = ""  # the "from" status of a complaint or part being created

# Who takes a step: the complaint's owner (or a supervisor), the part's party, a manager, the system.
OWNER, PARTY, MANAGER, SYSTEM = "owner", "party", "manager", "system"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    who: frozenset[str]
    reason_required: bool = False
    label: Any = ""


COMPLAINT_TRANSITIONS: dict[str, Transition] = {
    "take": Transition(frozenset({NEW}), CS.ACCEPTED, frozenset({OWNER}), label=gettext_lazy("Taken")),
    # CMP-5: the first part sent (or a part sent again after a reopening) puts it in the parties' hands.
    "dispatch": Transition(
        frozenset({CS.ACCEPTED}), CS.DISPATCHED, frozenset({OWNER}), label=gettext_lazy("Sent to the parties")
    ),
    # Answered only when every part is (checked by ``complaint_answer``).
    "answer": Transition(
        frozenset({CS.ACCEPTED, CS.DISPATCHED}),
        CS.ANSWERED,
        frozenset({OWNER}),
        reason_required=True,
        label=gettext_lazy("Answer"),
    ),
    # CMP-6: the customer is not satisfied: back to the same parties (or the owner) until they are.
    "reopen": Transition(
        frozenset({CS.ANSWERED, CS.CLOSED}),
        CS.ACCEPTED,
        frozenset({OWNER, SYSTEM}),
        reason_required=True,
        label=gettext_lazy("Reopen"),
    ),
    # Closed when the customer says they are satisfied, or by a manager with a reason.
    "close": Transition(
        frozenset({CS.ANSWERED}),
        CS.CLOSED,
        frozenset({SYSTEM, MANAGER}),
        reason_required=True,
        label=gettext_lazy("Close"),
    ),
    "withdraw": Transition(
        frozenset({CS.ACCEPTED, CS.DISPATCHED}),
        CS.CANCELLED,
        frozenset({OWNER}),
        reason_required=True,
        label=gettext_lazy("Withdrawn by the customer"),
    ),
}

PART_TRANSITIONS: dict[str, Transition] = {
    "send": Transition(frozenset({NEW}), PS.SENT, frozenset({OWNER}), label=gettext_lazy("Sent")),
    # 002 §5.4 (2): the party judges the scope and takes its part in hand within the hour.
    "accept": Transition(
        frozenset({PS.SENT}), PS.ACCEPTED, frozenset({PARTY}), label=gettext_lazy("Take in hand")
    ),
    "answer": Transition(
        frozenset({PS.SENT, PS.ACCEPTED}),
        PS.ANSWERED,
        frozenset({PARTY}),
        reason_required=True,
        label=gettext_lazy("Answer"),
    ),
    # CMP-6: the customer was not satisfied: the part goes back to the same party.
    "reopen": Transition(
        frozenset({PS.ANSWERED}),
        PS.ACCEPTED,
        frozenset({OWNER, SYSTEM}),
        reason_required=True,
        label=gettext_lazy("Sent back"),
    ),
    "withdraw": Transition(
        frozenset({PS.SENT, PS.ACCEPTED}),
        PS.CANCELLED,
        frozenset({OWNER}),
        reason_required=True,
        label=gettext_lazy("Withdraw"),
    ),
}


def check_transition(
    transitions: dict[str, Transition],
    *,
    action: str,
    status: str,
    who: str,
    reason_given: bool,
    status_label: str,
) -> Transition:
    """The transition, or the named refusal; nothing written."""
    transition = transitions.get(action)
    if transition is None:
        raise ValidationFailed(_("Unknown action %(action)s.") % {"action": action}, field="action")
    if status not in transition.sources:
        raise ComplaintInvalidTransition(
            _("“%(action)s” is not possible while the status is %(status)s.")
            % {"action": transition.label, "status": status_label},
            action=action,
            status=status,
        )
    if who not in transition.who:
        raise ComplaintInvalidTransition(
            _("“%(action)s” is not yours to take here.") % {"action": transition.label},
            action=action,
            status=status,
        )
    if transition.reason_required and not reason_given:
        raise ValidationFailed(
            _("Say why: “%(action)s” needs a reason.") % {"action": transition.label}, field="reason"
        )
    return transition
