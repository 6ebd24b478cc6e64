"""Named errors of satisfaction surveys: the answers of a link that cannot take them (SUR-1)."""

from django.utils.translation import gettext as _

from servicedesk.core.exceptions import Conflict, DomainError, NotFound


class LinkInvalid(NotFound):
    """Not a link we sent: altered, cut short, or its survey is gone."""

    code = "link_invalid"

    def __init__(self) -> None:
        super().__init__(_("This survey link is not valid. Please check that the whole link was opened."))


class LinkExpired(DomainError):
    status_code = 410
    code = "link_expired"

    def __init__(self) -> None:
        super().__init__(_("This survey link has expired."))


class AlreadyAnswered(Conflict):
    code = "already_answered"

    def __init__(self) -> None:
        super().__init__(_("This survey has already been answered."), field="survey")
