"""REST endpoints of complaints (CMP-1..CMP-7): take, preview a repeat, list and read (each role its
scope), flag major, pass ownership, send parts, the parties' accept and answer, the owner's answer,
the customer's opinion, the manager's close, refunds; the owner's desk, major complaints and the
hot-issue list."""

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from servicedesk.complaints import selectors
from servicedesk.complaints.models import Complaint, ComplaintPart, ComplaintStatus, Refund, Satisfaction
from servicedesk.complaints.parts import PartInput, complaint_dispatch, part_accept, part_answer
from servicedesk.complaints.refunds import refund_record
from servicedesk.complaints.resolution import complaint_answer, complaint_close, complaint_customer_opinion
from servicedesk.complaints.services import (
    ComplaintInput,
    complaint_flag_major,
    complaint_take,
    complaint_transfer,
    repeat_preview,
)
from servicedesk.complaints.topics import topic_label
from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.core.api import (
    IdempotencyKey,
    Page,
    PageParams,
    current_user,
    paginate,
    referenced_by_pk,
    require,
    write,
)
from servicedesk.core.api_types import Id, InputSchema
from servicedesk.customers.api import CustomerBrief
from servicedesk.customers.models import Account, Customer, ServicePoint
from servicedesk.org.api import ProviderBrief, UnitBrief, UserBrief
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Capability, roles_with
from servicedesk.tickets.models import ServiceRequest, WorkOrder

router = Router(tags=["complaints"])


def _roles(*capabilities: Capability) -> str:
    return f"\n\n**Roles:** {roles_with(*capabilities)}."


READERS = (
    Capability.VIEW_ALL_REQUESTS,
    Capability.VIEW_UNIT_QUEUE,
    Capability.WORK_ON_ORDERS,
    Capability.VIEW_OWN_REQUESTS,
)


class ComplaintIn(InputSchema):
    topic: str = Field(
        ...,
        max_length=50,
        description="What it is about: a value of the complaint type's "
        "`about` field (attitude, timeliness, billing…).",
    )
    description: str = Field(..., max_length=4000)
    subject: str = Field("", max_length=200)
    channel: Channel = Channel.PHONE
    customer_id: Id | None = None
    service_point_id: Id | None = None
    reporter_kind: ContactRecord.ReporterKind = ContactRecord.ReporterKind.CUSTOMER
    complainant_kind: Complaint.ComplainantKind = Complaint.ComplainantKind.PERSON
    reporter_name: str = Field("", max_length=100)
    reporter_phone: str = Field("", max_length=40)
    district: str = Field("", max_length=50)
    against: Complaint.Against = Complaint.Against.UTILITY
    provider_id: Id | None = Field(None, description="The provider complained about.")
    about_request_id: Id | None = None
    about_work_order_id: Id | None = None
    not_repeat_of: Id | None = Field(
        None,
        description="The complaint the preview named as repeated, when it "
        "is not a repeat (with `not_repeat_reason`).",
    )
    not_repeat_reason: str = Field("", max_length=1000)


class ComplaintBrief(Schema):
    id: int
    reference: str = Field(description="CP00000012")
    status: ComplaintStatus
    topic: str
    topic_label: str
    major: bool
    repeat_depth: int
    reopen_count: int
    created_at: datetime.datetime

    @staticmethod
    def resolve_topic_label(complaint: Complaint) -> str:
        return topic_label(complaint.topic)


class PartOut(Schema):
    id: int
    status: str
    urgency: str
    unit: UnitBrief | None
    provider: ProviderBrief | None
    instructions: str
    answer: str
    answered_at: datetime.datetime | None
    reopen_count: int
    created_at: datetime.datetime


class ComplaintOut(ComplaintBrief):
    request_id: int
    request_reference: str
    customer: CustomerBrief | None
    against: Complaint.Against
    provider: ProviderBrief | None
    about_request_id: int | None
    about_work_order_id: int | None
    complainant_kind: Complaint.ComplainantKind
    owner: UserBrief
    owner_unit: UnitBrief | None
    owner_provider: ProviderBrief | None
    repeat_of_id: int | None
    major_at: datetime.datetime | None
    cause_feedback: str
    result: str
    satisfaction: str
    answered_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    parts: list[PartOut] = Field(
        default_factory=list, description="Those the reader may see (a provider: its own)."
    )

    @staticmethod
    def resolve_parts(complaint: Complaint) -> list[ComplaintPart]:
        return list(getattr(complaint, "visible_parts", []))

    @staticmethod
    def resolve_request_reference(complaint: Complaint) -> str:
        return complaint.request.reference

    @staticmethod
    def resolve_customer(complaint: Complaint) -> Customer | None:
        return complaint.request.customer


