"""Named errors of the complaint workflow."""

from servicedesk.core.exceptions import Conflict


class ComplaintInvalidTransition(Conflict):
    """The complaint's or part's status does not allow the action: 409 ``invalid_transition``."""

    code = "invalid_transition"

    def __init__(self, message: str, *, action: str, status: str) -> None:
        super().__init__(message, field="status")
        self.action = action
        self.status = status
