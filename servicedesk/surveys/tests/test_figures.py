"""SUR-3: the success criteria of 003 §5 — satisfaction 95 %, handling rate 100 %, timeliness 100 % —
are data (seeded), and the actual figures of any period (Asia/Shanghai days) are computed from known
rows by SQL aggregation, in a fixed number of queries."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from servicedesk.core.exceptions import PermissionRefused, ValidationFailed
from servicedesk.sla.models import Calendar, Policy, Target, Timer
from servicedesk.surveys.models import QualityTarget, Survey, SurveyChannel
from servicedesk.surveys.selectors import quality_figures, quality_figures_for_user
from servicedesk.surveys.tests.helpers import open_request
from servicedesk.tickets.models import ServiceRequest
from servicedesk.tickets.services import request_create, request_transition

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def at(*parts):
    return datetime.datetime(*parts, tzinfo=SHANGHAI)


def _answered(world, when, overall, **aspects):
    request = open_request(world, subject=f"回访{when:%m%d%H%M%S}")
    ServiceRequest.objects.filter(pk=request.pk).update(created_at=at(2025, 6, 1, 9))
    return Survey.objects.create(request=request, channel=SurveyChannel.CALLBACK, created_at=when,
                                 status=Survey.Status.ANSWERED if overall else Survey.Status.PENDING,
                                 answered_at=when if overall else None, overall=overall, **aspects)


def _received(world, when, status):
    request = open_request(world, subject=f"来电{when:%m%d%H%M}{status}")
    ServiceRequest.objects.filter(pk=request.pk).update(created_at=when, status=status)


@pytest.fixture
def resolution_target():
    calendar = Calendar.objects.create(code="24x7", name="7×24", kind=Calendar.Kind.AROUND_THE_CLOCK,
                                       windows="")
    policy = Policy.objects.create(name="全部需求", applies_to="work_order")  # applies to no request
    return {kind: Target.objects.create(policy=policy, kind=kind, calendar=calendar, duration_minutes=60,
                                        stop_event="resolved") for kind in ("resolution", "triage_dispatch")}


def _clock(targets, subject_id, state, stopped_at, *, kind="resolution", subject_type="request"):
    target = targets[kind]
    Timer.objects.create(subject_type=subject_type, subject_id=subject_id, policy=target.policy,
                         target=target, state=state, started_at=at(2026, 1, 1, 8), stopped_at=stopped_at,
                         target_seconds=3600)


@pytest.fixture
def march(world, resolution_target):
    """Known rows around March 2026 (Beijing time); the comments say what March counts."""
    # Answers: 5 in March (3 satisfied), one pending; just outside on either side.
    _answered(world, at(2026, 3, 1, 0, 0), "satisfied", service_quality="satisfied")  # 2026-02-28 16:00 UTC
    _answered(world, at(2026, 3, 15, 10), "satisfied", service_quality="average",
              usage_experience="satisfied")
    _answered(world, at(2026, 3, 20, 10), "satisfied")
    _answered(world, at(2026, 3, 21, 10), "average", service_quality="very_poor")
    _answered(world, at(2026, 3, 31, 23, 59, 59), "very_poor", support_quality="very_poor")
    _answered(world, at(2026, 3, 25, 10), "")  # sent, not answered
    _answered(world, at(2026, 2, 28, 23, 59, 59), "satisfied")
    _answered(world, at(2026, 4, 1, 0, 0), "satisfied")
    # Requests received: 10 in March — 4 closed, 3 resolved, 1 cancelled, 2 still open.
    for day, status in [(1, "closed"), (2, "closed"), (3, "closed"), (31, "closed"), (5, "resolved"),
                        (6, "resolved"), (7, "resolved"), (8, "cancelled"), (9, "accepted"), (10, "new")]:
        _received(world, at(2026, 3, day, 12), status)
    _received(world, at(2026, 2, 28, 23, 30), "closed")
    _received(world, at(2026, 4, 1, 0, 0), "new")
    # Resolution clocks stopped in March: 3 met, 1 missed (subject 104 has two clocks: one missed).
    targets = resolution_target
    _clock(targets, 101, "met", at(2026, 3, 2, 9))
    _clock(targets, 102, "met", at(2026, 3, 31, 23, 0))
    _clock(targets, 103, "met", at(2026, 3, 1, 0, 0))
    _clock(targets, 104, "missed", at(2026, 3, 4, 9))
    _clock(targets, 104, "met", at(2026, 3, 4, 9), kind="triage_dispatch")  # another target: not counted
    _clock(targets, 105, "met", at(2026, 2, 28, 23, 0))  # February
    _clock(targets, 106, "missed", at(2026, 4, 1, 0, 0))  # April
    _clock(targets, 107, "running", None)  # not stopped
    _clock(targets, 108, "cancelled", at(2026, 3, 5, 9))  # cancelled: neither met nor missed
    _clock(targets, 109, "missed", at(2026, 3, 5, 9), subject_type="work_order")  # not a request


def test_sur3_the_targets_of_003_are_seeded_as_data():
    assert dict(QualityTarget.objects.values_list("code", "percent")) == {
        "satisfaction": Decimal("95.00"), "handling_rate": Decimal("100.00"), "timeliness": Decimal("100.00")}


def test_sur3_the_figures_of_march_against_their_targets(march, django_assert_num_queries):
    with django_assert_num_queries(4):
        found = quality_figures(start=MARCH[0], end=MARCH[1])
    figures = {figure.code: figure for figure in found.figures}

    satisfaction = figures["satisfaction"]
    assert (satisfaction.count, satisfaction.total, satisfaction.percent) == (3, 5, Decimal("60.0"))
    assert satisfaction.target_percent == Decimal("95") and satisfaction.met is False

    handling = figures["handling_rate"]
    assert (handling.count, handling.total, handling.percent) == (7, 9, Decimal("77.8"))
    assert handling.met is False
    assert (found.requests_received, found.requests_cancelled) == (10, 1)

    timeliness = figures["timeliness"]
    assert (timeliness.count, timeliness.total, timeliness.percent) == (3, 4, Decimal("75.0"))
    assert timeliness.met is False

    assert found.surveys_sent == 6
    ratings = {row.question: (row.satisfied, row.average, row.very_poor) for row in found.ratings}
    assert ratings == {"overall": (3, 1, 1), "service_quality": (1, 1, 1), "support_quality": (0, 0, 1),
                       "usage_experience": (1, 0, 0)}
    overall = found.ratings[0]
    assert overall.shares[0][2:] == (3, Decimal("60.0"))


def test_sur3_one_day_is_a_beijing_day(march):
    """1 March 00:00 Beijing time is 28 February in UTC: it belongs to 1 March."""
    found = quality_figures(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 1))
    figures = {figure.code: figure for figure in found.figures}
    assert (figures["satisfaction"].count, figures["satisfaction"].total) == (1, 1)
    assert figures["satisfaction"].met is True
    assert (figures["handling_rate"].count, figures["handling_rate"].total) == (1, 1)
    assert (figures["timeliness"].count, figures["timeliness"].total) == (1, 1)


def test_sur3_a_period_without_data_has_no_figure(march):
    found = quality_figures(start=datetime.date(2027, 1, 1), end=datetime.date(2027, 1, 31))
    assert all(figure.total == 0 and figure.percent is None and figure.met is None
               for figure in found.figures)


def test_sur3_the_targets_are_read_as_edited(march):
    QualityTarget.objects.filter(code="satisfaction").update(percent=Decimal("60"))
    QualityTarget.objects.filter(code="timeliness").update(percent=Decimal("75.01"))
    figures = {f.code: f for f in quality_figures(start=MARCH[0], end=MARCH[1]).figures}
    assert figures["satisfaction"].met is True  # 60 % of 60 %: reached exactly
    assert figures["timeliness"].met is False  # 75.0 % is below 75.01 %, whatever the rounding


@pytest.mark.parametrize(("start", "end", "field"), [
    (datetime.date(2026, 3, 31), datetime.date(2026, 3, 1), "to"),
    (datetime.date(1999, 12, 31), datetime.date(2026, 3, 1), "from"),
    (datetime.date(2026, 1, 1), datetime.date(9999, 12, 31), "to"),
    (datetime.date(2020, 1, 1), datetime.date(2026, 1, 1), "to"),  # more than three years
])
def test_sur3_a_bad_period_is_refused_by_field(start, end, field):
    with pytest.raises(ValidationFailed) as refused:
        quality_figures(start=start, end=end)
    assert field in refused.value.errors


@pytest.mark.parametrize("persona", ["desk_manager", "supervisor", "leadership", "administrator"])
def test_sur3_managers_supervisors_and_leadership_see_the_figures(world, persona):
    assert quality_figures_for_user(world.users[persona], start=MARCH[0], end=MARCH[1]).figures


@pytest.mark.parametrize("persona", ["agent", "team_lead", "dispatcher", "provider_a_staff", "customer_user",
                                     "outsider"])
def test_sur3_other_roles_do_not_see_the_figures(world, persona):
    with pytest.raises(PermissionRefused):
        quality_figures_for_user(world.users[persona], start=MARCH[0], end=MARCH[1])


def test_sur3_timeliness_follows_the_sla_engines_resolution_clocks(world):
    """End to end: leaks resolved within 24 hours meet the resolution clock, one resolved after 30
    hours misses it; the figure of the day they were resolved reads the engine's timers."""
    calendar = Calendar.objects.create(code="24x7", name="7×24", kind=Calendar.Kind.AROUND_THE_CLOCK,
                                       windows="")
    policy = Policy.objects.create(name="报漏", applies_to="request", request_type=world.types["leak"])
    Target.objects.create(policy=policy, kind="resolution", calendar=calendar, duration_minutes=24 * 60,
                          stop_event="resolved")
    agent = world.users["agent"]

    def leak(created, resolved):
        with time_machine.travel(created, tick=False):
            request = request_create(actor=agent, request_type=world.types["leak"], subject="漏水",
                                     service_point=world.points["alice"], attributes={"dn": 100})
            request_transition(request=request, action="accept", actor=agent)
        with time_machine.travel(resolved, tick=False):
            request_transition(request=request, action="resolve", actor=agent, reason="已修复")

    leak(at(2026, 3, 9, 9), at(2026, 3, 10, 8))  # 23 hours: met
    leak(at(2026, 3, 10, 7), at(2026, 3, 10, 9))  # 2 hours: met
    leak(at(2026, 3, 9, 3), at(2026, 3, 10, 9))  # 30 hours: missed
    day = datetime.date(2026, 3, 10)
    figures = {f.code: f for f in quality_figures(start=day, end=day).figures}
    assert (figures["timeliness"].count, figures["timeliness"].total) == (2, 3)
    assert (figures["handling_rate"].count, figures["handling_rate"].total) == (1, 1)  # received that day
