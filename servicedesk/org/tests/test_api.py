"""REST API of the organisation: who am I, units, providers."""

import pytest

from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.org.models import OrgUnit

pytestmark = pytest.mark.django_db

STAFF = ["agent", "team_lead", "desk_manager", "leadership", "key_account_manager", "dispatcher",
         "provider_a_staff", "supervisor", "administrator"]


def test_me_describes_the_caller(world):
    body = as_(world, "dispatcher").get("/me").json()
    assert (body["username"], body["role"], body["unit"]["code"], body["provider"]) == (
        "dispatcher", "dispatcher", "engineering", None)
    assert "dispatch" in body["capabilities"] and "create_request" not in body["capabilities"]


def test_me_for_provider_staff_and_customers(world):
    assert as_(world, "provider_b_staff").get("/me").json()["provider"]["code"] == "partner-b"
    customer = as_(world, "customer_user").get("/me").json()
    assert (customer["customer_id"], customer["capabilities"]) == (world.customers["alice"].pk,
                                                                   ["view_own_requests"])


def test_me_speaks_the_language_asked_for(world):
    body = as_(world, "dispatcher").get("/me", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["language"] == "en" and body["unit"]["name"] == "Engineering department"


def test_me_needs_credentials(world):
    response = as_(world, None).get("/me")
    assert response.status_code == 401 and error_of(response)["code"] == "unauthorized"


@pytest.mark.parametrize("persona", STAFF)
def test_staff_list_units_and_providers(world, persona):
    client = as_(world, persona)
    units = client.get("/units").json()
    assert [u["code"] for u in units["results"]] == sorted(u.code for u in world.units.values())
    providers = client.get("/providers").json()
    assert [(p["code"], p["unit"] and p["unit"]["code"]) for p in providers["results"]] == [
        ("crew-a", "engineering"), ("partner-b", None)]


def test_unit_and_provider_filters(world):
    world.units["business"].active = False
    world.units["business"].save()
    client = as_(world, "agent")
    offices = client.get("/units", {"kind": OrgUnit.Kind.BUSINESS_OFFICE}).json()
    assert [u["code"] for u in offices["results"]] == ["office-futian", "office-nanshan"]
    assert "business" not in [u["code"] for u in client.get("/units", {"active": True}).json()["results"]]
    external = client.get("/providers", {"kind": "external"}).json()["results"]
    assert [p["code"] for p in external] == ["partner-b"]
    bad = client.get("/units", {"kind": "castle"})
    assert bad.status_code == 422 and "kind" in error_of(bad)["fields"]


@pytest.mark.parametrize("persona", ["finance", "customer_user"])
def test_roles_without_staff_capabilities_are_refused_the_organisation(world, persona):
    client = as_(world, persona)
    for path in ("/units", "/providers"):
        response = client.get(path)
        assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
