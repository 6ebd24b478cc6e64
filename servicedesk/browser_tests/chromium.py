"""Headless Chromium for the browser tests: Debian's package, driven by Playwright's sync API."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """A launched browser, closed afterwards.

    Playwright's sync API keeps an asyncio loop in this thread; the test's own database reads happen
    between browser calls, never concurrently with them (hence DJANGO_ALLOW_ASYNC_UNSAFE). While that
    loop counts as running, Django keeps this thread's connections in a context of their own (asgiref's
    Local): they are closed here, in that context, or PostgreSQL keeps a session on the test database
    and the suite cannot drop it at the end.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                connections.close_all()
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
