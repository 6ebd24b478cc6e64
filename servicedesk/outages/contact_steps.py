"""What a fault call records on its contact (seed 004): the flow's steps, what the caller was
told (a core.messages message, rendered in each reader's language), and the contact's one insert."""

import copy
from dataclasses import dataclass, field
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
                       cause=typed(outage.cause) if outage.cause else label(CAUSE_UNKNOWN),
                       etr=moment(outage.etr))
    return message("tell_outage_predicted", ref=outage.reference)



@dataclass
class ContactDraft:
    """A fault call's contact while 004's flow runs: the record, the steps recorded so far, and
    what was last written of it.

    The flow writes the record when something must point at it (a fault call row on the network:
    ``ensure_written``; the work request, whose ``request_create`` writes it with the request's
    step: ``written_by_request``), and ``fault_call_take`` writes it at the end (``write``): not at
    all when it is in the database as it now stands, an UPDATE when the flow recorded more since.
    """

    record: ContactRecord
    steps: list[dict[str, Any]] = field(default_factory=list)
    written: tuple[str, list[dict[str, Any]], bool] | None = None

    def step(self, step: str, result: str, **details: Any) -> None:
        record_step(self.steps, step, result, **details)

    def _state(self, outcome: str) -> tuple[str, list[dict[str, Any]], bool]:
        return outcome, copy.deepcopy(self.steps), self.record.first_contact_resolution

    def ensure_written(self, outcome: str) -> None:
        """Insert the record now if it is not in the database yet (a row is about to point at it)."""
        if self.record.pk is None:
            self.write(outcome)

    def write(self, outcome: str) -> None:
        state = self._state(outcome)
        if state == self.written:
            return
        record = self.record
        record.outcome, record.steps = outcome, list(self.steps)
        if record.pk is None:
            CONTACT_INSERT.save(record)
        else:
            ContactRecord.objects.filter(pk=record.pk).update(
                steps=record.steps, outcome=outcome, first_contact_resolution=record.first_contact_resolution)
        self.written = state

    def written_by_request(self) -> None:
        """``request_create`` wrote the record, with the request's step last: take it as written."""
        self.steps = list(self.record.steps)
        self.written = self._state(self.record.outcome)
