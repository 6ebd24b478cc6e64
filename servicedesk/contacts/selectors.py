"""Reads of contact records: a customer's whole history, shared by every agent (004 step 9)."""

import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from servicedesk.contacts.models import Callback, CallbackEvidence, ContactRecord
from servicedesk.core.exceptions import NotFound, PermissionRefused
from servicedesk.customers.models import Customer
from servicedesk.customers.phones import normalise_phone
from servicedesk.org.models import User
from servicedesk.org.roles import Capability


def contact_history(*, customer_id: int | None = None, reporter_phone: str = "") -> QuerySet[ContactRecord]:
    contacts = ContactRecord.objects.select_related(
        "agent", "service_point", "request_type", "request", "request__request_type"
    ).order_by("-started_at", "-id")
    if customer_id is not None:
        return contacts.filter(customer_id=customer_id)
    return contacts.filter(reporter_phone=reporter_phone)


def contact_list_for_user(user: User) -> QuerySet[ContactRecord]:
    """Every contact record: the history is shared by everyone who identifies callers (004 step 9)."""
    if not user.can(Capability.SEARCH_CUSTOMERS):
        raise PermissionRefused(_("Your role may not see contact records."))
    return ContactRecord.objects.select_related(
        "agent", "customer", "service_point", "request_type", "request"
    )


def contact_search(
    user: User,
    *,
    customer_id: int | None = None,
    reporter_phone: str = "",
    channel: str = "",
    outcome: str = "",
    started_after: datetime.datetime | None = None,
    started_before: datetime.datetime | None = None,
) -> QuerySet[ContactRecord]:
    """The contacts the user may see, filtered, newest first (ties broken by id)."""
    contacts = contact_list_for_user(user)
    if customer_id is not None:
        contacts = contacts.filter(customer_id=customer_id)
    if reporter_phone.strip():
        contacts = contacts.filter(reporter_phone=normalise_phone(reporter_phone))
    if channel:
        contacts = contacts.filter(channel=channel)
    if outcome:
        contacts = contacts.filter(outcome=outcome)
    if started_after is not None:
        contacts = contacts.filter(started_at__gte=started_after)
    if started_before is not None:
        contacts = contacts.filter(started_at__lt=started_before)
    return contacts.order_by("-started_at", "-id")


def contact_get_for_user(user: User, contact_id: int) -> ContactRecord:
    try:
        return contact_list_for_user(user).get(pk=contact_id)
    except ContactRecord.DoesNotExist:
        raise NotFound(_("No such contact record.")) from None


def topics() -> QuerySet[Any]:
    """What a contact can be about: the request types. The catalogue belongs to the tickets app,
    which builds on contacts; contacts reach it through their foreign key instead of an import."""
    topic = ContactRecord._meta.get_field("request_type").related_model
    assert topic is not None and not isinstance(topic, str)
    return topic._default_manager.all()


def pending_contacts(customer: Customer | None) -> QuerySet[ContactRecord]:
    """Contacts of this caller that may still get a request: not answered, no request yet."""
    contacts = (ContactRecord.objects.filter(request__isnull=True)
                .exclude(outcome=ContactRecord.Outcome.ANSWERED))
    if customer is None:
        return contacts.filter(customer__isnull=True)
    return contacts.filter(customer=customer)


def contacts_of_request(request_id: int) -> QuerySet[ContactRecord]:
    """The contacts linked to a request, oldest first, with their agent and service point (for a
    page that has already checked the request may be seen)."""
    return (ContactRecord.objects.filter(request_id=request_id).select_related("agent", "service_point")
            .order_by("started_at", "id"))


# ----------------------------------------------------------------------------------------------
# Callbacks' evidence (CMP-6)


def evidence_prefetch() -> Prefetch:
    """A callback's evidence files, oldest first, with who uploaded them (for ``prefetch_related``)."""
    return Prefetch("evidence", queryset=CallbackEvidence.objects.select_related("uploaded_by")
                    .order_by("uploaded_at", "id"))


def callback_evidence_for_user(user: User, *, evidence_id: int,
                               callback_id: int | None = None) -> CallbackEvidence:
    """An evidence file a user may download: those who read every request (desk roles, leadership,
    quality supervisors, administrators) and the callback's assignee. Anyone else, provider staff
    and customers included, is told there is no such file (404)."""
    evidence = CallbackEvidence.objects.select_related("callback")
    if not user.can(Capability.VIEW_ALL_REQUESTS):
        if not user.is_active:
            raise NotFound(_("No such file."))
        evidence = evidence.filter(callback__assigned_to=user)
    if callback_id is not None:
        evidence = evidence.filter(callback_id=callback_id)
    found = evidence.filter(pk=evidence_id).first()
    if found is None:
        raise NotFound(_("No such file."))
    return found


def result_callbacks_of_request(request_id: int) -> list[Callback]:
    """The calls that told (or are to tell) the customer a request's result (INT-5), oldest first,
    with their evidence; for a page that has checked the reader sees every request."""
    return list(Callback.objects.filter(request_id=request_id, kind=Callback.Kind.RESULT)
                .select_related("assigned_to", "completed_by").prefetch_related(evidence_prefetch())
                .order_by("created_at", "id"))
