"""Reads of contact records: a customer's whole history, shared by every agent (004 step 9)."""

from django.db.models import QuerySet

from servicedesk.contacts.models import ContactRecord


def contact_history(*, customer_id: int | None = None, reporter_phone: str = "") -> QuerySet[ContactRecord]:
    contacts = ContactRecord.objects.select_related(
        "agent", "service_point", "request_type", "request", "request__request_type"
    ).order_by("-started_at", "-id")
    if customer_id is not None:
        return contacts.filter(customer_id=customer_id)
    return contacts.filter(reporter_phone=reporter_phone)
