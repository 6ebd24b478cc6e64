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
"""

import secrets
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

# key → (stamp, bundle): this process's copy of each bundle, valid while the shared stamp matches.
_local: dict[str, tuple[str, Any]] = {}


def _stamp_key(key: str) -> str:
    return f"{key}:stamp"


def cached_bundle(key: str, ttl: int, build: Callable[[], T]) -> T:
    stamp = cache.get(_stamp_key(key))
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
    return value


def bundle_invalidate(key: str) -> None:
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
        m2m_changed.connect(receiver, sender=through, weak=False, dispatch_uid=f"{key}-{through.__name__}-m2m")
