"""Named errors of the request and work-order workflows."""

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import Conflict, ValidationFailed


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, *, entity: str, action: str, status: str, action_label: str = "",
                 status_label: str | Promise = "") -> None:
        # People read the workflow's labels; ``action`` and ``status`` keep the codes for the API.
        super().__init__(
            _("“%(action)s” is not possible for a %(entity)s that is “%(status)s”.") % {
                "action": action_label or action, "entity": entity, "status": status_label or status},
            field="action",
        )
        self.action = action
        self.status = status


class InvalidAttributes(ValidationFailed):
    """Type fields that fail validation; ``errors`` maps ``attributes.<key>`` to the problem."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()), errors=errors)
