"""REST endpoints of callbacks (INT-8): the calls the desk owes customers, e.g. after an outage is
restored or a request is resolved (INT-5), routed to available agents (key accounts to their
manager); the customer's opinion and the evidence of the call (CMP-6); and the agent's availability.

Scope: an agent (or key account manager) sees the callbacks assigned to them and the unassigned
ones any agent may take; team leads, desk managers and administrators see all. Others are 404.
An evidence file is downloaded by those who read every request and by the callback's assignee.
"""

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import BaseModel

from servicedesk.contacts.api import RequestLink
from servicedesk.contacts.evidence import evidence_download, upload_digest
from servicedesk.contacts.models import Callback, CallbackEvidence
from servicedesk.contacts.selectors import callback_evidence_for_user, evidence_prefetch
from servicedesk.contacts.services import (
    SUPERVISING_ROLES,
    agent_set_available,
    callback_complete,
    callback_evidence_add,
)
from servicedesk.core.api import (
    IdempotencyKey,
    Page,
    PageParams,
    current_user,
    paginate,
    require,
    write,
)
from servicedesk.core.api_types import InputSchema, StrictBool
from servicedesk.core.exceptions import NotFound
from servicedesk.customers.api import CustomerBrief
from servicedesk.org.api import UserBrief
from servicedesk.org.models import User
from servicedesk.org.roles import Capability, roles_with

router = Router(tags=["callbacks"])

_ROLES = f"\n\n**Roles:** {roles_with(Capability.LOG_CONTACT)}."
_READERS = (f"\n\n**Roles:** {roles_with(Capability.VIEW_ALL_REQUESTS)}; and the callback's assignee. "
            "Others (provider staff, customers): 404.")


class EvidenceOut(Schema):
    id: int
    kind: str = Field(description="`recording` (audio) or `signature` (a signed confirmation: image or PDF), "
                                  "read from the content.")
    content_type: str = Field(description="Read from the content: audio/mpeg, audio/wav, audio/mp4, "
                                          "audio/amr, audio/ogg, image/jpeg, image/png or application/pdf.")
    size: int = Field(description="Bytes.")
    original_name: str = Field(description="The name it was uploaded with.")
    uploaded_by: UserBrief
    uploaded_at: datetime.datetime
    download: str = Field(description="Where to download it (GET, as an attachment).")

    @staticmethod
    def resolve_download(evidence: CallbackEvidence) -> str:
        return reverse("api:callback_evidence_download",
                       kwargs={"callback_id": evidence.callback_id, "evidence_id": evidence.pk})


class CallbackOut(Schema):
    id: int
    reference: str = Field(description="CB0000012")
    status: str
    kind: str = Field(description="`result`: tell the customer how their request ended (INT-5); "
                                  "`restoration`: supply is back after an outage; `other`.")
    reason: str
    source: str = Field(description="What it is about, e.g. the outage's reference.")
    customer: CustomerBrief | None
    name: str
    phone: str
    contact_id: int | None = Field(description="The original contact.")
    request: RequestLink | None
    assigned_to: UserBrief | None = Field(description="Empty: in the team's queue, any agent may take it.")
    created_at: datetime.datetime
    completed_at: datetime.datetime | None
    completed_by: UserBrief | None
    result: str
    satisfaction: str = Field(description="The customer's opinion (CMP-6): `satisfied`, `average`, "
                                          "`very_poor`; empty when not recorded.")
    satisfaction_comment: str
    evidence: list[EvidenceOut] = Field(description="Recordings and signed confirmations, oldest first.")


class CallbackFilters(PageParams):
    mine: bool = Field(False, description="Only my work: assigned to me, or unassigned.")
    status: Callback.Status | None = None
    kind: Callback.Kind | None = None
    source: str = Field("", max_length=40, description="e.g. an outage's or a request's reference.")


class CallbackCompleteIn(InputSchema):
    reached: StrictBool = Field(..., description="False: the customer could not be reached.")
    result: str = Field("", max_length=4000)
    satisfaction: Callback.Satisfaction | None = Field(
        None, description="The customer's opinion of the result (满意 / 一般 / 很差): only when reached; "
                          "required on a `result` callback.")
    satisfaction_comment: str = Field("", max_length=2000, description="What the customer said of it.")


class _UploadFingerprint(BaseModel):
    """What an upload's Idempotency-Key is checked against: the file's name and content."""

    name: str
    sha256: str


class AvailabilityIn(InputSchema):
    available: StrictBool


class AvailabilityOut(Schema):
    username: str
    available: bool
    open_callbacks: int


def callbacks_for_user(user: User) -> QuerySet[Callback]:
    """The callbacks a user may see: all for supervisors, else their own and the unassigned ones."""
    require(user, Capability.LOG_CONTACT)
    callbacks = (Callback.objects.select_related("customer", "request", "assigned_to", "completed_by")
                 .prefetch_related(evidence_prefetch()))
    if user.role in SUPERVISING_ROLES:
        return callbacks
    return callbacks.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))


def _callback_get(user: User, callback_id: int) -> Callback:
    try:
        return callbacks_for_user(user).get(pk=callback_id)
    except Callback.DoesNotExist:
        raise NotFound(_("No such callback.")) from None


