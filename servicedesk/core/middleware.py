"""Language selection: Simplified Chinese unless the user asked for English.

Browsers always send ``Accept-Language``, so the web pages ignore it: the language comes from the
language cookie (set by the switch in the page header), then the user's saved preference, then
the default (zh-hans). API clients may ask with ``Accept-Language`` explicitly.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SUPPORTED = {code for code, _ in settings.LANGUAGES}


def _normalise(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower().replace("_", "-")
    if value in SUPPORTED:
        return value
    if value.startswith("zh"):
        return "zh-hans"
    if value.startswith("en"):
        return "en"
    return None


def _from_accept_language(header: str) -> str | None:
    for part in header.split(","):
        found = _normalise(part.split(";")[0])
        if found:
            return found
    return None


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = _normalise(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
        if language is None and request.path.startswith("/api/"):
            language = _from_accept_language(request.headers.get("Accept-Language", ""))
        language = language or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
