"""Writes of contact records (INT-1, INT-3, INT-5)."""

import datetime
import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.contacts.callback_hooks import callback_completed
from servicedesk.contacts.evidence import evidence_type, upload_digest
from servicedesk.contacts.gateways import GatewayError, gateway_for, gateway_path
from servicedesk.contacts.models import (
    Callback,
    CallbackEvidence,
    Channel,
    ContactRecord,
    OutboundMessage,
    evidence_path,
    evidence_storage,
)
from servicedesk.core.exceptions import ActionNotAllowed, ValidationFailed
from servicedesk.core.transactions import unit
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.customers.phones import normalise_phone, phone_problem
from servicedesk.org.models import User
from servicedesk.org.roles import Capability, Role

if TYPE_CHECKING:
    from servicedesk.tickets.models import RequestType

Outcome = ContactRecord.Outcome
ReporterKind = ContactRecord.ReporterKind


def _check_parties(*, reporter_kind: str, customer: Customer | None, service_point: ServicePoint | None,
                   reporter_name: str, reporter_phone: str) -> None:
    errors: dict[str, str] = {}
    if reporter_kind not in ReporterKind.values:
        errors["reporter_kind"] = _("Unknown reporter kind.")
    if reporter_kind == ReporterKind.CUSTOMER and customer is None:
        errors["customer_id"] = _("Choose the customer, or record the caller as a non-customer "
                                  "or unidentified.")
    if reporter_kind == ReporterKind.UNIDENTIFIED and customer is not None:
        errors["customer_id"] = _("An unidentified caller cannot have a customer.")
    if reporter_kind == ReporterKind.NON_CUSTOMER and not (reporter_name.strip() or reporter_phone.strip()):
        errors["reporter_name"] = _("Give the reporter's name or phone (e.g. police officer's number).")
    if (problem := phone_problem(reporter_phone)) is not None:
        errors["reporter_phone"] = problem
    if (service_point is not None and customer is not None
            and service_point.customer_id not in (None, customer.pk)):
        errors["service_point_id"] = _("This service point does not belong to the chosen customer.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors=errors)


def contact_build(
    *,
    agent: User,
    channel: str = Channel.PHONE,
    direction: str = ContactRecord.Direction.INBOUND,
    reporter_kind: str = ReporterKind.CUSTOMER,
    customer: Customer | None = None,
    service_point: ServicePoint | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    request_type: "RequestType | None" = None,
    notes: str = "",
    answered_on_the_spot: bool = False,
    started_at: datetime.datetime | None = None,
    check_role: bool = True,
) -> ContactRecord:
    """A checked, unsaved contact record; ``contact_create`` saves it, ``request_create`` saves it
    together with the request it leads to."""
    if check_role and not agent.can(Capability.LOG_CONTACT):
        raise ActionNotAllowed(_("Your role may not record contacts."))
    if channel not in Channel.values:
        raise ValidationFailed(_("Unknown channel."), field="channel")
    if direction not in ContactRecord.Direction.values:
        raise ValidationFailed(_("Direction must be in or out."), field="direction")
    if service_point is not None and customer is None and reporter_kind == ReporterKind.CUSTOMER:
        customer = service_point.customer
    _check_parties(reporter_kind=reporter_kind, customer=customer, service_point=service_point,
                   reporter_name=reporter_name, reporter_phone=reporter_phone)
    if answered_on_the_spot:
        if request_type is None:
            raise ValidationFailed(_("Say what the caller asked about."), field="request_type")
        if not request_type.answerable_on_contact:
            raise ValidationFailed(
                _("A %(type)s cannot be closed on the call; create a "
                  "service request.") % {"type": request_type.display_name},
                field="request_type",
            )
    contact = ContactRecord(
        channel=channel,
        direction=direction,
        started_at=started_at or timezone.now(),
        agent=agent,
        reporter_kind=reporter_kind,
        reporter_name=reporter_name.strip()[:100],
        reporter_phone=normalise_phone(reporter_phone),
        customer=customer,
        service_point=service_point,
        request_type=request_type,
        notes=notes.strip(),
        outcome=Outcome.ANSWERED if answered_on_the_spot else Outcome.INFORMATION_RECORDED,
        first_contact_resolution=answered_on_the_spot,
    )
    return contact


@unit()
def contact_create(**arguments: Any) -> ContactRecord:
    """Record one contact (INT-1). ``answered_on_the_spot`` closes it as first-contact resolution
    (INT-5). Takes the keyword arguments of ``contact_build``."""
    contact = contact_build(**arguments)
    contact.save()
    return contact


# ----------------------------------------------------------------------------------------------
# Callbacks (INT-8) and outbound messages


@dataclass(frozen=True)
class CallbackDraft:
    reason: str
    kind: str = Callback.Kind.OTHER
    source: str = ""
    message: dict[str, Any] = field(default_factory=dict)  # the reason as what happened (core.messages)
    contact: ContactRecord | None = None
    customer: Customer | None = None
    request_id: int | None = None
    name: str = ""
    phone: str = ""


# Who may record a callback assigned to someone else (a colleague is away).
SUPERVISING_ROLES = (Role.TEAM_LEAD, Role.DESK_MANAGER, Role.ADMINISTRATOR)


def _available_agents() -> list[tuple[int, int]]:
    """(agent id, open callbacks) of the agents at their desk, least loaded first."""
    agents = (User.objects.filter(role=Role.AGENT, is_active=True, available=True)
              .annotate(load=Count("callbacks", filter=Q(callbacks__status=Callback.Status.OPEN)))
              .order_by("load", "id").values_list("id", "load"))
    return list(agents)


def callbacks_create(drafts: Iterable[CallbackDraft], *,
                     at: datetime.datetime | None = None) -> list[Callback]:
    """Create callbacks and route them (INT-8): a key account to its key account manager, anyone
    else to the available agent with the fewest open callbacks; none available → the team's
    unassigned queue (any agent may take it)."""
    at = at or timezone.now()
    loads = _available_agents()
    heap = [(load, agent_id) for agent_id, load in loads]
    heapq.heapify(heap)
    callbacks: list[Callback] = []
    for draft in drafts:
        customer = draft.customer
        assignee: int | None = None
        if customer is not None and customer.key_account_manager_id is not None:
            assignee = customer.key_account_manager_id
        elif heap:
            load, agent_id = heapq.heappop(heap)
            assignee = agent_id
            heapq.heappush(heap, (load + 1, agent_id))
        callbacks.append(Callback(
            kind=draft.kind, reason=draft.reason[:200], message=draft.message, source=draft.source,
            contact=draft.contact,
            customer=customer,
            request_id=draft.request_id, name=draft.name[:100], phone=normalise_phone(draft.phone),
            assigned_to_id=assignee, created_at=at,
        ))
    return Callback.objects.bulk_create(callbacks, batch_size=2000)


def result_callback_create(draft: CallbackDraft) -> Callback | None:
    """The call that tells a customer how their request ended (INT-5), routed as every callback is;
    none while the request's previous result callback is still to be made (the request was reopened
    and resolved again before anyone called). Runs in the caller's transaction, which holds the
    request's row (the unique constraint on open result callbacks backs this check)."""
    if draft.request_id is None:
        raise ValueError("A result callback names its request.")
    if Callback.objects.filter(request_id=draft.request_id, kind=Callback.Kind.RESULT,
                               status=Callback.Status.OPEN).exists():
        return None
    created, = callbacks_create([replace(draft, kind=Callback.Kind.RESULT)])
    return created


def _check_may_record(callback: Callback, actor: User) -> None:
    if not actor.can(Capability.LOG_CONTACT):
        raise ActionNotAllowed(_("Your role may not record contacts."))
    if callback.assigned_to_id not in (None, actor.pk) and actor.role not in SUPERVISING_ROLES:
        raise ActionNotAllowed(_("This callback is assigned to someone else."))


def _check_opinion(callback: Callback, *, reached: bool, satisfaction: str, comment: str) -> None:
    """CMP-6: the customer's opinion is heard only when they were reached; a result callback must
    record it."""
    if satisfaction and satisfaction not in Callback.Satisfaction.values:
        raise ValidationFailed(_("Choose satisfied, average or very poor."), field="satisfaction")
    if not reached and (satisfaction or comment):
        raise ValidationFailed(_("The customer was not reached: there is no opinion to record."),
                               field="satisfaction" if satisfaction else "satisfaction_comment")
    if reached and not satisfaction and callback.kind == Callback.Kind.RESULT:
        raise ValidationFailed(_("Record whether the customer is satisfied with the result."),
                               field="satisfaction")


@unit()
def callback_complete(*, callback: Callback, actor: User, reached: bool, result: str = "",
                      satisfaction: str = "", satisfaction_comment: str = "") -> Callback:
    """Record the outcome of a callback and, when the customer was reached, their opinion (CMP-6:
    satisfied / average / very poor, with a comment; required on a result callback). The call
    itself is kept as an outbound contact; the handlers registered with
    ``callback_hooks.on_callback_completed`` run last, in this transaction."""
    if not actor.can(Capability.LOG_CONTACT):
        raise ActionNotAllowed(_("Your role may not record contacts."))
    locked = Callback.objects.select_for_update().get(pk=callback.pk)
    if locked.status != Callback.Status.OPEN:
        raise ValidationFailed(_("This callback is already done."), field="status")
    _check_may_record(locked, actor)
    satisfaction, satisfaction_comment = satisfaction.strip(), satisfaction_comment.strip()
    _check_opinion(locked, reached=reached, satisfaction=satisfaction, comment=satisfaction_comment)
    locked.status = Callback.Status.DONE if reached else Callback.Status.UNREACHABLE
    locked.result = result.strip()
    locked.satisfaction = satisfaction
    locked.satisfaction_comment = satisfaction_comment
    locked.completed_at = timezone.now()
    locked.completed_by = actor
    if locked.assigned_to_id is None:
        locked.assigned_to = actor
    locked.save()
    notes = _("Callback %(ref)s: %(reason)s") % {"ref": locked.reference, "reason": locked.display_reason}
    if locked.result:
        notes += f"\n{locked.result}"
    if locked.satisfaction:
        notes += "\n" + _("Customer's opinion: %(opinion)s") % {"opinion": locked.get_satisfaction_display()}
        if locked.satisfaction_comment:
            notes += f" ({locked.satisfaction_comment})"
    ContactRecord.objects.create(
        channel=Channel.PHONE, direction=ContactRecord.Direction.OUTBOUND, agent=actor,
        reporter_kind=ReporterKind.CUSTOMER if locked.customer_id else ReporterKind.NON_CUSTOMER,
        reporter_name=locked.name, reporter_phone=locked.phone, customer_id=locked.customer_id,
        request_id=locked.request_id, notes=notes, outcome=Outcome.INFORMATION_RECORDED,
    )
    callback_completed(locked)
    return locked


@unit()
def callback_evidence_add(*, callback: Callback, actor: User, upload: UploadedFile) -> CallbackEvidence:
    """Attach a recording of the call or the customer's signed confirmation to a callback (CMP-6;
    002 §5 (三) 2 (6)), during the call or after it. What it is is read from the content, not
    the name; at most ``SERVICEDESK_EVIDENCE_MAX_BYTES``. Who may: those who may record the callback.

    The stored name is the content's hash, so the file a rolled-back upload left behind is the one
    a retry of it finds and keeps."""
    locked = Callback.objects.select_for_update().get(pk=callback.pk)
    _check_may_record(locked, actor)
    if locked.status == Callback.Status.CANCELLED:
        raise ValidationFailed(_("This callback was cancelled."), field="status")
    limit = settings.SERVICEDESK_EVIDENCE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationFailed(_("The file is larger than %(size)s MB.") % {"size": limit // (1024 * 1024)},
                               field="file")
    digest, size, head = upload_digest(upload)
    if size == 0:
        raise ValidationFailed(_("The file is empty."), field="file")
    if size > limit:
        raise ValidationFailed(_("The file is larger than %(size)s MB.") % {"size": limit // (1024 * 1024)},
                               field="file")
    found = evidence_type(head)
    if locked.evidence.filter(sha256=digest).exists():
        raise ValidationFailed(_("This file is already attached to the callback."), field="file")
    evidence = CallbackEvidence(callback=locked, kind=found.kind, content_type=found.content_type, size=size,
                                sha256=digest, original_name=(upload.name or "").strip()[-200:],
                                uploaded_by=actor)
    stored_name = f"{digest}.{found.extension}"
    path = evidence_path(evidence, stored_name)
    if evidence_storage().exists(path):
        evidence.file.name = path
    else:
        evidence.file.save(stored_name, upload, save=False)
    evidence.save()
    return evidence


@unit()
def agent_set_available(*, agent: User, available: bool) -> User:
    """An agent at the desk (or away): only available agents receive new callbacks (INT-8)."""
    User.objects.filter(pk=agent.pk).update(available=available)
    agent.available = available
    return agent


@dataclass(frozen=True)
class MessageDraft:
    phone: str
    text: str
    channel: str = Channel.SMS
    customer_id: int | None = None
    contact_id: int | None = None
    source: str = ""


def messages_queue(drafts: Iterable[MessageDraft]) -> list[OutboundMessage]:
    """Queue messages to callers; the worker sends them through the gateway after commit."""
    messages = [
        OutboundMessage(channel=d.channel, phone=normalise_phone(d.phone), text=d.text,
                        customer_id=d.customer_id,
                        contact_id=d.contact_id, source=d.source, gateway=gateway_path(d.channel))
        for d in drafts if normalise_phone(d.phone)
    ]
    created = OutboundMessage.objects.bulk_create(messages, batch_size=2000)
    ids = [m.pk for m in created if m.pk is not None]
    if len(ids) != len(created):  # backends that do not return ids from bulk inserts
        ids = list(OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED)
                   .order_by("-id").values_list("id", flat=True)[:len(created)])
    if ids:
        def enqueue() -> None:
            from servicedesk.contacts.tasks import messages_send_task

            for start in range(0, len(ids), 500):
                messages_send_task(ids[start:start + 500])

        transaction.on_commit(enqueue)
    return created


def messages_send(message_ids: list[int]) -> int:
    """Send queued messages through their gateway; each is marked sent or failed (with the error)
    once. Returns how many were sent."""
    sent = 0
    for message_id in message_ids:
        with unit():
            message = (OutboundMessage.objects.select_for_update()
                       .filter(pk=message_id, status=OutboundMessage.Status.QUEUED).first())
            if message is None:
                continue
            try:
                message.gateway_reference = gateway_for(message.channel).send(message)[:100]
                message.status = OutboundMessage.Status.SENT
                message.sent_at = timezone.now()
                sent += 1
            except GatewayError as error:
                message.status = OutboundMessage.Status.FAILED
                message.error = str(error)
            message.save(update_fields=["gateway_reference", "status", "sent_at", "error"])
    return sent
