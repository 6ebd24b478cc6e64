"""The requests and callers linked to an outage (OUT-6, INT-8): notes on their requests, messages
to their phones, one call per caller."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from servicedesk.contacts.services import MessageDraft
from servicedesk.core.messages import Message
from servicedesk.org.models import User
from servicedesk.outages.models import FaultCall, Outage
from servicedesk.tickets.models import EventKind, RequestEvent, ServiceRequest


def local_time(value: datetime.datetime | None) -> str:
    if value is None:
        return _("not yet known")
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i")


def linked_requests(outage: Outage) -> list[int]:
    return list(FaultCall.objects.filter(outage=outage, request__isnull=False)
                .values_list("request_id", flat=True))


def note_linked_requests(outage: Outage, note: Message, *, actor: User | None = None,
                          request_ids: Iterable[int] | None = None) -> None:
    ids = list(request_ids) if request_ids is not None else linked_requests(outage)
    if not ids:
        return
    now = timezone.now()
    RequestEvent.objects.bulk_create(
        [RequestEvent(request_id=i, at=now, actor=actor, kind=EventKind.NOTE, message=note) for i in ids],
        batch_size=2000)
    ServiceRequest.objects.filter(pk__in=ids).update(updated_at=now)  # the note is the latest change


def linked_callers(outage: Outage) -> list[FaultCall]:
    """One linked call per caller (by customer, else by phone), the latest."""
    seen: set[tuple[str, Any]] = set()
    found: list[FaultCall] = []
    for call in (FaultCall.objects.filter(outage=outage).select_related("contact", "contact__customer")
                 .order_by("-reported_at", "-id")):
        contact = call.contact
        key = ("customer", contact.customer_id) if contact.customer_id else ("phone", contact.reporter_phone)
        if key[1] in (None, "") or key in seen:
            continue
        seen.add(key)
        found.append(call)
    return found


def caller_messages(outage: Outage, text: str) -> list[MessageDraft]:
    drafts = []
    for call in linked_callers(outage):
        contact = call.contact
        customer = contact.customer
        phone = contact.reporter_phone or (customer.mobile or customer.phone if customer else "")
        drafts.append(MessageDraft(phone=phone, text=text, customer_id=contact.customer_id,
                                   contact_id=contact.pk,
                                   source=outage.reference))
    return drafts

