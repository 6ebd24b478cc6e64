"""Where the work of a callback is done, when it is more than "reached or not": a page of the app
that asked for the callback (a satisfaction survey's questions, SUR-1), found from the callback's
``source`` reference.

Those apps sit above contacts and may not be imported here (STYLE.md, layers): each registers, at
start-up, the prefix of its references and a function from a reference to its page's URL and the
link's label. Reading a callback's page costs no query.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class CallbackPage:
    url: str
    label: str


@dataclass(frozen=True)
class _Registered:
    prefix: str
    url_for: Callable[[str], str | None]  # the reference → the page's URL, or None when it is not one
    label: str | Promise


_PAGES: dict[str, _Registered] = {}


def register_callback_page(prefix: str, url_for: Callable[[str], str | None], label: str | Promise) -> None:
    """Callbacks whose source starts with ``prefix`` (e.g. "SV") are worked on the page ``url_for``
    gives; registering a prefix again replaces it."""
    _PAGES[prefix] = _Registered(prefix=prefix, url_for=url_for, label=label)


def callback_page(source: str) -> CallbackPage | None:
    for registered in _PAGES.values():
        if source.startswith(registered.prefix) and (url := registered.url_for(source)):
            return CallbackPage(url=url, label=str(registered.label))
    return None
