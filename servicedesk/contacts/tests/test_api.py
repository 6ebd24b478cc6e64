"""REST API of contact records and the caller card (INT-1, INT-2, INT-3, INT-5)."""

import datetime

import pytest
from django.utils import timezone

from servicedesk.contacts.models import ContactRecord
from servicedesk.core.models import IdempotencyRecord
from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.tickets.models import ServiceRequest

pytestmark = pytest.mark.django_db

NOT_LOGGING = ["leadership", "supervisor", "dispatcher", "provider_a_staff", "finance",
               "outsider", "customer_user"]
NOT_SEARCHING = ["provider_a_staff", "finance", "outsider", "customer_user"]


def record(world, body, persona="agent"):
    response = as_(world, persona).post("/contacts", body)
    assert response.status_code == 201, response.content
    return response.json()


# ----------------------------------------------------------------------------------------------
# POST /contacts


def test_customer_call_is_recorded(world):
    """INT-1: the contact names the customer, the agent and the time (+08:00)."""
    body = record(world, {"customer_id": world.customers["alice"].pk, "channel": "phone",
                          "reporter_phone": "138-0013-8000", "notes": "询问停电原因"})
    assert body["reference"] == f"C{body['id']:08d}"
    assert body["customer"]["number"] == "C000000001"
    assert body["agent"]["username"] == "agent"
    assert body["reporter_phone"] == "13800138000"
    assert body["outcome"] == "information_recorded" and body["first_contact_resolution"] is False
    assert body["started_at"].endswith("+08:00")


def test_service_point_brings_its_customer(world):
    body = record(world, {"service_point_id": world.points["bob"].pk})
    assert body["customer"]["number"] == "C000000002"
    assert body["service_point"]["number"] == "SP000000002"


def test_consultation_answered_on_the_spot_is_first_contact_resolution(world):
    """INT-5: answered on the call, closed on the spot, no service request."""
    body = record(world, {"customer_id": world.customers["alice"].pk, "request_type": "consultation",
                          "answered_on_the_spot": True, "notes": "阶梯电价标准"})
    assert body["outcome"] == "answered" and body["first_contact_resolution"] is True
    assert body["request_type"]["code"] == "consultation"
    assert ServiceRequest.objects.count() == 0


def test_police_and_unidentified_callers_are_recorded_without_customer(world):
    """INT-3, 004 steps 2 and 6.2."""
    police = record(world,
                    {"reporter_kind": "non_customer", "reporter_name": "交警", "reporter_phone": "122"})
    assert police["customer"] is None and police["reporter_kind"] == "non_customer"
    anonymous = record(world, {"reporter_kind": "unidentified", "channel": "kiosk", "direction": "in"})
    assert anonymous["customer"] is None and anonymous["channel"] == "kiosk"


def test_outbound_callback_with_explicit_time(world):
    started = "2026-03-02T09:30:00+08:00"
    body = record(world,
                  {"customer_id": world.customers["bob"].pk, "direction": "out", "started_at": started})
    assert body["direction"] == "out" and body["started_at"] == started


