"""Every write of satisfaction surveys (SUR-1, SUR-2).

- ``survey_consider``: called by ``tickets.request_transition`` when a request is closed, in the
  close's transaction (registered in ``SurveysConfig.ready`` through ``tickets.closing``): creates the
  request's survey when a rule covers it and it falls in the rule's sample, and asks the customer —
  an SMS with a single-use link, or a callback routed to an agent (contacts).
- ``survey_answer_by_agent``: the callback agent records what the customer said.
- ``survey_answer_by_link``: the customer answers through the link; once.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicedesk.contacts.models import Callback
from servicedesk.contacts.services import (
    CallbackDraft,
    MessageDraft,
    callback_complete,
    callbacks_create,
    messages_queue,
)
from servicedesk.core.exceptions import ActionNotAllowed, ValidationFailed
from servicedesk.core.messages import message, render
from servicedesk.core.transactions import unit
from servicedesk.customers.phones import is_mobile
from servicedesk.org.models import User
from servicedesk.org.roles import Capability
from servicedesk.surveys.exceptions import AlreadyAnswered, LinkExpired, LinkInvalid
from servicedesk.surveys.links import link_url, new_nonce
from servicedesk.surveys.models import Rating, Survey, SurveyChannel, SurveyLink, SurveyRule
from servicedesk.surveys.sampling import in_sample
from servicedesk.surveys.selectors import survey_link_get
from servicedesk.tickets.models import RequestEvent, ServiceRequest

COMMENT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class SurveyAnswers:
    """What the customer said (SUR-2): the overall rating (required), the three aspects of 002 §4.2
    (each optional: a customer may skip one) and a comment."""

    overall: str
    service_quality: str = ""
    support_quality: str = ""
    usage_experience: str = ""
    comment: str = ""


def _checked(answers: SurveyAnswers) -> SurveyAnswers:
    errors: dict[str, str] = {}
    if answers.overall not in Rating.values:
        errors["overall"] = _("Choose satisfied, average or very poor.")
    for aspect in Survey.ASPECTS:
        if getattr(answers, aspect) not in ("", *Rating.values):
            errors[aspect] = _("Choose satisfied, average or very poor, or leave it empty.")
    comment = answers.comment.strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = _("The comment may be at most %(n)d characters.") % {"n": COMMENT_MAX_LENGTH}
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)
    return SurveyAnswers(overall=answers.overall, service_quality=answers.service_quality,
                         support_quality=answers.support_quality, usage_experience=answers.usage_experience,
                         comment=comment)


def _record(survey: Survey, answers: SurveyAnswers, *, actor: User | None, now: datetime.datetime) -> None:
    survey.status = Survey.Status.ANSWERED
    survey.answered_at = now
    survey.answered_by = actor
    survey.overall = answers.overall
    for aspect in Survey.ASPECTS:
        setattr(survey, aspect, getattr(answers, aspect))
    survey.comment = answers.comment
    survey.save(update_fields=["status", "answered_at", "answered_by", "overall", *Survey.ASPECTS, "comment"])


# ----------------------------------------------------------------------------------------------
# Creating a survey when a request is closed


def survey_rule_for(request: ServiceRequest) -> SurveyRule | None:
    """The active rule of the request's type, else the active rule without a type."""
    rules = SurveyRule.objects.filter(
        Q(request_type_id=request.request_type_id) | Q(request_type__isnull=True), active=True)
    found = {rule.request_type_id: rule for rule in rules}
    return found.get(request.request_type_id) or found.get(None)


@dataclass(frozen=True)
class _Addressee:
    name: str
    mobile: str  # a number an SMS reaches, or empty
    phone: str  # the number an agent calls


def _addressee(request: ServiceRequest) -> _Addressee:
    customer = request.customer
    candidates = [customer.mobile, request.reporter_phone, customer.phone] if customer else [
        request.reporter_phone]
    mobile = next((phone for phone in candidates if phone and is_mobile(phone)), "")
    phone = mobile or next((phone for phone in candidates if phone), "")
    name = request.reporter_name or (customer.name if customer else "")
    return _Addressee(name=name[:100], mobile=mobile, phone=phone)


def _channel(rule: SurveyRule, addressee: _Addressee) -> str | None:
    """How the customer is asked, or None when they cannot be."""
    if rule.channel != SurveyRule.Channel.CALLBACK and addressee.mobile:
        return SurveyChannel.SMS
    if rule.channel == SurveyRule.Channel.SMS or not addressee.phone:
        return None
    return SurveyChannel.CALLBACK


