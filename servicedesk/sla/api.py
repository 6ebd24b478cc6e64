"""REST endpoints of the SLA engine: the signed-in user's notifications, and the clock schema the
request and work-order details embed (``clocks``)."""

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema

from servicedesk.core.api import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    Page,
    PageParams,
    current_user,
    paginate,
    write,
)
from servicedesk.sla.inbox import notification_mark_read, notifications_mark_all_read
from servicedesk.sla.models import Notification, TimerState
from servicedesk.sla.selectors import notifications_for_user

router = Router(tags=["service levels"])


class SegmentOut(Schema):
    start: datetime.datetime
    end: datetime.datetime | None = Field(description="Empty: still going on.")
    kind: str = Field(description="running | paused | stopped")
    reason: str


class ClockOut(Schema):
    """One clock of the subject, recomputed as of the answer (SLA-3)."""

    target_kind: str = Field(description="first_response | reply | triage_dispatch | on_site_arrival | "
                                         "resolution | second_visit")
    label: str
    limit: str = Field(description="The limit as people read it, e.g. `1 h`, `2 working days`.")
    calendar: str
    state: TimerState = Field(description="`unknown`: the clock cannot be computed — no official holidays "
                                          "are known for a year it reaches (`problem` says which); it counts "
                                          "neither as at risk nor as breached, met nor missed, until that "
                                          "year's holidays are entered and it is recomputed.")
    state_label: str = Field(description="The state as people read it, in the request's language.")
    tone: str = Field(description="on_track | at_risk | breached | paused | met | unknown (the colour of "
                                  "the web pages).")
    started_at: datetime.datetime
    due_at: datetime.datetime | None = Field(description="Empty while paused.")
    at_risk_at: datetime.datetime | None = Field(
        description="When the running clock turns at risk (its target's share of the limit used, or its "
                    "margin left, never before half the limit); empty while paused or stopped.")
    stopped_at: datetime.datetime | None
    time_left_seconds: int | None = Field(description="Wall-clock seconds to the due time, negative when "
                                                      "overdue; empty when paused or stopped.")
    used_seconds: int = Field(description="Working seconds used (pauses excluded).")
    target_seconds: int = Field(description="The limit in working seconds.")
    achieved_percent: float = Field(description="used ÷ target × 100; for a stopped clock, the "
                                                "achieved level.")
    problem: str = Field(description="Why the clock cannot be computed, if it cannot (e.g. no holiday "
                                     "schedule for its year), and what to do.")
    due_provisional: bool = Field(description="The due time was computed with the statutory holidays of a "
                                              "year whose official holidays are not announced yet (no "
                                              "make-up working days): it is recomputed, and may move, when "
                                              "they are entered.")
    segments: list[SegmentOut] = Field(description="The explanation: every running or paused span and why.")

    @staticmethod
    def resolve_limit(clock: Any) -> str:
        return clock.limit_label  # type: ignore[no-any-return]

    @staticmethod
    def resolve_due_provisional(clock: Any) -> bool:
        return bool(clock.provisional)


class NotificationOut(Schema):
    id: int
    created_at: datetime.datetime
    title: str = Field(description="In the request's language.")
    body: str
    link: str
    read_at: datetime.datetime | None
    subject_type: str = Field(description="What it is about: request | work_order; empty: no subject.")
    subject_id: int | None = Field(description="The id of that request or work order.")

    @staticmethod
    def resolve_title(notification: Notification) -> str:
        return notification.display_title


class NotificationFilters(PageParams):
    unread: bool = Field(False, description="Only the unread ones.")


@router.get("/notifications", response=Page[NotificationOut], summary="My notifications",
            description="The signed-in user's own notifications (SLA warnings and escalations), newest "
                        "first; `unread=true` for the unread ones only.\n\n**Roles:** every authenticated "
                        "user (each sees only their own).")
def notification_list(request: HttpRequest, filters: Query[NotificationFilters]) -> dict:
    return paginate(notifications_for_user(current_user(request), unread_only=filters.unread), filters)


@router.post("/notifications/{id:notification_id}/read", response=NotificationOut,
             summary="Mark a notification read",
             description="Marks one of the user's own notifications read (again: no change, the first "
                         "time stays). Another user's notification is 404.\n\n**Roles:** every "
                         "authenticated user.")
def notification_read(request: HttpRequest, notification_id: int,
                      idempotency_key: str | None = Header(None, alias=IDEMPOTENCY_HEADER,
                                                           max_length=IDEMPOTENCY_KEY_MAX_LENGTH),
                      ) -> HttpResponse:
    user = current_user(request)

    def mark() -> dict[str, Any]:
        return NotificationOut.from_orm(notification_mark_read(user=user, notification_id=notification_id)
                                        ).model_dump()

    return write(request, payload=None, idempotency_key=idempotency_key, action=mark, status=200)


class ReadAllOut(Schema):
    marked: int = Field(description="How many of the user's notifications were unread and are now read.")


@router.post("/notifications/read-all", response=ReadAllOut, summary="Mark all my notifications read",
             description="Marks every unread notification of the signed-in user read (nobody else's).\n\n"
                         "**Roles:** every authenticated user.")
def notification_read_all(request: HttpRequest,
                          idempotency_key: str | None = Header(None, alias=IDEMPOTENCY_HEADER,
                                                               max_length=IDEMPOTENCY_KEY_MAX_LENGTH),
                          ) -> HttpResponse:
    user = current_user(request)
    return write(request, payload=None, idempotency_key=idempotency_key, status=200,
                 action=lambda: {"marked": notifications_mark_all_read(user=user)})
