"""What the SLA engine needs to know of a timed subject, supplied by the app that owns it.

The engine sits below the intake apps and never imports them (STYLE.md, layers): the tickets app
registers an adapter per subject type at start-up (``TicketsConfig.ready``).
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class SubjectEvent:
    """One transition of the subject, from its append-only history."""

    at: datetime.datetime
    action: str  # "created", "accept", "dispatch", …
    from_status: str
    to_status: str
    reason: str = ""


@dataclass(frozen=True)
class SubjectFacts:
    """The facts a policy is matched on (SLA-2)."""

    request_type_id: int | None = None
    severity: int | None = None
    priority: int | None = None
    customer_class: str = ""
    channel: str = ""
    provider_id: int | None = None
    label: str = ""  # "SR00000012 报漏 …", for notifications
    link: str = ""  # the web page of the subject
    recipients: dict[str, list[int]] = field(default_factory=dict)  # notify level -> user ids


class SubjectAdapter(Protocol):
    def facts(self, subject_id: int) -> SubjectFacts: ...

    def history(self, subject_id: int) -> list[SubjectEvent]: ...

    def recipients(self, subject_id: int) -> dict[str, list[int]]:
        """User ids to notify at each warning level: {"owner": […], "team_lead": […],
        "desk_manager": […]} (SLA-4)."""
        ...

    def facts_many(self, subject_ids: Collection[int]) -> dict[int, SubjectFacts]:
        """``facts`` of many subjects in a few queries (the warning sweep's batches); subjects that
        no longer exist are left out."""
        ...

    def recipients_many(self, subject_ids: Collection[int]) -> dict[int, dict[str, list[int]]]:
        """``recipients`` of many subjects in a few queries; subjects that no longer exist are left out."""
        ...


_ADAPTERS: dict[str, SubjectAdapter] = {}


def register_subject(subject_type: str, adapter: SubjectAdapter) -> None:
    _ADAPTERS[subject_type] = adapter


def subject_adapter(subject_type: str) -> SubjectAdapter:
    try:
        return _ADAPTERS[subject_type]
    except KeyError:
        raise LookupError(f"No SLA subject adapter registered for {subject_type!r}") from None
