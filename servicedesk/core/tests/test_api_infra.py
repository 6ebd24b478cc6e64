"""The API's shared plumbing: authentication, the one error format, idempotent writes, the OpenAPI
document and the docs page, datetimes in +08:00, and the create_token command."""

import datetime
import io
import json
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import Http404
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from servicedesk.api import api
from servicedesk.contacts.models import ContactRecord
from servicedesk.core.api import LocalTimeJSONEncoder
from servicedesk.core.models import ApiToken, IdempotencyRecord, hash_token
from servicedesk.core.services import token_authenticate, token_create, token_revoke
from servicedesk.core.tests.api_helpers import BASE, as_, error_of
from servicedesk.tickets.models import RequestEvent, ServiceRequest

pytestmark = pytest.mark.django_db


def leak(world, dn=200):
    return {"request_type": "leak", "service_point_id": world.points["alice"].pk, "attributes": {"dn": dn}}


def _bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# ----------------------------------------------------------------------------------------------
# Tokens and bearer authentication


def test_tokens_are_sd_plus_40_url_safe_characters_and_only_their_hash_is_stored(world):
    token, raw = token_create(user=world.users["agent"], name="CTI connector")
    assert re.fullmatch(r"sd_[A-Za-z0-9_-]{40}", raw)
    assert token.key_hash == hash_token(raw) and raw.startswith(token.prefix)
    stored = ApiToken.objects.filter(pk=token.pk).values_list("name", "prefix", "key_hash").get()
    assert raw not in "".join(stored)


def test_valid_bearer_token_authenticates(world):
    _, raw = token_create(user=world.users["agent"])
    response = Client().get(f"{BASE}/me", **_bearer(raw))
    assert response.status_code == 200 and response.json()["username"] == "agent"


@pytest.mark.parametrize("header", [
    "Bearer sd_" + "x" * 40, "Bearer not-a-token", "Bearer ", "Token {raw}", "Basic {raw}", "{raw}",
])
def test_unknown_or_malformed_credentials_are_401(world, header):
    _, raw = token_create(user=world.users["agent"])
    response = Client().get(f"{BASE}/me", HTTP_AUTHORIZATION=header.format(raw=raw))
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_token_is_refused(world):
    token, raw = token_create(user=world.users["agent"])
    token_revoke(token=token)
    assert Client().get(f"{BASE}/me", **_bearer(raw)).status_code == 401


def test_token_of_a_deactivated_user_is_refused(world):
    _, raw = token_create(user=world.users["agent"])
    world.users["agent"].is_active = False
    world.users["agent"].save()
    assert Client().get(f"{BASE}/me", **_bearer(raw)).status_code == 401


def _token_queries(captured):
    return [q["sql"].split()[0] for q in captured if "core_apitoken" in q["sql"]]


def test_authentication_is_one_select_and_last_use_is_written_at_most_once_a_minute(world):
    """The hot path reads the token (joined to its user) and writes nothing, within a minute."""
    token, raw = token_create(user=world.users["agent"])
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with CaptureQueriesContext(connection) as first:
            client.get(f"{BASE}/request-types", **_bearer(raw))
        assert _token_queries(first) == ["SELECT", "UPDATE"]
        first_use = ApiToken.objects.get(pk=token.pk).last_used_at
        assert first_use is not None

        clock.shift(datetime.timedelta(seconds=59))
        with CaptureQueriesContext(connection) as within:
            client.get(f"{BASE}/request-types", **_bearer(raw))
        assert _token_queries(within) == ["SELECT"]
        assert ApiToken.objects.get(pk=token.pk).last_used_at == first_use

        clock.shift(datetime.timedelta(seconds=2))
        with CaptureQueriesContext(connection) as later:
            client.get(f"{BASE}/request-types", **_bearer(raw))
        assert _token_queries(later) == ["SELECT", "UPDATE"]
        assert ApiToken.objects.get(pk=token.pk).last_used_at > first_use


def test_last_use_update_is_conditional(world):
    """Two workers reading the same stale token write once: the UPDATE re-checks the staleness."""
    token, raw = token_create(user=world.users["agent"])
    with CaptureQueriesContext(connection) as captured:
        token_authenticate(raw)
    update = next(q["sql"] for q in captured if q["sql"].startswith("UPDATE"))
    assert '"last_used_at" IS NULL' in update
    fresh = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=fresh - datetime.timedelta(minutes=5))
    with CaptureQueriesContext(connection) as captured:
        token_authenticate(raw)
    update = next(q["sql"] for q in captured if q["sql"].startswith("UPDATE"))
    assert '"last_used_at" <' in update


