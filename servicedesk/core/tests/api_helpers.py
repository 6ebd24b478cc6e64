"""A test client for /api/v1/ that calls as one persona, with a bearer token from token_create."""

import json
from typing import Any

from django.http import HttpResponse
from django.test import Client

from servicedesk.core.services import token_create
from servicedesk.org.models import User

BASE = "/api/v1"


class ApiClient:
    def __init__(self, user: User | None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _, raw = token_create(user=user, name="tests")
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str) -> HttpResponse:
        return self.client.get(BASE + path, params or {}, **self.headers, **headers)

    def post(self, path: str, body: Any = None, *, key: str | None = None, **headers: str) -> HttpResponse:
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return self.client.post(BASE + path, json.dumps(body if body is not None else {}),
                                content_type="application/json", **self.headers, **headers)

    def patch(self, path: str, body: Any, **headers: str) -> HttpResponse:
        return self.client.patch(BASE + path, json.dumps(body), content_type="application/json",
                                 **self.headers, **headers)


def as_(world: Any, persona: str | None) -> ApiClient:
    return ApiClient(world.users[persona] if persona else None)


def error_of(response: HttpResponse) -> dict[str, Any]:
    """The ``error`` object of a 4xx answer, after checking the common shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["message"]
    return body["error"]
