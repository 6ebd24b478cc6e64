"""SUR-1..SUR-3 through /api/v1/: the survey list (staff who see requests), the callback agent's
answers, and the quality figures — each with the roles refused."""

import datetime

import pytest

from servicedesk.contacts.models import Callback
from servicedesk.core.tests.api_helpers import as_, error_of
from servicedesk.surveys.models import Survey, SurveyChannel, SurveyRule
from servicedesk.surveys.tests.helpers import closed_request, rule
from servicedesk.tickets.models import ServiceRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveys(world):
    """A callback survey (consultation: business department) and an SMS survey of a leak routed to
    the engineering department."""
    rule(request_type=world.types["consultation"], channel=SurveyRule.Channel.CALLBACK)
    rule(request_type=world.types["leak"])
    callback = Survey.objects.get(request=closed_request(world))
    sms = Survey.objects.get(request=closed_request(world, request_type="leak", attributes={"dn": 200},
                                                    subject="漏水"))
    assert sms.request.responsible_unit == world.units["engineering"]
    return {"callback": callback, "sms": sms}


@pytest.mark.parametrize("persona", ["agent", "team_lead", "desk_manager", "supervisor", "leadership",
                                     "key_account_manager", "administrator"])
def test_sur1_staff_who_see_every_request_list_every_survey(world, surveys, persona):
    response = as_(world, persona).get("/surveys")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    first = body["results"][0]
    assert first["reference"] == surveys["sms"].reference and first["channel"] == "sms"
    assert first["status"] == "pending" and first["answers"]["overall"] is None
    assert first["request"]["reference"] == surveys["sms"].request.reference


def test_sur1_a_dispatcher_sees_the_surveys_of_their_units(world, surveys):
    engineering = as_(world, "dispatcher")
    assert [s["id"] for s in engineering.get("/surveys").json()["results"]] == [surveys["sms"].pk]
    assert engineering.get(f"/surveys/{surveys['callback'].pk}").status_code == 404
    assert as_(world, "office_dispatcher").get("/surveys").json()["count"] == 0


def test_sur1_the_list_filters_by_status_and_channel(world, surveys):
    client = as_(world, "agent")
    assert [s["id"] for s in client.get("/surveys", {"channel": "callback"}).json()["results"]] == [
        surveys["callback"].pk]
    assert client.get("/surveys", {"status": "answered"}).json()["count"] == 0
    assert client.get("/surveys", {"status": "done"}).status_code == 422


@pytest.mark.parametrize("persona", ["provider_a_staff", "customer_user", "outsider"])
def test_sur1_providers_customers_and_outsiders_see_no_survey(world, surveys, persona):
    client = as_(world, persona)
    assert error_of(client.get("/surveys"))["code"] == "forbidden"
    assert client.get(f"/surveys/{surveys['sms'].pk}").status_code == 403


def test_sur1_without_sign_in_401(world, surveys):
    assert as_(world, None).get("/surveys").status_code == 401


