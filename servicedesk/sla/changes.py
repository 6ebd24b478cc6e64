"""Configuration changes recorded and recomputed (SLA-5): the signal handlers and who made them.

Every save or delete of a Calendar, CalendarOverride, OfficialYear, Policy or Target writes an
SlaChange and enqueues the recomputation of the open timers it affects (``recompute.sla_recompute``,
run by the worker after commit). The admin names the actor with ``acting_user``; changes made
elsewhere (shell, seeding) are recorded without one.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_actor: ContextVar[int | None] = ContextVar("sla_change_actor", default=None)


@contextmanager
def acting_user(user_id: int | None) -> Iterator[None]:
    token = _actor.set(user_id)
    try:
        yield
    finally:
        _actor.reset(token)


def config_saved(sender: type, instance: object, raw: bool = False, **kwargs: object) -> None:
    if raw:
        return  # loaddata: fixtures are not changes made by anyone
    from servicedesk.sla.recompute import sla_change_record

    sla_change_record(instance=instance, deleted=False, actor_id=_actor.get())


def config_deleted(sender: type, instance: object, **kwargs: object) -> None:
    from servicedesk.sla.recompute import sla_change_record

    sla_change_record(instance=instance, deleted=True, actor_id=_actor.get())