def _ask_by_sms(survey: Survey, rule: SurveyRule, mobile: str, now: datetime.datetime) -> None:
    link = SurveyLink.objects.create(survey=survey, nonce=new_nonce(), created_at=now,
                                     expires_at=now + datetime.timedelta(days=rule.link_valid_days))
    # Customers read the desk's language (zh-hans), whoever closed the request.
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Your request %(ref)s is closed. Please tell us how satisfied you are (the link is valid "
                 "for %(days)d days): %(url)s") % {
            "ref": survey.request.reference, "days": rule.link_valid_days, "url": link_url(link.nonce)}
    [sms] = messages_queue([MessageDraft(phone=mobile, text=text, customer_id=survey.customer_id,
                                         source=survey.reference)])
    survey.message = sms
    survey.save(update_fields=["message"])


def _ask_by_callback(survey: Survey, now: datetime.datetime) -> None:
    reason = message("survey_callback", ref=survey.request.reference)
    with translation.override(settings.LANGUAGE_CODE):
        reason_text = render(reason)
    [callback] = callbacks_create([CallbackDraft(
        reason=reason_text, message=reason, source=survey.reference, customer=survey.customer,
        request_id=survey.request_id, name=survey.name, phone=survey.phone)], at=now)
    survey.callback = callback
    survey.save(update_fields=["callback"])


def survey_consider(request: ServiceRequest, event: RequestEvent) -> Survey | None:
    """SUR-1: the survey of a request just closed, if a rule covers it and it falls in the sample.

    Runs inside ``request_transition``'s transaction, with the request's row locked: a request is
    considered once per close, never twice at the same time, and has at most one survey (a unique
    constraint), however often it is reopened and closed. Nobody is asked when there is no number
    to reach them (or no mobile, for a rule that asks by SMS only).
    """
    if Survey.objects.filter(request_id=request.pk).exists():
        return None
    rule = survey_rule_for(request)
    if rule is None or not in_sample(request.pk, rule.salt, rule.sample_percent):
        return None
    addressee = _addressee(request)
    channel = _channel(rule, addressee)
    if channel is None:
        return None
    now = event.at
    survey = Survey.objects.create(
        request=request, rule=rule, channel=channel, customer=request.customer, name=addressee.name,
        phone=addressee.mobile if channel == SurveyChannel.SMS else addressee.phone, created_at=now)
    if channel == SurveyChannel.SMS:
        _ask_by_sms(survey, rule, addressee.mobile, now)
    else:
        _ask_by_callback(survey, now)
    return survey


# ----------------------------------------------------------------------------------------------
# Answers


def _summary(answers: SurveyAnswers) -> str:
    text = _("Survey answered: %(overall)s") % {"overall": Rating(answers.overall).label}
    return f"{text}\n{answers.comment}" if answers.comment else text


@unit()
def survey_answer_by_agent(*, survey: Survey, actor: User, answers: SurveyAnswers) -> Survey:
    """The callback agent records the customer's answers (SUR-2); the survey's callback is done
    with them (kept as an outbound contact by ``contacts.callback_complete``).

    Only a survey asked by callback: an SMS survey is answered by the customer through its link.
    """
    if not actor.can(Capability.LOG_CONTACT):
        raise ActionNotAllowed(_("Your role may not record survey answers."))
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.status == Survey.Status.ANSWERED:
        raise AlreadyAnswered()
    if locked.channel != SurveyChannel.CALLBACK:
        raise ValidationFailed(_("This survey was sent by SMS: the customer answers through the link."),
                               field="channel")
    checked = _checked(answers)
    _record(locked, checked, actor=actor, now=timezone.now())
    if locked.callback_id is not None:
        callback = Callback.objects.get(pk=locked.callback_id)
        if callback.status == Callback.Status.OPEN:
            callback_complete(callback=callback, actor=actor, reached=True, result=_summary(checked))
    return locked


@unit()
def survey_answer_by_link(*, token: str, answers: SurveyAnswers) -> Survey:
    """The customer's answers through the link of their SMS (SUR-1, SUR-2): taken once.

    Refused: an altered or unknown link (``LinkInvalid``), a survey already answered
    (``AlreadyAnswered``: the link was used, or a second submission), an expired link
    (``LinkExpired``). Two submissions at once: the link's row is locked, the second waits and finds
    it used.
    """
    found = survey_link_get(token)
    link = SurveyLink.objects.select_for_update().filter(pk=found.pk).first()
    if link is None:
        raise LinkInvalid()
    survey = Survey.objects.select_for_update().get(pk=link.survey_id)
    now = timezone.now()
    if link.used_at is not None or survey.status == Survey.Status.ANSWERED:
        raise AlreadyAnswered()
    if link.expires_at <= now:
        raise LinkExpired()
    checked = _checked(answers)
    link.used_at = now
    link.save(update_fields=["used_at"])
    _record(survey, checked, actor=None, now=now)
    return survey
