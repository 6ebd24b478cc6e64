"""Every input of the API and the desk pages is bounded (issue 11): what a fuzzer found as a 500 or
as an input no service centre would accept is now a 422 naming the field (404 for an id in a path),
and the answers' date-times are valid RFC 3339 whatever the stored value.

Cited requirements: INT-1 (the contact record), INT-3 (the reporter), INT-7 (the request), OUT-1
(planned outages and their notices), OUT-2 (fault calls), INT-8 (callbacks)."""

import datetime
import io
import json

import pytest
from django.utils import timezone

from servicedesk.contacts.models import ContactRecord
from servicedesk.core.api import LocalTimeJSONEncoder
from servicedesk.core.references import MAX_ID
from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.customers.phones import normalise_phone, phone_problem
from servicedesk.outages.models import PlannedOutage
from servicedesk.tickets.models import ServiceRequest

pytestmark = pytest.mark.django_db

SUPERSCRIPT_TWO = "\u00b2"  # "²".isdigit() is True, int("²") fails
TWENTY_DIGITS = 99999999999999999999


def local(year, month=1, day=1, hour=9):
    return datetime.datetime(year, month, day, hour, tzinfo=timezone.get_default_timezone())


def soon(days=30):
    return (timezone.now() + datetime.timedelta(days=days)).replace(microsecond=0)


def leak(world, **extra):
    return {"request_type": "leak", "service_point_id": world.points["alice"].pk, "attributes": {"dn": 100},
            **extra}


def planned(**extra):
    return {"reason": "线路检修", "starts_at": soon(3).isoformat(), "ends_at": soon(4).isoformat(),
            "devices": ["S1"], **extra}


def refused(response, field, status=422):
    assert response.status_code == status, response.content
    error = error_of(response)
    assert field in error["fields"], error
    return error


# ----------------------------------------------------------------------------------------------
# Digits that are not ASCII digits: the filters and the pages' query parameters


@pytest.mark.parametrize(("path", "param", "persona"), [
    ("/work-orders", "provider", "dispatcher"),
    ("/requests", "responsible_unit", "dispatcher"),
])
def test_INT7_a_unicode_digit_in_a_filter_finds_nothing(world, path, param, persona):
    response = as_(world, persona).get(path, {param: SUPERSCRIPT_TWO})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_INT1_customer_panel_with_a_unicode_digit_contact_is_shown_without_it(client, world):
    client.force_login(world.users["agent"])
    alice = world.customers["alice"]
    page = client.get(f"/desk/customers/{alice.pk}/", {"contact": SUPERSCRIPT_TWO})
    assert page.status_code == 200
    assert alice.name in page.content.decode()


@pytest.mark.parametrize("params", [
    {"service_point": SUPERSCRIPT_TWO},
    {"customer": SUPERSCRIPT_TWO},
    {"service_point": SUPERSCRIPT_TWO, "customer": SUPERSCRIPT_TWO},
    {"service_point": str(TWENTY_DIGITS)},
])
def test_OUT2_fault_call_page_ignores_an_id_that_is_not_one(client, world, params):
    client.force_login(world.users["agent"])
    page = client.get("/desk/fault-call/", params)
    assert page.status_code == 200


# ----------------------------------------------------------------------------------------------
# Ids past 64 bits


def test_OUT1_a_service_point_id_past_64_bits_in_notices_is_422(world):
    created = as_(world, "dispatcher").post("/planned-outages", planned())
    assert created.status_code == 201, created.content
    response = as_(world, "dispatcher").post(f"/planned-outages/{created.json()['id']}/notices",
                                             {"service_point_ids": [TWENTY_DIGITS]})
    refused(response, "service_point_ids.0")


def test_OUT2_a_service_point_id_past_64_bits_in_a_fault_call_is_422(world):
    response = as_(world, "agent").post("/fault-calls", {"service_point_id": TWENTY_DIGITS})
    refused(response, "service_point_id")
    assert ContactRecord.objects.count() == 0


@pytest.mark.parametrize("path", [f"/requests/{TWENTY_DIGITS}", f"/work-orders/{TWENTY_DIGITS}",
                                  f"/outages/{TWENTY_DIGITS}", f"/contacts/{MAX_ID + 1}"])
def test_an_id_past_64_bits_in_a_path_is_404(world, path):
    response = as_(world, "administrator").get(path)
    assert response.status_code == 404


