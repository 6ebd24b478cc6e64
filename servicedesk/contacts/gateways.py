"""Pluggable SMS and voice gateways (INT-8, OUT-6: callers are told of ETR changes and restoration).

A gateway is any class with ``send(message) -> str`` (the gateway's reference for the message),
named in the settings ``SERVICEDESK_SMS_GATEWAY`` and ``SERVICEDESK_VOICE_GATEWAY``. The default
``LoggingGateway`` writes each message to the ``servicedesk.gateway`` log and keeps nothing else:
plug in the operator's SMS platform by writing a class with the same method.
"""

import logging
import uuid
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from servicedesk.contacts.models import Channel, OutboundMessage

logger = logging.getLogger("servicedesk.gateway")


class Gateway(Protocol):
    def send(self, message: OutboundMessage) -> str: ...


class GatewayError(Exception):
    """The gateway refused or failed to take the message; the text is kept on the message."""


class LoggingGateway:
    def send(self, message: OutboundMessage) -> str:
        reference = uuid.uuid4().hex[:16]
        logger.info("%s to %s [%s]: %s", message.channel, message.phone, reference, message.text)
        return reference


class FailingGateway:
    """Refuses every message (tests of the failure path)."""

    def send(self, message: OutboundMessage) -> str:
        raise GatewayError("gateway unavailable")


def gateway_path(channel: str) -> str:
    if channel == Channel.VOICE:
        return str(getattr(settings, "SERVICEDESK_VOICE_GATEWAY",
                           "servicedesk.contacts.gateways.LoggingGateway"))
    return str(getattr(settings, "SERVICEDESK_SMS_GATEWAY", "servicedesk.contacts.gateways.LoggingGateway"))


def gateway_for(channel: str) -> Gateway:
    return import_string(gateway_path(channel))()  # type: ignore[no-any-return]
