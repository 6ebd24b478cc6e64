"""Roles (SPEC "Roles") and the capabilities each one has.

A capability is a verb the code checks (``user_can(user, Capability.DISPATCH)``); a role is a set
of capabilities. Object-level rules (a provider sees only its own work orders, a customer only
their own requests, a dispatcher the queue of their units) live in the selectors.
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    TEAM_LEAD = "team_lead", _("Team lead")
    DESK_MANAGER = "desk_manager", _("Desk manager")
    LEADERSHIP = "leadership", _("Leadership")
    KEY_ACCOUNT_MANAGER = "key_account_manager", _("Key account manager")
    DISPATCHER = "dispatcher", _("Dispatcher")
    PROVIDER_STAFF = "provider_staff", _("Provider staff")
    QUALITY_SUPERVISOR = "quality_supervisor", _("Quality supervisor")
    FINANCE = "finance", _("Finance")
    ADMINISTRATOR = "administrator", _("Administrator")
    CUSTOMER = "customer", _("Customer")


class Capability(StrEnum):
    SEARCH_CUSTOMERS = "search_customers"  # INT-2: find callers, see their history
    LOG_CONTACT = "log_contact"  # INT-1: record a contact
    CREATE_REQUEST = "create_request"  # INT-4
    VIEW_ALL_REQUESTS = "view_all_requests"  # read every request and work order
    VIEW_UNIT_QUEUE = "view_unit_queue"  # dispatcher: requests of their units
    HANDLE_REQUEST = "handle_request"  # accept, resolve, close, reopen, cancel
    DISPATCH = "dispatch"  # create work orders, dispatch requests
    WORK_ON_ORDERS = "work_on_orders"  # provider staff: accept, start, complete own work orders
    VIEW_OWN_REQUESTS = "view_own_requests"  # customer self-service
    MANAGE_OUTAGES = "manage_outages"  # OUT-2/3/6: planned outages, confirm/reject/merge, ETR, restore
    TAKE_COMPLAINTS = "take_complaints"  # CMP-1: the desk, and a partner's staff (002 §5.3)
    SUPERVISE_COMPLAINTS = "supervise_complaints"  # CMP-3/4: pass ownership on, close unsatisfied
    RECORD_REFUNDS = "record_refunds"  # CMP-7
    VIEW_QUALITY = "view_quality"  # SUR-3: satisfaction and the quality targets against their figures
    ADMINISTER = "administer"


_DESK = {
    Capability.SEARCH_CUSTOMERS,
    Capability.LOG_CONTACT,
    Capability.CREATE_REQUEST,
    Capability.VIEW_ALL_REQUESTS,
    Capability.HANDLE_REQUEST,
    Capability.TAKE_COMPLAINTS,
}
_SUPERVISOR = {Capability.SUPERVISE_COMPLAINTS, Capability.RECORD_REFUNDS}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.AGENT: frozenset(_DESK),
    Role.TEAM_LEAD: frozenset(_DESK | _SUPERVISOR),
    Role.DESK_MANAGER: frozenset(_DESK | _SUPERVISOR | {Capability.VIEW_QUALITY}),
    Role.KEY_ACCOUNT_MANAGER: frozenset(_DESK),
    Role.LEADERSHIP: frozenset({Capability.SEARCH_CUSTOMERS, Capability.VIEW_ALL_REQUESTS,
                                Capability.VIEW_QUALITY}),
    Role.QUALITY_SUPERVISOR: frozenset({Capability.SEARCH_CUSTOMERS, Capability.VIEW_ALL_REQUESTS,
                                        Capability.VIEW_QUALITY}),
    Role.DISPATCHER: frozenset(
        {Capability.SEARCH_CUSTOMERS, Capability.VIEW_UNIT_QUEUE, Capability.DISPATCH,
         Capability.HANDLE_REQUEST, Capability.MANAGE_OUTAGES}
    ),
    Role.PROVIDER_STAFF: frozenset({Capability.WORK_ON_ORDERS, Capability.TAKE_COMPLAINTS}),
    Role.FINANCE: frozenset(),
    Role.ADMINISTRATOR: (frozenset(set(Capability))
                         - {Capability.VIEW_OWN_REQUESTS, Capability.WORK_ON_ORDERS}),
    Role.CUSTOMER: frozenset({Capability.VIEW_OWN_REQUESTS}),
}


def user_can(user: object, capability: Capability) -> bool:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return capability in ROLE_CAPABILITIES.get(getattr(user, "role", ""), frozenset())


def roles_with(*capabilities: Capability) -> str:
    """The roles holding any of ``capabilities``, for the OpenAPI descriptions (always in step with
    ROLE_CAPABILITIES)."""
    roles = [str(role) for role, held in ROLE_CAPABILITIES.items() if any(c in held for c in capabilities)]
    return ", ".join(roles)
