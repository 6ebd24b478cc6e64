"""What a fault call records on its contact (seed 004): the flow's steps, what the caller was
told (a core.messages message, rendered in each reader's language), and the contact's one insert."""

from typing import Any

from django.utils.translation import gettext_lazy

from servicedesk.contacts.models import CONTACT_INSERT, ContactRecord
from servicedesk.core.messages import Message, label, message, moment, render, typed
from servicedesk.outages.models import Outage, OutageStatus, PlannedOutage, PlannedOutageNotice

CAUSE_UNKNOWN = gettext_lazy("cause under investigation")


def record_step(steps: list[dict[str, Any]], step: str, result: str, **details: Any) -> None:
    steps.append({"step": step, "result": result, **details})


def told_details(told: Message) -> dict[str, Any]:
    """What a step keeps of what the caller was told: the text in the language of the call (for
    readers of the raw steps) and the message, rendered in each reader's language when shown."""
    return {"told": render(told), "told_message": told}


def planned_told(planned: PlannedOutage, notice: PlannedOutageNotice | None) -> Message:
    told = message("tell_planned", reason=typed(planned.reason), start=moment(planned.starts_at),
                   end=moment(planned.ends_at))
    if notice is not None and notice.written:
        told["more"] = [message("tell_planned_notice", date=moment(notice.notified_at))]
    return told


def outage_told(outage: Outage) -> Message:
    if outage.status == OutageStatus.CONFIRMED:
        return message("tell_outage_confirmed", ref=outage.reference,
                       cause=typed(outage.cause) if outage.cause else label(CAUSE_UNKNOWN), etr=moment(outage.etr))
    return message("tell_outage_predicted", ref=outage.reference)



def mark_saved(contact: ContactRecord, outcome: str, steps: list[dict[str, Any]]) -> None:
    """Set what the contact is saved with; ``fault_call_take`` writes the steps again at the end
    only if more were recorded since."""
    contact.outcome = outcome
    contact.steps = list(steps)
    contact._saved_state = (outcome, repr(steps), contact.first_contact_resolution)  # type: ignore[attr-defined]


def save_contact(contact: ContactRecord, outcome: str, steps: list[dict[str, Any]]) -> None:
    """Save the contact now (a fault call row must point at it)."""
    if contact.pk is None:
        mark_saved(contact, outcome, steps)
        CONTACT_INSERT.save(contact)

