"""Reads of satisfaction surveys, with each role's scope, and the quality figures of a period (SUR-3).

Who sees surveys: the roles that see every request (the desk, supervisors, leadership) all of them,
a dispatcher those of their units' requests; provider staff and customers none. Who sees the
quality figures: desk managers, quality supervisors, leadership and administrators.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core import signing
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import NotFound, PermissionRefused, ValidationFailed
from servicedesk.core.moments import FILTER_YEARS
from servicedesk.org.models import User
from servicedesk.org.roles import Capability
from servicedesk.org.selectors import unit_subtree_ids
from servicedesk.sla.models import TargetKind, Timer, TimerState
from servicedesk.surveys.exceptions import LinkExpired, LinkInvalid
from servicedesk.surveys.links import link_nonce
from servicedesk.surveys.models import QUESTION_LABELS, QualityTarget, Rating, Survey, SurveyLink
from servicedesk.tickets.models import RequestStatus, ServiceRequest

SEE_SURVEYS = (Capability.VIEW_ALL_REQUESTS, Capability.VIEW_UNIT_QUEUE)
SEE_QUALITY = (Capability.VIEW_QUALITY,)
REQUEST_SUBJECT = "request"  # the SLA engine's name for a service request (tickets.timing.REQUEST)
MAX_PERIOD_DAYS = 3 * 366


def surveys_for_user(user: User) -> QuerySet[Survey]:
    surveys = Survey.objects.select_related("request", "customer", "answered_by")
    if user.can(Capability.VIEW_ALL_REQUESTS):
        return surveys
    if user.can(Capability.VIEW_UNIT_QUEUE):
        return surveys.filter(request__responsible_unit_id__in=unit_subtree_ids(user.unit_id))
    raise PermissionRefused(_("Your role may not see satisfaction surveys."))


def survey_get_for_user(user: User, survey_id: int) -> Survey:
    try:
        return surveys_for_user(user).select_related("request__request_type", "callback", "message").get(
            pk=survey_id)
    except Survey.DoesNotExist:
        raise NotFound(_("No such survey.")) from None


def survey_link_get(token: str) -> SurveyLink:
    """The link row of a genuine, known link (used or not, expired or not: the caller decides)."""
    try:
        nonce = link_nonce(token)
    except signing.SignatureExpired:
        raise LinkExpired() from None
    except signing.BadSignature:
        raise LinkInvalid() from None
    link = SurveyLink.objects.select_related("survey", "survey__request").filter(nonce=nonce).first()
    if link is None:
        raise LinkInvalid()
    return link


# ----------------------------------------------------------------------------------------------
# Quality figures against their targets (SUR-3, 003 §5)


def period_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, the day after end 00:00) in the desk's time (Asia/Shanghai days)."""
    zone = timezone.get_default_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return first, after


def period_check(start: datetime.date, end: datetime.date) -> None:
    first, last = FILTER_YEARS
    for day, field in ((start, "from"), (end, "to")):
        if not first <= day.year <= last:
            raise ValidationFailed(_("The day must be between the years %(first)d and %(last)d.")
                                   % {"first": first, "last": last}, field=field)
    if end < start:
        raise ValidationFailed(_("The period ends before it starts."), field="to")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(_("A period may be at most three years long."), field="to")


def current_month() -> tuple[datetime.date, datetime.date]:
    """From the first of this month to today, in the desk's time: the page's default period."""
    today = timezone.localdate()
    return today.replace(day=1), today


@dataclass(frozen=True)
class Figure:
    """One figure against its target: ``count`` of ``total`` (satisfied answers of all answers …)."""

    code: str
    label: str
    count: int
    total: int
    target_percent: Decimal | None

    @property
    def percent(self) -> Decimal | None:
        """The actual figure, to one decimal; None when there is nothing to count."""
        if not self.total:
            return None
        return (Decimal(100 * self.count) / Decimal(self.total)).quantize(Decimal("0.1"))

    @property
    def met(self) -> bool | None:
        """Whether the target is reached (exactly, not after rounding); None without a target or data."""
        if not self.total or self.target_percent is None:
            return None
        return Decimal(100 * self.count) >= self.target_percent * self.total


@dataclass(frozen=True)
class RatingCounts:
    """The answers on one question: how many satisfied, average and very poor (002's annex)."""

    question: str
    label: str
    satisfied: int
    average: int
    very_poor: int

    @property
    def total(self) -> int:
        return self.satisfied + self.average + self.very_poor

    def share(self, count: int) -> Decimal | None:
        """``count`` as a percentage of the answers to this question, to one decimal."""
        return (Decimal(100 * count) / Decimal(self.total)).quantize(Decimal("0.1")) if self.total else None

    @property
    def shares(self) -> list[tuple[str, str, int, Decimal | None]]:
        """(rating, its label, count, percentage) in the order of the scale, for a table."""
        return [(rating, str(label), getattr(self, rating), self.share(getattr(self, rating)))
                for rating, label in Rating.choices]


