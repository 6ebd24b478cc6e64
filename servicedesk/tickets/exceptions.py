"""Named errors of the request and work-order workflows."""

from django.utils.translation import gettext as _

from servicedesk.core.exceptions import Conflict, PermissionRefused, ValidationFailed


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, *, entity: str, action: str, status: str) -> None:
        super().__init__(
            _("Cannot %(action)s a %(entity)s that is %(status)s.") % {"action": action, "entity": entity, "status": status},
            field="action",
        )
        self.action = action
        self.status = status


class InvalidAttributes(ValidationFailed):
    """Type fields that fail validation; ``errors`` maps ``attributes.<key>`` to the problem."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()), errors=errors)


class ActionNotAllowed(PermissionRefused):
    code = "action_not_allowed"
