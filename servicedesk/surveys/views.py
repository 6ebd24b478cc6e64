"""Web pages of satisfaction surveys: the customer's page behind the SMS link (no sign-in, a phone's
width, Chinese unless English is asked for), the callback agent's questionnaire, and the quality
figures against their targets (SUR-1..SUR-3).

Refusals of the signed-in pages: see servicedesk.core.views.page. The customer's page never fails
with a server error: a link altered or unknown is a 404 page, an expired one a 410 page, a second
answer a 409 page, each saying so in words.
"""

import datetime
import re

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from servicedesk.core.exceptions import DomainError, ValidationFailed
from servicedesk.core.views import page, show_domain_errors
from servicedesk.org.models import User
from servicedesk.org.roles import Capability
from servicedesk.surveys.exceptions import AlreadyAnswered, LinkExpired, LinkInvalid
from servicedesk.surveys.forms import SurveyAnswerForm
from servicedesk.surveys.models import QUESTION_LABELS, Rating, Survey, SurveyChannel, SurveyLink
from servicedesk.surveys.selectors import (
    current_month,
    period_check,
    quality_figures_for_user,
    survey_get_for_user,
    survey_link_get,
)
from servicedesk.surveys.services import survey_answer_by_agent, survey_answer_by_link

SURVEY_REFERENCE_PREFIX = "SV"
_REFERENCE = re.compile(r"^SV(\d{1,18})$")


def survey_page_of_reference(reference: str) -> str | None:
    """The questionnaire of the survey a callback's source names ("SV00000012"): contacts'
    callback list links to it (registered in ``SurveysConfig.ready``)."""
    match = _REFERENCE.match(reference)
    return reverse("web:survey_answer", args=[int(match.group(1))]) if match else None


# ----------------------------------------------------------------------------------------------
# The customer's page


def _public(request: HttpRequest, context: dict[str, object], *, status: int = 200) -> HttpResponse:
    response = render(request, "surveys/public.html", context, status=status)
    # The link is the customer's key: no other site learns it from the Referer, no search engine keeps it.
    # (Not "no-referrer": the browser would then send the form with "Origin: null", which CSRF refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def _state(request: HttpRequest, state: str, *, status: int, survey: Survey | None = None) -> HttpResponse:
    return _public(request, {"state": state, "survey": survey}, status=status)


def _link_state(link: SurveyLink) -> str:
    if link.used_at is not None or link.survey.status == Survey.Status.ANSWERED:
        return "answered"
    if link.expires_at <= timezone.now():
        return "expired"
    return "open"


@never_cache
@csrf_protect
def survey_public(request: HttpRequest, token: str) -> HttpResponse:
    """The customer answers the survey of their closed request through the link of the SMS (SUR-1,
    SUR-2). Anyone holding the link, without signing in; once."""
    try:
        link = survey_link_get(token)
    except LinkInvalid:
        return _state(request, "invalid", status=404)
    except LinkExpired:
        return _state(request, "expired", status=410)
    state = _link_state(link)
    if state == "expired":
        return _state(request, state, status=410, survey=link.survey)
    if request.method != "POST":
        if state == "answered":
            return _state(request, state, status=200, survey=link.survey)
        return _public(request, {"state": "open", "survey": link.survey, "form": SurveyAnswerForm()})
    form = SurveyAnswerForm(request.POST)
    if state == "answered":
        return _state(request, state, status=409, survey=link.survey)
    if form.is_valid():
        try:
            survey_answer_by_link(token=token, answers=form.answers())
        except AlreadyAnswered:
            return _state(request, "answered", status=409, survey=link.survey)
        except LinkExpired:
            return _state(request, "expired", status=410, survey=link.survey)
        except LinkInvalid:
            return _state(request, "invalid", status=404)
        except ValidationFailed as error:
            show_domain_errors(form, error)
        else:
            return _state(request, "thanks", status=200, survey=link.survey)
    return _public(request, {"state": "open", "survey": link.survey, "form": form}, status=422)


# ----------------------------------------------------------------------------------------------
# The callback agent's questionnaire


@page(Capability.LOG_CONTACT)
def survey_answer(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The survey of a closed request: the callback agent asks the questions and records the
    answers, which completes the survey's callback (SUR-1, SUR-2). Answers already given, or a
    survey sent by SMS, are shown without the form.

    Roles: agent, team lead, desk manager, key account manager, administrator. Refused: others.
    """
    user: User = request.user  # type: ignore[assignment]
    survey = survey_get_for_user(user, survey_id)
    open_for_agent = survey.status == Survey.Status.PENDING and survey.channel == SurveyChannel.CALLBACK
    form = SurveyAnswerForm(request.POST or None) if open_for_agent else None
    status = 200
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This survey cannot be answered here."))
            return redirect("web:survey_answer", survey_id=survey.pk)
        if form.is_valid():
            try:
                survey_answer_by_agent(survey=survey, actor=user, answers=form.answers())
            except DomainError as error:
                show_domain_errors(form, error)
            else:
                messages.success(request, _("The answers of survey %(ref)s are recorded.") % {
                    "ref": survey.reference})
                return redirect("web:callbacks")
        status = 422
    answers = [(QUESTION_LABELS[question], getattr(survey, f"get_{question}_display")())
               for question in ("overall", *Survey.ASPECTS)]
    return render(request, "surveys/answer.html", {"survey": survey, "form": form, "answers": answers},
                  status=status)


# ----------------------------------------------------------------------------------------------
# The quality figures


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, datetime.date) and isinstance(end, datetime.date):
            try:
                period_check(start, end)
            except ValidationFailed as error:
                show_domain_errors(self, error, {"from": "start", "to": "end"})
        return data


@page(Capability.VIEW_QUALITY)
def quality(request: HttpRequest) -> HttpResponse:
    """Satisfaction, handling rate and timeliness of any period (Asia/Shanghai days, this month by
    default) against their targets, and the answers per question (SUR-3; 003 §5, 002's annex).

    Roles: desk manager, quality supervisor, leadership, administrator. Refused: others.
    """
    start, end = current_month()
    form = PeriodForm(request.GET if request.GET else None, initial={"start": start, "end": end})
    status = 200
    if form.is_bound:
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        else:
            status = 422
    figures = quality_figures_for_user(request.user, start=start, end=end)  # type: ignore[arg-type]
    return render(request, "surveys/quality.html",
                  {"form": form, "quality": figures, "ratings": Rating.choices}, status=status)
