"""The OpenAPI document tells the truth (issue 11): each enum is its own schema with the values the
models accept, a request built from the document is accepted, and the documented error body is the
one the API sends. Cited: INT-1 (contacts and their channels), INT-7 (requests), OUT-1 (planned
outages and notices), INT-8 (callbacks), ORG-1 (units and providers)."""

import pytest
from django.test import Client

from servicedesk.api import api
from servicedesk.complaints.models import Complaint, ComplaintPart, ComplaintStatus, Refund, Satisfaction
from servicedesk.contacts.models import Callback, Channel, ContactRecord
from servicedesk.core.openapi import ERROR_SCHEMA, enum_schemas
from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.network.models import DeviceKind, Utility
from servicedesk.org.models import OrgUnit, Provider
from servicedesk.outages.models import PlannedOutage, PlannedOutageNotice
from servicedesk.sla.models import TimerState
from servicedesk.surveys.models import Rating, Survey, SurveyChannel
from servicedesk.tickets.models import Priority, RequestStatus, Severity, WorkOrderStatus

# Every enum the document may hold, and the choices it stands for. An enum that appears in the
# document without being listed here fails the test: add it with its model's choices.
ENUMS = {
    "OrgUnitKind": OrgUnit.Kind,
    "ProviderKind": Provider.Kind,
    "Channel": Channel,
    "ContactRecordDirection": ContactRecord.Direction,
    "ContactRecordReporterKind": ContactRecord.ReporterKind,
    "ContactRecordOutcome": ContactRecord.Outcome,
    "Priority": Priority,
    "Severity": Severity,
    "RequestStatus": RequestStatus,
    "WorkOrderStatus": WorkOrderStatus,
    "Utility": Utility,
    "PlannedOutageStatus": PlannedOutage.Status,
    "PlannedOutageNoticeChannel": PlannedOutageNotice.Channel,
    "DeviceKind": DeviceKind,
    "CallbackStatus": Callback.Status,
    "CallbackKind": Callback.Kind,
    "CallbackSatisfaction": Callback.Satisfaction,
    "TimerState": TimerState,
    "Satisfaction": Satisfaction,
    "ComplaintComplainantKind": Complaint.ComplainantKind,
    "ComplaintAgainst": Complaint.Against,
    "ComplaintStatus": ComplaintStatus,
    "RefundKind": Refund.Kind,
    "ComplaintPartUrgency": ComplaintPart.Urgency,
    "Rating": Rating,
    "SurveyChannel": SurveyChannel,
    "SurveyStatus": Survey.Status,
}


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema(path_prefix="/api/v1/")


def test_every_enum_of_the_document_is_its_own_models_choices(document):
    found = enum_schemas(document)
    unmapped = sorted(set(found) - set(ENUMS))
    assert not unmapped, f"enums without a mapping to model choices: {unmapped}"
    for name, values in found.items():
        assert values == list(ENUMS[name].values), name


def _resolved(schema, document):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for option in schema.get("anyOf", []) + schema.get("allOf", []):
        resolved = _resolved(option, document)
        if "enum" in resolved:
            return resolved
    if schema.get("type") == "array":
        return _resolved(schema.get("items", {}), document)
    return schema


def _enum_filters(document):
    for path, operations in document["paths"].items():
        if "{" in path or "get" not in operations:
            continue
        parameters = operations["get"].get("parameters", [])
        required = {p["name"]: "南山区科技" for p in parameters if p.get("required")}  # e.g. the search words
        for parameter in parameters:
            schema = _resolved(parameter["schema"], document)
            if "enum" in schema:
                yield path, parameter["name"], schema["enum"], required


def test_there_are_enum_filters_to_check(document):
    filters = {(path, name) for path, name, *_ in _enum_filters(document)}
    assert ("/api/v1/units", "kind") in filters
    assert ("/api/v1/planned-outages", "status") in filters
    assert ("/api/v1/contacts", "channel") in filters


@pytest.mark.django_db
def test_ORG1_INT1_every_documented_filter_value_is_accepted(world, document):
    """A request built from the document gets 200 for every value each enum filter documents."""
    client = as_(world, "administrator")
    for path, name, values, required in _enum_filters(document):
        for value in values:
            response = client.get(path.removeprefix("/api/v1"), {**required, name: value})
            assert response.status_code == 200, (path, name, value, response.content)


@pytest.mark.django_db
def test_ORG1_units_filtered_by_a_kind_the_document_lists(world):
    response = as_(world, "administrator").get("/units", {"kind": OrgUnit.Kind.ENGINEERING})
    assert response.status_code == 200
    assert {unit["code"] for unit in response.json()["results"]} == {"engineering"}
    assert as_(world, "administrator").get("/units", {"kind": "internal"}).status_code == 422


def test_INT1_the_hall_channel_is_documented_for_contacts_requests_and_fault_calls(document):
    schemas = document["components"]["schemas"]
    for body in ("ContactIn", "RequestIn", "FaultCallIn"):
        channel = _resolved(schemas[body]["properties"]["channel"], document)
        assert "hall" in channel["enum"], body


def test_every_operation_documents_its_error_answers(document):
    reference = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if operation.get("security"):
                assert {401, 403} <= set(responses), (method, path)
            if "{" in path:
                assert 404 in responses, (method, path)
            if method != "get":
                assert {409, 422} <= set(responses), (method, path)
            for code, answer in responses.items():
                if code >= 400:
                    assert answer["content"]["application/json"]["schema"] == reference, (method, path, code)
    assert 401 not in document["paths"]["/api/v1/public/planned-outages"]["get"]["responses"]


@pytest.mark.django_db
def test_the_documented_error_body_is_the_one_sent(world, document):
    schemas = document["components"]["schemas"]
    error = schemas[ERROR_SCHEMA]
    detail = _resolved(error["properties"]["error"], document)
    response = as_(world, "agent").post("/requests", {"request_type": "leak", "reporter_phone": "abc"})
    assert response.status_code == 422
    body = response.json()
    assert set(body) == set(error["required"]) == {"error"}
    assert set(body["error"]) == set(detail["required"]) == {"code", "message", "fields"}
    assert all(isinstance(problem, str) for problem in error_of(response)["fields"].values())


@pytest.mark.django_db
def test_the_served_document_is_the_checked_one(world):
    served = Client().get("/api/v1/openapi.json").json()
    assert set(enum_schemas(served)) == set(ENUMS)
    assert served["components"]["schemas"][ERROR_SCHEMA]["required"] == ["error"]
