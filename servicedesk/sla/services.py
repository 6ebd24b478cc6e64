"""Every write of the SLA engine: timers kept in step with their subjects (SLA-3)."""

import datetime
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.messages import label, message, typed
from servicedesk.core.transactions import unit
from servicedesk.sla.calendar import WorkingCalendar, add_working_time, working_time_between
from servicedesk.sla.config import sla_config
from servicedesk.sla.engine import TargetSpec, clock_compute, clock_uncomputable, spec_from_target
from servicedesk.sla.exceptions import OutsideCalendarCoverage
from servicedesk.sla.models import (
    TIMER_INSERT,
    Notification,
    Target,
    TargetKind,
    Timer,
    TimerState,
    TimerWarning,
)
from servicedesk.sla.subjects import SubjectEvent, SubjectFacts, subject_adapter

# A new request's timers are inserted on every create: the statement is built once (core.prepared).
_CLOCK_FIELDS = ("state", "started_at", "due_at", "stopped_at", "paused_since",
                 "target_seconds", "used_seconds",
                 "next_warning_percent", "next_warning_at", "at_risk_at", "computed_at",
                 "problem", "policy_id",
                 "provisional")


def timers_sync(*, subject_type: str, subject_id: int, facts: SubjectFacts | None = None,
                events: list[SubjectEvent] | None = None, new: bool = False,
                now: datetime.datetime | None = None) -> list[Timer]:
    """Recompute the subject's timers from its facts and history, and store them.

    Called by the owning app after every change of the subject, inside that change's transaction
    (so it opens none of its own: on the request-creation hot path a savepoint is two round trips).
    ``facts``/``events`` may be passed when the caller has them (saves the adapter's queries);
    ``new`` says the subject was just created, so it has no timers yet. The clocks of a policy the
    subject no longer falls under are set aside (``_timers_replace``).
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
        computed = True
        try:
            clock = clock_compute(spec, config.calendar(calendar_id), events, now,
                                  frozenset(fired.get(timer.pk, ())) if timer.pk else frozenset())
            problem = ""
        except OutsideCalendarCoverage as error:
            # engine rule 8: state unknown (or cancelled), start, pause and stop from the history.
            clock, problem, computed = clock_uncomputable(spec, events), error.message, False
        if clock is None:
            if timer.pk:
                timer.delete()  # the start event is no longer in the history (not expected)
            continue
        timer.policy_id = policy.id  # type: ignore[union-attr]
        timer.computed_at = now
        # A cancelled clock's verdict needs no calendar: nothing is left to compute.
        timer.problem = "" if clock.state == TimerState.CANCELLED else problem
        timer.provisional = clock.provisional  # issue 10 item 14
        for name in ("state", "started_at", "due_at", "stopped_at", "paused_since", "next_warning_percent",
                     "next_warning_at", "at_risk_at"):
            setattr(timer, name, getattr(clock, name))
        if computed:
            timer.target_seconds, timer.used_seconds = clock.target_seconds, clock.used_seconds
        else:
            # The last computed figures stay (the used time cannot be counted without the calendar).
            timer.target_seconds = clock.target_seconds or timer.target_seconds or 0
        if timer.pk:
            keep.append(timer)
        else:
            to_create.append(timer)
    replaced = _timers_replace(existing.values(), now)
    if keep or replaced:
        Timer.objects.bulk_update(keep + replaced, _CLOCK_FIELDS)
    if to_create:
        TIMER_INSERT.save_many(to_create)
    return keep + to_create


def _timers_replace(timers: Iterable[Timer], now: datetime.datetime) -> list[Timer]:
    """The clocks of targets the subject's policy no longer has (its type, severity or priority
    changed: SLA-2), set aside as ``replaced``; the ones replaced already are left as they are.

    They are kept rather than deleted: the warnings they fired went to people (their notifications
    are in inboxes and mails), and a subject that comes back under the policy finds its clock with
    those warnings, so none fires twice (SLA-4). A replaced clock runs no more, warns no more, and
    counts neither as met nor as missed.
    """
    replaced = []
    for timer in timers:
        if timer.state == TimerState.REPLACED:
            continue
        timer.state = TimerState.REPLACED
        timer.stopped_at = timer.stopped_at or now
        timer.paused_since = None
        timer.next_warning_percent = timer.next_warning_at = timer.at_risk_at = None
        timer.problem, timer.provisional, timer.computed_at = "", False, now
        replaced.append(timer)
    return replaced


# --- Warnings and escalation (SLA-4) --------------------------------------------------------------

SWEEP_BATCH = 1000

# What the sweep reads of a claimed timer: plain tuples (no model instances on the hot path).
# ``overdue`` (due_at <= now) is computed by the database: one datetime less to decode per row.
_CLAIM_FIELDS = ("id", "subject_type", "subject_id", "target_id", "state", "overdue", "target_seconds",
                 "used_seconds", "next_warning_percent", "computed_at")
ClaimedTimer = tuple[int, str, int, int, str, bool | None, int, int, int | None, datetime.datetime]


@dataclass
class SweepReport:
    timers: int = 0  # timers claimed and brought up to date
    warnings: int = 0  # warnings fired (TimerWarning rows inserted)
    notifications: int = 0
    breached: int = 0  # timers turned from running to breached


class _SweepTargets:
    """Spec, calendar and label of each target met during one pass, resolved once per pass (not
    once per batch: the configuration is a cache read and the labels a gettext each)."""

    def __init__(self) -> None:
        self._found: dict[int, tuple[TargetSpec, WorkingCalendar, str, str]] = {}

    def __getitem__(self, target_id: int) -> tuple[TargetSpec, WorkingCalendar, str, str]:
        return self._found[target_id]

    def resolve(self, target_ids: set[int]) -> None:
        missing = target_ids - self._found.keys()
        if not missing:
            return
        config = sla_config()
        specs: dict[int, tuple[TargetSpec, int]] = {}
        for entry in config.policies:
            for spec, calendar_id in entry.targets:
                if spec.id in missing:
                    specs[spec.id] = (spec, calendar_id)
        labels = dict(TargetKind.choices)
        # The rows give the kind (not in the cached spec), and the spec of a target whose policy was
        # deactivated since (no longer in the configuration).
        for target in Target.objects.filter(pk__in=missing):
            spec, calendar_id = specs.get(target.pk) or (spec_from_target(target), target.calendar_id)
            self._found[target.pk] = (spec, config.calendar(calendar_id), str(labels.get(target.kind, "")),
                                      target.kind)


def warnings_sweep(*, now: datetime.datetime | None = None, batch_size: int = SWEEP_BATCH,
                   max_batches: int | None = None,
                   before_commit: Callable[[list[ClaimedTimer]], None] | None = None) -> SweepReport:
    """Fire every warning threshold reached and not fired yet, each exactly once (SLA-4).

    Batch by batch, each in one transaction: claim due timers (``next_warning_at <= now``, the
    partial index ``timer_next_warning``) with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so that
    several workers share the work without waiting on each other (SQLite serialises writers
    anyway); insert the TimerWarning rows (the unique constraint decides, whatever the number of
    workers), create the Notification rows for the recipients of each level, and move the timer's
    next warning on. A worker killed half-way loses its transaction: nothing half-done remains and
    the next pass does it all. ``before_commit`` is for tests that kill a worker at that point.

    On PostgreSQL four statements a batch whatever its size (claim, warnings, notifications,
    timers) plus the adapters' batch queries for the subjects' labels and recipients.
    """
    now = now or timezone.now()
    report = SweepReport()
    targets = _SweepTargets()
    batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        with unit():
            claimed = Timer.objects.filter(next_warning_at__lte=now).order_by("next_warning_at")
            if connection.features.has_select_for_update_skip_locked:
                claimed = claimed.select_for_update(skip_locked=True, of=("self",))
            claimed = claimed.annotate(overdue=Q(due_at__lte=now))
            timers: list[ClaimedTimer] = list(claimed.values_list(*_CLAIM_FIELDS)[:batch_size])
            if not timers:
                break
            _sweep_batch(timers, now, targets, report)
            if before_commit is not None:
                before_commit(timers)
        report.timers += len(timers)
        if len(timers) < batch_size:
            break
    return report


def _sweep_batch(timers: list[ClaimedTimer], now: datetime.datetime, targets: _SweepTargets,
                 report: SweepReport) -> None:
    targets.resolve({timer[3] for timer in timers})
    to_fire: list[tuple[ClaimedTimer, int, str]] = []
    moved: list[tuple[int, int | None, datetime.datetime | None, str, str]] = []
    for timer in timers:
        (timer_id, _type, _id, target_id, state, overdue, target_seconds, used_seconds, pending,
         computed_at) = timer
        spec, calendar, _label, _kind = targets[target_id]
        next_percent, next_at, problem = None, None, ""
        try:
            # The row was computed at computed_at from the subject's history; a change of the subject
            # recomputes it, so the clock has run without a pause since then.
            used_now = used_seconds + int(working_time_between(calendar, computed_at, now).total_seconds())
            for percent, notify in spec.thresholds:
                if percent < (pending or 0):
                    continue  # fired earlier (or recorded as fired by timers_sync)
                reached_at = percent * target_seconds / 100
                if percent == pending or used_now >= reached_at:
                    to_fire.append((timer, percent, notify))
                    continue
                next_percent = percent
                next_at = add_working_time(calendar, computed_at,
                                           datetime.timedelta(seconds=reached_at - used_seconds))
                break
        except OutsideCalendarCoverage as error:
            next_percent, next_at, problem = None, None, error.message
        if state == TimerState.RUNNING and overdue:
            state = TimerState.BREACHED
            report.breached += 1
        moved.append((timer_id, next_percent, next_at, state, problem))
    fired, notified = _fire(to_fire, targets, now)
    report.warnings += fired
    report.notifications += notified
    _update_timers(moved)


def _fire(to_fire: list[tuple[ClaimedTimer, int, str]], targets: _SweepTargets,
          now: datetime.datetime) -> tuple[int, int]:
    """Insert the warnings with their recipients (owner, team lead or desk manager of the subject)
    and, for those this worker really wrote, the Notification rows. Returns (warnings, notifications)."""
    if not to_fire:
        return 0, 0
    # Labels and recipients of the batch's subjects: the adapters' batch methods, a few queries for
    # the whole batch. A subject deleted since is absent: its warning goes to nobody.
    wanted: dict[str, set[int]] = {}
    for timer, _percent, _notify in to_fire:
        wanted.setdefault(timer[1], set()).add(timer[2])
    facts: dict[tuple[str, int], SubjectFacts] = {}
    recipients: dict[tuple[str, int], dict[str, list[int]]] = {}
    for subject_type, subject_ids in wanted.items():
        adapter = subject_adapter(subject_type)
        facts.update(((subject_type, i), f) for i, f in adapter.facts_many(subject_ids).items())
        recipients.update(((subject_type, i), r) for i, r in adapter.recipients_many(subject_ids).items())

    warnings: list[tuple[int, int, str, list[int]]] = []
    users_of: dict[tuple[int, int], list[int]] = {}
    for timer, percent, notify in to_fire:
        users = sorted({user for user in recipients.get((timer[1], timer[2]), {}).get(notify, []) if user})
        users_of[(timer[0], percent)] = users
        warnings.append((timer[0], percent, notify, users))
    warning_ids = _insert_warnings(warnings, now)

    templates = {False: _title_template(overdue=False), True: _title_template(overdue=True)}
    notifications: list[tuple[int, str, dict[str, Any], str, int, str, int]] = []
    for timer, percent, _notify in to_fire:
        warning_id = warning_ids.get((timer[0], percent))
        if warning_id is None:
            continue  # fired already, by another worker or an earlier run
        subject = facts.get((timer[1], timer[2]))
        subject_label = subject.label if subject else f"{timer[1]} {timer[2]}"
        title = templates[percent >= 100] % {
            "percent": percent, "target": targets[timer[3]][2], "subject": subject_label}
        # The title again as what happened, for each reader's language (core.messages).
        said = warning_message(percent, targets[timer[3]][3], subject_label)
        link = subject.link if subject else ""
        notifications += [(user, title[:200], said, link, warning_id, timer[1], timer[2])
                          for user in users_of[(timer[0], percent)]]
    _insert_notifications(notifications, now)
    if notifications:
        transaction.on_commit(enqueue_email)
    return len(warning_ids), len(notifications)


def _row_sources(columns: tuple[tuple[str, str], ...],
                 rows: Sequence[tuple[Any, ...]]) -> Iterator[tuple[str, list[Any]]]:
    """FROM items ``v`` with the given (name, PostgreSQL type) columns holding ``rows``, with their
    parameters: one for all the rows on PostgreSQL, as many as SQLite's parameter limit asks.

    PostgreSQL: the rows as one JSON parameter, unpacked by ``json_array_elements``. Thousands of
    ``%s`` cost more in psycopg's client-side parsing and quoting than the database's work, and
    array parameters are quoted element by element in Python; one JSON text is encoded in C
    (sending 1,000 timers' rows: 1.6 ms, against 8 ms as arrays). SQLite: a VALUES list.
    """
    if connection.vendor == "postgresql":
        fields = ", ".join(f"(e->{i})::jsonb AS {name}" if pg_type == "jsonb"
                           else f"(e->>{i})::{pg_type} AS {name}"
                           for i, (name, pg_type) in enumerate(columns))
        yield (f"(SELECT {fields} FROM json_array_elements(%s::json) AS e) AS v",
               [json.dumps(rows, default=_json_datetime)])
        return
    aliases = ", ".join(f"column{i} AS {name}" for i, (name, _type) in enumerate(columns, start=1))
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    times = [i for i, (_name, pg_type) in enumerate(columns) if pg_type == "timestamptz"]
    texts = [i for i, (_name, pg_type) in enumerate(columns) if pg_type == "jsonb"]
    size = 30_000 // len(columns)  # SQLite takes at most 32,766 parameters a statement
    for start in range(0, len(rows), size):
        chunk = rows[start:start + size]
        params: list[Any] = []
        for values in chunk:
            if times or texts:
                adapted = list(values)
                for i in times:
                    adapted[i] = connection.ops.adapt_datetimefield_value(adapted[i])
                for i in texts:
                    adapted[i] = json.dumps(adapted[i])
                params += adapted
            else:
                params += values
        yield f"(SELECT {aliases} FROM (VALUES {', '.join([row] * len(chunk))})) AS v", params


def _json_datetime(value: object) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat()  # with its offset: read back as timestamptz
    raise TypeError(f"Cannot encode {type(value).__name__} as JSON")


def _insert_warnings(rows: list[tuple[int, int, str, list[int]]],
                     fired_at: datetime.datetime) -> dict[tuple[int, int], int]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the (timer, percent) pairs this call really wrote,
    with their ids. ``rows``: (timer id, percent, notify level, recipients' user ids).

    The unique constraint ``timer_warning_once`` is the arbiter: a pair another worker (or an
    earlier run) wrote is not returned, so its notifications are not created twice.
    """
    table = connection.ops.quote_name(TimerWarning._meta.db_table)
    columns = (("timer_id", "bigint"), ("percent", "smallint"), ("notify", "text"), ("recipients", "jsonb"))
    written: dict[tuple[int, int], int] = {}
    with connection.cursor() as cursor:
        for source, params in _row_sources(columns, rows):
            # WHERE true: SQLite needs it to parse INSERT … SELECT … ON CONFLICT.
            cursor.execute(
                f"INSERT INTO {table} (timer_id, percent, notify, fired_at, recipients) "
                f"SELECT v.timer_id, v.percent, v.notify, %s, v.recipients FROM {source} WHERE true "
                "ON CONFLICT (timer_id, percent) DO NOTHING RETURNING id, timer_id, percent",
                [connection.ops.adapt_datetimefield_value(fired_at), *params])
            written.update(((timer_id, percent), warning_id) for warning_id, timer_id,
                           percent in cursor.fetchall())
    return written


def _insert_notifications(rows: list[tuple[int, str, dict[str, Any], str, int, str, int]],
                          created_at: datetime.datetime) -> None:
    """One INSERT … SELECT for the batch's notifications: (user id, title, message, link, warning id,
    subject type, subject id)."""
    if not rows:
        return
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = (("user_id", "bigint"), ("title", "text"), ("message", "jsonb"), ("link", "text"),
               ("warning_id", "bigint"), ("subject_type", "text"), ("subject_id", "bigint"))
    with connection.cursor() as cursor:
        for source, params in _row_sources(columns, rows):
            cursor.execute(
                f"INSERT INTO {table} (user_id, created_at, title, message, body, link, warning_id, "
                "subject_type, subject_id) SELECT v.user_id, %s, v.title, v.message, '', v.link, "
                f"v.warning_id, v.subject_type, v.subject_id FROM {source}",
                [connection.ops.adapt_datetimefield_value(created_at), *params])


def _update_timers(rows: list[tuple[int, int | None, datetime.datetime | None, str, str]]) -> None:
    """One UPDATE … FROM for the batch: (id, next warning percent, next warning at, state, problem).
    (Django's bulk_update builds a CASE per field and row, which cost more than the rest of the sweep.)"""
    table = connection.ops.quote_name(Timer._meta.db_table)
    columns = (("id", "bigint"), ("percent", "smallint"), ("warn_at", "timestamptz"), ("state", "varchar"),
               ("problem", "varchar"))
    with connection.cursor() as cursor:
        for source, params in _row_sources(columns, rows):
            cursor.execute(
                f"UPDATE {table} SET next_warning_percent = v.percent, next_warning_at = v.warn_at, "
                f"state = v.state, problem = v.problem FROM {source} WHERE {table}.id = v.id", params)


def _title_template(*, overdue: bool) -> str:
    if overdue:
        return _("Overdue (%(percent)d %%): %(target)s of %(subject)s")
    return _("%(percent)d %% of the time used: %(target)s of %(subject)s")


def warning_message(percent: int, target_kind: str, subject: str) -> dict[str, Any]:
    """An SLA warning's title as what happened: rendered in each reader's language (core.messages)."""
    kind_label = dict(TargetKind.choices).get(target_kind, target_kind)
    return message("sla_overdue" if percent >= 100 else "sla_time_used", percent=percent,
                   target=label(kind_label),
                   subject=typed(subject))


def notification_title(percent: int, target: str, subject: str) -> str:
    return _title_template(overdue=percent >= 100) % {"percent": percent,
                                                      "target": target, "subject": subject}


def enqueue_email() -> None:
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
