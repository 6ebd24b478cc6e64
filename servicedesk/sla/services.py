"""Every write of the SLA engine: timers kept in step with their subjects (SLA-3)."""

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.sla.calendar import WorkingCalendar, add_working_time, working_time_between
from servicedesk.sla.config import sla_config
from servicedesk.sla.engine import TargetSpec, clock_compute, spec_from_target
from servicedesk.sla.exceptions import OutsideCalendarCoverage
from servicedesk.sla.models import (
    OPEN_TIMER_STATES,
    Calendar,
    CalendarOverride,
    Notification,
    OfficialYear,
    Policy,
    SlaChange,
    Target,
    TargetKind,
    Timer,
    TimerState,
    TimerWarning,
)
from servicedesk.sla.subjects import SubjectEvent, SubjectFacts, subject_adapter

_CLOCK_FIELDS = ("state", "started_at", "due_at", "stopped_at", "paused_since", "target_seconds", "used_seconds",
                 "next_warning_percent", "next_warning_at", "computed_at", "problem", "policy_id")


def timers_sync(*, subject_type: str, subject_id: int, facts: SubjectFacts | None = None,
                events: list[SubjectEvent] | None = None, new: bool = False,
                now: datetime.datetime | None = None) -> list[Timer]:
    """Recompute the subject's timers from its facts and history, and store them.

    Called by the owning app after every change of the subject, inside that change's transaction
    (so it opens none of its own: on the request-creation hot path a savepoint is two round trips).
    ``facts``/``events`` may be passed when the caller has them (saves the adapter's queries);
    ``new`` says the subject was just created, so it has no timers yet.
    """
    now = now or timezone.now()
    adapter = subject_adapter(subject_type)
    facts = facts or adapter.facts(subject_id)
    events = events if events is not None else adapter.history(subject_id)
    config = sla_config()
    policy = config.policy_for(subject_type, facts)
    existing = {} if new else {t.target_id: t for t in Timer.objects.filter(subject_type=subject_type,
                                                                              subject_id=subject_id)}
    fired: dict[int, set[int]] = {}
    if existing:
        for timer_id, percent in TimerWarning.objects.filter(timer__in=existing.values()).values_list(
                "timer_id", "percent"):
            fired.setdefault(timer_id, set()).add(percent)

    keep: list[Timer] = []
    to_create: list[Timer] = []
    for spec, calendar_id in (policy.targets if policy else []):
        timer = existing.pop(spec.id, None) or Timer(subject_type=subject_type, subject_id=subject_id,
                                                      target_id=spec.id)
        try:
            clock = clock_compute(spec, config.calendar(calendar_id), events, now,
                                  frozenset(fired.get(timer.pk, ())) if timer.pk else frozenset())
            problem = ""
        except OutsideCalendarCoverage as error:
            clock, problem = None, error.message
        if clock is None and not problem:
            if timer.pk:
                timer.delete()  # the start event is no longer in the history (not expected)
            continue
        timer.policy_id = policy.id  # type: ignore[union-attr]
        timer.computed_at = now
        timer.problem = problem
        if clock is not None:
            for name in ("state", "started_at", "due_at", "stopped_at", "paused_since", "target_seconds",
                         "used_seconds", "next_warning_percent", "next_warning_at"):
                setattr(timer, name, getattr(clock, name))
        else:
            timer.started_at = timer.started_at or events[0].at
            timer.due_at = timer.next_warning_at = timer.next_warning_percent = None
            timer.target_seconds = timer.target_seconds or 0
        if timer.pk:
            keep.append(timer)
        else:
            to_create.append(timer)
    if keep:
        Timer.objects.bulk_update(keep, _CLOCK_FIELDS)
    if to_create:
        Timer.objects.bulk_create(to_create)
    if existing:
        # The subject now falls under another policy (its priority or type changed): the old
        # policy's clocks no longer apply.
        Timer.objects.filter(pk__in=[t.pk for t in existing.values()]).delete()
    return keep + to_create


# --- Warnings and escalation (SLA-4) --------------------------------------------------------------

SWEEP_BATCH = 500


