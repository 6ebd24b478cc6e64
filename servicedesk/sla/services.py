"""Every write of the SLA engine: timers kept in step with their subjects (SLA-3)."""

import datetime

from django.utils import timezone

from servicedesk.sla.config import sla_config
from servicedesk.sla.engine import clock_compute
from servicedesk.sla.exceptions import OutsideCalendarCoverage
from servicedesk.sla.models import Timer, TimerWarning
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
