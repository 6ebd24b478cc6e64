"""SUR-1, SUR-2: the customer's page behind the SMS link — no sign-in, Chinese by default and English
on request — takes one answer; a second submission, an expired link and an altered link each get a
clear page, never a server error."""

import datetime
import re

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from servicedesk.contacts.models import OutboundMessage
from servicedesk.surveys.links import SALT, link_token
from servicedesk.surveys.models import Survey, SurveyLink
from servicedesk.surveys.tests.helpers import closed_request, rule

pytestmark = pytest.mark.django_db

ANSWER = {"overall": "satisfied", "service_quality": "average", "support_quality": "satisfied",
          "usage_experience": "very_poor", "comment": "抢修很及时，但电话等了很久"}


@pytest.fixture
def survey(world):
    rule(request_type=world.types["consultation"], link_valid_days=7)
    return Survey.objects.get(request=closed_request(world))


def path_of(survey):
    """The link's path, as the SMS carries it."""
    text = OutboundMessage.objects.get(source=survey.reference).text
    return re.search(r"https?://[^/]+(/survey/\S+/)", text).group(1)


def customer():
    return Client(enforce_csrf_checks=True)


def post(client, path, data):
    client.get(path)  # the page sets the CSRF cookie, as it does in the customer's browser
    return client.post(path, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def test_sur1_the_link_opens_the_questions_in_chinese_without_signing_in(survey):
    response = customer().get(path_of(survey))
    assert response.status_code == 200
    page = response.content.decode()
    assert "满意度调查" in page and survey.request.reference in page
    assert "满意" in page and "一般" in page and "很差" in page
    assert response["Content-Language"] == "zh-hans"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_sur1_the_page_speaks_english_on_request(survey):
    client = customer()
    client.cookies["django_language"] = "en"
    page = client.get(path_of(survey)).content.decode()
    assert "Satisfaction survey" in page and "Very poor" in page and "满意度调查" not in page


def test_sur2_the_customer_answers_once(survey):
    client = customer()
    path = path_of(survey)
    response = post(client, path, ANSWER)
    assert response.status_code == 200
    assert "谢谢" in response.content.decode()
    survey.refresh_from_db()
    assert survey.status == Survey.Status.ANSWERED and survey.answered_by is None
    assert (survey.overall, survey.service_quality, survey.support_quality, survey.usage_experience) == (
        "satisfied", "average", "satisfied", "very_poor")
    assert survey.comment == "抢修很及时，但电话等了很久"
    assert SurveyLink.objects.get(survey=survey).used_at is not None

    again = post(customer(), path, {**ANSWER, "overall": "very_poor"})
    assert again.status_code == 409
    assert "已经答复过了" in again.content.decode()
    survey.refresh_from_db()
    assert survey.overall == "satisfied"
    reopened = customer().get(path)
    assert reopened.status_code == 200 and "已经答复过了" in reopened.content.decode()
    assert "<form method=\"post\" class=\"stacked survey\"" not in reopened.content.decode()


def test_sur2_the_overall_rating_is_required(survey):
    response = post(customer(), path_of(survey), {"comment": "没选"})
    assert response.status_code == 422
    assert "question-overall" in response.content.decode() and 'role="alert"' in response.content.decode()
    survey.refresh_from_db()
    assert survey.status == Survey.Status.PENDING
    assert SurveyLink.objects.get(survey=survey).used_at is None


def test_sur1_an_expired_link_says_so(survey):
    path = path_of(survey)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, minutes=1)):
        opened = customer().get(path)
        assert opened.status_code == 410 and "已过期" in opened.content.decode()
        answered = post(customer(), path, ANSWER)
        assert answered.status_code == 410
    survey.refresh_from_db()
    assert survey.status == Survey.Status.PENDING


def test_sur1_a_link_is_valid_until_the_end_of_its_days(survey):
    with time_machine.travel(timezone.now() + datetime.timedelta(days=6, hours=23)):
        assert post(customer(), path_of(survey), ANSWER).status_code == 200


def test_sur1_a_link_past_the_longest_validity_is_refused_by_its_signature(survey):
    """Even if its row said otherwise, a signature older than any rule allows is expired."""
    path = path_of(survey)
    SurveyLink.objects.filter(survey=survey).update(expires_at=timezone.now() + datetime.timedelta(days=400))
    with time_machine.travel(timezone.now() + datetime.timedelta(days=100)):
        assert customer().get(path).status_code == 410


@pytest.mark.parametrize("alter", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
    lambda token: "X" + token[1:],  # the nonce
    lambda token: token.split(":")[0],  # no signature at all
    lambda token: token + "extra",
    lambda token: "%00",
    lambda token: "a" * 500,
])
def test_sur1_an_altered_link_gets_a_clear_page(survey, alter):
    token = path_of(survey).split("/")[2]
    path = f"/survey/{alter(token)}/"
    opened = customer().get(path)
    assert opened.status_code == 404
    assert "链接无效" in opened.content.decode()
    client = customer()
    client.get(f"/survey/{token}/")  # a CSRF cookie from a genuine page
    answered = client.post(path, {**ANSWER, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert answered.status_code == 404
    survey.refresh_from_db()
    assert survey.status == Survey.Status.PENDING


def test_sur1_a_genuinely_signed_link_to_no_survey_is_invalid(survey):
    assert customer().get(f"/survey/{link_token('no-such-nonce')}/").status_code == 404


def test_sur1_a_link_signed_for_something_else_is_invalid(survey):
    nonce = SurveyLink.objects.get(survey=survey).nonce
    other = signing.TimestampSigner(salt="another.purpose").sign(nonce)
    assert customer().get(f"/survey/{other}/").status_code == 404
    assert signing.TimestampSigner(salt=SALT).unsign(path_of(survey).split("/")[2]) == nonce


def test_sur1_the_page_refuses_a_post_without_its_csrf_token(survey):
    response = customer().post(path_of(survey), ANSWER)
    assert response.status_code == 403
    survey.refresh_from_db()
    assert survey.status == Survey.Status.PENDING
