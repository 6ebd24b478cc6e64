"""Writes of contact records (INT-1, INT-3, INT-5)."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.contacts.models import Channel, ContactRecord
from servicedesk.core.exceptions import ValidationFailed
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.customers.phones import normalise_phone
from servicedesk.org.models import User
from servicedesk.org.roles import Capability
from servicedesk.tickets.exceptions import ActionNotAllowed
from servicedesk.tickets.models import RequestType

Outcome = ContactRecord.Outcome
ReporterKind = ContactRecord.ReporterKind


def _check_parties(*, reporter_kind: str, customer: Customer | None, service_point: ServicePoint | None,
                   reporter_name: str, reporter_phone: str) -> None:
    errors: dict[str, str] = {}
    if reporter_kind not in ReporterKind.values:
        errors["reporter_kind"] = _("Unknown reporter kind.")
    if reporter_kind == ReporterKind.CUSTOMER and customer is None:
        errors["customer_id"] = _("Choose the customer, or record the caller as a non-customer or unidentified.")
    if reporter_kind == ReporterKind.UNIDENTIFIED and customer is not None:
        errors["customer_id"] = _("An unidentified caller cannot have a customer.")
    if reporter_kind == ReporterKind.NON_CUSTOMER and not (reporter_name.strip() or reporter_phone.strip()):
        errors["reporter_name"] = _("Give the reporter's name or phone (e.g. police officer's number).")
    if service_point is not None and customer is not None and service_point.customer_id not in (None, customer.pk):
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
    request_type: RequestType | None = None,
    notes: str = "",
    answered_on_the_spot: bool = False,
    started_at: datetime.datetime | None = None,
) -> ContactRecord:
    """A checked, unsaved contact record; ``contact_create`` saves it, ``request_create`` saves it
    together with the request it leads to."""
    if not agent.can(Capability.LOG_CONTACT):
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
                _("A %(type)s cannot be closed on the call; create a service request.") % {"type": request_type.name},
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


@transaction.atomic
def contact_create(**arguments: Any) -> ContactRecord:
    """Record one contact (INT-1). ``answered_on_the_spot`` closes it as first-contact resolution
    (INT-5). Takes the keyword arguments of ``contact_build``."""
    contact = contact_build(**arguments)
    contact.save()
    return contact