class RepeatPreviewOut(Schema):
    repeat_of: ComplaintBrief | None = Field(description="The earlier complaint this one would repeat.")


class ComplaintFilters(PageParams):
    status: ComplaintStatus | None = None
    major: bool | None = None
    mine: bool = Field(False, description="Only the open complaints I own (my desk).")


class ReasonIn(InputSchema):
    reason: str = Field(..., max_length=2000)


class TransferIn(ReasonIn):
    owner_id: Id


class PartIn(InputSchema):
    unit_id: Id | None = None
    provider_id: Id | None = None
    urgency: ComplaintPart.Urgency = ComplaintPart.Urgency.URGENT
    instructions: str = Field("", max_length=2000)


class DispatchIn(InputSchema):
    parts: list[PartIn] = Field(..., min_length=1, max_length=20)


class AnswerIn(InputSchema):
    answer: str = Field(..., max_length=4000)


class ComplaintAnswerIn(InputSchema):
    result: str = Field(..., max_length=4000)
    cause_feedback: str = Field("", max_length=4000)


class OpinionIn(InputSchema):
    satisfaction: Satisfaction
    comment: str = Field("", max_length=2000)


class RefundIn(InputSchema):
    account_id: Id
    charged_wrongly: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    kind: Refund.Kind = Refund.Kind.WRONG_CHARGE
    provider_id: Id | None = Field(
        None, description="The provider who caused it: deducted from its next settlement."
    )
    reason: str = Field(..., max_length=2000)


class RefundOut(Schema):
    id: int
    kind: str
    charged_wrongly: Decimal
    amount: Decimal
    account_id: int
    provider_id: int | None
    recorded_at: datetime.datetime


class CountOut(Schema):
    value: str
    label: str
    count: int


class HotIssuesOut(Schema):
    start: datetime.datetime
    end: datetime.datetime
    topics: list[CountOut]
    places: list[CountOut]


def _input(payload: ComplaintIn) -> ComplaintInput:
    def ref(model: Any, pk: int | None, field: str) -> Any:
        return referenced_by_pk(model.objects.all(), pk, field=field)

    return ComplaintInput(
        topic=payload.topic,
        description=payload.description,
        subject=payload.subject,
        channel=payload.channel,
        customer=ref(Customer, payload.customer_id, "customer_id"),
        service_point=ref(ServicePoint, payload.service_point_id, "service_point_id"),
        reporter_kind=payload.reporter_kind,
        complainant_kind=payload.complainant_kind,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        district=payload.district,
        against=payload.against,
        provider=ref(Provider, payload.provider_id, "provider_id"),
        about_request=ref(ServiceRequest, payload.about_request_id, "about_request_id"),
        about_work_order=ref(WorkOrder, payload.about_work_order_id, "about_work_order_id"),
        not_repeat_of=payload.not_repeat_of,
        not_repeat_reason=payload.not_repeat_reason,
    )


def _visible(user: User, complaint_id: int) -> Complaint:
    """The complaint with the parts this user may see (a provider: its own)."""
    complaint = selectors.complaint_get_for_user(user, complaint_id)
    complaint.visible_parts = selectors.parts_for_user(user, complaint)  # type: ignore[attr-defined]
    return complaint


def _out(user: User, complaint_id: int) -> dict[str, Any]:
    return ComplaintOut.from_orm(_visible(user, complaint_id)).model_dump()


@router.post(
    "/complaints/repeat-check",
    response=RepeatPreviewOut,
    summary="Would this complaint be a repeat?",
    description="Before saving: the earlier complaint by the same customer (or phone) about the same "
    "work, or the same service point and type within the window, that is open, was answered "
    "late or left the customer unsatisfied." + _roles(Capability.TAKE_COMPLAINTS),
)
def complaint_repeat_check(request: HttpRequest, payload: ComplaintIn) -> dict[str, Any]:
    user = current_user(request)
    require(user, Capability.TAKE_COMPLAINTS)
    earlier = repeat_preview(_input(payload))
    visible = earlier is not None and selectors.complaint_list_for_user(user).filter(pk=earlier.pk).exists()
    return {"repeat_of": earlier if visible else None}


@router.post(
    "/complaints",
    response={201: ComplaintOut},
    summary="Take a complaint",
    description="From any channel, against us or a provider, linked to the request or work order it is "
    "about. Whoever takes it owns it to the end. A repeat is linked and raises the priority "
    "unless `not_repeat_of` and `not_repeat_reason` say why not; the major-complaint rules "
    "apply." + _roles(Capability.TAKE_COMPLAINTS),
)
def complaint_create(
    request: HttpRequest, payload: ComplaintIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.TAKE_COMPLAINTS)

    def take() -> dict[str, Any]:
        return _out(user, complaint_take(_input(payload), actor=user).pk)

    return write(request, payload=payload, idempotency_key=idempotency_key, action=take)


