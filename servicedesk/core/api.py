"""The plumbing every endpoint of /api/v1/ shares: authentication, the one error format, idempotent
writes, pagination, and the time zone of the output.

- Authentication: ``Authorization: Bearer sd_…`` (core.models.ApiToken) or the Django session of
  the web pages, with CSRF enforced on unsafe methods for the session only.
- Errors: every 4xx is ``{"error": {"code", "message", "fields": {"dotted.path": "problem"}}}``.
- Writes: one transaction each; an ``Idempotency-Key`` stores the answer in the same transaction
  (``IdempotencyRecord``), so a retry gets the first answer and creates nothing.
- Lists: ``?page=&page_size=`` → ``{"count", "page", "page_size", "results"}``.
- Datetimes are written in ISO 8601 with the desk's offset (Asia/Shanghai, +08:00).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import IntegrityError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import BaseModel, Field

from servicedesk.core.api_types import ParamsSchema
from servicedesk.core.exceptions import DomainError, PermissionRefused, ValidationFailed
from servicedesk.core.models import IDEMPOTENCY_INSERT, IdempotencyRecord
from servicedesk.core.openapi import document_errors
from servicedesk.core.services import token_authenticate
from servicedesk.core.transactions import unit

if TYPE_CHECKING:
    from servicedesk.org.models import User
    from servicedesk.org.roles import Capability

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = 200
REPLAYED_HEADER = "Idempotent-Replayed"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 1_000_000

# The header every POST takes (``write``): a retry with the same key gets the first answer.
IdempotencyKey = Header(None, alias=IDEMPOTENCY_HEADER, max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
                        description="Optional; a retry with the same key returns the first answer and "
                                    "creates nothing (header `Idempotent-Replayed: true`).")


# ----------------------------------------------------------------------------------------------
# Output: JSON with local (+08:00) datetimes


class LocalTimeJSONEncoder(NinjaJSONEncoder):
    """Aware datetimes are written in the desk's zone (settings.TIME_ZONE, Asia/Shanghai).

    Where that zone's offset is no RFC 3339 offset (before 1901 it was the local mean time, +08:05:43)
    or the conversion leaves the calendar (9999-12-31T23:00Z), the moment is written in UTC instead:
    the inputs' bounds keep such values out, but an answer must never fail or lie because of one.
    """

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime) and timezone.is_aware(o):
            o = _local_or_utc(o)
        return super().default(o)


def _local_or_utc(moment: datetime.datetime) -> datetime.datetime:
    try:
        local = timezone.localtime(moment, timezone.get_default_timezone())
        offset = local.utcoffset()
        if offset is not None and offset.seconds % 60 == 0 and not offset.microseconds:
            return local
    except OverflowError:
        pass
    try:
        return moment.astimezone(datetime.UTC)
    # Only a value that came in with its own offset, never one read back from the database.
    except OverflowError:
        return moment


class ApiRenderer(JSONRenderer):
    encoder_class = LocalTimeJSONEncoder
    # Chinese names and addresses stay readable (and a third the size) instead of \uXXXX escapes.
    json_dumps_params = {"ensure_ascii": False}


def to_json(data: Any) -> str:
    return json.dumps(data, cls=LocalTimeJSONEncoder, ensure_ascii=False)


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(to_json(data), status=status, content_type=JSON_CONTENT_TYPE,
                        headers=headers)


def aware(value: datetime.datetime | None) -> datetime.datetime | None:
    """An input datetime without an offset is read as the desk's local time."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, timezone.get_default_timezone())


# ----------------------------------------------------------------------------------------------
# Authentication


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer sd_…``: integrations and scripts (tokens from ``create_token``)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_authenticate(token.strip())
        if user is not None:
            request.user = user
        return user


class CsrfFailed(PermissionRefused):
    code = "csrf_failed"


class SessionCsrfAuth(APIKeyCookie):
    """The web pages' own calls: the Django session cookie, with CSRF on unsafe methods.

    A request that carries an ``Authorization`` header is judged by that header alone, so a bad
    token is never rescued by a cookie that happens to be present.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if "Authorization" in request.headers:
            return None
        key = request.COOKIES.get(self.param_name)
        if key and check_csrf(request):
            raise CsrfFailed(
                _("CSRF check failed: send the X-CSRFToken header with the csrftoken cookie's value."))
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if not key:
            return None
        user = request.user
        if user.is_authenticated and user.is_active:
            return user
        return None


def current_user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def require(user: User, *capabilities: Capability) -> None:
    """Refuse (403 ``forbidden``) a user none of whose role's capabilities opens this endpoint."""
    if not any(user.can(capability) for capability in capabilities):
        raise PermissionRefused(_("Your role may not use this endpoint."))


