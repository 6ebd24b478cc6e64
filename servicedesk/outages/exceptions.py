"""Named errors of the outage workflow."""

from servicedesk.core.exceptions import Conflict


class OutageInvalidTransition(Conflict):
    """The outage's status does not allow the action (``workflow.OUTAGE_TRANSITIONS``): 409.

    Its code stays ``conflict``, the answer the outage endpoints gave before the workflow table
    (their tests pin it); ``action`` and ``status`` keep the codes for callers that want them."""

    def __init__(self, message: str, *, action: str, status: str) -> None:
        super().__init__(message, field="status")
        self.action = action
        self.status = status
