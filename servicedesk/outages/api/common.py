"""What the outage API modules share: who reads outages, the roles line of each description,
and the operationIds as first published."""

from servicedesk.org.roles import Capability, roles_with

# Who reads outages, planned outages and the network: the desk, dispatchers, leadership and
# supervisors (outages_visible). Providers, customers and finance are refused.
SEE_OUTAGES = (Capability.MANAGE_OUTAGES, Capability.LOG_CONTACT, Capability.VIEW_ALL_REQUESTS)
TAKE_CALLS = (Capability.LOG_CONTACT,)


def roles(*capabilities: Capability) -> str:
    return f"\n\n**Roles:** {roles_with(*capabilities)}."


def published_operation_id(name: str) -> str:
    """The endpoint's operationId as published while every outage endpoint lived in one module
    ``outages/api.py`` (ninja derives it from the module and the function): kept, so that clients
    generated from the document keep their method names."""
    return f"servicedesk_outages_api_{name}"
