"""Web pages shared by every role: sign in and out, the language switch, and the
small helpers every web view uses (access decorator, domain errors shown beside form fields).

Every page states in its docstring which roles may use it. Anonymous visitors are sent to the login
page; a signed-in user without the capability gets the 403 page; objects outside the user's scope
(the selectors raise NotFound) get the 404 page, so their existence does not leak.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from servicedesk.core.exceptions import DomainError, NotFound, PermissionRefused

if TYPE_CHECKING:
    from servicedesk.org.roles import Capability

# A page answers with a document, a redirect, or a file (a streamed FileResponse).
View = Callable[..., HttpResponseBase]


def page(*capabilities: Capability) -> Callable[[View], View]:
    """Sign-in required; the user needs at least one of ``capabilities`` (none listed: any user).

    Refusals raised by selectors and services become the 403 page, NotFound the 404 page.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if capabilities and not any(user.can(c) for c in capabilities):  # type: ignore[union-attr]
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except PermissionRefused as refusal:
                raise PermissionDenied(refusal.message) from None
            except NotFound as missing:
                raise Http404(missing.message) from None

        return login_required(wrapper)

    return decorate


def show_domain_errors(form: forms.Form, error: DomainError,
                       field_names: Mapping[str, str] | None = None) -> None:
    """Put each of the service's field errors beside the matching form field.

    Services name fields as the API does (``customer_id``, ``attributes.dn``); ``field_names``
    translates those keys to form field names. Keys without a field become form-wide errors.
    """
    field_names = field_names or {}
    errors = error.errors or {"": error.message}
    for key, message in errors.items():
        name = field_names.get(key, key)
        if name in form.fields:
            form.add_error(name, message)
        else:
            form.add_error(None, message)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# ----------------------------------------------------------------------------------------------
# Pages


class LoginView(auth_views.LoginView):
    """Sign in. Anyone."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only). Any signed-in user."""




@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language by setting the language cookie. Anyone (the login page has it too).

    The language middleware reads this cookie and ignores the browser's Accept-Language, so a
    desk in a Chinese service centre shows Chinese unless someone asks for English.
    """
    language = request.POST.get("language", "")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("web:home")
    response = HttpResponseRedirect(target)
    if language in {code for code, _name in settings.LANGUAGES}:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language,
            max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
