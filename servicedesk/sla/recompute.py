"""Recomputing open SLA clocks: after a configuration change (SLA-5: a policy, target or calendar
edited in the admin, recorded as an SlaChange and recomputed by the worker in batches), and when a
provisional official year (issue 10 item 14) is replaced by the State Council's notice or the
calendar package learns it. The clocks themselves are computed by ``services.timers_sync``."""

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from servicedesk.core.transactions import unit
from servicedesk.org.models import User
from servicedesk.org.roles import Role
from servicedesk.sla.calendars import official_rows, official_schedule
from servicedesk.sla.checks import provisional_message, provisional_state
from servicedesk.sla.models import (
    OPEN_TIMER_STATES,
    Calendar,
    CalendarOverride,
    Notification,
    OfficialYear,
    Policy,
    ProvisionalCalendarWarning,
    SlaChange,
    Target,
    Timer,
    TimerState,
)
from servicedesk.sla.services import enqueue_email, timers_sync

# --- Recomputation after a configuration change (SLA-5) -------------------------------------------

RECOMPUTE_BATCH = 200


def sla_change_record(*, instance: object, deleted: bool, actor_id: int | None) -> SlaChange:
    """Record a change of a Calendar, CalendarOverride, OfficialYear, Policy or Target, and enqueue
    (after commit) the recomputation of the open timers it affects."""
    scope: dict[str, object]
    if isinstance(instance, Calendar):
        scope = {"calendar": instance.pk}
    elif isinstance(instance, CalendarOverride):
        scope = {"calendar": instance.calendar_id}
    elif isinstance(instance, OfficialYear):
        scope = {"official": True}
    elif isinstance(instance, Policy):
        scope = {"policy": instance.pk}
    elif isinstance(instance, Target):
        scope = {"policy": instance.policy_id}  # a new target adds a clock to the policy's subjects
    else:
        raise TypeError(f"Not an SLA configuration model: {type(instance).__name__}")
    model = type(instance)
    verb = "deleted" if deleted else "saved"
    change = SlaChange.objects.create(
        actor_id=actor_id, what=f"{model._meta.verbose_name} {verb}: {instance}"[:200],
        detail={"model": model._meta.label_lower, "pk": instance.pk, "deleted": deleted, "scope": scope},
    )
    transaction.on_commit(lambda: _enqueue_recompute(change.pk))
    return change


def _enqueue_recompute(change_id: int) -> None:
    from servicedesk.sla.tasks import sla_recompute_task

    sla_recompute_task(change_id)


def _affected_timers(scope: dict[str, Any]) -> QuerySet[Timer]:  # scope: SlaChange.detail's, from JSON
    open_timers = Timer.objects.filter(state__in=OPEN_TIMER_STATES)
    if "calendar" in scope:
        return open_timers.filter(target__calendar_id=scope["calendar"])
    if "policy" in scope:
        return open_timers.filter(policy_id=scope["policy"])
    if scope.get("official"):
        # Also the stopped clocks computed through a provisional year: their verdict (met or
        # missed) was provisional too (issue 10 item 14).
        return Timer.objects.filter(Q(state__in=OPEN_TIMER_STATES,
                                      target__calendar__follows_official_holidays=True)
                                    | Q(provisional=True))
    if scope.get("all"):
        return open_timers  # a change of the engine's own rules (a migration records it)
    return open_timers.none()


def _subjects_recompute(subjects: list[tuple[str, int]], *, batch_size: int) -> int:
    """Recompute the timers of these subjects, in batches of one transaction each; returns how many."""
    recomputed = 0
    for start in range(0, len(subjects), batch_size):
        with unit():
            for subject_type, subject_id in subjects[start:start + batch_size]:
                try:
                    recomputed += len(timers_sync(subject_type=subject_type, subject_id=subject_id))
                except ObjectDoesNotExist:
                    continue  # the subject was deleted meanwhile
    return recomputed