@router.get("/callbacks", response=Page[CallbackOut], summary="Callbacks to make (INT-8)",
            description="Oldest first. An agent sees those assigned to them and the unassigned ones; team "
                        "leads and desk managers see all. Filters: `mine` (assigned to me or unassigned), "
                        "`status` (open, done, unreachable, cancelled), `kind` (result, restoration, other), "
                        "`source`. Each shows the customer's opinion and its evidence files." + _ROLES)
def callback_list(request: HttpRequest, filters: Query[CallbackFilters]) -> dict:
    user = current_user(request)
    callbacks = callbacks_for_user(user)
    if filters.mine:
        callbacks = callbacks.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
    if filters.status:
        callbacks = callbacks.filter(status=filters.status)
    if filters.kind:
        callbacks = callbacks.filter(kind=filters.kind)
    if filters.source.strip():
        callbacks = callbacks.filter(source=filters.source.strip())
    return paginate(callbacks.order_by("created_at", "id"), filters)


@router.get("/callbacks/{id:callback_id}", response=CallbackOut, summary="A callback",
            description=_ROLES.strip())
def callback_detail(request: HttpRequest, callback_id: int) -> Callback:
    return _callback_get(current_user(request), callback_id)


@router.post("/callbacks/{id:callback_id}/complete", response=CallbackOut,
             summary="Record a callback's outcome",
             description="The customer was reached (`reached`) or not, and what was said "
                         "(`result`); when reached, the customer's opinion (`satisfaction`: satisfied, "
                         "average, very_poor; required on a `result` callback) and comment "
                         "(`satisfaction_comment`) (CMP-6). The call is kept as an outbound contact. An "
                         "unassigned callback becomes the caller's." + _ROLES)
def callback_complete_endpoint(request: HttpRequest, callback_id: int, payload: CallbackCompleteIn,
                               idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.LOG_CONTACT)

    def complete() -> dict[str, Any]:
        callback_complete(callback=_callback_get(user, callback_id), actor=user, reached=payload.reached,
                          result=payload.result, satisfaction=payload.satisfaction or "",
                          satisfaction_comment=payload.satisfaction_comment)
        return CallbackOut.from_orm(_callback_get(user, callback_id)).model_dump()

    return write(request, payload=payload, idempotency_key=idempotency_key, action=complete, status=200)


@router.post("/callbacks/{id:callback_id}/evidence", response={201: EvidenceOut},
             summary="Attach a recording or a signed confirmation",
             description="Multipart upload of one `file` (CMP-6): a recording of the call (MP3, WAV, "
                         "M4A, AMR, OGG) or the customer's signed confirmation (JPEG, PNG, PDF). What it is "
                         "is read from the content, never from the name; at most the configured size "
                         "(`SERVICEDESK_EVIDENCE_MAX_BYTES`, 20 MB unless set); the same file twice on one "
                         "callback is refused. Any error names `file`." + _ROLES)
def callback_evidence_upload(request: HttpRequest, callback_id: int, file: File[UploadedFile],
                             idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.LOG_CONTACT)

    def attach() -> dict[str, Any]:
        evidence = callback_evidence_add(callback=_callback_get(user, callback_id), actor=user, upload=file)
        return EvidenceOut.from_orm(evidence).model_dump()

    fingerprint = (_UploadFingerprint(name=file.name or "", sha256=upload_digest(file)[0])
                   if idempotency_key is not None else None)
    return write(request, payload=fingerprint, idempotency_key=idempotency_key, action=attach, status=201)


@router.get("/callbacks/{id:callback_id}/evidence/{id:evidence_id}", url_name="callback_evidence_download",
            summary="Download an evidence file",
            description="The file itself, as an attachment, with the type read from its content." + _READERS,
            openapi_extra={"responses": {200: {
                "description": "The file.",
                "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in (
                    "audio/mpeg", "audio/wav", "audio/mp4", "audio/amr", "audio/ogg", "image/jpeg",
                    "image/png", "application/pdf")}}}})
def callback_evidence_file(request: HttpRequest, callback_id: int, evidence_id: int) -> FileResponse:
    evidence = callback_evidence_for_user(current_user(request), evidence_id=evidence_id,
                                          callback_id=callback_id)
    return evidence_download(evidence)


@router.post("/agents/me/availability", response=AvailabilityOut, summary="Available for callbacks, or away",
             description="Only available agents receive new callbacks (INT-8)." + _ROLES)
def agent_availability(request: HttpRequest, payload: AvailabilityIn,
                       idempotency_key: str | None = IdempotencyKey) -> HttpResponse:
    user = current_user(request)
    require(user, Capability.LOG_CONTACT)

    def set_available() -> dict[str, Any]:
        agent = agent_set_available(agent=user, available=payload.available)
        return {"username": agent.username, "available": agent.available,
                "open_callbacks": Callback.objects.filter(assigned_to=agent,
                                                          status=Callback.Status.OPEN).count()}

    return write(request, payload=payload, idempotency_key=idempotency_key, action=set_available, status=200)