@dataclass
class SweepReport:
    timers: int = 0  # timers claimed and brought up to date
    warnings: int = 0  # warnings fired (TimerWarning rows inserted)
    notifications: int = 0
    breached: int = 0  # timers turned from running to breached


def _targets_for(target_ids: set[int]) -> dict[int, tuple[TargetSpec, WorkingCalendar]]:
    """Spec and calendar of each target, from the cached configuration; targets of a policy that
    was deactivated since (no longer in the configuration) are read from their rows."""
    config = sla_config()
    found: dict[int, tuple[TargetSpec, WorkingCalendar]] = {}
    for entry in config.policies:
        for spec, calendar_id in entry.targets:
            if spec.id in target_ids:
                found[spec.id] = (spec, config.calendar(calendar_id))
    for target in Target.objects.filter(pk__in=target_ids - found.keys()):
        found[target.pk] = (spec_from_target(target), config.calendar(target.calendar_id))
    return found


def _insert_warnings(rows: list[tuple[int, int, str, datetime.datetime, list[int]]]) -> dict[tuple[int, int], int]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the (timer, percent) pairs this call really wrote,
    with their ids.

    The unique constraint ``timer_warning_once`` is the arbiter: a pair another worker (or an
    earlier run) wrote is not returned, so its notifications are not created twice.
    """
    if not rows:
        return {}
    table = connection.ops.quote_name(TimerWarning._meta.db_table)
    json_param = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    placeholders = ", ".join([f"(%s, %s, %s, %s, {json_param})"] * len(rows))
    params: list[object] = []
    for timer_id, percent, notify, fired_at, recipients in rows:
        params += [timer_id, percent, notify, connection.ops.adapt_datetimefield_value(fired_at),
                   json.dumps(recipients)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (timer_id, percent, notify, fired_at, recipients) VALUES {placeholders} "
            "ON CONFLICT (timer_id, percent) DO NOTHING RETURNING id, timer_id, percent", params)
        return {(timer_id, percent): warning_id for warning_id, timer_id, percent in cursor.fetchall()}


def _update_timers(timers: list[Timer]) -> None:
    """One UPDATE … FROM (VALUES …) for the batch (Django's bulk_update builds a CASE per field and
    row, which costs more than the rest of the sweep together)."""
    table = connection.ops.quote_name(Timer._meta.db_table)
    if connection.vendor == "postgresql":
        row = "(%s::bigint, %s::smallint, %s::timestamptz, %s::varchar, %s::varchar)"
    else:
        row = "(%s, %s, %s, %s, %s)"
    params: list[object] = []
    for timer in timers:
        params += [timer.pk, timer.next_warning_percent,
                   connection.ops.adapt_datetimefield_value(timer.next_warning_at), timer.state, timer.problem]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET next_warning_percent = v.percent, next_warning_at = v.warn_at, state = v.state, "
            "problem = v.problem FROM (SELECT column1 AS id, column2 AS percent, column3 AS warn_at, column4 AS state, "
            f"column5 AS problem FROM (VALUES {', '.join([row] * len(timers))}) AS rows) AS v "
            f"WHERE {table}.id = v.id", params)


def warnings_sweep(*, now: datetime.datetime | None = None, batch_size: int = SWEEP_BATCH,
                   max_batches: int | None = None,
                   before_commit: Callable[[list[Timer]], None] | None = None) -> SweepReport:
    """Fire every warning threshold reached and not fired yet, each exactly once (SLA-4).

    Batch by batch, each in one transaction: claim due timers (``next_warning_at <= now``, the
    partial index ``timer_next_warning``) with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so that
    several workers share the work without waiting on each other (SQLite serialises writers
    anyway); insert the TimerWarning rows (the unique constraint decides, whatever the number of
    workers), create the Notification rows for the recipients of each level, and move the timer's
    next warning on. A worker killed half-way loses its transaction: nothing half-done remains and
    the next pass does it all. ``before_commit`` is for tests that kill a worker at that point.
    """
    now = now or timezone.now()
    report = SweepReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        with transaction.atomic():
            claimed = Timer.objects.filter(next_warning_at__lte=now).order_by("next_warning_at")
            if connection.features.has_select_for_update_skip_locked:
                claimed = claimed.select_for_update(skip_locked=True, of=("self",))
            timers = list(claimed[:batch_size])
            if not timers:
                break
            _sweep_batch(timers, now, report)
            if before_commit is not None:
                before_commit(timers)
        report.timers += len(timers)
        if len(timers) < batch_size:
            break
    return report


def _sweep_batch(timers: list[Timer], now: datetime.datetime, report: SweepReport) -> None:
    targets = _targets_for({t.target_id for t in timers})
    to_fire: list[tuple[int, int, str, datetime.datetime]] = []
    for timer in timers:
        spec, calendar = targets[timer.target_id]
        try:
            # The row was computed at computed_at from the subject's history; a change of the subject
            # recomputes it, so the clock has run without a pause since then.
            used_now = timer.used_seconds + int(
                working_time_between(calendar, timer.computed_at, now).total_seconds())
            next_percent, next_at = None, None
            for percent, notify in spec.thresholds:
                if percent < (timer.next_warning_percent or 0):
                    continue  # fired earlier (or recorded as fired by timers_sync)
                reached_at = percent * timer.target_seconds / 100
                if percent == timer.next_warning_percent or used_now >= reached_at:
                    to_fire.append((timer.pk, percent, notify, now))
                    continue
                next_percent = percent
                next_at = add_working_time(calendar, timer.computed_at,
                                           datetime.timedelta(seconds=reached_at - timer.used_seconds))
                break
            timer.problem = ""
        except OutsideCalendarCoverage as error:
            next_percent, next_at, timer.problem = None, None, error.message
        timer.next_warning_percent, timer.next_warning_at = next_percent, next_at
        if timer.state == TimerState.RUNNING and timer.due_at is not None and timer.due_at <= now:
            timer.state = TimerState.BREACHED
            report.breached += 1
    fired, notified = _fire(timers, to_fire, now)
    report.warnings += fired
    report.notifications += notified
    _update_timers(timers)


def _fire(timers: list[Timer], to_fire: list[tuple[int, int, str, datetime.datetime]],
          now: datetime.datetime) -> tuple[int, int]:
    """Insert the warnings with their recipients (owner, team lead or desk manager of the subject)
    and, for those this worker really wrote, the Notification rows. Returns (warnings, notifications)."""
    if not to_fire:
        return 0, 0
    by_id = {t.pk: t for t in timers}
    kinds = dict(Target.objects.filter(pk__in={by_id[i].target_id for i, *_ in to_fire}).values_list("id", "kind"))
    kind_labels = dict(TargetKind.choices)
    subjects: dict[tuple[str, int], tuple[SubjectFacts | None, dict[str, list[int]]]] = {}
    rows: list[tuple[int, int, str, datetime.datetime, list[int]]] = []
    for timer_id, percent, notify, fired_at in to_fire:
        timer = by_id[timer_id]
        key = (timer.subject_type, timer.subject_id)
        if key not in subjects:
            adapter = subject_adapter(timer.subject_type)
            try:
                subjects[key] = (adapter.facts(timer.subject_id), adapter.recipients(timer.subject_id))
            except ObjectDoesNotExist:
                subjects[key] = (None, {})
        rows.append((timer_id, percent, notify, fired_at,
                     sorted({user for user in subjects[key][1].get(notify, []) if user})))
    warning_ids = _insert_warnings(rows)
    notifications: list[Notification] = []
    for timer_id, percent, _notify, _at, users in rows:
        warning_id = warning_ids.get((timer_id, percent))
        if warning_id is None:
            continue  # fired already, by another worker or an earlier run
        timer = by_id[timer_id]
        facts = subjects[(timer.subject_type, timer.subject_id)][0]
        title = notification_title(percent, str(kind_labels.get(kinds.get(timer.target_id, ""), "")),
                                   facts.label if facts else f"{timer.subject_type} {timer.subject_id}")
        notifications += [Notification(user_id=user, created_at=now, title=title[:200],
                                       link=facts.link if facts else "", warning_id=warning_id) for user in users]
    Notification.objects.bulk_create(notifications)
    if notifications:
        transaction.on_commit(_enqueue_email)
    return len(warning_ids), len(notifications)


def notification_title(percent: int, target: str, subject: str) -> str:
    if percent >= 100:
        return _("Overdue (%(percent)d %%): %(target)s of %(subject)s") % {
            "percent": percent, "target": target, "subject": subject}
    return _("%(percent)d %% of the time used: %(target)s of %(subject)s") % {
        "percent": percent, "target": target, "subject": subject}


def _enqueue_email() -> None:
    from servicedesk.sla.tasks import notifications_email_task

    notifications_email_task()


def notifications_email(*, limit: int = 200) -> int:
    """Mail pending notifications, each at most once (SLA-4).

    Each row is claimed with a conditional UPDATE (``email_claimed_at IS NULL`` → now; the row
    count says whether this worker won it) and committed before sending, so two workers never mail
    the same notification and a crash after the claim never mails it twice (it stays claimed,
    unsent: visible in the admin). Mail errors are raised, never swallowed.
    """
    sent = 0
    while pending := list(Notification.objects.filter(email_claimed_at__isnull=True).order_by("id")
                          .values_list("id", flat=True)[:limit]):
        sent += _email_batch(pending)
    return sent


def _email_batch(pending: list[int]) -> int:
    sent = 0
    for notification_id in pending:
        if not Notification.objects.filter(pk=notification_id, email_claimed_at__isnull=True).update(
                email_claimed_at=timezone.now()):
            continue  # another worker has it
        notification = Notification.objects.select_related("user").get(pk=notification_id)
        if not notification.user.email:
            continue
        link = notification.link
        send_mail(subject=notification.title, message="\n\n".join(filter(None, [notification.body, link])),
                  from_email=None, recipient_list=[notification.user.email], fail_silently=False)
        Notification.objects.filter(pk=notification_id).update(email_sent_at=timezone.now())
        sent += 1
    return sent


# --- Recomputation after a configuration change (SLA-5) -------------------------------------------

RECOMPUTE_BATCH = 200


def sla_change_record(*, instance: object, deleted: bool, actor_id: int | None) -> SlaChange:
    """Record a change of a Calendar, CalendarOverride, OfficialYear, Policy or Target, and enqueue
    (after commit) the recomputation of the open timers it affects."""
    model = type(instance)
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
        raise TypeError(f"Not an SLA configuration model: {model.__name__}")
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


def _affected_timers(scope: dict[str, object]):  # -> QuerySet[Timer]
    open_timers = Timer.objects.filter(state__in=OPEN_TIMER_STATES)
    if "calendar" in scope:
        return open_timers.filter(target__calendar_id=scope["calendar"])
    if "policy" in scope:
        return open_timers.filter(policy_id=scope["policy"])
    if scope.get("official"):
        return open_timers.filter(target__calendar__follows_official_holidays=True)
    return open_timers.none()


def sla_recompute(*, change_id: int, batch_size: int = RECOMPUTE_BATCH) -> int:
    """Recompute the open timers a configuration change affects, by subject, in batches (one
    transaction each), and record how many on the SlaChange (SLA-5)."""
    change = SlaChange.objects.filter(pk=change_id).first()
    if change is None:
        return 0  # enqueued by a transaction whose database is gone (a test, a reset demo)
    subjects = list(_affected_timers(change.detail.get("scope", {})).order_by()
                    .values_list("subject_type", "subject_id").distinct())
    subjects.sort()
    recomputed = 0
    for start in range(0, len(subjects), batch_size):
        with transaction.atomic():
            for subject_type, subject_id in subjects[start:start + batch_size]:
                try:
                    recomputed += len(timers_sync(subject_type=subject_type, subject_id=subject_id))
                except ObjectDoesNotExist:
                    continue  # the subject was deleted meanwhile
    SlaChange.objects.filter(pk=change_id).update(timers_recomputed=recomputed, recomputed_at=timezone.now())
    return recomputed
