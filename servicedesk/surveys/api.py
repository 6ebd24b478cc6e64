"""REST endpoints of satisfaction surveys (SUR-1, SUR-2) and of the quality figures against their
targets (SUR-3).

Scope: surveys are seen by the roles that see every request, and by dispatchers for their units'
requests; answers are recorded by the desk roles (the callback agent); the figures are for desk
managers, quality supervisors, leadership and administrators. Provider staff and customers are
refused.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from servicedesk.contacts.api import RequestLink
from servicedesk.core.api import IdempotencyKey, Page, PageParams, current_user, paginate, require, write
from servicedesk.core.api_types import InputSchema, ParamsSchema
from servicedesk.customers.api import CustomerBrief
from servicedesk.org.api import UserBrief
from servicedesk.org.roles import Capability, roles_with
from servicedesk.surveys.models import Rating, Survey, SurveyChannel
from servicedesk.surveys.selectors import (
    SEE_QUALITY,
    SEE_SURVEYS,
    QualityFigures,
    current_month,
    quality_figures_for_user,
    survey_get_for_user,
    surveys_for_user,
)
from servicedesk.surveys.services import COMMENT_MAX_LENGTH, SurveyAnswers, survey_answer_by_agent

router = Router(tags=["surveys"])


def _roles(*capabilities: Capability) -> str:
    return f"\n\n**Roles:** {roles_with(*capabilities)}."


class SurveyAnswersOut(Schema):
    overall: Rating | None = Field(description="satisfied, average or very_poor; empty until answered.")
    service_quality: Rating | None = Field(description="Service quality of the provider.")
    support_quality: Rating | None = Field(description="Technical support quality.")
    usage_experience: Rating | None
    comment: str


class SurveyOut(Schema):
    id: int
    reference: str = Field(description="SV00000012")
    request: RequestLink
    channel: SurveyChannel = Field(description="How the customer is asked: an SMS link, or a callback.")
    status: Survey.Status
    customer: CustomerBrief | None
    name: str
    phone: str
    callback_id: int | None = Field(description="The callback that asks the customer (channel callback).")
    created_at: datetime.datetime
    answered_at: datetime.datetime | None
    answered_by: UserBrief | None = Field(description="Empty: the customer answered through the link.")
    answers: SurveyAnswersOut

    @staticmethod
    def resolve_answers(survey: Survey) -> dict[str, Any]:
        return {"overall": survey.overall or None, "comment": survey.comment,
                **{aspect: getattr(survey, aspect) or None for aspect in Survey.ASPECTS}}


class SurveyFilters(PageParams):
    status: Survey.Status | None = None
    channel: SurveyChannel | None = None


class SurveyAnswerIn(InputSchema):
    overall: Rating
    service_quality: Rating | None = None
    support_quality: Rating | None = None
    usage_experience: Rating | None = None
    comment: str = Field("", max_length=COMMENT_MAX_LENGTH)


class PeriodParams(ParamsSchema):
    date_from: datetime.date | None = Field(None, alias="from",
                                            description="First day (Asia/Shanghai); default: the 1st of "
                                                        "this month.")
    date_to: datetime.date | None = Field(None, alias="to",
                                          description="Last day, included; default: today.")


class FigureOut(Schema):
    code: str = Field(description="satisfaction, handling_rate or timeliness")
    label: str
    target_percent: float | None
    actual_percent: float | None = Field(description="To one decimal; empty when nothing was counted.")
    count: int = Field(description="Satisfied answers; requests resolved or closed; requests on time.")
    total: int = Field(description="Answers; requests received (cancelled aside); requests whose "
                                   "resolution clock stopped.")
    met: bool | None = Field(description="The target is reached; empty without data or target.")


class RatingCountsOut(Schema):
    question: str = Field(description="overall, service_quality, support_quality or usage_experience")
    label: str
    satisfied: int
    average: int
    very_poor: int
    total: int


class QualityFiguresOut(Schema):
    date_from: datetime.date = Field(alias="from", description="The period's first day.")
    date_to: datetime.date = Field(alias="to", description="The period's last day, included.")
    figures: list[FigureOut]
    ratings: list[RatingCountsOut]
    requests_received: int
    requests_cancelled: int
    surveys_sent: int


@router.get("/surveys", response=Page[SurveyOut], summary="Satisfaction surveys of closed requests (SUR-1)",
            description="Newest first. Filters: `status` (pending, answered), `channel` (sms, callback). A "
                        "dispatcher sees those of their units' requests." + _roles(*SEE_SURVEYS))
def survey_list(request: HttpRequest, filters: Query[SurveyFilters]) -> dict:
    surveys = surveys_for_user(current_user(request))
    if filters.status:
        surveys = surveys.filter(status=filters.status)
    if filters.channel:
        surveys = surveys.filter(channel=filters.channel)
    return paginate(surveys.order_by("-created_at", "-id"), filters)


@router.get("/surveys/{id:survey_id}", response=SurveyOut, summary="A satisfaction survey",
            description=_roles(*SEE_SURVEYS).strip())
def survey_detail(request: HttpRequest, survey_id: int) -> Survey:
    return survey_get_for_user(current_user(request), survey_id)


@router.post("/surveys/{id:survey_id}/answer", response=SurveyOut,
             summary="Record the customer's answers, as the callback agent (SUR-2)",
             description="The overall rating (satisfied, average, very_poor) is required; the three aspects "
                         "and the comment are optional. Only a survey asked by callback (an SMS survey is "
                         "answered through its link); the survey's callback is completed with the answers. "
                         "A survey already answered: 409 `already_answered`."
                         + _roles(Capability.LOG_CONTACT))
def survey_answer_endpoint(request: HttpRequest, survey_id: int, payload: SurveyAnswerIn,
                           idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.LOG_CONTACT)

    def answer() -> dict[str, Any]:
        survey = survey_answer_by_agent(
            survey=survey_get_for_user(user, survey_id), actor=user,
            answers=SurveyAnswers(overall=payload.overall, service_quality=payload.service_quality or "",
                                  support_quality=payload.support_quality or "",
                                  usage_experience=payload.usage_experience or "", comment=payload.comment))
        return SurveyOut.from_orm(survey_get_for_user(user, survey.pk)).model_dump()

    return write(request, payload=payload, idempotency_key=idempotency_key, action=answer, status=200)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _figures_out(found: QualityFigures) -> dict[str, Any]:
    return {
        "from": found.start, "to": found.end,
        "figures": [{"code": figure.code, "label": figure.label,
                     "target_percent": _number(figure.target_percent),
                     "actual_percent": _number(figure.percent), "count": figure.count, "total": figure.total,
                     "met": figure.met}
                    for figure in found.figures],
        "ratings": [{"question": row.question, "label": row.label, "satisfied": row.satisfied,
                     "average": row.average, "very_poor": row.very_poor, "total": row.total}
                    for row in found.ratings],
        "requests_received": found.requests_received, "requests_cancelled": found.requests_cancelled,
        "surveys_sent": found.surveys_sent,
    }


@router.get("/quality-figures", response=QualityFiguresOut, by_alias=True,
            summary="Satisfaction, handling rate and timeliness against their targets (SUR-3)",
            description="For the days `from` … `to` (Asia/Shanghai, both included; default this month): "
                        "satisfaction = satisfied answers / answers given in the period; handling rate = "
                        "requests received in the period now resolved or closed / requests received "
                        "(cancelled aside); timeliness = requests whose resolution clock stopped in the "
                        "period within its limit / all whose resolution clock stopped in it. With the "
                        "answers per question and rating." + _roles(*SEE_QUALITY))
def quality_figures_endpoint(request: HttpRequest, period: Query[PeriodParams]) -> dict[str, Any]:
    user = current_user(request)
    require(user, *SEE_QUALITY)
    first, today = current_month()
    start = period.date_from or first
    end = period.date_to or max(today, start)
    return _figures_out(quality_figures_for_user(user, start=start, end=end))
