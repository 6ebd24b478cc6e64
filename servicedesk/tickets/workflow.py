"""The request and work-order state machines: one transitions table each.

``REQUEST_TRANSITIONS[action] = (from statuses, to status, capability needed, reason required)``.
``request_transition`` / ``work_order_transition`` in services.py are the only writers of status.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from servicedesk.org.roles import Capability
from servicedesk.tickets.models import RequestStatus as RS
from servicedesk.tickets.models import WorkOrderStatus as WS


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    capability: Capability | None  # None: only the system takes this step
    reason_required: bool = False
    label: str | Promise = ""  # lazy: translated when shown


REQUEST_TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(frozenset({RS.NEW}), RS.ACCEPTED, Capability.HANDLE_REQUEST, label=_("Accept")),
    "dispatch": Transition(frozenset({RS.NEW, RS.ACCEPTED}), RS.DISPATCHED, Capability.DISPATCH,
                           label=_("Dispatch")),
    "start": Transition(frozenset({RS.ACCEPTED, RS.DISPATCHED}), RS.IN_PROGRESS, Capability.HANDLE_REQUEST,
                        label=_("Start work")),
    "resolve": Transition(frozenset({RS.ACCEPTED, RS.DISPATCHED, RS.IN_PROGRESS, RS.WAITING}), RS.RESOLVED,
                          Capability.HANDLE_REQUEST, reason_required=True, label=_("Resolve")),
    # SLA-3: waiting for the customer or a third party pauses the clocks; resume restarts them.
    "wait": Transition(frozenset({RS.ACCEPTED, RS.DISPATCHED, RS.IN_PROGRESS}), RS.WAITING,
                       Capability.HANDLE_REQUEST, reason_required=True,
                       label=_("Wait for customer / third party")),
    "resume": Transition(frozenset({RS.WAITING}), RS.IN_PROGRESS,
                         Capability.HANDLE_REQUEST, label=_("Resume")),
    "close": Transition(frozenset({RS.RESOLVED}), RS.CLOSED, Capability.HANDLE_REQUEST, label=_("Close")),
    "reopen": Transition(frozenset({RS.RESOLVED, RS.CLOSED}), RS.ACCEPTED, Capability.HANDLE_REQUEST,
                         reason_required=True, label=_("Reopen")),
    "cancel": Transition(frozenset({RS.NEW, RS.ACCEPTED, RS.WAITING}), RS.CANCELLED,
                         Capability.HANDLE_REQUEST,
                         reason_required=True, label=_("Cancel")),
    # Every work order was cancelled or declined: back to the dispatcher.
    "return": Transition(frozenset({RS.DISPATCHED}), RS.ACCEPTED, Capability.DISPATCH, reason_required=True,
                         label=_("Return to queue")),
}

WORK_ORDER_TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(frozenset({WS.ISSUED}), WS.ACCEPTED, Capability.WORK_ON_ORDERS, label=_("Accept")),
    "decline": Transition(frozenset({WS.ISSUED}), WS.CANCELLED, Capability.WORK_ON_ORDERS,
                          reason_required=True,
                          label=_("Decline")),
    "start": Transition(frozenset({WS.ISSUED, WS.ACCEPTED}), WS.IN_PROGRESS, Capability.WORK_ON_ORDERS,
                        label=_("Start on site")),
    "complete": Transition(frozenset({WS.ACCEPTED, WS.IN_PROGRESS}), WS.COMPLETED, Capability.WORK_ON_ORDERS,
                           reason_required=True, label=_("Complete")),
    "cancel": Transition(frozenset({WS.ISSUED, WS.ACCEPTED, WS.IN_PROGRESS}), WS.CANCELLED,
                         Capability.DISPATCH,
                         reason_required=True, label=_("Cancel")),
    # OUT-6: the dispatcher restores the outage the order was issued for; the system completes it
    # with the restoration as its result (``outages.lifecycle.outage_restore``). No role takes it by hand.
    "restored": Transition(frozenset({WS.ISSUED, WS.ACCEPTED, WS.IN_PROGRESS}), WS.COMPLETED, None,
                           reason_required=True, label=_("Completed: supply restored")),
}


def available_actions(transitions: dict[str, Transition], status: str) -> list[str]:
    return [action for action, t in transitions.items() if status in t.sources]
