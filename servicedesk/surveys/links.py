"""The signed link an SMS carries to a survey's questions (SUR-1).

The link holds a random nonce (the key of its ``SurveyLink`` row) signed with the site's secret
and this module's salt, and stamped with the time it was made: a link whose signature does not
match (altered, or made elsewhere) is refused before the database is read; one older than the
longest validity a rule may give is refused by the signature's time stamp; within that, the row's
own ``expires_at`` (the rule's days, fixed when the SMS was sent) and ``used_at`` (one answer)
decide.
"""

import datetime
import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse

from servicedesk.surveys.models import MAX_LINK_DAYS

SALT = "servicedesk.surveys.link"
MAX_AGE = datetime.timedelta(days=MAX_LINK_DAYS + 1)


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def link_token(nonce: str) -> str:
    return signing.TimestampSigner(salt=SALT).sign(nonce)


def link_nonce(token: str) -> str:
    """The nonce of a genuine link; ``signing.SignatureExpired`` past the longest validity,
    ``signing.BadSignature`` for anything else."""
    return signing.TimestampSigner(salt=SALT).unsign(token, max_age=MAX_AGE)


def link_url(nonce: str) -> str:
    """The full address to send: the site's public address (``SERVICEDESK_PUBLIC_URL``) and the path."""
    base = str(getattr(settings, "SERVICEDESK_PUBLIC_URL", "")).rstrip("/")
    return base + reverse("web:survey_public", args=[link_token(nonce)])