def test_the_largest_id_is_looked_up_and_not_found(world):
    assert as_(world, "administrator").get(f"/requests/{MAX_ID}").status_code == 404


# ----------------------------------------------------------------------------------------------
# Moments: a window around now that fits each field


@pytest.mark.parametrize("started_at", ["0001-01-01T00:00:00", "1319-05-01T08:00:00+08:00",
                                        "2099-01-01T08:00:00+08:00", "9999-12-31T23:59:59"])
def test_INT1_a_contact_that_started_outside_the_last_year_is_422(world, started_at):
    response = as_(world, "agent").post("/contacts", {"customer_id": world.customers["alice"].pk,
                                                      "started_at": started_at})
    refused(response, "started_at")
    assert ContactRecord.objects.count() == 0


def test_INT1_a_contact_that_started_an_hour_ago_is_kept_as_such(world):
    started = (timezone.now() - datetime.timedelta(hours=1)).replace(microsecond=0)
    response = as_(world, "agent").post("/contacts", {"customer_id": world.customers["alice"].pk,
                                                      "started_at": started.isoformat()})
    assert response.status_code == 201, response.content
    assert ContactRecord.objects.get().started_at == started


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59+08:00", "1900-01-01T00:00:00",
                                    "2099-06-01T00:00:00"])
def test_INT7_an_estimate_outside_the_schedule_window_is_422(world, moment):
    response = as_(world, "agent").post("/requests", leak(world, estimated_completion_at=moment))
    refused(response, "estimated_completion_at")
    assert ServiceRequest.objects.count() == 0


@pytest.mark.parametrize(("field", "moment"), [("starts_at", "1319-01-01T00:00:00+08:00"),
                                               ("starts_at", "9999-01-01T00:00:00+08:00"),
                                               ("ends_at", "2200-01-01T00:00:00+08:00")])
def test_OUT1_a_planned_outage_outside_the_schedule_window_is_422(world, field, moment):
    response = as_(world, "dispatcher").post("/planned-outages", planned(**{field: moment}))
    refused(response, field)
    assert PlannedOutage.objects.count() == 0


def test_OUT1_a_planned_outage_in_made_up_districts_is_422(world):
    made_up = planned(devices=[], districts=["南山区", "火星区"])
    response = as_(world, "dispatcher").post("/planned-outages", made_up)
    error = refused(response, "districts")
    assert "火星区" in error["fields"]["districts"]
    assert PlannedOutage.objects.count() == 0
    known = as_(world, "dispatcher").post("/planned-outages", planned(devices=[], districts=["南山区"]))
    assert known.status_code == 201, known.content


@pytest.mark.parametrize("value", ["0.5", "1", "9999-01-01", "1999-12-31", "yesterday"])
def test_INT1_a_list_filter_bound_that_is_not_a_date_in_range_is_422(world, value):
    response = as_(world, "agent").get("/contacts", {"started_before": value})
    refused(response, "started_before")


def test_INT1_a_list_filter_bound_that_is_a_date_filters(world):
    response = as_(world, "agent").get("/contacts", {"started_before": "2026-01-01"})
    assert response.status_code == 200, response.content


# ----------------------------------------------------------------------------------------------
# Bodies and yes/no


