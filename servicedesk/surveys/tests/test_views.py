"""SUR-1..SUR-3 on the web desk: the callback list links a survey's callback to its questionnaire,
the agent records the answers there; the quality page shows the targets against the figures of a
period, for managers, supervisors and leadership only."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from servicedesk.contacts.models import Callback
from servicedesk.surveys.models import Survey, SurveyRule
from servicedesk.surveys.tests.helpers import closed_request, rule

pytestmark = pytest.mark.django_db


def signed_in(world, persona, *, language=None):
    client = Client()
    client.force_login(world.users[persona])
    if language:
        client.cookies["django_language"] = language
    return client


@pytest.fixture
def survey(world):
    rule(request_type=world.types["consultation"], channel=SurveyRule.Channel.CALLBACK)
    return Survey.objects.get(request=closed_request(world))


def test_sur1_the_callback_list_links_the_survey_questionnaire(world, survey):
    page = signed_in(world, "agent").get(reverse("web:callbacks")).content.decode()
    link = reverse("web:survey_answer", args=[survey.pk])
    assert f'class="callback-work" href="{link}"' in page
    assert "进行满意度调查" in page and "满意度调查" in page


def test_sur2_the_agent_records_the_answers_on_the_questionnaire(world, survey):
    client = signed_in(world, "agent")
    path = reverse("web:survey_answer", args=[survey.pk])
    page = client.get(path).content.decode()
    assert survey.request.reference in page and "13800138000" in page
    assert 'name="overall"' in page and 'name="usage_experience"' in page
    response = client.post(path, {"overall": "satisfied", "support_quality": "average", "comment": "满意"})
    assert response.status_code == 302 and response["Location"] == reverse("web:callbacks")
    survey.refresh_from_db()
    assert survey.status == Survey.Status.ANSWERED and survey.support_quality == "average"
    assert Callback.objects.get(pk=survey.callback_id).status == Callback.Status.DONE
    answered = client.get(path).content.decode()
    assert 'id="survey-answers"' in answered and 'name="overall"' not in answered
    assert client.post(path, {"overall": "very_poor"}).status_code == 302
    survey.refresh_from_db()
    assert survey.overall == "satisfied"


def test_sur2_without_the_overall_rating_the_form_says_so(world, survey):
    response = signed_in(world, "agent").post(
        reverse("web:survey_answer", args=[survey.pk]), {"comment": "x"}
    )
    assert response.status_code == 422 and 'role="alert"' in response.content.decode()
    survey.refresh_from_db()
    assert survey.status == Survey.Status.PENDING


@pytest.mark.parametrize(
    "persona", ["provider_a_staff", "customer_user", "supervisor", "dispatcher", "outsider"]
)
def test_sur2_the_questionnaire_is_for_desk_roles(world, survey, persona):
    assert signed_in(world, persona).get(reverse("web:survey_answer", args=[survey.pk])).status_code == 403


def test_sur2_the_questionnaire_needs_a_sign_in(world, survey):
    response = Client().get(reverse("web:survey_answer", args=[survey.pk]))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]


def test_sur2_an_unknown_survey_is_404(world):
    assert signed_in(world, "agent").get(reverse("web:survey_answer", args=[99999])).status_code == 404


# ----------------------------------------------------------------------------------------------
# The quality page (SUR-3)


@pytest.fixture
def march(world):
    rule(channel=SurveyRule.Channel.CALLBACK)
    for index, overall in enumerate(["satisfied"] * 19 + ["average"]):
        survey = Survey.objects.get(request=closed_request(world, subject=f"咨询{index}"))
        Survey.objects.filter(pk=survey.pk).update(
            status="answered",
            overall=overall,
            answered_at=datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC),
        )


@pytest.mark.parametrize("persona", ["desk_manager", "supervisor", "leadership", "administrator"])
def test_sur3_the_quality_page_shows_targets_against_the_figures(world, march, persona):
    client = signed_in(world, persona)
    page = client.get(reverse("web:quality"), {"start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    row = re.search(r'<tr id="figure-satisfaction">.*?</tr>', page, re.S).group()
    assert "客户满意度" in row and "95 %" in row and "95.0 %" in row and "19 / 20" in row and "达标" in row
    assert "未达标" not in row
    assert "2026-03-01 至 2026-03-31" in page
    ratings = re.search(r'<tr id="ratings-overall">.*?</tr>', page, re.S).group()
    assert "19" in ratings and "(95.0 %)" in ratings
    assert f'href="{reverse("web:quality")}"' in page  # in the menu


def test_sur3_the_quality_page_in_english(world, march):
    page = (
        signed_in(world, "supervisor", language="en")
        .get(reverse("web:quality"), {"start": "2026-03-01", "end": "2026-03-31"})
        .content.decode()
    )
    assert "Customer satisfaction" in page and "Target reached" in page and "Handling rate" in page


def test_sur3_the_quality_page_defaults_to_this_month(world):
    response = signed_in(world, "leadership").get(reverse("web:quality"))
    assert response.status_code == 200 and 'id="figure-timeliness"' in response.content.decode()


def test_sur3_a_bad_period_is_shown_beside_its_field(world):
    response = signed_in(world, "desk_manager").get(
        reverse("web:quality"), {"start": "2026-03-31", "end": "2026-03-01"}
    )
    assert response.status_code == 422 and "结束日期早于开始日期" in response.content.decode()
    assert (
        signed_in(world, "desk_manager").get(reverse("web:quality"), {"start": "x", "end": "1"}).status_code
        == 422
    )


@pytest.mark.parametrize(
    "persona", ["agent", "team_lead", "dispatcher", "provider_a_staff", "customer_user", "outsider"]
)
def test_sur3_other_roles_are_refused_the_quality_page(world, persona):
    client = signed_in(world, persona)
    assert client.get(reverse("web:quality")).status_code == 403
    home = client.get(reverse("web:nothing")).content.decode()
    assert f'href="{reverse("web:quality")}"' not in home
