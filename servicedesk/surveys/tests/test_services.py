"""SUR-1, SUR-2: a survey is created when a request is closed — in the close's transaction, once per
request — if a rule covers it and it falls in the sample; the customer is asked by SMS or by a
callback; the callback agent records the answers."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from servicedesk.contacts.models import Callback, ContactRecord, OutboundMessage
from servicedesk.core.exceptions import ActionNotAllowed, ValidationFailed
from servicedesk.customers.models import Customer
from servicedesk.surveys.exceptions import AlreadyAnswered
from servicedesk.surveys.models import Rating, Survey, SurveyChannel, SurveyLink, SurveyRule
from servicedesk.surveys.sampling import in_sample
from servicedesk.surveys.services import SurveyAnswers, survey_answer_by_agent, survey_consider
from servicedesk.surveys.tests.helpers import close, closed_request, open_request, resolve, rule
from servicedesk.tickets import closing
from servicedesk.tickets.models import RequestEvent, RequestStatus
from servicedesk.tickets.services import request_transition

pytestmark = pytest.mark.django_db


def test_sur1_closing_a_request_of_a_surveyed_type_sends_an_sms_with_a_link(world):
    rule(request_type=world.types["consultation"])
    request = closed_request(world)
    survey = Survey.objects.get(request=request)
    assert survey.channel == SurveyChannel.SMS and survey.status == Survey.Status.PENDING
    assert survey.phone == "13800138000" and survey.customer == world.customers["alice"]
    message = OutboundMessage.objects.get(source=survey.reference)
    assert survey.message == message and message.phone == "13800138000"
    link = SurveyLink.objects.get(survey=survey)
    assert (link.expires_at - link.created_at).days == 7 and link.used_at is None
    assert request.reference in message.text and "/survey/" in message.text
    assert not Callback.objects.exists()


def test_sur1_the_sms_is_in_chinese_whoever_closed_the_request(world):
    rule(request_type=world.types["consultation"], link_valid_days=3)
    with translation.override("en"):
        request = closed_request(world)
    text = OutboundMessage.objects.get(source=request.survey.reference).text
    assert "满意" in text and "3" in text


def test_sur1_a_callback_rule_routes_a_callback_to_an_agent(world):
    rule(request_type=world.types["consultation"], channel=SurveyRule.Channel.CALLBACK)
    request = closed_request(world)
    survey = Survey.objects.get(request=request)
    assert survey.channel == SurveyChannel.CALLBACK
    callback = survey.callback
    assert callback.source == survey.reference and callback.request_id == request.pk
    assert callback.assigned_to == world.users["agent"] and callback.phone == "13800138000"
    assert callback.work_page is not None and callback.work_page.url == f"/surveys/{survey.pk}/"
    assert request.reference in callback.display_reason
    assert not OutboundMessage.objects.exists()


def _landline_only(world, name):
    customer = world.customers[name]
    Customer.objects.filter(pk=customer.pk).update(mobile="")
    customer.refresh_from_db()


def test_sur1_without_a_mobile_the_customer_is_called_back_by_their_key_account_manager(world):
    rule()  # every type, by SMS when there is a mobile
    _landline_only(world, "hospital")
    request = closed_request(world, customer="hospital")  # a landline only
    survey = Survey.objects.get(request=request)
    assert survey.channel == SurveyChannel.CALLBACK and survey.phone == "075526553111"
    assert survey.callback.assigned_to == world.users["key_account_manager"]


def test_sur1_an_sms_only_rule_asks_nobody_without_a_mobile(world):
    rule(channel=SurveyRule.Channel.SMS)
    _landline_only(world, "hospital")
    request = closed_request(world, customer="hospital")
    assert not Survey.objects.filter(request=request).exists()


def test_sur1_the_rule_of_the_type_wins_over_the_default(world):
    rule(name="其他抽样", percent=1, salt="never")  # the default: a 1 % sample
    rule(name="咨询全量", request_type=world.types["consultation"], channel=SurveyRule.Channel.CALLBACK)
    request = closed_request(world)
    assert Survey.objects.get(request=request).rule.name == "咨询全量"


def test_sur1_no_active_rule_no_survey(world):
    rule(request_type=world.types["consultation"], active=False)
    rule(request_type=world.types["inquiry"])
    request = closed_request(world)
    assert not Survey.objects.filter(request=request).exists()


def test_sur1_only_the_sampled_share_of_the_other_requests_is_surveyed(world):
    rule(percent=30, salt="2026-q1")
    requests = [closed_request(world, subject=f"咨询{i}") for i in range(30)]
    surveyed = set(Survey.objects.values_list("request_id", flat=True))
    expected = {r.pk for r in requests if in_sample(r.pk, "2026-q1", 30)}
    assert surveyed == expected
    assert 0 < len(surveyed) < 30


def test_sur1_resolving_or_cancelling_is_not_closing(world):
    rule()
    resolved = resolve(world, open_request(world))
    cancelled = open_request(world, subject="重复来电")
    request_transition(request=cancelled, action="cancel", actor=world.users["agent"], reason="重复")
    assert resolved.status == RequestStatus.RESOLVED
    assert not Survey.objects.exists()


def test_sur1_one_survey_per_request_however_often_it_is_closed_or_considered(world):
    """Reopened and closed again, or the handler run again (a retry): still one survey, one SMS."""
    rule()
    request = closed_request(world)
    request_transition(request=request, action="reopen", actor=world.users["agent"], reason="客户再次来电")
    close(world, request)
    closes = RequestEvent.objects.filter(request=request, to_status=RequestStatus.CLOSED)
    assert closes.count() == 2
    for event in closes:
        assert survey_consider(request, event) is None
    assert Survey.objects.filter(request=request).count() == 1
    assert OutboundMessage.objects.count() == 1


def test_sur1_the_database_refuses_a_second_survey_of_a_request(world):
    rule()
    request = closed_request(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.create(request=request, channel=SurveyChannel.CALLBACK)


def test_sur1_a_close_and_its_survey_are_committed_together(world):
    """The handler runs in the close's transaction: if the survey cannot be made, the request stays
    resolved (to be closed again), so no close is ever left without its consideration."""
    rule()
    request = resolve(world, open_request(world))

    def broken(request, event):
        raise RuntimeError("survey store unavailable")

    closing.on_request_closed("broken", broken)
    try:
        with pytest.raises(RuntimeError):
            request_transition(request=request, action="close", actor=world.users["agent"])
    finally:
        closing._HANDLERS.pop("broken")
    request.refresh_from_db()
    assert request.status == RequestStatus.RESOLVED
    assert not Survey.objects.exists() and not OutboundMessage.objects.exists()
    close(world, request)
    assert Survey.objects.filter(request=request).count() == 1


# ----------------------------------------------------------------------------------------------
# The callback agent's answers (SUR-2)


@pytest.fixture
def callback_survey(world):
    rule(channel=SurveyRule.Channel.CALLBACK)
    return Survey.objects.get(request=closed_request(world))


def test_sur2_the_agent_records_the_answers_and_the_callback_is_done(world, callback_survey):
    agent = world.users["agent"]
    survey = survey_answer_by_agent(survey=callback_survey, actor=agent, answers=SurveyAnswers(
        overall=Rating.AVERAGE, service_quality=Rating.SATISFIED, usage_experience=Rating.VERY_POOR,
        comment="  等了两天才有人联系  "))
    survey.refresh_from_db()
    assert survey.status == Survey.Status.ANSWERED and survey.answered_by == agent
    assert (survey.overall, survey.service_quality, survey.support_quality, survey.usage_experience) == (
        "average", "satisfied", "", "very_poor")
    assert survey.comment == "等了两天才有人联系" and survey.answered_at is not None
    callback = Callback.objects.get(pk=survey.callback_id)
    assert callback.status == Callback.Status.DONE and callback.completed_by == agent
    assert "等了两天才有人联系" in callback.result
    outbound = ContactRecord.objects.get(direction=ContactRecord.Direction.OUTBOUND)
    assert outbound.request_id == survey.request_id


def test_sur2_a_survey_is_answered_once(world, callback_survey):
    answers = SurveyAnswers(overall=Rating.SATISFIED)
    survey_answer_by_agent(survey=callback_survey, actor=world.users["agent"], answers=answers)
    with pytest.raises(AlreadyAnswered):
        survey_answer_by_agent(survey=callback_survey, actor=world.users["team_lead"], answers=answers)


@pytest.mark.parametrize(("answers", "field"), [
    (SurveyAnswers(overall=""), "overall"),
    (SurveyAnswers(overall="excellent"), "overall"),
    (SurveyAnswers(overall="satisfied", support_quality="good"), "support_quality"),
    (SurveyAnswers(overall="satisfied", comment="很" * 2001), "comment"),
])
def test_sur2_answers_off_the_scale_are_refused_by_field(world, callback_survey, answers, field):
    with pytest.raises(ValidationFailed) as refused:
        survey_answer_by_agent(survey=callback_survey, actor=world.users["agent"], answers=answers)
    assert field in refused.value.errors
    callback_survey.refresh_from_db()
    assert callback_survey.status == Survey.Status.PENDING


@pytest.mark.parametrize("persona", ["provider_a_staff", "customer_user", "supervisor", "dispatcher"])
def test_sur2_only_desk_roles_record_answers(world, callback_survey, persona):
    with pytest.raises(ActionNotAllowed):
        survey_answer_by_agent(survey=callback_survey, actor=world.users[persona],
                               answers=SurveyAnswers(overall=Rating.SATISFIED))


def test_sur2_a_colleagues_callback_is_left_to_them(world, callback_survey):
    """callback_complete's rule: another agent may not take a callback assigned to someone else."""
    other = world.users["agent"].__class__.objects.create(username="agent2", role="agent")
    with pytest.raises(ActionNotAllowed):
        survey_answer_by_agent(survey=callback_survey, actor=other,
                               answers=SurveyAnswers(overall=Rating.SATISFIED))
    callback_survey.refresh_from_db()
    assert callback_survey.status == Survey.Status.PENDING


def test_sur2_an_sms_survey_is_not_answered_by_an_agent(world):
    rule()
    survey = Survey.objects.get(request=closed_request(world))
    with pytest.raises(ValidationFailed) as refused:
        survey_answer_by_agent(survey=survey, actor=world.users["agent"],
                               answers=SurveyAnswers(overall=Rating.SATISFIED))
    assert "channel" in refused.value.errors
