"""Writes of API tokens: issue, revoke, and the authentication of a presented token.

A token is ``sd_`` followed by 40 URL-safe characters. Only its SHA-256 is stored, so a database
leak does not leak usable tokens; the raw token is returned once, by ``token_create``.
"""

from __future__ import annotations

import datetime
import secrets
from typing import TYPE_CHECKING

from django.utils import timezone

from servicedesk.core.models import ApiToken, hash_token
from servicedesk.core.prepared import RelatedFetch
from servicedesk.core.transactions import unit

if TYPE_CHECKING:
    from servicedesk.org.models import User

TOKEN_PREFIX = "sd_"
# 30 random bytes are 40 URL-safe base64 characters.
_TOKEN_BYTES = 30
TOKEN_LENGTH = len(TOKEN_PREFIX) + 40
# How stale ``last_used_at`` may get: writing it on every call would turn each read into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


@unit()
def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns the row and the raw token (shown once, never stored)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    token = ApiToken.objects.create(user=user, name=name.strip()[:100], prefix=raw[:10],
                                    key_hash=hash_token(raw))
    return token, raw


@unit()
def token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token; already revoked tokens keep their first revocation time."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


# Every API call asks: the statement is built once (the ORM's select_related compiled it each time,
# 0.8 ms of the 1.0 ms a token took).
_TOKEN_WITH_USER = RelatedFetch(ApiToken, ("user",), by="key_hash")


def token_authenticate(raw: str) -> User | None:
    """The active user a raw token belongs to, or None (unknown, revoked, malformed, inactive user).

    The hot path is one SELECT (token joined to its user). ``last_used_at`` is refreshed at most
    once a minute, by a conditional UPDATE, so concurrent calls with the same token write once.
    """
    if len(raw) != TOKEN_LENGTH or not raw.startswith(TOKEN_PREFIX):
        return None
    token = _TOKEN_WITH_USER.get(hash_token(raw))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = timezone.now()
    cutoff = now - LAST_USED_RESOLUTION
    if token.last_used_at is None or token.last_used_at < cutoff:
        stale = ApiToken.objects.filter(pk=token.pk)
        stale = stale.filter(last_used_at__isnull=True) if token.last_used_at is None else stale.filter(
            last_used_at__lt=cutoff)
        stale.update(last_used_at=now)
    return token.user