@router.get(
    "/complaints",
    response=Page[ComplaintBrief],
    summary="Complaints",
    description="Newest first. The desk sees all; a department those with a part for it; a provider "
    "those it owns or has a part of; a customer their own." + _roles(*READERS),
)
def complaint_list(request: HttpRequest, filters: Query[ComplaintFilters]) -> dict[str, Any]:
    user = current_user(request)
    complaints = selectors.owner_desk(user) if filters.mine else selectors.complaint_list_for_user(user)
    if filters.status:
        complaints = complaints.filter(status=filters.status)
    if filters.major is not None:
        complaints = complaints.filter(major=filters.major)
    if not filters.mine:
        complaints = complaints.order_by("-created_at", "-id")
    return paginate(complaints, filters)


@router.get(
    "/complaints/hot-issues",
    response=HotIssuesOut,
    summary="Hot issues",
    description="The most frequent complaint types and places in a month (default: this one)."
    + _roles(Capability.VIEW_ALL_REQUESTS),
)
def complaint_hot_issues(request: HttpRequest, month: datetime.date | None = None) -> dict[str, Any]:
    require(current_user(request), Capability.VIEW_ALL_REQUESTS)
    start, end = selectors.month_bounds(month or timezone.localdate())
    found = selectors.hot_issues(start=start, end=end)
    return {
        "start": start,
        "end": end,
        "topics": [
            {"value": row["topic"], "label": topic_label(str(row["topic"])), "count": row["count"]}
            for row in found["topics"]
        ],
        "places": [
            {"value": row["place"] or "", "label": row["place"] or "", "count": row["count"]}
            for row in found["places"]
        ],
    }


@router.get(
    "/complaints/{id:complaint_id}",
    response=ComplaintOut,
    summary="A complaint",
    description="With the parts the reader may see." + _roles(*READERS),
)
def complaint_detail(request: HttpRequest, complaint_id: int) -> Complaint:
    return _visible(current_user(request), complaint_id)


def _action(
    request: HttpRequest, complaint_id: int, payload: Any, idempotency_key: str | None, run: Any
) -> HttpResponse:
    user = current_user(request)

    def act() -> dict[str, Any]:
        run(user, selectors.complaint_get_for_user(user, complaint_id))
        return _out(user, complaint_id)

    return write(request, payload=payload, idempotency_key=idempotency_key, action=act, status=200)


