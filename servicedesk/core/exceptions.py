"""The base of every domain error: a message for people and, where it applies, the bad fields.

The API turns these into HTTP 4xx with one JSON body (see core.api); the web forms show each
field's problem beside the field.
"""


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None,
                 errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: dict[str, str] = dict(errors or {})
        if field and field not in self.errors:
            self.errors[field] = message


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_error"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PermissionRefused(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class ActionNotAllowed(PermissionRefused):
    """The role may use the endpoint but not take this step (403 ``action_not_allowed``)."""

    code = "action_not_allowed"
