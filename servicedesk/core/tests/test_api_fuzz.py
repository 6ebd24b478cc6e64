"""Fuzzing every operation of /api/v1/ with each role's token (issue 11): no answer is a 5xx, every
status is one the document lists, and every answer matches its documented schema.

Schemathesis reads the served OpenAPI document and generates requests from it: inputs that fit the
document (positive) and inputs that break it (negative: wrong types, out-of-range values, missing
fields). Each persona (desk agent, dispatcher, provider staff of two providers, a customer, the
administrator) calls every operation ``SERVICEDESK_FUZZ_EXAMPLES`` times per mode (default 3 in the
suite; 30 for the by-hand run recorded in bench/README.md). Requests run through Django's test
handler inside the test's transaction, so nothing persists. Every failure of the run is listed
together at the end, with the request that caused it.

Cited: INT-1, INT-7, OUT-1, OUT-2, INT-8, SLA-1 (every domain of the API); ACC-1 (each role's view).
"""

import os
from typing import Any

import pytest
import schemathesis
from django.test.client import ClientHandler
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from servicedesk.core.services import token_create

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SERVICEDESK_FUZZ_EXAMPLES", "3"))
PERSONAS = ["agent", "dispatcher", "provider_a_staff", "provider_b_staff", "customer_user", "administrator"]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def _django_wsgi_app() -> Any:
    """A WSGI callable over Django's test handler: the same request path as django.test.Client (the
    test's transaction stays open between requests), for schemathesis's WSGI client."""
    handler = ClientHandler(enforce_csrf_checks=True)

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        response = handler(environ)
        headers = list(response.items())
        headers += [("Set-Cookie", cookie.output(header="")) for cookie in response.cookies.values()]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [b"".join(response) if response.streaming else response.content]

    return app


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> str | None:
    """The first failure of ``operation`` in ``mode``, described, or None."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate], report_multiple_bugs=False)
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 — each failure is reported with its operation
        return f"{operation.label} [{mode}]: {type(failure).__name__}: {str(failure)[:2000]}"
    return None


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_operation_answers_as_documented_for_each_role(world, persona):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _django_wsgi_app())
    _, token = token_create(user=world.users[persona], name="fuzz")
    headers = {"Authorization": f"Bearer {token}"}
    failures = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failure = _fuzz(operation, mode, headers)
            if failure:
                failures.append(failure)
    assert operations >= 40, operations
    assert not failures, f"{len(failures)} failing operation(s) for {persona}:\n\n" + "\n\n".join(failures)