# ----------------------------------------------------------------------------------------------
# Errors: one shape for every 4xx


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": dict(fields or {})}}


def error_response(status: int, code: str, message: str,
                   fields: dict[str, str] | None = None) -> HttpResponse:
    return json_response(error_body(code, message, fields), status=status)


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 422: "validation_error", 429: "throttled"}


def _field_path(location: Sequence[Any]) -> str:
    """The input's name as the client wrote it.

    ``("body", "payload", "attributes", "dn")`` → ``attributes.dn`` (the view's parameter name is
    not part of the document); ``("query", "filters", "status", 0)`` → ``status`` (a query string,
    header or path is flat: its name is the last named part).
    """
    source, *parts = [*location] or [""]
    if source == "body":
        return ".".join(str(part) for part in parts[1:]) or "body"
    names = [part for part in parts if isinstance(part, str)]
    return names[-1] if names else str(source)


def _validation_fields(errors: Iterable[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in errors:
        path = _field_path(error.get("loc", ()))
        message = str(error.get("msg", "invalid"))
        if error.get("type") == "value_error" and "error" in error.get("ctx", {}):
            message = str(error["ctx"]["error"])  # our own validators' words, without "Value error, "
        if error.get("type") == "missing":
            message = _("this field is required")
        fields.setdefault(path, message)
    return fields


def _on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(exc.status_code, exc.code, exc.message, exc.errors)


def _on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = _validation_fields(exc.errors)
    message = "; ".join(f"{path}: {problem}" for path, problem in fields.items()) or _("Invalid input.")
    return error_response(422, "validation_error", message, fields)


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        response = error_response(401, "unauthorized",
                                  _("Authentication required: send Authorization: Bearer <token>, "
                                    "or sign in."))
        response["WWW-Authenticate"] = "Bearer"
        return response
    return error_response(exc.status_code, _HTTP_CODES.get(exc.status_code, "error"), str(exc))


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404, "not_found", _("Not found."))


def _on_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(403, "forbidden", str(exc) or _("You may not do this."))


def install_error_handlers(api: NinjaAPI) -> None:
    # ninja's stubs type each handler as taking the exception or its class; it gets the exception.
    api.add_exception_handler(DomainError, _on_domain_error)  # type: ignore[arg-type]
    api.add_exception_handler(NinjaValidationError, _on_validation_error)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, _on_http_error)  # type: ignore[arg-type]
    api.add_exception_handler(Http404, _on_not_found)  # type: ignore[arg-type]
    api.add_exception_handler(ObjectDoesNotExist, _on_not_found)  # type: ignore[arg-type]
    api.add_exception_handler(PermissionDenied, _on_permission_denied)  # type: ignore[arg-type]


