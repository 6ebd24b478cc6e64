"""Finding a caller (INT-2): by phone, account number, name or a fragment of a Chinese address.

Every kind of search is answered from an index, on both databases:

- phone: digits-only columns with B-tree indexes (exact match);
- account and customer number: the unique B-tree, exact or as a prefix range;
- name: prefix; PostgreSQL answers from a pg_trgm GIN index, SQLite from a B-tree range;
- address fragment: PostgreSQL's pg_trgm GIN index (the database's ctype must classify CJK as
  letters, see ``check_trigram_cjk``); SQLite's FTS5 table with the trigram tokenizer. Fragments
  shorter than three characters cannot be cut into trigrams and fall back to a bounded scan.
"""

import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from servicedesk.core.exceptions import NotFound, PermissionRefused, ValidationFailed
from servicedesk.customers.models import Account, Customer, ServicePoint
from servicedesk.customers.phones import normalise_phone
from servicedesk.org.models import User
from servicedesk.org.roles import Capability

SEARCH_KINDS = ("auto", "phone", "account", "name", "address")
# Trigram indexes cannot serve a shorter fragment: it would be a scan of every address.
MIN_ADDRESS_FRAGMENT = 3
MIN_NAME_PREFIX = 2
# No CJK and at least one digit: a phone, account or customer number ("A000123", "0755-8321 1234").
_NUMBER_LIKE = re.compile(r"^(?=.*\d)[0-9A-Za-z\s+()\-]+$")


@dataclass
class CallerHit:
    """One line of the search result: a customer (if any) and the service points that matched."""

    customer: Customer | None
    matched_on: str
    service_points: list[ServicePoint] = field(default_factory=list)


