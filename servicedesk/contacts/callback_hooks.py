"""What the layers above do when a callback is completed (CMP-6).

contacts sits below tickets and complaints and never imports them (STYLE.md, layers): an app above
registers a handler at start-up (its ``AppConfig.ready``), e.g. complaints: the customer was not
satisfied with the reply → the complaint goes back to the provider.

``callback_complete`` calls every handler, in the order registered, inside its own transaction,
with the completed callback (status, satisfaction, comment, completed_by set). A handler that
raises rolls the whole completion back: its error is the caller's answer.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from servicedesk.contacts.models import Callback

CallbackHandler = Callable[["Callback"], None]

_HANDLERS: list[CallbackHandler] = []


def on_callback_completed(handler: CallbackHandler) -> CallbackHandler:
    """Register ``handler`` (once, however often this is called); usable as a decorator."""
    if handler not in _HANDLERS:
        _HANDLERS.append(handler)
    return handler


def remove_callback_completed_handler(handler: CallbackHandler) -> None:
    if handler in _HANDLERS:
        _HANDLERS.remove(handler)


def callback_completed(callback: "Callback") -> None:
    """Tell every registered handler (called by ``contacts.services.callback_complete``)."""
    for handler in list(_HANDLERS):
        handler(callback)
