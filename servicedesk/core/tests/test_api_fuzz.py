"""Fuzzing every operation of /api/v1/ with each role's token (issue 11): no answer is a 5xx, every
status is one the document lists, and every answer matches its documented schema.

Schemathesis reads the served OpenAPI document and generates requests from it: inputs that fit the
document (positive) and inputs that break it (negative: wrong types, out-of-range values, missing
fields). Each persona (desk agent, dispatcher, provider staff of two providers, a customer, the
administrator) calls every operation ``SERVICEDESK_FUZZ_EXAMPLES`` times per mode (default 3 in the
suite; 30 for the by-hand run recorded in bench/README.md), and once more with the path naming a real
object (a request with its work order, a contact, an outage, a planned outage, a customer and a
service point), so that answers about existing objects are checked too. Requests run through Django's test
handler inside the test's transaction, so nothing persists. Every failure of the run is listed
together at the end, with the request that caused it.

Cited: INT-1, INT-7, OUT-1, OUT-2, INT-8, SLA-1 (every domain of the API); ACC-1 (each role's view).
"""

import datetime
import os
from typing import Any

import pytest
import schemathesis
from django.test.client import ClientHandler
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from servicedesk.core.services import token_create
from servicedesk.core.tests.api_helpers import as_

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


def _created(response: Any) -> int:
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


@pytest.fixture
def real_objects(world) -> dict[str, int]:
    """Path parameters naming objects that exist, made through the API as the desk would."""
    soon = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)
    agent, dispatcher = as_(world, "agent"), as_(world, "dispatcher")
    alice = world.customers["alice"]
    request_id = _created(agent.post("/requests", {"request_type": "leak", "attributes": {"dn": 300},
                                                   "service_point_id": world.points["alice"].pk}))
    work_order_id = _created(dispatcher.post(f"/requests/{request_id}/work-orders", {
        "provider": "crew-a", "crew_type": "pipe_repair", "promised_end_at": soon.isoformat()}))
    return {
        "request_id": request_id,
        "work_order_id": work_order_id,
        "contact_id": _created(agent.post("/contacts", {"customer_id": alice.pk})),
        "outage_id": _created(dispatcher.post("/outages", {"device": "T4", "cause": "变压器故障",
                                                           "etr": soon.isoformat()})),
        "planned_id": _created(dispatcher.post("/planned-outages", {
            "reason": "线路检修", "starts_at": soon.isoformat(),
            "ends_at": (soon + datetime.timedelta(hours=4)).isoformat(), "devices": ["S2"]})),
        "customer_id": alice.pk,
        "service_point_id": world.points["alice"].pk,
    }


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str],
          path_parameters: dict[str, int] | None = None) -> str | None:
    """The first failure of ``operation`` in ``mode``, described, or None."""

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate], report_multiple_bugs=False)
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 — each failure is reported with its operation
        where = f" {path_parameters}" if path_parameters else ""
        return f"{operation.label}{where} [{mode}]: {type(failure).__name__}: {str(failure)[:2000]}"
    return None


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_operation_answers_as_documented_for_each_role(world, real_objects, persona):
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
        names = [parameter.name for parameter in operation.path_parameters]
        if names and all(name in real_objects for name in names):
            failure = _fuzz(operation, GenerationMode.POSITIVE, headers,
                            {name: real_objects[name] for name in names})
            if failure:
                failures.append(failure)
    assert operations >= 40, operations
    assert not failures, f"{len(failures)} failing operation(s) for {persona}:\n\n" + "\n\n".join(failures)