def test_sur2_the_callback_agent_records_the_answers(world, surveys):
    survey = surveys["callback"]
    client = as_(world, "agent")
    response = client.post(f"/surveys/{survey.pk}/answer", {
        "overall": "average", "service_quality": "satisfied", "comment": "师傅态度很好，但等了半天"},
        key="answer-1")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "answered" and body["answered_by"]["username"] == "agent"
    assert body["answers"] == {"overall": "average", "service_quality": "satisfied", "support_quality": None,
                               "usage_experience": None, "comment": "师傅态度很好，但等了半天"}
    assert Callback.objects.get(pk=survey.callback_id).status == Callback.Status.DONE
    replay = client.post(f"/surveys/{survey.pk}/answer", {
        "overall": "average", "service_quality": "satisfied", "comment": "师傅态度很好，但等了半天"},
        key="answer-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    again = client.post(f"/surveys/{survey.pk}/answer", {"overall": "satisfied"})
    assert again.status_code == 409 and error_of(again)["code"] == "already_answered"


def test_sur2_bad_answers_name_their_field(world, surveys):
    client = as_(world, "agent")
    path = f"/surveys/{surveys['callback'].pk}/answer"
    assert "overall" in error_of(client.post(path, {"overall": "great"}))["fields"]
    assert "overall" in error_of(client.post(path, {}))["fields"]
    assert "comment" in error_of(client.post(path, {"overall": "satisfied", "comment": "x" * 2001}))["fields"]
    refused = client.post(f"/surveys/{surveys['sms'].pk}/answer", {"overall": "satisfied"})
    assert refused.status_code == 422 and "channel" in error_of(refused)["fields"]
    assert Survey.objects.filter(status=Survey.Status.ANSWERED).count() == 0


@pytest.mark.parametrize(("persona", "status"), [
    ("supervisor", 403), ("leadership", 403), ("dispatcher", 403), ("provider_a_staff", 403),
    ("customer_user", 403), ("outsider", 403), (None, 401)])
def test_sur2_only_desk_roles_record_answers(world, surveys, persona, status):
    response = as_(world, persona).post(f"/surveys/{surveys['callback'].pk}/answer", {"overall": "satisfied"})
    assert response.status_code == status
    assert Survey.objects.get(pk=surveys["callback"].pk).status == Survey.Status.PENDING


def test_sur2_an_unknown_survey_is_404(world, surveys):
    assert as_(world, "agent").post("/surveys/999999/answer", {"overall": "satisfied"}).status_code == 404


@pytest.fixture
def march_answers(world):
    rule(channel=SurveyRule.Channel.CALLBACK)
    answered = []
    for overall in ("satisfied", "satisfied", "satisfied", "very_poor"):
        survey = Survey.objects.get(request=closed_request(world, subject=f"咨询{overall}{len(answered)}"))
        Survey.objects.filter(pk=survey.pk).update(
            status="answered", overall=overall,
            answered_at=datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC))
        answered.append(survey)
    ServiceRequest.objects.update(created_at=datetime.datetime(2026, 3, 9, 9, tzinfo=datetime.UTC))
    return answered


@pytest.mark.parametrize("persona", ["desk_manager", "supervisor", "leadership", "administrator"])
def test_sur3_the_figures_of_a_period(world, march_answers, persona):
    response = as_(world, persona).get("/quality-figures", {"from": "2026-03-01", "to": "2026-03-31"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-31")
    figures = {f["code"]: f for f in body["figures"]}
    assert figures["satisfaction"]["count"] == 3 and figures["satisfaction"]["total"] == 4
    assert figures["satisfaction"]["actual_percent"] == 75.0 and figures["satisfaction"]["met"] is False
    assert figures["satisfaction"]["target_percent"] == 95.0
    assert (figures["handling_rate"]["count"], figures["handling_rate"]["total"]) == (4, 4)
    assert figures["handling_rate"]["met"] is True
    assert figures["timeliness"]["total"] == 0 and figures["timeliness"]["met"] is None
    assert body["ratings"][0] == {"question": "overall", "label": "总体满意度", "satisfied": 3, "average": 0,
                                  "very_poor": 1, "total": 4}


def test_sur3_the_figures_default_to_this_month(world):
    body = as_(world, "desk_manager").get("/quality-figures").json()
    assert body["from"].endswith("-01") and len(body["figures"]) == 3


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-03-31", "to": "2026-03-01"}, "to"),
    ({"from": "2026-02-30"}, "from"),
    ({"from": "0001-01-01", "to": "2026-01-01"}, "from"),
    ({"from": "2026-01-01", "to": "9999-12-31"}, "to"),
])
def test_sur3_a_bad_period_is_422_on_its_field(world, params, field):
    response = as_(world, "supervisor").get("/quality-figures", params)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


@pytest.mark.parametrize(("persona", "status"), [
    ("agent", 403), ("team_lead", 403), ("dispatcher", 403), ("provider_a_staff", 403),
    ("customer_user", 403), ("outsider", 403), (None, 401)])
def test_sur3_other_roles_are_refused_the_figures(world, persona, status):
    assert as_(world, persona).get("/quality-figures").status_code == status


def test_sur1_the_channel_is_one_of_the_documented_values(world, surveys):
    assert {s["channel"] for s in as_(world, "agent").get("/surveys").json()["results"]} <= set(
        SurveyChannel.values)