def sla_recompute(*, change_id: int, batch_size: int = RECOMPUTE_BATCH) -> int:
    """Recompute the open timers a configuration change affects, by subject, in batches (one
    transaction each), and record how many on the SlaChange (SLA-5)."""
    change = SlaChange.objects.filter(pk=change_id).first()
    if change is None:
        return 0  # enqueued by a transaction whose database is gone (a test, a reset demo)
    subjects = list(_affected_timers(change.detail.get("scope", {})).order_by()
                    .values_list("subject_type", "subject_id").distinct())
    subjects.sort()
    recomputed = _subjects_recompute(subjects, batch_size=batch_size)
    SlaChange.objects.filter(pk=change_id).update(timers_recomputed=recomputed, recomputed_at=timezone.now())
    return recomputed


PENDING_RECOMPUTE_AFTER = datetime.timedelta(minutes=2)


def sla_recompute_pending(*, now: datetime.datetime | None = None) -> int:
    """Recompute the changes whose recomputation never ran: recorded by a migration (which cannot
    enqueue a task), or enqueued by a worker that died. A change is left alone for its first two
    minutes, while its own task runs. Recomputing twice is harmless: a timer is derived data."""
    now = now or timezone.now()
    pending = list(SlaChange.objects.filter(recomputed_at__isnull=True, at__lte=now - PENDING_RECOMPUTE_AFTER)
                   .order_by("at").values_list("pk", flat=True))
    return sum(sla_recompute(change_id=change_id) for change_id in pending)


# --- Provisional official years (issue 10 item 14) ------------------------------------------------

OFFICIAL_YEARS_LINK = "/admin/sla/officialyear/"


def provisional_calendar_warn(*, now: datetime.datetime | None = None) -> ProvisionalCalendarWarning | None:
    """Tell the active administrators, at most once per local day, that due times are provisional
    (China's holidays for the year are not announced yet) and what to do. None when there is
    nothing to say, or when today's warning was already given.

    The day's ProvisionalCalendarWarning row and the notifications are written in one transaction:
    its unique date decides between two workers (the second waits for the first's commit, then
    fails on the constraint and writes nothing), and a rerun finds the row.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    if ProvisionalCalendarWarning.objects.filter(day=today).exists():
        return None
    state = provisional_state(today)
    if state is None:
        return None
    count, year = state
    admins = list(User.objects.filter(is_active=True)
                  .filter(Q(role=Role.ADMINISTRATOR) | Q(is_superuser=True))
                  .order_by("pk"))
    notifications = []
    for admin in admins:
        with translation.override(admin.preferred_language or settings.LANGUAGE_CODE):
            notifications.append(Notification(user=admin, created_at=now,
                                              title=_("Due times are provisional"),
                                              body=provisional_message(count, year),
                                              link=OFFICIAL_YEARS_LINK))
    try:
        with transaction.atomic():  # a savepoint: the constraint's error is caught below
            warning = ProvisionalCalendarWarning.objects.create(day=today, sent_at=now,
                                                                provisional_timers=count,
                                                                recipients=[admin.pk for admin in admins])
            Notification.objects.bulk_create(notifications)
    except IntegrityError:
        return None  # another worker warned today
    if notifications:
        transaction.on_commit(enqueue_email)
    return warning


def provisional_timers_refresh(*, batch_size: int = RECOMPUTE_BATCH) -> int:
    """Recompute the clocks marked provisional whose due time (or stop) now lies in announced years,
    and the clocks that could not be computed (state unknown, issue 11 item 5).

    Entering the notice as an OfficialYear recomputes them at once (SLA-5); an update of the
    ``chinesecalendar`` package announces the year without any change in the database, so the worker
    looks for them (hourly, with the daily warning). The boundary is local midnight in Asia/Shanghai
    of the first year not announced. An unknown clock is retried each time: it may have become
    computable (a package update moves the provisional years on too), and there are few of them.
    """
    schedule = official_schedule(official_rows(OfficialYear.objects.all()))
    boundary = datetime.datetime(schedule.announced_last_year + 1, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))
    stale = Timer.objects.filter(
        Q(provisional=True, due_at__lte=boundary) | Q(provisional=True, due_at__isnull=True,
                                                      stopped_at__lte=boundary)
        | Q(state=TimerState.UNKNOWN))
    subjects = sorted(set(stale.values_list("subject_type", "subject_id")))
    recomputed = _subjects_recompute(subjects, batch_size=batch_size)
    return recomputed
