"""What other apps do when a service request is closed, registered by them at start-up.

The apps that follow a closed request up (surveys: SUR-1) sit above tickets and may not be imported
here (STYLE.md, layers): each registers a handler in its ``AppConfig.ready``, and
``request_transition`` — the only writer of a request's status — calls every handler inside the
transaction that closes the request, after the history row is written. A close therefore cannot be
missed: either the close and what the handlers write are committed together, or neither is.

A handler gets the locked request and the history row of the close. It must be idempotent (a
request may be reopened and closed again) and must not send anything before commit (queue it:
``transaction.on_commit`` or an outbox row).
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from servicedesk.tickets.models import RequestEvent, ServiceRequest

ClosedHandler = Callable[["ServiceRequest", "RequestEvent"], object]

_HANDLERS: dict[str, ClosedHandler] = {}


def on_request_closed(name: str, handler: ClosedHandler) -> None:
    """Register ``handler`` under ``name``; registering the same name again replaces it (``ready``
    may run more than once)."""
    _HANDLERS[name] = handler


def request_closed(request: "ServiceRequest", event: "RequestEvent") -> None:
    """Call every registered handler, in the order they were registered (the close's transaction)."""
    for handler in list(_HANDLERS.values()):
        handler(request, event)