def test_create_token_command_prints_the_token_once(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_token", "dispatcher", "--name", "GIS link", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert (token.user.username, token.name) == ("dispatcher", "GIS link")
    assert raw not in err.getvalue()
    assert Client().get(f"{BASE}/me", **_bearer(raw)).json()["username"] == "dispatcher"


def test_create_token_command_refuses_unknown_and_inactive_users(world):
    with pytest.raises(CommandError):
        call_command("create_token", "nobody", stdout=io.StringIO())
    world.users["agent"].is_active = False
    world.users["agent"].save()
    with pytest.raises(CommandError):
        call_command("create_token", "agent", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


# ----------------------------------------------------------------------------------------------
# Session authentication and CSRF


def test_session_of_the_web_pages_authenticates(world):
    client = Client()
    client.force_login(world.users["agent"])
    assert client.get(f"{BASE}/me").json()["username"] == "agent"


def test_session_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["agent"])
    body = json.dumps(leak(world))
    refused = client.post(f"{BASE}/requests", body, content_type="application/json")
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "csrf_failed"
    assert ServiceRequest.objects.count() == 0
    client.get(f"{BASE}/docs")  # any page that renders the token sets the csrftoken cookie
    csrf = client.cookies["csrftoken"].value
    accepted = client.post(f"{BASE}/requests", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201
    assert client.get(f"{BASE}/requests").status_code == 200  # reads need no CSRF token


def test_bearer_calls_need_no_csrf_token(world):
    _, raw = token_create(user=world.users["agent"])
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"{BASE}/requests", json.dumps(leak(world)), content_type="application/json",
                           **_bearer(raw))
    assert response.status_code == 201


def test_a_bad_token_is_not_rescued_by_a_session_cookie(world):
    client = Client()
    client.force_login(world.users["agent"])
    response = client.get(f"{BASE}/me", HTTP_AUTHORIZATION="Bearer sd_" + "0" * 40)
    assert response.status_code == 401


def _operations():
    schema = api.get_openapi_schema(path_prefix=BASE)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if "security" in operation:  # the public notice of planned outages needs no sign-in
                yield method.upper(), re.sub(r"\{[^}]+\}", "1", path)


def test_only_the_public_notice_of_planned_outages_is_open_to_anonymous_callers():
    schema = api.get_openapi_schema(path_prefix=BASE)
    public = {(method, path) for path, methods in schema["paths"].items()
              for method, operation in methods.items() if "security" not in operation}
    assert public == {("get", f"{BASE}/public/planned-outages")}


@pytest.mark.parametrize(("method", "path"), list(_operations()))
def test_every_endpoint_refuses_anonymous_callers(world, method, path):
    response = Client().generic(method, path, "{}", content_type="application/json")
    assert response.status_code == 401, (method, path)
    assert error_of(response)["code"] == "unauthorized"


# ----------------------------------------------------------------------------------------------
# The error format


def test_validation_errors_have_dotted_field_paths(world):
    response = as_(world, "agent").post("/requests", {"request_type": "leak", "service_point_id": "here",
                                                      "attributes": {"dn": 3001}}, HTTP_ACCEPT_LANGUAGE="en")
    error = error_of(response)
    assert (response.status_code, error["code"]) == (422, "validation_error")
    assert set(error["fields"]) == {"service_point_id"}
    domain = as_(world, "agent").post("/requests", {**leak(world), "attributes": {"dn": 3001}},
                                      HTTP_ACCEPT_LANGUAGE="en")
    assert error_of(domain)["fields"] == {"attributes.dn": "must be at most 3000"}


def test_messages_follow_the_language(world):
    english = error_of(as_(world, "agent").get("/requests/999999", HTTP_ACCEPT_LANGUAGE="en"))
    chinese = error_of(as_(world, "agent").get("/requests/999999"))
    assert english["code"] == chinese["code"] == "not_found"
    assert english["message"] == "No such service request."


def test_unparsable_body_is_a_400_in_the_same_shape(world):
    response = as_(world, "agent").client.post(f"{BASE}/requests", "{not json",
                                               content_type="application/json", **as_(world, "agent").headers)
    assert response.status_code == 400 and error_of(response)["code"] == "bad_request"


def test_unknown_path_and_wrong_method_answer_in_the_same_shape(world):
    client = as_(world, "agent")
    missing = client.get("/no-such-thing")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    wrong = client.client.delete(f"{BASE}/requests", **client.headers)
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"
    assert set(wrong["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_django_404_and_permission_denied_are_mapped_too():
    request = RequestFactory().get("/api/v1/anything")
    not_found = api.on_exception(request, Http404("gone"))
    denied = api.on_exception(request, PermissionDenied("no"))
    assert (not_found.status_code, json.loads(not_found.content)["error"]["code"]) == (404, "not_found")
    assert (denied.status_code, json.loads(denied.content)["error"]["code"]) == (403, "forbidden")


# ----------------------------------------------------------------------------------------------
# Idempotency


def _counts():
    return (ServiceRequest.objects.count(), ContactRecord.objects.count(), RequestEvent.objects.count())


def test_retry_with_the_same_key_replays_the_first_answer_and_creates_nothing(world):
    client = as_(world, "agent")
    first = client.post("/requests", leak(world), key="call-2026-0001")
    after_first = _counts()
    again = client.post("/requests", leak(world), key="call-2026-0001")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert _counts() == after_first == (1, 1, 1)
    assert IdempotencyRecord.objects.get().status_code == 201


def test_same_key_with_a_different_body_is_422(world):
    client = as_(world, "agent")
    client.post("/requests", leak(world, 200), key="call-2026-0002")
    response = client.post("/requests", leak(world, 250), key="call-2026-0002")
    assert response.status_code == 422
    assert "Idempotency-Key" in error_of(response)["fields"]
    assert _counts() == (1, 1, 1)


def test_same_key_on_another_endpoint_is_422(world):
    client = as_(world, "agent")
    client.post("/requests", leak(world), key="shared-key")
    response = client.post("/contacts", {"reporter_kind": "unidentified"}, key="shared-key")
    assert response.status_code == 422 and "Idempotency-Key" in error_of(response)["fields"]
    assert ContactRecord.objects.count() == 1


def test_keys_belong_to_their_user(world):
    as_(world, "agent").post("/requests", leak(world), key="k-1")
    other = as_(world, "team_lead").post("/requests", leak(world), key="k-1")
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert ServiceRequest.objects.count() == 2


def test_a_failed_call_stores_nothing_so_the_key_can_be_used_again(world):
    client = as_(world, "agent")
    assert client.post("/requests", leak(world, 9999), key="retry-me").status_code == 422
    assert not IdempotencyRecord.objects.exists()
    assert client.post("/requests", leak(world, 200), key="retry-me").status_code == 201


@pytest.mark.parametrize(("key", "status"), [("k" * 200, 201), ("k" * 201, 422), ("   ", 422)])
def test_key_length_is_checked(world, key, status):
    response = as_(world, "agent").post("/requests", leak(world), key=key)
    assert response.status_code == status
    if status == 422:
        assert "Idempotency-Key" in error_of(response)["fields"]
        assert _counts() == (0, 0, 0)


def test_retried_transition_replays_instead_of_conflicting(world):
    """The retry fails where the first call succeeded (already accepted): the stored answer wins."""
    request_id = as_(world, "agent").post("/requests", leak(world)).json()["id"]
    dispatcher = as_(world, "dispatcher")
    first = dispatcher.post(f"/requests/{request_id}/transitions", {"action": "accept"}, key="accept-1")
    again = dispatcher.post(f"/requests/{request_id}/transitions", {"action": "accept"}, key="accept-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert RequestEvent.objects.filter(request_id=request_id, kind="transition").count() == 1
    fresh_key = dispatcher.post(f"/requests/{request_id}/transitions", {"action": "accept"}, key="accept-2")
    assert fresh_key.status_code == 409


def test_retried_work_order_is_not_dispatched_twice(world):
    request_id = as_(world, "agent").post("/requests", leak(world, 300)).json()["id"]
    dispatcher = as_(world, "dispatcher")
    first = dispatcher.post(f"/requests/{request_id}/work-orders", {"provider": "crew-a"}, key="wo-1")
    again = dispatcher.post(f"/requests/{request_id}/work-orders", {"provider": "crew-a"}, key="wo-1")
    assert first.status_code == again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert ServiceRequest.objects.get(pk=request_id).work_orders.count() == 1


# Concurrent duplicates (several clients sending one create with one key at the same moment) are
# tested against real server processes on both databases in core/tests/test_scale_out.py.


# ----------------------------------------------------------------------------------------------
# Output, OpenAPI and the docs page


def test_datetimes_are_written_in_shanghai_time():
    moment = datetime.datetime(2026, 5, 1, 1, 30, tzinfo=datetime.UTC)
    assert json.dumps(moment, cls=LocalTimeJSONEncoder) == '"2026-05-01T09:30:00+08:00"'


def test_openapi_document_lists_every_endpoint_with_its_roles(world):
    schema = Client().get(f"{BASE}/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    expected = {
        ("get", "/me"), ("get", "/customers/search"), ("get", "/customers/{customer_id}"),
        ("get", "/customers/{customer_id}/contacts"), ("get", "/service-points/{service_point_id}"),
        ("get", "/request-types"), ("post", "/contacts"), ("get", "/contacts"),
        ("get", "/contacts/{contact_id}"),
        ("post", "/requests"), ("get", "/requests"), ("get", "/requests/{request_id}"),
        ("patch", "/requests/{request_id}"), ("post", "/requests/{request_id}/transitions"),
        ("post", "/requests/{request_id}/notes"), ("get", "/queue"),
        ("post", "/requests/{request_id}/work-orders"), ("get", "/work-orders"),
        ("get", "/work-orders/{work_order_id}"), ("post", "/work-orders/{work_order_id}/transitions"),
        ("get", "/units"), ("get", "/providers"),
        ("get", "/notifications"), ("post", "/notifications/{notification_id}/read"),
        ("post", "/notifications/read-all"),
        ("post", "/fault-calls"), ("get", "/service-points/{service_point_id}/fault-check"),
        ("get", "/outages"), ("post", "/outages"), ("get", "/outages/{outage_id}"),
        ("patch", "/outages/{outage_id}"),
        ("get", "/outages/{outage_id}/calls"), ("post", "/outages/{outage_id}/confirm"),
        ("get", "/outages/{outage_id}/etr-changes"),
        ("post", "/outages/{outage_id}/reject"), ("post", "/outages/{outage_id}/merge"),
        ("post", "/outages/{outage_id}/restore"), ("get", "/planned-outages"), ("post", "/planned-outages"),
        ("get", "/planned-outages/{planned_id}"), ("post", "/planned-outages/{planned_id}/cancel"),
        ("post", "/planned-outages/{planned_id}/notices"), ("get", "/public/planned-outages"),
        ("get", "/network/devices"), ("get", "/network/devices/{code}"), ("get", "/callbacks"),
        ("get", "/callbacks/{callback_id}"), ("post", "/callbacks/{callback_id}/complete"),
        ("post", "/callbacks/{callback_id}/evidence"),
        ("get", "/callbacks/{callback_id}/evidence/{evidence_id}"),
        ("post", "/agents/me/availability"),
    }
    expected.add(("get", "/search"))  # the header's global search (issue 10 item 5)
    expected |= {  # complaints (CMP-1..CMP-7)
        ("post", "/complaints"), ("get", "/complaints"), ("post", "/complaints/repeat-check"),
        ("get", "/complaints/hot-issues"), ("get", "/complaints/{complaint_id}"),
        ("post", "/complaints/{complaint_id}/major"), ("post", "/complaints/{complaint_id}/owner"),
        ("post", "/complaints/{complaint_id}/parts"), ("post", "/complaints/{complaint_id}/answer"),
        ("post", "/complaints/{complaint_id}/opinion"), ("post", "/complaints/{complaint_id}/close"),
        ("post", "/complaints/{complaint_id}/refunds"), ("post", "/complaint-parts/{part_id}/accept"),
        ("post", "/complaint-parts/{part_id}/answer"),
    }
    expected |= {("get", "/surveys"), ("get", "/surveys/{survey_id}"),
                 ("post", "/surveys/{survey_id}/answer"), ("get", "/quality-figures")}  # SUR-1..SUR-3
    found = {(method, path.removeprefix(BASE))
             for path, methods in schema["paths"].items() for method in methods}
    assert found == expected
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            assert "**Roles:**" in operation["description"], (method, path)
    create = schema["paths"][f"{BASE}/requests"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert "agent" in create["description"] and "finance" not in create["description"]
    assert {"BearerTokenAuth", "SessionCsrfAuth"} <= set(schema["components"]["securitySchemes"])


def test_docs_page_loads_its_scripts_and_styles_from_our_own_server(world):
    response = Client().get(f"{BASE}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/ninja/swagger-ui-bundle.js" in assets and "/static/ninja/swagger-ui.css" in assets
    assert all(asset.startswith("/static/") for asset in assets), assets
    assert "cdn" not in html.lower() and "//" not in "".join(assets)
    for asset in assets:
        served = Client().get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content), asset
