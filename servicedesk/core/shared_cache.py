"""Configuration bundles kept in the shared cache (Redis or the database), never in process memory.

A bundle is rebuilt from its rows on a miss, deleted when any of its rows is saved or deleted —
at once (for the same transaction) and again after commit (so a server that rebuilt it from the
old rows in between does not keep the old answer) — and expires after ``ttl`` seconds, a bound on
any staleness that slipped past both deletions.
"""

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")


def cached_bundle(key: str, ttl: int, build: Callable[[], T]) -> T:
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, ttl)
    return value


def bundle_invalidate(key: str) -> None:
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def invalidate_on_change(key: str, models_: Iterable[type[models.Model]]) -> None:
    """Connect post_save/post_delete of ``models_`` to the deletion of the bundle ``key``."""

    def receiver(**kwargs: object) -> None:
        bundle_invalidate(key)

    for model in models_:
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{key}-{model.__name__}-save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{key}-{model.__name__}-delete")
