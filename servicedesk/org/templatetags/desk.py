"""Template helpers of the web desk: ``{% if user|can:"dispatch" %}`` shows what a role may do.

The check is the same capability table the views enforce (servicedesk.org.roles); templates only
hide what the views would refuse anyway.
"""

from django import template

from servicedesk.org.roles import Capability, user_can

register = template.Library()


@register.filter
def can(user: object, capability: str) -> bool:
    return user_can(user, Capability(capability))


@register.filter
def can_any(user: object, capabilities: str) -> bool:
    """``user|can_any:"view_all_requests,view_unit_queue"``."""
    return any(user_can(user, Capability(name.strip())) for name in capabilities.split(","))
