"""The global search (issue 10 item 5, INT-2): one box for any number the desk prints, and the
caller search's phones, names and address fragments.

1. A reference ("SR12", "wo00000007", "CB 3", "O000012", "P4"; any case, leading zeros optional)
   is read into a primary key and fetched through the owning app's access-checking selector.
2. Anything with a digit and no Chinese is also a service point number or a meter number (exact,
   either case) and a reporter's phone on requests; each from a B-tree.
3. Roles that identify callers also get the caller search (phone, account or customer number,
   name, address fragment; ``customers.selectors.caller_search``, answered from its indexes).

Every hit comes through a selector that applies the user's scope, so a provider's staff never see
another provider's work order, and an object outside the scope is simply not found. A result that
is one object found by its own number opens at once (``SearchResult.opens_at_once``).

This app reads every intake app, so it sits below them in the layers (nothing imports it).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.contacts.callbacks_api import callbacks_for_user
from servicedesk.contacts.models import Callback, ContactRecord
from servicedesk.contacts.selectors import contact_list_for_user
from servicedesk.core.exceptions import PermissionRefused, ValidationFailed
from servicedesk.core.references import parse_reference
from servicedesk.customers.models import ServicePoint
from servicedesk.customers.phones import normalise_phone
from servicedesk.customers.selectors import caller_search
from servicedesk.org.models import User
from servicedesk.org.roles import Capability
from servicedesk.outages.models import Outage, PlannedOutage
from servicedesk.outages.selectors import outages_visible
from servicedesk.tickets.models import ServiceRequest
from servicedesk.tickets.selectors import request_list_for_user, work_order_list_for_user

MAX_QUERY_LENGTH = 200
# Hits per kind: the page is for finding one object, not for browsing.
LIMIT_PER_KIND = 20
# The capabilities that see at least one kind of object the search finds.
SEARCH_CAPABILITIES = (
    Capability.SEARCH_CUSTOMERS, Capability.VIEW_ALL_REQUESTS, Capability.VIEW_UNIT_QUEUE,
    Capability.WORK_ON_ORDERS, Capability.MANAGE_OUTAGES, Capability.LOG_CONTACT,
)
# Who may see planned outages: as ``outages_visible`` and the outage pages.
OUTAGE_VIEWERS = (Capability.MANAGE_OUTAGES, Capability.LOG_CONTACT, Capability.VIEW_ALL_REQUESTS)
# A digit and no Chinese: a number of some kind ("E0000000123", "0755-8321 1234").
_NUMBER_LIKE = re.compile(r"^(?=.*\d)[0-9A-Za-z\s+()\-]+$")
# Shortest phone worth looking up on requests (a Chinese landline without area code has 7 digits).
MIN_PHONE_DIGITS = 5

# The kinds, in the order the results page shows them.
KINDS: dict[str, Promise] = {
    "request": gettext_lazy("Service requests"),
    "work_order": gettext_lazy("Work orders"),
    "contact": gettext_lazy("Contact records"),
    "callback": gettext_lazy("Callbacks"),
    "outage": gettext_lazy("Outages"),
    "planned_outage": gettext_lazy("Planned outages"),
    "service_point": gettext_lazy("Service points"),
    "customer": gettext_lazy("Customers"),
}


@dataclass
class SearchHit:
    kind: str  # a key of KINDS
    id: int
    number: str  # the object's own number: "SR00000012", "E0000000123", a customer number
    title: str  # subject, name or address
    detail: str  # status, found by what
    url: str  # the page that shows it; empty when it has none
    by_number: bool  # found by its own number (an exact match opens it at once)


@dataclass
class SearchGroup:
    kind: str
    label: str
    hits: list[SearchHit]


@dataclass
class SearchResult:
    query: str
    hits: list[SearchHit] = field(default_factory=list)

    @property
    def groups(self) -> list[SearchGroup]:
        return [SearchGroup(kind, str(label), [hit for hit in self.hits if hit.kind == kind])
                for kind, label in KINDS.items() if any(hit.kind == kind for hit in self.hits)]

    @property
    def opens_at_once(self) -> SearchHit | None:
        """The one object found by its own number, when nothing else matched the query."""
        if len(self.hits) == 1 and self.hits[0].by_number and self.hits[0].url:
            return self.hits[0]
        return None


def may_search(user: User) -> bool:
    return any(user.can(capability) for capability in SEARCH_CAPABILITIES)


def global_search(user: User, *, query: str, limit: int = LIMIT_PER_KIND) -> SearchResult:
    """Everything the user may see that ``query`` names (see the module's docstring)."""
    if not may_search(user):
        raise PermissionRefused(_("Your role may not use the search."))
    query = query.strip()
    if not query:
        raise ValidationFailed(_("Type a number, a phone, a name or part of an address."), field="q")
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationFailed(_("Type at most %(n)d characters.") % {"n": MAX_QUERY_LENGTH}, field="q")
    result = SearchResult(query=query)
    reference = parse_reference(query)
    if reference is not None:
        result.hits += _by_reference(user, *reference)
    if _NUMBER_LIKE.match(query):
        result.hits += _service_points_by_number(user, query)
        result.hits += _requests_by_reporter_phone(user, query, limit)
    if user.can(Capability.SEARCH_CUSTOMERS):
        result.hits += _callers(query, limit,
                                already={hit.id for hit in result.hits if hit.kind == "service_point"})
    return result


# -- references --------------------------------------------------------------------------------


def _request_hit(service_request: ServiceRequest, *, by_number: bool) -> SearchHit:
    return SearchHit("request", service_request.pk, service_request.reference, service_request.subject,
                     service_request.get_status_display(),
                     reverse("web:request_detail", args=[service_request.pk]), by_number)


def _request(user: User, pk: int) -> list[SearchHit]:
    # The access rule's filter, without the list's joins: a hit shows only the subject and status.
    requests = request_list_for_user(user).select_related(None).filter(pk=pk)
    return [_request_hit(found, by_number=True) for found in requests]


def _work_order(user: User, pk: int) -> list[SearchHit]:
    return [SearchHit("work_order", order.pk, order.reference,
                      f"{order.request.reference} {order.request.subject}",
                      f"{order.get_status_display()} · {order.provider}",
                      reverse("web:work_order_detail", args=[order.pk]), True)
            for order in work_order_list_for_user(user).select_related(None).select_related(
                "request", "provider").filter(pk=pk)]


def _customer_page(customer_id: int | None) -> str:
    return reverse("web:customer_panel", args=[customer_id]) if customer_id else ""


def _contact_page(user: User, contact: ContactRecord) -> str:
    """A contact shows in its customer's history; a caller without a customer, on its request."""
    if contact.customer_id:
        return _customer_page(contact.customer_id)
    if contact.request_id and user.can(Capability.VIEW_ALL_REQUESTS):
        return reverse("web:request_detail", args=[contact.request_id])
    return ""


def _contact(user: User, pk: int) -> list[SearchHit]:
    return [SearchHit("contact", contact.pk, contact.reference,
                      contact.customer.name if contact.customer else contact.reporter_name,
                      f"{contact.get_channel_display()} · {contact.get_outcome_display()}",
                      _contact_page(user, contact), True)
            for contact in (contact_list_for_user(user).select_related(None).select_related("customer")
                            .filter(pk=pk))]


def _callback_page(callback: Callback) -> str:
    """Callbacks have no page of their own: the customer's, else the request's, else the list."""
    if callback.customer_id:
        return _customer_page(callback.customer_id)
    if callback.request_id:
        return reverse("web:request_detail", args=[callback.request_id])
    return reverse("web:callbacks")


def _callback(user: User, pk: int) -> list[SearchHit]:
    return [SearchHit("callback", callback.pk, callback.reference,
                      callback.customer.name if callback.customer else callback.name,
                      f"{callback.get_status_display()} · {callback.reason}", _callback_page(callback), True)
            for callback in (callbacks_for_user(user).select_related(None).select_related("customer")
                             .filter(pk=pk))]


def _outage(user: User, pk: int) -> list[SearchHit]:
    # The rule of outages_visible, without its call counts (three aggregates over the calls).
    visible = outages_visible(user).filter(pk=pk).values("pk")
    return [SearchHit("outage", outage.pk, outage.reference, str(outage.device), outage.get_status_display(),
                      reverse("web:outage_detail", args=[outage.pk]), True)
            for outage in Outage.objects.select_related("device").filter(pk__in=visible)]


def _planned_outage(user: User, pk: int) -> list[SearchHit]:
    if not any(user.can(c) for c in OUTAGE_VIEWERS):
        return []
    return [SearchHit("planned_outage", planned.pk, planned.reference, planned.reason,
                      planned.get_status_display(), reverse("web:planned_detail", args=[planned.pk]), True)
            for planned in PlannedOutage.objects.filter(pk=pk)]


_BY_PREFIX: dict[str, Callable[[User, int], list[SearchHit]]] = {
    "SR": _request, "WO": _work_order, "C": _contact, "CB": _callback, "O": _outage, "P": _planned_outage,
}


def _by_reference(user: User, prefix: str, pk: int) -> list[SearchHit]:
    try:
        return _BY_PREFIX[prefix](user, pk)
    except PermissionRefused:  # the role sees no object of this kind: nothing found
        return []


# -- numbers and phones ------------------------------------------------------------------------


def _service_point_hit(point: ServicePoint, *, detail: str, by_number: bool) -> SearchHit:
    return SearchHit("service_point", point.pk, point.number, point.address, detail,
                     _customer_page(point.customer_id), by_number)


def _service_points_by_number(user: User, query: str) -> list[SearchHit]:
    """Service points by their number or meter number, exact, as typed or in capitals."""
    if not user.can(Capability.SEARCH_CUSTOMERS):
        return []
    compact = re.sub(r"\s+", "", query)
    spellings = sorted({compact, compact.upper()})
    # One statement, two index probes (a BitmapOr on PostgreSQL, a MULTI-INDEX OR on SQLite).
    points = ServicePoint.objects.filter(Q(number__in=spellings) | Q(meter_number__in=spellings))
    return [_service_point_hit(point, by_number=True, detail=(
        _("service point number") if point.number in spellings
        else _("meter number %(number)s") % {"number": point.meter_number}))
        for point in points.order_by("number")[:LIMIT_PER_KIND]]


def _requests_by_reporter_phone(user: User, query: str, limit: int) -> list[SearchHit]:
    """Requests reported from this phone (callers without a customer record among them, INT-3)."""
    if any(ch.isalpha() for ch in query):
        return []
    digits = normalise_phone(query)
    if len(digits) < MIN_PHONE_DIGITS:
        return []
    try:
        requests = request_list_for_user(user).filter(reporter_phone=digits).order_by("-created_at", "-id")
    except PermissionRefused:
        return []
    return [_request_hit(found, by_number=False) for found in requests[:limit]]


# -- callers -----------------------------------------------------------------------------------


def _matched_on(label: str) -> str:
    return {"phone": _("phone"), "account": _("account or customer number"), "name": _("name"),
            "address": _("address")}.get(label, label)


def _callers(query: str, limit: int, *, already: set[int]) -> list[SearchHit]:
    """The caller search's customers; service points without a customer found by address."""
    hits: list[SearchHit] = []
    compact = re.sub(r"\s+", "", query).upper()
    for found in caller_search(query=query, limit=limit):
        if found.customer is not None:
            customer = found.customer
            points = ", ".join(point.number for point in found.service_points[:3])
            hits.append(SearchHit("customer", customer.pk, customer.number, customer.name,
                                  " · ".join(part for part in (_matched_on(found.matched_on), points)
                                             if part),
                                  _customer_page(customer.pk), by_number=customer.number.upper() == compact))
            continue
        hits += [_service_point_hit(point, detail=_matched_on(found.matched_on), by_number=False)
                 for point in found.service_points if point.pk not in already]
    return hits
