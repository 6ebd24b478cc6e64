"""Every write of complaints (CMP-1..CMP-6): take, repeats, major flags, ownership, joint dispatch,
answer, the customer's opinion (close or reopen until satisfied), withdraw.

Each service runs in one transaction, checks who acts, and writes the complaint's history; the
complaint's own clocks are its request's (tickets), its parts' clocks are their own (``timing``).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.complaints.history import complaint_event
from servicedesk.complaints.major import major_reasons
from servicedesk.complaints.models import (
    Complaint,
    ComplaintRules,
)
from servicedesk.complaints.repeats import Matter, repeat_candidates
from servicedesk.complaints.workflow import OWNER
from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.core.exceptions import ActionNotAllowed, Conflict, ValidationFailed
from servicedesk.core.messages import Message, message, typed
from servicedesk.core.transactions import unit
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.org.models import Provider, User
from servicedesk.org.roles import Capability, Role
from servicedesk.sla.models import Notification
from servicedesk.sla.services import enqueue_email
from servicedesk.tickets.models import Priority, ServiceRequest, WorkOrder
from servicedesk.tickets.services import (
    request_assign,
    request_create,
    request_escalate,
)


def complaint_rules() -> ComplaintRules:
    rules = ComplaintRules.objects.select_related("request_type").first()
    if rules is None:
        raise ValidationFailed(
            _(
                "The complaint desk is not set up: an administrator must choose the request "
                "type of complaints."
            ),
            field="request_type",
        )
    return rules


@dataclass(frozen=True)
class ComplaintInput:
    """What the complainant said (002's annex: who complains, where, about what and whom)."""

    topic: str
    description: str
    channel: str = Channel.PHONE
    customer: Customer | None = None
    service_point: ServicePoint | None = None
    reporter_kind: str = ContactRecord.ReporterKind.CUSTOMER
    complainant_kind: str = Complaint.ComplainantKind.PERSON
    reporter_name: str = ""
    reporter_phone: str = ""
    district: str = ""
    subject: str = ""
    against: str = Complaint.Against.UTILITY
    provider: Provider | None = None
    about_request: ServiceRequest | None = None
    about_work_order: WorkOrder | None = None
    contact: ContactRecord | None = None
    # CMP-2: the agent saw "this is a repeat of …" and says it is not, with a reason.
    not_repeat_of: int | None = None
    not_repeat_reason: str = ""


def _check_about(data: ComplaintInput) -> ComplaintInput:
    """The work order belongs to the request; the provider complained about is the work order's
    when not given; a complaint against a provider names it."""
    about_request, provider = data.about_request, data.provider
    order = data.about_work_order
    if order is not None:
        if about_request is not None and order.request_id != about_request.pk:
            raise ValidationFailed(
                _("This work order is not part of the request complained about."), field="about_work_order_id"
            )
        about_request = about_request or order.request
        if data.against == Complaint.Against.PROVIDER and provider is None:
            provider = order.provider
    if data.against not in Complaint.Against.values:
        raise ValidationFailed(_("Say whom the complaint is against."), field="against")
    if data.against == Complaint.Against.PROVIDER and provider is None:
        raise ValidationFailed(_("Name the provider complained about."), field="provider_id")
    if data.against == Complaint.Against.UTILITY:
        provider = None
    if data.complainant_kind not in Complaint.ComplainantKind.values:
        raise ValidationFailed(_("Unknown kind of complainant."), field="complainant_kind")
    if not data.description.strip():
        raise ValidationFailed(_("Write down what the complaint is about."), field="description")
    return ComplaintInput(**{**data.__dict__, "about_request": about_request, "provider": provider})


def _topic_choices(rules: ComplaintRules) -> list[str]:
    field = rules.request_type.fields.filter(key=rules.topic_field).first()
    return [str(c.get("value")) for c in (field.choices if field is not None else []) if isinstance(c, dict)]


def complaint_matter(data: ComplaintInput) -> Matter:
    customer = data.customer or (data.service_point.customer if data.service_point is not None else None)
    order = data.about_work_order
    return Matter(
        customer_id=customer.pk if customer is not None else None,
        phone=data.reporter_phone,
        about_request_id=(
            data.about_request.pk
            if data.about_request is not None
            else order.request_id
            if order is not None
            else None
        ),
        about_work_order_id=order.pk if order is not None else None,
        service_point_id=data.service_point.pk if data.service_point is not None else None,
        topic=data.topic,
    )


def repeat_preview(data: ComplaintInput) -> Complaint | None:
    """CMP-2: the complaint a new one with these details would repeat (shown before saving)."""
    rules = complaint_rules()
    return repeat_candidates(
        complaint_matter(data), now=timezone.now(), window_days=rules.repeat_window_days
    ).first()


@unit()
def complaint_take(data: ComplaintInput, *, actor: User) -> Complaint:
    """Take a complaint from any channel (CMP-1); whoever takes it owns it to the end (CMP-4).

    1. the request of the complaint type (its reply and resolution clocks, its history);
    2. the complaint, owned by the taker, their unit or their partner;
    3. a repeat of an earlier complaint about the same matter is linked, counted and raises the
       priority, unless the agent says why it is not one (CMP-2);
    4. the major-complaint rules are applied (CMP-3).
    """
    if not actor.can(Capability.TAKE_COMPLAINTS):
        raise ActionNotAllowed(_("Your role may not take complaints."))
    rules = complaint_rules()
    data = _check_about(data)
    if data.topic not in _topic_choices(rules):
        raise ValidationFailed(_("Choose what the complaint is about."), field="topic")
    earlier = repeat_candidates(
        complaint_matter(data), now=timezone.now(), window_days=rules.repeat_window_days
    ).first()
    request = request_create(
        actor=actor,
        request_type=rules.request_type,
        channel=data.channel,
        customer=data.customer,
        service_point=data.service_point,
        reporter_kind=data.reporter_kind,
        reporter_name=data.reporter_name,
        reporter_phone=data.reporter_phone,
        district=data.district,
        subject=data.subject,
        description=data.description,
        attributes={rules.topic_field: data.topic},
        contact=data.contact,
        check_role=False,  # authorised above: a partner's staff may take complaints (002 §5.3)
    )
    complaint = Complaint.objects.create(
        request=request,
        topic=data.topic,
        against=data.against,
        provider=data.provider,
        about_request=data.about_request,
        about_work_order=data.about_work_order,
        complainant_kind=data.complainant_kind,
        owner=actor,
        owner_unit=actor.unit,
        owner_provider=actor.provider,
    )
    complaint_event(
        complaint,
        actor=actor,
        action="take",
        to_status=complaint.status,
        message=message("complaint_taken", ref=complaint.reference),
    )
    if earlier is not None:
        if data.not_repeat_of == earlier.pk:
            if not data.not_repeat_reason.strip():
                raise ValidationFailed(
                    _("Say why this is not a repeat of %(ref)s.") % {"ref": earlier.reference},
                    field="not_repeat_reason",
                )
            complaint_event(
                complaint,
                actor=actor,
                action="not_repeat",
                message=message(
                    "complaint_repeat_unlinked",
                    ref=earlier.reference,
                    reason=typed(data.not_repeat_reason.strip()),
                ),
            )
        else:
            _link_repeat(complaint, earlier)
    major_rules_apply(complaint)
    return complaint


def _link_repeat(complaint: Complaint, earlier: Complaint) -> None:
    """CMP-2: linked, counted along the chain, and one priority level higher per repeat."""
    complaint.repeat_of = earlier
    complaint.repeat_depth = earlier.repeat_depth + 1
    complaint.save(update_fields=["repeat_of", "repeat_depth"])
    note = message("complaint_repeat_of", ref=earlier.reference, depth=complaint.repeat_depth)
    complaint_event(
        complaint, actor=None, action="repeat", changes={"repeat_of": (None, earlier.pk)}, message=note
    )
    complaint_event(
        earlier,
        actor=None,
        action="repeated",
        message=message("complaint_repeat_of", ref=complaint.reference, depth=complaint.repeat_depth),
    )
    raised = max(Priority.URGENT, min(complaint.request.priority, earlier.request.priority) - 1)
    request_escalate(request=complaint.request, priority=raised, note=note)


def major_rules_apply(complaint: Complaint) -> None:
    reasons = major_reasons(complaint)
    known = {str(r) for r in complaint.major_reasons}
    new = [r for r in reasons if str(r) not in known]
    if new:
        _flag_major(complaint, new, actor=None)


def _flag_major(complaint: Complaint, reasons: list[Message], *, actor: User | None) -> None:
    """Flag (or add reasons to) a major complaint; the desk managers are told at once (CMP-3)."""
    first = not complaint.major
    complaint.major = True
    complaint.major_reasons = [*complaint.major_reasons, *reasons]
    if first:
        complaint.major_at = timezone.now()
    complaint.save(update_fields=["major", "major_reasons", "major_at"])
    for reason in reasons:
        complaint_event(complaint, actor=actor, action="major", message=reason)
    if first:
        _notify_managers(complaint, reasons[0])


def _notify_managers(complaint: Complaint, why: Message) -> None:
    from django.urls import reverse

    from servicedesk.core.messages import render

    note = message("complaint_major_notice", ref=complaint.reference, why=why)
    managers = User.objects.filter(role=Role.DESK_MANAGER, is_active=True)
    Notification.objects.bulk_create(
        [
            Notification(
                user=manager,
                title=render(note)[:200],
                message=note,
                link=reverse("web:complaint_detail", args=[complaint.pk]),
            )
            for manager in managers
        ]
    )
    transaction.on_commit(enqueue_email)


@unit()
def complaint_flag_major(*, complaint: Complaint, actor: User, reason: str) -> Complaint:
    """CMP-3 by hand: anyone on the desk may flag a complaint major, with a reason."""
    if not actor.can(Capability.HANDLE_REQUEST):
        raise ActionNotAllowed(_("Your role may not flag complaints."))
    if not reason.strip():
        raise ValidationFailed(_("Say why the complaint is major."), field="reason")
    locked = locked_complaint(complaint)
    _flag_major(locked, [message("complaint_major_by_hand", reason=typed(reason.strip()))], actor=actor)
    return locked


def locked_complaint(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("request", "request__customer")
        .get(pk=complaint.pk)
    )


def owner_role(complaint: Complaint, actor: User) -> str:
    """OWNER when the actor owns the complaint or supervises the desk (CMP-4); else refused."""
    if complaint.owner_id == actor.pk or actor.can(Capability.SUPERVISE_COMPLAINTS):
        return OWNER
    if actor.provider_id is not None and complaint.owner_provider_id == actor.provider_id:
        return OWNER  # a partner's complaint: any of its staff follows it
    raise ActionNotAllowed(
        _("Only the owner of complaint %(ref)s or a team lead may do this.") % {"ref": complaint.reference}
    )


@unit()
def complaint_transfer(*, complaint: Complaint, actor: User, to: User, reason: str) -> Complaint:
    """CMP-4: ownership passes on only by a team lead's explicit, recorded act."""
    if not actor.can(Capability.SUPERVISE_COMPLAINTS):
        raise ActionNotAllowed(_("Only a team lead may pass a complaint to another owner."))
    if not reason.strip():
        raise ValidationFailed(_("Say why the complaint changes owner."), field="reason")
    if not to.is_active or not to.can(Capability.TAKE_COMPLAINTS):
        raise ValidationFailed(
            _("%(name)s cannot own complaints.") % {"name": to.display_name}, field="owner_id"
        )
    locked = locked_complaint(complaint)
    if not locked.is_open:
        raise Conflict(_("Complaint %(ref)s is finished.") % {"ref": locked.reference}, field="status")
    old = locked.owner
    if old.pk == to.pk:
        return locked
    locked.owner, locked.owner_unit, locked.owner_provider = to, to.unit, to.provider
    locked.save(update_fields=["owner", "owner_unit", "owner_provider"])
    note = message(
        "complaint_owner_changed",
        old=typed(old.display_name),
        new=typed(to.display_name),
        reason=typed(reason.strip()),
    )
    complaint_event(locked, actor=actor, action="transfer", changes={"owner": (old.pk, to.pk)}, message=note)
    request_assign(request=locked.request, assignee=to, actor=actor, note=note)
    return locked
