"""The bounded input types of the API: what a service centre accepts as an id, a moment, a yes/no.

Every input of /api/v1/ is one of these or has its own limits, so that nothing a client sends can
reach the database or the output unbounded (an id past 64 bits, a contact that started in year 1, a
date-time whose local offset is the zone's 1901 mean time), and a refusal is a 422 naming the field.

- ``Id``: a primary key, 1 … 2**63-1.
- ``PastMoment``, ``ScheduledMoment``: when something happened, when something is expected; the
  windows are core.moments', shared with the web forms.
- ``FilterMoment``: a bound of a list filter: an ISO 8601 date or date-time between 2000 and 2100;
  numbers (``started_before=0.5``, which pydantic would read as seconds since 1970) are refused.
- ``StrictBool``: ``true``/``false`` in a JSON body; ``0``, ``1`` and ``"yes"`` are refused.
- ``InputSchema``: the base of every request body: the body must be a JSON object.
- ``ParamsSchema``: the base of every query string; with InputSchema it refuses text holding a NUL
  character anywhere (PostgreSQL cannot store one, SQLite's full-text search stops at it).

Inputs without an offset are read as the desk's time (Asia/Shanghai).
"""

import datetime
import re
from collections.abc import Callable
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, field_validator, model_validator

from servicedesk.core.moments import (
    filter_moment_problem,
    local_aware,
    past_moment_problem,
    scheduled_moment_problem,
)
from servicedesk.core.references import MAX_ID

__all__ = ["FilterMoment", "Id", "InputSchema", "ParamsSchema", "PastMoment", "ScheduledMoment", "StrictBool"]

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


Check = Callable[[datetime.datetime], datetime.datetime]


def _checked(problem_of: Callable[[datetime.datetime], str | None]) -> Check:
    def check(value: datetime.datetime) -> datetime.datetime:
        problem = problem_of(value)
        if problem is not None:
            raise ValueError(problem)
        return local_aware(value)

    return check


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]|$)", re.ASCII)


def _iso_text(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise ValueError(_("must be a date or date-time such as 2026-12-01 or 2026-12-01T08:00:00+08:00"))
    return value.strip()


PastMoment = Annotated[datetime.datetime, AfterValidator(_checked(past_moment_problem))]
ScheduledMoment = Annotated[datetime.datetime, AfterValidator(_checked(scheduled_moment_problem))]
FilterMoment = Annotated[datetime.datetime, BeforeValidator(_iso_text),
                         AfterValidator(_checked(filter_moment_problem))]


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    return False


class ParamsSchema(Schema):
    """Inputs whose text never holds a NUL character."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _holds_nul(value):
            raise ValueError(_("must not contain the character NUL"))
        return value


class InputSchema(ParamsSchema):
    """A request body: a JSON object (ninja's Schema would read attributes off a list and find none)."""

    @model_validator(mode="wrap")
    @classmethod
    def _an_object(cls, data: Any, handler: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError(_("the body must be a JSON object"))
        return handler(data)

