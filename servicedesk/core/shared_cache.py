"""Configuration bundles kept in the shared cache (Redis or the database), validated on every read.

A bundle is rebuilt from its rows on a miss and stored in the shared cache under a random stamp;
the stamp itself is a small entry of its own. Saving or deleting any of the bundle's rows deletes
the stamp — at once (for the same transaction) and again after commit (so a server that rebuilt
it from the old rows in between does not keep the old answer) — and both expire after ``ttl``
seconds, a bound on any staleness that slipped past both deletions.

Each process keeps the last bundle it used with its stamp, and uses it again while the shared
stamp is unchanged: a read costs one small cache read instead of fetching and unpickling the
whole bundle (a fault call reads two or three bundles). Every server still sees an
administrator's change on its next read, as the stamp is read from the shared cache every time.
When the change is rolled back (the database cache is transactional), the old stamp comes back
and the old bundle with it.

``stamps_read_once(keys)``: a call that needs several bundles (a fault call that becomes a work
request reads the outage, intake and SLA configurations) reads their stamps in one cache call at
its start and uses those for the rest of the block: one round trip instead of three, and one
consistent set of configurations for the whole call.
"""

import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

# key → (stamp, bundle): this process's copy of each bundle, valid while the shared stamp matches.
_local: dict[str, tuple[str, Any]] = {}


# key → stamp read at the start of the current ``stamps_read_once`` block.
_snapshot: ContextVar[dict[str, str | None] | None] = ContextVar("servicedesk_bundle_stamps", default=None)


def _stamp_key(key: str) -> str:
    return f"{key}:stamp"


@contextmanager
def stamps_read_once(keys: Iterable[str]) -> Iterator[None]:
    """Read the stamps of these bundles now, in one cache call, and use them inside the block
    (a block inside another uses the outer one's)."""
    if _snapshot.get() is not None:
        yield
        return
    keys = list(keys)
    found = cache.get_many([_stamp_key(key) for key in keys])
    token = _snapshot.set({key: found.get(_stamp_key(key)) for key in keys})
    try:
        yield
    finally:
        _snapshot.reset(token)


def _current_stamp(key: str) -> str | None:
    snapshot = _snapshot.get()
    if snapshot is not None and key in snapshot:
        return snapshot[key]
    return cast(str | None, cache.get(_stamp_key(key)))


def cached_bundle(key: str, ttl: int, build: Callable[[], T]) -> T:
    stamp = _current_stamp(key)
    if stamp is not None:
        held = _local.get(key)
        if held is not None and held[0] == stamp:
            return cast(T, held[1])
        value = cache.get(f"{key}:{stamp}")
        if value is not None:
            _local[key] = (stamp, value)
            return cast(T, value)
    value = build()
    stamp = secrets.token_hex(8)
    # The bundle first: a reader that sees the new stamp finds its bundle.
    cache.set(f"{key}:{stamp}", value, ttl)
    cache.set(_stamp_key(key), stamp, ttl)
    _local[key] = (stamp, value)
    snapshot = _snapshot.get()
    if snapshot is not None and key in snapshot:
        snapshot[key] = stamp
    return value


def bundle_invalidate(key: str) -> None:
    snapshot = _snapshot.get()
    if snapshot is not None:
        snapshot.pop(key, None)  # read it afresh in this block too
    cache.delete(_stamp_key(key))
    transaction.on_commit(lambda: cache.delete(_stamp_key(key)))


def invalidate_on_change(key: str, models_: Iterable[type[models.Model]],
                         m2m: Iterable[type[models.Model]] = ()) -> None:
    """Connect post_save/post_delete of ``models_`` (and m2m_changed of the ``m2m`` through
    models) to the invalidation of the bundle ``key``."""

    def receiver(**kwargs: object) -> None:
        bundle_invalidate(key)

    for model in models_:
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{key}-{model.__name__}-save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{key}-{model.__name__}-delete")
    for through in m2m:
        m2m_changed.connect(receiver, sender=through, weak=False,
                            dispatch_uid=f"{key}-{through.__name__}-m2m")
