"""SUR-1, SUR-2 in a real browser: a customer opens the SMS link on a 390×844 phone, reads the
questions in Chinese (English from the header's switch), taps the answers and sends them once;
the page fits the screen throughout. Headless Chromium from the Debian package
(servicedesk/browser_tests/chromium.py)."""

import re
import shutil

import pytest

from servicedesk.browser_tests.chromium import CHROMIUM, chromium_browser
from servicedesk.contacts.models import OutboundMessage
from servicedesk.surveys.models import Survey, SurveyRule
from servicedesk.testing.world import build_world
from servicedesk.tickets.services import request_create, request_transition

PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM),
                       reason="Chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture
def phone():
    with chromium_browser() as browser:
        page = browser.new_page(viewport=PHONE, has_touch=True)
        page.set_default_timeout(15_000)
        yield page


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: the page is {width} px wide"


def _closed_survey() -> Survey:
    world = build_world()
    SurveyRule.objects.create(name="咨询回访", request_type=world.types["consultation"])
    agent = world.users["agent"]
    request = request_create(actor=agent, request_type=world.types["consultation"],
                             service_point=world.points["alice"], subject="咨询阶梯电价")
    request_transition(request=request, action="accept", actor=agent)
    request_transition(request=request, action="resolve", actor=agent, reason="已电话解释")
    request_transition(request=request, action="close", actor=agent)
    return Survey.objects.get(request=request)


def test_sur2_a_customer_answers_the_survey_on_a_390px_phone(live_server, transactional_db, phone):
    survey = _closed_survey()
    text = OutboundMessage.objects.get(source=survey.reference).text
    path = re.search(r"https?://[^/]+(/survey/\S+/)", text).group(1)
    page = phone

    # The link opens the questions in Chinese, without signing in; they fit the screen.
    page.goto(live_server.url + path)
    assert page.locator("h1").inner_text() == "满意度调查"
    assert survey.request.reference in page.locator("main").inner_text()
    _fits(page)
    choices = page.locator("#question-overall .choices label")
    assert choices.all_inner_texts() == ["满意", "一般", "很差"]
    for index in range(3):  # each choice is within the screen and big enough for a thumb
        box = choices.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 40, box

    # Sent without the overall rating: the page says what is missing and keeps what was typed.
    page.locator("#question-service_quality label", has_text="一般").tap()
    page.fill("textarea[name=comment]", "回复很耐心")
    page.locator("form.survey button[type=submit]").tap()
    page.locator("#question-overall .error").wait_for()
    _fits(page)
    assert page.locator("textarea[name=comment]").input_value() == "回复很耐心"

    # Answered.
    page.locator("#question-overall label", has_text="满意").first.tap()
    page.locator("#question-usage_experience label", has_text="很差").tap()
    submit = page.locator("form.survey button[type=submit]")
    submit.scroll_into_view_if_needed()
    box = submit.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    submit.tap()
    page.locator("#survey-thanks").wait_for()
    assert "谢谢" in page.locator("main").inner_text()
    _fits(page)
    survey.refresh_from_db()
    assert (survey.status, survey.overall, survey.service_quality, survey.usage_experience) == (
        "answered", "satisfied", "average", "very_poor")
    assert survey.comment == "回复很耐心"

    # Opened again: already answered, in English when the customer asks for it.
    page.goto(live_server.url + path)
    page.locator("#survey-answered").wait_for()
    assert "已经答复过了" in page.locator("main").inner_text()
    if page.locator(".menu-toggle").is_visible():
        page.locator(".menu-toggle").tap()
    page.locator(".language-switch button[value=en]").tap()
    page.locator("#survey-answered").wait_for()
    assert page.locator("h1").inner_text() == "Satisfaction survey"
    assert "already been answered" in page.locator("main").inner_text()
    _fits(page)


def test_sur1_an_altered_link_reads_clearly_on_a_phone(live_server, transactional_db, phone):
    survey = _closed_survey()
    text = OutboundMessage.objects.get(source=survey.reference).text
    path = re.search(r"https?://[^/]+(/survey/\S+/)", text).group(1)
    response = phone.goto(live_server.url + path[:-3] + "x/")
    assert response.status == 404
    assert "链接无效" in phone.locator("main").inner_text()
    _fits(phone)