def test_INT7_a_patch_whose_body_is_not_an_object_is_422(world):
    created = as_(world, "agent").post("/requests", leak(world))
    assert created.status_code == 201, created.content
    response = as_(world, "dispatcher").patch(f"/requests/{created.json()['id']}", [None, None],
                                              HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422, response.content
    assert error_of(response)["fields"] == {"body": "the body must be a JSON object"}


@pytest.mark.parametrize("value", [0, 1, "yes", "true", None])
def test_INT8_availability_takes_true_or_false_only(world, value):
    response = as_(world, "agent").post("/agents/me/availability", {"available": value})
    refused(response, "available")


def test_INT8_availability_false_is_kept(world):
    response = as_(world, "agent").post("/agents/me/availability", {"available": False})
    assert response.status_code == 200, response.content
    assert response.json()["available"] is False


# ----------------------------------------------------------------------------------------------
# Phones: validated and normalised with phonenumbers


@pytest.mark.parametrize("raw", ["abc-not-a-phone", "+86-not-a-number-😀", "12", "1380013800", "0755-1",
                                 "+86 999 0000 0000"])
def test_INT3_phone_numbers_no_one_could_dial_are_refused(raw):
    assert phone_problem(raw)


@pytest.mark.parametrize(("raw", "stored"), [
    ("138 0013 8000", "13800138000"),
    ("+86 138-0013-8000", "13800138000"),
    ("0755-83330000", "075583330000"),
    ("(0755) 8333 0000 转 123", "075583330000,123"),
    ("0755-83330000 ext. 9", "075583330000,9"),
    ("+44 20 7946 0958", "00442079460958"),
    ("95598", "95598"),
    ("110", "110"),
])
def test_INT3_dialable_phone_numbers_are_kept_in_one_form(raw, stored):
    assert phone_problem(raw) is None
    assert normalise_phone(raw) == stored


def test_INT7_a_request_with_a_made_up_phone_is_422_and_nothing_saved(world):
    response = as_(world, "agent").post("/requests", leak(world, reporter_phone="abc-not-a-phone"))
    refused(response, "reporter_phone")
    assert ServiceRequest.objects.count() == 0


def test_INT1_a_contact_with_a_made_up_phone_is_422_and_nothing_saved(world):
    response = as_(world, "agent").post("/contacts", {"reporter_kind": "non_customer",
                                                      "reporter_name": "路人",
                                                      "reporter_phone": "+86-not-a-number-😀"})
    refused(response, "reporter_phone")
    assert ContactRecord.objects.count() == 0


def test_INT1_a_contact_keeps_the_phone_in_its_normal_form(world):
    response = as_(world, "agent").post("/contacts", {"reporter_kind": "non_customer",
                                                      "reporter_name": "派出所",
                                                      "reporter_phone": "0755-2666 1100转8"})
    assert response.status_code == 201, response.content
    assert ContactRecord.objects.get().reporter_phone == "075526661100,8"


# ----------------------------------------------------------------------------------------------
# Date-times written by the API are RFC 3339


@pytest.mark.parametrize(("value", "written"), [
    (local(2026, 12, 1, 8), "2026-12-01T08:00:00+08:00"),
    (datetime.datetime(1880, 1, 1, tzinfo=datetime.UTC), "1880-01-01T00:00:00Z"),
    (datetime.datetime(9999, 12, 31, 23, 0, tzinfo=datetime.UTC), "9999-12-31T23:00:00Z"),
    (datetime.datetime(1, 1, 1, tzinfo=datetime.UTC), "0001-01-01T00:00:00Z"),
])
def test_date_times_are_written_with_an_offset_in_whole_minutes(value, written):
    assert json.loads(json.dumps({"at": value}, cls=LocalTimeJSONEncoder))["at"] == written


# ----------------------------------------------------------------------------------------------
# Web forms: the same windows, the message beside the field


def planned_form(**changes):
    fields = {"utility": "power", "reason": "线路检修", "starts_at": soon(3).strftime("%Y-%m-%dT%H:%M"),
              "ends_at": soon(4).strftime("%Y-%m-%dT%H:%M"), "devices": "S1", "districts": "",
              "area_description": "", "published": "on", **changes}
    return {f"planned-{name}": value for name, value in fields.items()}


@pytest.mark.parametrize(("changes", "message"), [
    ({"starts_at": "1319-01-01T08:00"}, "时间必须在一个月前到两年后之间"),
    ({"devices": "", "districts": "火星区"}, "火星区"),
])
def test_OUT1_planned_outage_form_outside_the_bounds_says_so_beside_the_field(client, world, changes,
                                                                              message):
    client.force_login(world.users["dispatcher"])
    page = client.post("/outages/planned/new/", planned_form(**changes))
    assert page.status_code in (200, 422)
    assert PlannedOutage.objects.count() == 0
    assert message in page.content.decode()


# ----------------------------------------------------------------------------------------------
# Rows stored before the bounds: check_moments lists them


def test_check_moments_lists_rows_outside_1900_to_2100_and_fails(world):
    from django.core.management import CommandError, call_command

    created = as_(world, "agent").post("/contacts", {"customer_id": world.customers["alice"].pk})
    assert created.status_code == 201, created.content
    clean = io.StringIO()
    call_command("check_moments", stdout=clean)
    assert "lies between 1900 and 2100" in clean.getvalue()

    ContactRecord.objects.filter(pk=created.json()["id"]).update(started_at=local(1319, 5, 1))
    listed = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("check_moments", stdout=listed)
    assert failure.value.returncode == 1
    expected = f"contacts.ContactRecord.started_at: 1 row(s) outside 1900–2100: {created.json()['id']}"
    assert expected in listed.getvalue()