@dataclass(frozen=True)
class QualityFigures:
    start: datetime.date
    end: datetime.date
    figures: list[Figure]
    ratings: list[RatingCounts]
    requests_received: int
    requests_cancelled: int
    surveys_sent: int


def _rating_counts(bounds: tuple[datetime.datetime, datetime.datetime]) -> tuple[dict[str, int], int]:
    """The answers of the period per question and rating, and the surveys created: one query."""
    questions = ("overall", *Survey.ASPECTS)
    counts = {f"{question}__{rating}": Count("pk", filter=Q(answered_at__gte=bounds[0],
                                                             answered_at__lt=bounds[1],
                                                             **{question: rating}))
              for question in questions for rating in Rating.values}
    row = Survey.objects.filter(Q(answered_at__gte=bounds[0], answered_at__lt=bounds[1])
                                | Q(created_at__gte=bounds[0], created_at__lt=bounds[1])).aggregate(
        sent=Count("pk", filter=Q(created_at__gte=bounds[0], created_at__lt=bounds[1])), **counts)
    return row, row["sent"]


def _handling(bounds: tuple[datetime.datetime, datetime.datetime]) -> dict[str, int]:
    """Requests received in the period: how many, how many now resolved or closed, how many
    cancelled (withdrawn or duplicates: no problem left to handle, so outside the rate)."""
    return ServiceRequest.objects.filter(created_at__gte=bounds[0], created_at__lt=bounds[1]).aggregate(
        received=Count("pk"),
        handled=Count("pk", filter=Q(status__in=(RequestStatus.RESOLVED, RequestStatus.CLOSED))),
        cancelled=Count("pk", filter=Q(status=RequestStatus.CANCELLED)),
    )


def _timeliness(bounds: tuple[datetime.datetime, datetime.datetime]) -> dict[str, int]:
    """Requests whose resolution clock stopped in the period (the SLA engine's timers: met or
    missed), and how many of them missed it."""
    return Timer.objects.filter(
        subject_type=REQUEST_SUBJECT, target__kind=TargetKind.RESOLUTION,
        state__in=(TimerState.MET, TimerState.MISSED), stopped_at__gte=bounds[0], stopped_at__lt=bounds[1],
    ).aggregate(stopped=Count("subject_id", distinct=True),
                missed=Count("subject_id", distinct=True, filter=Q(state=TimerState.MISSED)))


def quality_figures(*, start: datetime.date, end: datetime.date) -> QualityFigures:
    """SUR-3: the figures of 003 §5 for the days ``start`` … ``end`` (Asia/Shanghai), against their
    targets, in four queries whatever the volume (SQL aggregation):

    1. satisfaction: answers given in the period rated satisfied, of all answers given in it;
    2. handling rate: requests received in the period now resolved or closed, of those received
       (cancelled ones aside);
    3. timeliness: requests whose resolution clock stopped in the period within its limit, of all
       whose resolution clock stopped in it (a request counts once; one missed clock misses it).
    """
    period_check(start, end)
    bounds = period_bounds(start, end)
    targets = dict(QualityTarget.objects.values_list("code", "percent"))
    answers, sent = _rating_counts(bounds)
    handling = _handling(bounds)
    timely = _timeliness(bounds)
    codes = QualityTarget.Code
    overall_total = sum(answers[f"overall__{rating}"] for rating in Rating.values)
    figures = [
        Figure(code=codes.SATISFACTION, label=str(codes.SATISFACTION.label),
               count=answers[f"overall__{Rating.SATISFIED}"], total=overall_total,
               target_percent=targets.get(codes.SATISFACTION)),
        Figure(code=codes.HANDLING_RATE, label=str(codes.HANDLING_RATE.label), count=handling["handled"],
               total=handling["received"] - handling["cancelled"],
               target_percent=targets.get(codes.HANDLING_RATE)),
        Figure(code=codes.TIMELINESS, label=str(codes.TIMELINESS.label),
               count=timely["stopped"] - timely["missed"], total=timely["stopped"],
               target_percent=targets.get(codes.TIMELINESS)),
    ]
    ratings = [RatingCounts(question=question, label=str(QUESTION_LABELS[question]),
                            satisfied=answers[f"{question}__{Rating.SATISFIED}"],
                            average=answers[f"{question}__{Rating.AVERAGE}"],
                            very_poor=answers[f"{question}__{Rating.VERY_POOR}"])
               for question in ("overall", *Survey.ASPECTS)]
    return QualityFigures(start=start, end=end, figures=figures, ratings=ratings,
                          requests_received=handling["received"], requests_cancelled=handling["cancelled"],
                          surveys_sent=sent)


def quality_figures_for_user(user: User, *, start: datetime.date, end: datetime.date) -> QualityFigures:
    if not any(user.can(capability) for capability in SEE_QUALITY):
        raise PermissionRefused(_("Your role may not see the quality figures."))
    return quality_figures(start=start, end=end)