def _prefix_upper_bound(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _customers_by_phone(digits: str) -> QuerySet[Customer]:
    return Customer.objects.filter(Q(phone=digits) | Q(mobile=digits))


def _customers_by_number(number: str) -> QuerySet[Customer]:
    # Two small index lookups, then the customers by primary key: an OR of the customer number
    # and an account subquery makes PostgreSQL scan the whole customer table.
    ids = list(Customer.objects.filter(number=number).values_list("pk", flat=True)[:1])
    ids += Account.objects.filter(number__gte=number, number__lt=_prefix_upper_bound(number)).order_by(
        "number").values_list("customer_id", flat=True)[:50]
    return Customer.objects.filter(pk__in=ids)


def _customers_by_name(name: str) -> QuerySet[Customer]:
    if connection.vendor == "postgresql":
        return Customer.objects.filter(name__startswith=name)
    return Customer.objects.filter(name__gte=name, name__lt=_prefix_upper_bound(name))


def service_points_by_address(fragment: str) -> QuerySet[ServicePoint]:
    """Service points whose address contains ``fragment`` (at least MIN_ADDRESS_FRAGMENT characters)."""
    fragment = fragment.strip()
    if len(fragment) < MIN_ADDRESS_FRAGMENT:
        raise ValidationFailed(
            _("Type at least %(n)d characters of the address.") % {"n": MIN_ADDRESS_FRAGMENT}, field="q"
        )
    if connection.vendor == "sqlite":
        phrase = '"' + fragment.replace('"', '""') + '"'
        return ServicePoint.objects.filter(
            pk__in=RawSQL("SELECT rowid FROM customers_servicepoint_fts WHERE "
                          "customers_servicepoint_fts MATCH %s",
                          [phrase])
        )
    return ServicePoint.objects.filter(address__contains=fragment)


def _with_points(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    return customers.select_related("key_account_manager").prefetch_related(
        "flags", Prefetch("service_points", queryset=ServicePoint.objects.order_by("number"))
    )


def guess_kind(query: str) -> str:
    if _NUMBER_LIKE.match(query):
        return "digits"
    return "text"


def caller_search(*, query: str, kind: str = "auto", limit: int = 20) -> list[CallerHit]:
    """Search callers; ``kind`` narrows to one kind of search, ``auto`` guesses from the text."""
    query = query.strip()
    if not query:
        return []
    if kind == "auto":
        kind = guess_kind(query)
    hits: list[CallerHit] = []
    seen: set[int] = set()

    def add_customers(customers: QuerySet[Customer], matched_on: str) -> None:
        for customer in _with_points(customers)[:limit]:
            if customer.pk not in seen:
                seen.add(customer.pk)
                hits.append(CallerHit(customer=customer, matched_on=matched_on,
                                      service_points=list(customer.service_points.all())))

    if kind in ("digits", "phone"):
        digits = normalise_phone(query)
        has_letters = any(ch.isalpha() for ch in query)
        if digits and (kind == "phone" or not has_letters):
            add_customers(_customers_by_phone(digits), "phone")
    if kind in ("digits", "account"):
        add_customers(_customers_by_number(query.replace(" ", "")), "account")
    if kind in ("text", "name"):
        if len(query) < MIN_NAME_PREFIX:
            raise ValidationFailed(_("Type at least %(n)d characters of the name.") % {"n": MIN_NAME_PREFIX},
                                   field="q")
        add_customers(_customers_by_name(query), "name")
    # A two-character text is a name ("张伟"); an address fragment needs three for its index.
    if kind == "address" or (kind == "text" and len(query) >= MIN_ADDRESS_FRAGMENT):
        points = service_points_by_address(query).select_related("customer", "customer__key_account_manager")
        by_customer: dict[int | None, CallerHit] = {}
        for point in points[:limit]:
            owner = point.customer
            key = owner.pk if owner else -point.pk
            if owner is not None and owner.pk in seen and key not in by_customer:
                continue
            if key not in by_customer:
                by_customer[key] = CallerHit(customer=owner, matched_on="address")
                hits.append(by_customer[key])
                if owner is not None:
                    seen.add(owner.pk)
            by_customer[key].service_points.append(point)
    return hits[:limit]


def customer_get(customer_id: int) -> Customer:
    return (
        Customer.objects.select_related("key_account_manager")
        .prefetch_related(
            "flags",
            Prefetch("accounts", queryset=Account.objects.order_by("number")),
            Prefetch("service_points",
                     queryset=ServicePoint.objects.select_related("account").order_by("number")),
        )
        .get(pk=customer_id)
    )


def check_trigram_cjk() -> bool:
    """True when PostgreSQL's pg_trgm cuts Chinese text into trigrams under this database's locale.

    Under a C / POSIX ctype pg_trgm treats CJK characters as non-word characters and the address
    index would silently find nothing; `servicedesk doctor` and the system checks report it.
    """
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_length(show_trgm(%s), 1)", ["福田路"])
        (count,) = cursor.fetchone()
    return bool(count)


def _may_see_customer(user: User, customer_id: int | None) -> bool:
    """Staff who identify callers see every customer; a self-service customer only themselves.

    Raises PermissionRefused for roles with neither right, so they get 403 rather than 404.
    """
    if user.can(Capability.SEARCH_CUSTOMERS):
        return True
    if user.can(Capability.VIEW_OWN_REQUESTS) and user.customer_id:
        return customer_id is not None and customer_id == user.customer_id
    raise PermissionRefused(_("Your role may not see customers."))


def customer_get_for_user(user: User, customer_id: int) -> Customer:
    if not _may_see_customer(user, customer_id):
        raise NotFound(_("No such customer."))
    try:
        return customer_get(customer_id)
    except Customer.DoesNotExist:
        raise NotFound(_("No such customer.")) from None


def service_point_get_for_user(user: User, service_point_id: int) -> ServicePoint:
    point = (
        ServicePoint.objects.select_related("customer", "account").filter(pk=service_point_id).first()
    )
    if point is None or not _may_see_customer(user, point.customer_id):
        raise NotFound(_("No such service point."))
    return point