def _json_method_not_allowed(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response(405, "method_not_allowed",
                                      _("Method %(method)s is not allowed here; use %(allowed)s.")
                                      % {"method": request.method, "allowed": allowed})
            response["Allow"] = allowed
        return response

    return wrapper


class ServiceDeskAPI(NinjaAPI):
    """NinjaAPI whose 405 answers use the common error format too, and whose OpenAPI document names
    each enum by its own class and lists every operation's error answers (core.openapi)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(document)
        return document

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _json_method_not_allowed(pattern.callback)
        return patterns


# ----------------------------------------------------------------------------------------------
# Writes: one transaction, optionally idempotent


def _fingerprint(endpoint: str, payload: BaseModel | None) -> str:
    document = payload.model_dump(mode="json") if payload is not None else None
    canonical = json.dumps([endpoint, document], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, *, endpoint: str, fingerprint: str) -> HttpResponse:
    if record.endpoint != endpoint or record.request_hash != fingerprint:
        raise ValidationFailed(
            _("This Idempotency-Key was already used for a different request; "
              "use a new key for a new request."),
            field=IDEMPOTENCY_HEADER,
        )
    return json_response(record.response_body, status=record.status_code, headers={REPLAYED_HEADER: "true"})




def _stored_answer(user: User, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, key=key).first()


def write(request: HttpRequest, *, payload: BaseModel | None, idempotency_key: str | None,
          action: Callable[[], Any], status: int = 201) -> HttpResponse:
    """Run ``action`` (access checks, one service call, the rendering of the answer) in one transaction.

    With an ``Idempotency-Key`` the answer is stored, in the same transaction, under (user, key);
    the unique constraint on (user, key) is the only arbiter, for sequential and concurrent retries
    alike (no check-then-act, and no extra query on the hot path):

    1. Run the action and insert the record. A retry of a committed call fails that insert: its
       IntegrityError rolls the whole transaction back, so nothing the retry did survives.
    2. After such an IntegrityError, or a domain error (a retry can fail where the first call
       succeeded: the contact is now linked, the status has moved on), look the key up. A stored
       answer for the same endpoint and request document is replayed (same status and body,
       ``Idempotent-Replayed: true``); one for a different request is 422 on ``Idempotency-Key``.
    3. Two concurrent calls with one key: the second insert waits for the first transaction and
       then fails (PostgreSQL), or the second transaction starts after the first committed
       (SQLite's write lock); either way it lands in step 2 and replays the first answer.
    """
    user = current_user(request)
    key = (idempotency_key or "").strip()
    if idempotency_key is not None and not key:
        raise ValidationFailed(_("The Idempotency-Key header is empty."), field=IDEMPOTENCY_HEADER)
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationFailed(_("The Idempotency-Key may be at most %(n)d characters.")
                               % {"n": IDEMPOTENCY_KEY_MAX_LENGTH}, field=IDEMPOTENCY_HEADER)
    if not key:
        with unit():
            content = to_json(action())
        return HttpResponse(content, status=status, content_type=JSON_CONTENT_TYPE)

    endpoint = f"{request.method} {request.path}"[:200]
    fingerprint = _fingerprint(endpoint, payload)
    try:
        with unit():
            content = to_json(action())
            IDEMPOTENCY_INSERT.save(IdempotencyRecord(user=user, key=key, endpoint=endpoint,
                                                       request_hash=fingerprint, status_code=status,
                                                       response_body=json.loads(content)))
    except (IntegrityError, DomainError):
        stored = _stored_answer(user, key)
        if stored is None:
            raise
        return _replay(stored, endpoint=endpoint, fingerprint=fingerprint)
    return HttpResponse(content, status=status, content_type=JSON_CONTENT_TYPE)


# ----------------------------------------------------------------------------------------------
# Lists

T = TypeVar("T")


class PageParams(ParamsSchema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description="1-based page number.")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE,
                           description="Items per page, at most 200.")


class Page(Schema, Generic[T]):
    count: int
    page: int
    page_size: int
    results: list[T]


def paginate(items: QuerySet[Any] | Sequence[Any], params: PageParams) -> dict[str, Any]:
    """One page of ``items`` (already in a stable order); a page past the end is empty, not an error."""
    count = items.count() if isinstance(items, QuerySet) else len(items)
    start = (params.page - 1) * params.page_size
    results = list(items[start:start + params.page_size]) if start < count else []
    return {"count": count, "page": params.page, "page_size": params.page_size, "results": results}


# ----------------------------------------------------------------------------------------------
# Objects named in a request body

M = TypeVar("M", bound=Model)


def referenced_by_pk(queryset: QuerySet[M], pk: int | None, *, field: str) -> M | None:
    """``referenced`` for an optional id field: None stays None."""
    return None if pk is None else referenced(queryset, field=field, pk=pk)


def referenced_by_pk_or_code(queryset: QuerySet[M], value: int | str, *, field: str) -> M:
    """A field that names an object by id (a number) or by its ``code`` (a string)."""
    lookup = {"pk": value} if isinstance(value, int) else {"code": value}
    return referenced(queryset, field=field, **lookup)


def referenced(queryset: QuerySet[M], *, field: str, **lookup: Any) -> M:
    """The object a body field names, or 422 on that field: an unknown reference is bad input, not a 404."""
    try:
        return queryset.get(**lookup)
    except ObjectDoesNotExist:
        named = ", ".join(map(str, lookup.values()))
        raise ValidationFailed(_("No such object: %(value)s.") % {"value": named},
                               field=field) from None