@router.post(
    "/complaints/{id:complaint_id}/major",
    response=ComplaintOut,
    summary="Flag a complaint major",
    description="With a reason; the desk managers are told at once." + _roles(Capability.HANDLE_REQUEST),
)
def complaint_major(
    request: HttpRequest, complaint_id: int, payload: ReasonIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    return _action(
        request,
        complaint_id,
        payload,
        idempotency_key,
        lambda user, complaint: complaint_flag_major(complaint=complaint, actor=user, reason=payload.reason),
    )


@router.post(
    "/complaints/{id:complaint_id}/owner",
    response=ComplaintOut,
    summary="Pass ownership on",
    description="A team lead's explicit, recorded act." + _roles(Capability.SUPERVISE_COMPLAINTS),
)
def complaint_owner(
    request: HttpRequest, complaint_id: int, payload: TransferIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    def run(user: User, complaint: Complaint) -> None:
        to = referenced_by_pk(User.objects.all(), payload.owner_id, field="owner_id")
        assert to is not None
        complaint_transfer(complaint=complaint, actor=user, to=to, reason=payload.reason)

    return _action(request, complaint_id, payload, idempotency_key, run)


@router.post(
    "/complaints/{id:complaint_id}/parts",
    response=ComplaintOut,
    summary="Send parts (joint dispatch)",
    description="Each part to one department (`unit_id`) or partner (`provider_id`), urgent (reply within "
    "24 h) or difficult (72 h); triage within 1 hour." + _roles(Capability.TAKE_COMPLAINTS),
)
def complaint_parts(
    request: HttpRequest, complaint_id: int, payload: DispatchIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    def run(user: User, complaint: Complaint) -> None:
        parts = [
            PartInput(
                unit=referenced_by_pk(OrgUnit.objects.all(), p.unit_id, field=f"parts[{i}].unit_id"),
                provider=referenced_by_pk(
                    Provider.objects.all(), p.provider_id, field=f"parts[{i}].provider_id"
                ),
                urgency=p.urgency,
                instructions=p.instructions,
            )
            for i, p in enumerate(payload.parts)
        ]
        complaint_dispatch(complaint=complaint, actor=user, parts=parts)

    return _action(request, complaint_id, payload, idempotency_key, run)


@router.post(
    "/complaints/{id:complaint_id}/answer",
    response=ComplaintOut,
    summary="Answer the complaint",
    description="Once every part is answered; the result is what the customer is told, and the customer "
    "is called back with it." + _roles(Capability.TAKE_COMPLAINTS),
)
def complaint_answer_endpoint(
    request: HttpRequest,
    complaint_id: int,
    payload: ComplaintAnswerIn,
    idempotency_key: str | None = IdempotencyKey,
) -> HttpResponse:
    return _action(
        request,
        complaint_id,
        payload,
        idempotency_key,
        lambda user, complaint: complaint_answer(
            complaint=complaint, actor=user, result=payload.result, cause_feedback=payload.cause_feedback
        ),
    )


@router.post(
    "/complaints/{id:complaint_id}/opinion",
    response=ComplaintOut,
    summary="The customer's opinion of the answer",
    description="Satisfied: closed. Average or very poor: reopened and sent back to the same parties."
    + _roles(Capability.LOG_CONTACT),
)
def complaint_opinion(
    request: HttpRequest, complaint_id: int, payload: OpinionIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    require(current_user(request), Capability.LOG_CONTACT)
    return _action(
        request,
        complaint_id,
        payload,
        idempotency_key,
        lambda user, complaint: complaint_customer_opinion(
            complaint=complaint, actor=user, satisfaction=payload.satisfaction, comment=payload.comment
        ),
    )


@router.post(
    "/complaints/{id:complaint_id}/close",
    response=ComplaintOut,
    summary="Close without the customer's consent",
    description="A desk manager, with a reason." + _roles(Capability.SUPERVISE_COMPLAINTS),
)
def complaint_close_endpoint(
    request: HttpRequest, complaint_id: int, payload: ReasonIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    return _action(
        request,
        complaint_id,
        payload,
        idempotency_key,
        lambda user, complaint: complaint_close(complaint=complaint, actor=user, reason=payload.reason),
    )


@router.post(
    "/complaints/{id:complaint_id}/refunds",
    response={201: RefundOut},
    summary="Record a refund",
    description="A wrong charge is refunded double (a feature fee in full) to the customer's account; "
    "the provider who caused it has the amount deducted from its next settlement."
    + _roles(Capability.RECORD_REFUNDS),
)
def complaint_refund(
    request: HttpRequest, complaint_id: int, payload: RefundIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.RECORD_REFUNDS)

    def record() -> dict[str, Any]:
        complaint = selectors.complaint_get_for_user(user, complaint_id)
        account = referenced_by_pk(Account.objects.all(), payload.account_id, field="account_id")
        assert account is not None
        refund = refund_record(
            complaint=complaint,
            actor=user,
            account=account,
            charged_wrongly=payload.charged_wrongly,
            kind=payload.kind,
            reason=payload.reason,
            provider=referenced_by_pk(Provider.objects.all(), payload.provider_id, field="provider_id"),
        )
        return RefundOut.from_orm(refund).model_dump()

    return write(request, payload=payload, idempotency_key=idempotency_key, action=record)


@router.post(
    "/complaint-parts/{id:part_id}/accept",
    response=PartOut,
    summary="Take a part in hand",
    description="The partner or department has judged the scope (within the hour)."
    + _roles(Capability.WORK_ON_ORDERS, Capability.DISPATCH, Capability.HANDLE_REQUEST),
)
def part_accept_endpoint(
    request: HttpRequest, part_id: int, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    user = current_user(request)

    def act() -> dict[str, Any]:
        part = part_accept(part=selectors.part_get_for_user(user, part_id), actor=user)
        return PartOut.from_orm(part).model_dump()

    return write(request, payload=None, idempotency_key=idempotency_key, action=act, status=200)


@router.post(
    "/complaint-parts/{id:part_id}/answer",
    response=PartOut,
    summary="Answer a part",
    description="The partner's or department's reply."
    + _roles(Capability.WORK_ON_ORDERS, Capability.DISPATCH, Capability.HANDLE_REQUEST),
)
def part_answer_endpoint(
    request: HttpRequest, part_id: int, payload: AnswerIn, idempotency_key: str | None = IdempotencyKey
) -> HttpResponse:
    user = current_user(request)

    def act() -> dict[str, Any]:
        part = part_answer(part=selectors.part_get_for_user(user, part_id), actor=user, answer=payload.answer)
        return PartOut.from_orm(part).model_dump()

    return write(request, payload=payload, idempotency_key=idempotency_key, action=act, status=200)