@pytest.mark.parametrize(("body", "field"), [
    ({"reporter_kind": "customer"}, "customer_id"),
    ({"customer_id": 999999}, "customer_id"),
    ({"service_point_id": 999999}, "service_point_id"),
    ({"reporter_kind": "non_customer"}, "reporter_name"),
    ({"reporter_kind": "unidentified", "customer_id": "CUSTOMER_ID"}, "customer_id"),
    ({"reporter_kind": "nobody"}, "reporter_kind"),
    ({"channel": "pigeon", "reporter_kind": "unidentified"}, "channel"),
    ({"direction": "sideways", "reporter_kind": "unidentified"}, "direction"),
    ({"reporter_kind": "unidentified", "request_type": "no-such-type"}, "request_type"),
    ({"customer_id": "CUSTOMER_ID", "answered_on_the_spot": True}, "request_type"),
    ({"customer_id": "CUSTOMER_ID", "request_type": "leak", "answered_on_the_spot": True}, "request_type"),
    ({"customer_id": "CUSTOMER_ID", "service_point_id": "BOB_POINT"}, "service_point_id"),
    ({"reporter_kind": "unidentified", "notes": "长" * 4001}, "notes"),
])
def test_bad_contact_input_names_the_field_and_saves_nothing(world, body, field):
    stand_ins = {"CUSTOMER_ID": world.customers["alice"].pk, "BOB_POINT": world.points["bob"].pk}
    body = {k: stand_ins.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = as_(world, "agent").post("/contacts", body, key="bad-contact")
    assert response.status_code == 422, response.content
    assert field in error_of(response)["fields"]
    assert ContactRecord.objects.count() == 0 and IdempotencyRecord.objects.count() == 0


@pytest.mark.parametrize("persona", NOT_LOGGING)
def test_roles_that_may_not_record_contacts_are_refused(world, persona):
    response = as_(world, persona).post("/contacts", {"reporter_kind": "unidentified"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert ContactRecord.objects.count() == 0


def test_recording_a_contact_needs_credentials(world):
    assert as_(world, None).post("/contacts", {"reporter_kind": "unidentified"}).status_code == 401
    assert ContactRecord.objects.count() == 0


def test_contact_create_is_idempotent(world):
    agent = as_(world, "agent")
    body = {"customer_id": world.customers["alice"].pk, "notes": "来电"}
    first = agent.post("/contacts", body, key="call-0001")
    again = agent.post("/contacts", body, key="call-0001")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert ContactRecord.objects.count() == 1


# ----------------------------------------------------------------------------------------------
# GET /contacts, /contacts/{id}


@pytest.fixture
def history(world):
    """Three contacts: Alice by phone (answered), Bob by web, a police officer by phone."""
    old = (timezone.now() - datetime.timedelta(days=3)).isoformat()
    return {
        "alice": record(world, {"customer_id": world.customers["alice"].pk, "request_type": "bill-inquiry",
                                "answered_on_the_spot": True, "reporter_phone": "13800138000"}),
        "bob": record(world, {"customer_id": world.customers["bob"].pk, "channel": "web", "started_at": old}),
        "police": record(world,
                         {"reporter_kind": "non_customer", "reporter_name": "民警", "reporter_phone": "110"}),
    }


def _ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_contact_list_is_newest_first_and_filters(world, history):
    agent = as_(world, "agent")
    ids = {name: body["id"] for name, body in history.items()}
    assert _ids(agent.get("/contacts")) == [ids["police"], ids["alice"], ids["bob"]]
    assert _ids(agent.get("/contacts", {"customer_id": world.customers["bob"].pk})) == [ids["bob"]]
    assert _ids(agent.get("/contacts", {"reporter_phone": "+86 138 0013 8000"})) == [ids["alice"]]
    assert _ids(agent.get("/contacts", {"channel": "web"})) == [ids["bob"]]
    assert _ids(agent.get("/contacts", {"outcome": "answered"})) == [ids["alice"]]
    yesterday = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert _ids(agent.get("/contacts", {"started_before": yesterday})) == [ids["bob"]]
    assert set(_ids(agent.get("/contacts", {"started_after": yesterday}))) == {ids["alice"], ids["police"]}
    page = agent.get("/contacts", {"page": 2, "page_size": 2}).json()
    assert (page["count"], [c["id"] for c in page["results"]]) == (3, [ids["bob"]])


@pytest.mark.parametrize(("params", "field"), [
    ({"channel": "pigeon"}, "channel"), ({"outcome": "maybe"}, "outcome"), ({"page_size": 500}, "page_size"),
    ({"started_after": "last week"}, "started_after"),
])
def test_bad_contact_filters_name_the_parameter(world, params, field):
    response = as_(world, "agent").get("/contacts", params)
    assert response.status_code == 422 and field in error_of(response)["fields"]


def test_contact_detail(world, history):
    body = as_(world, "dispatcher").get(f"/contacts/{history['police']['id']}").json()
    assert body["reporter_name"] == "民警" and body["customer"] is None
    assert as_(world, "agent").get("/contacts/999999").status_code == 404


@pytest.mark.parametrize("persona", NOT_SEARCHING)
def test_roles_that_do_not_identify_callers_cannot_read_contacts(world, history, persona):
    client = as_(world, persona)
    for path in ("/contacts", f"/contacts/{history['alice']['id']}",
                 f"/customers/{world.customers['alice'].pk}/contacts"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert error_of(response)["code"] == "forbidden"


def test_contact_list_query_count_does_not_grow_with_the_page(world, django_assert_max_num_queries):
    for n in range(12):
        record(world,
               {"customer_id": world.customers["alice" if n % 2 else "bob"].pk,
                "request_type": "consultation"})
    agent = as_(world, "agent")
    agent.get("/me")
    with django_assert_max_num_queries(3):
        assert len(agent.get("/contacts", {"page_size": 12}).json()["results"]) == 12


# ----------------------------------------------------------------------------------------------
# The caller card and history


def test_caller_card_shows_accounts_points_flags_manager_and_open_requests(world):
    """INT-2: everything an agent needs on one card."""
    agent = as_(world, "agent")
    hospital = world.customers["hospital"]
    agent.post("/requests", {"request_type": "power-fault", "service_point_id": world.points["hospital"].pk,
                             "attributes": {"fault_location": "hv_cable"}})
    body = agent.get(f"/customers/{hospital.pk}").json()
    assert body["number"] == "C000000003" and body["is_key_account"] is True
    assert body["key_account_manager"]["username"] == "key_account_manager"
    assert body["flags"] == [{"code": "hospital", "name": "医院"}]
    assert [p["number"] for p in body["service_points"]] == ["SP000000003"]
    assert (len(body["accounts"]) == 1
            and body["service_points"][0]["account_number"] == body["accounts"][0]["number"])
    assert body["open_requests_count"] == 1


def test_caller_card_shows_what_a_debtor_owes(world):
    """OUT-4: the amount owed is a decimal string, exact to the fen."""
    body = as_(world, "agent").get(f"/customers/{world.customers['debtor'].pk}").json()
    assert body["accounts"][0]["amount_owed"] == "356.80"
    assert body["service_points"][0]["connection_status"] == "cut_unpaid"


def test_customer_sees_own_card_only(world):
    customer = as_(world, "customer_user")
    assert customer.get(f"/customers/{world.customers['alice'].pk}").status_code == 200
    assert customer.get(f"/customers/{world.customers['bob'].pk}").status_code == 404


@pytest.mark.parametrize("persona", ["provider_a_staff", "finance", "outsider"])
def test_roles_without_customer_access_are_refused_the_card(world, persona):
    response = as_(world, persona).get(f"/customers/{world.customers['alice'].pk}")
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"


def test_unknown_customer_is_404(world):
    agent = as_(world, "agent")
    assert agent.get("/customers/999999").status_code == 404
    assert agent.get("/customers/999999/contacts").status_code == 404


def test_customer_contact_history_is_shared_by_all_agents(world, history):
    """004 step 9: any agent sees every contact of the customer, newest first."""
    record(world, {"customer_id": world.customers["alice"].pk, "notes": "第二次来电"}, persona="team_lead")
    body = as_(world, "key_account_manager").get(f"/customers/{world.customers['alice'].pk}/contacts").json()
    assert body["count"] == 2
    assert [c["agent"]["username"] for c in body["results"]] == ["team_lead", "agent"]
