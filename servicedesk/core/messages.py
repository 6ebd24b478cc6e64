"""Texts the system writes at the moment of an action, rendered in the reader's language when read.

A history note ("Work order WO… to <provider>"), a notification title, what the agent told the
caller: each is stored as what happened, ``{"key": <message key>, "params": {...}}`` (a JSON
column ``message`` beside the ``reason`` a person typed), and turned into text by ``render`` in
the active language of whoever reads it. Rows written before the key was stored keep their text.

Parameters are plain values (references, numbers) or one of:

- ``{"zh": …, "en": …}``: a bilingual name (a provider, a request type, a script), shown in the
  reader's language (``bilingual``);
- ``{"msgid": …}``: a label of the code's own (a target kind, a status), translated when read
  (``label``);
- ``{"time": <ISO 8601>}``: a moment, shown in Asia/Shanghai as ``Y-m-d H:i`` (``moment``);
- ``{"key": …, "params": …}``: another message, rendered in place;
- ``{"text": …}``: free text a person typed (a cause, a reason) or about a customer (an address):
  shown as typed, and marked ``data-customer-text`` in HTML so that a check of the interface's
  language can tell it from the interface (``typed``).

Building a message costs no query and no translation (the hot paths write them); rendering is a
dictionary lookup, one gettext and one ``%``.
"""

import datetime
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_lazy

Message = dict[str, Any]

# The registry: each key and its template, with named parameters. The English texts are the
# msgids of the catalogue (their translations are in locale/zh_Hans).
MESSAGES: dict[str, Any] = {
    # Service requests and work orders (tickets.services)
    "request_created_from_contact": gettext_lazy("Created from contact %(ref)s"),
    "work_order_dispatched": gettext_lazy("Work order %(ref)s to %(provider)s"),
    "work_order_started": gettext_lazy("Work order %(ref)s started on site"),
    "work_order_completed": gettext_lazy("Work order %(ref)s completed"),
    "work_order_none_left": gettext_lazy("No work order left: %(ref)s was cancelled"),
    # Callbacks (INT-5): why the desk calls a customer back (tickets.services)
    "callback_result": gettext_lazy("Tell the customer the result of %(ref)s"),
    "callback_result_note": gettext_lazy("Tell the customer the result of %(ref)s: %(resolution)s"),
    # Outages (outages.lifecycle, outages.workflow)
    "outage_estimated_completion": gettext_lazy("Estimated completion of outage %(ref)s"),
    "outage_confirmed": gettext_lazy("Outage %(ref)s confirmed: %(cause)s"),
    "outage_declared": gettext_lazy("Outage %(ref)s declared: %(cause)s"),
    "outage_grouped": gettext_lazy("Grouped into predicted outage %(ref)s (%(device)s)"),
    "outage_new_etr": gettext_lazy("New ETR for outage %(ref)s"),
    "outage_rejected": gettext_lazy("Predicted outage %(ref)s rejected: %(reason)s"),
    "outage_merged": gettext_lazy("Outage %(source)s merged into %(target)s"),
    "outage_merged_into": gettext_lazy("Merged into outage %(ref)s"),
    "outage_restored": gettext_lazy("Supply restored (outage %(ref)s)"),
    "outage_restored_note": gettext_lazy("Supply restored (outage %(ref)s): %(note)s"),
    # Satisfaction surveys (surveys.services): the callback that asks the customer
    "survey_callback": gettext_lazy("Satisfaction survey of request %(ref)s: ask the customer the questions"),
    # SLA warnings (sla.services)
    "sla_time_used": gettext_lazy("%(percent)d %% of the time used: %(target)s of %(subject)s"),
    "sla_overdue": gettext_lazy("Overdue (%(percent)d %%): %(target)s of %(subject)s"),
    # What the agent tells a fault caller (outages.fault_calls, 004)
    "tell_unidentified": gettext_lazy(
        "The caller and the place could not be identified: the call is recorded; ask them to call back "
        "with the address or account number."),
    "tell_cut_unpaid": gettext_lazy(
        "Supply was cut for unpaid bills: %(owed)s yuan is owed. Once it is paid (hall, app or bank), "
        "reconnection is arranged within 24 hours."),
    "tell_cut_move_in": gettext_lazy(
        "Supply was cut because nobody registered after the previous occupant moved out: register the "
        "move-in at a service hall or in the app, with ID and the tenancy or deed, to be reconnected."),
    "tell_suspended": gettext_lazy(
        "Supply is suspended at the customer's request: ask for resumption to restore it."),
    "tell_closed": gettext_lazy("This service point is closed: a new connection must be applied for."),
    "tell_planned": gettext_lazy("A planned outage is in force here: %(reason)s, from %(start)s to %(end)s."),
    "tell_planned_notice": gettext_lazy("A written notice was given on %(date)s."),
    "tell_outage_confirmed": gettext_lazy(
        "A known outage affects this address (%(ref)s): %(cause)s. Supply is expected back by %(etr)s. "
        "Your call is recorded and you will be told when it is restored."),
    "tell_outage_predicted": gettext_lazy(
        "Other customers nearby have reported the same fault (%(ref)s); a crew is being arranged. "
        "Your call is recorded and you will be told when supply is back."),
    "tell_self_help": gettext_lazy("Solved on the call with the self-check “%(script)s”."),
    "tell_work_request": gettext_lazy(
        "A repair request %(ref)s is sent to the dispatcher; the first estimate for the repair is "
        "%(eta)s. We will call back with the result."),
}


def message(key: str, **params: Any) -> Message:
    """What happened, to store: the key of a registered template and its parameters."""
    if key not in MESSAGES:
        raise KeyError(f"Unknown message key {key!r}")
    return {"key": key, "params": params}


def bilingual(obj: Any) -> dict[str, str]:
    """A parameter naming an object with ``name`` and ``name_en`` (org.models.BilingualNameMixin)."""
    return {"zh": obj.name, "en": getattr(obj, "name_en", "") or ""}


def label(text: Any) -> dict[str, str]:
    """A parameter that is one of the code's labels (a lazy gettext): its msgid, translated when read."""
    args = getattr(text, "_args", None)  # a lazy gettext keeps its msgid
    return {"msgid": args[0] if args else str(text)}


def moment(value: datetime.datetime | None) -> dict[str, str | None]:
    return {"time": value.isoformat() if value is not None else None}


def typed(text: str) -> dict[str, str]:
    return {"text": text}


def _param(value: Any, *, html: bool) -> Any:
    if not isinstance(value, dict):
        return conditional_escape(value) if html and isinstance(value, str) else value
    if "zh" in value:
        english = (get_language() or "").startswith("en")
        text = value.get("en") if english and value.get("en") else value.get("zh", "")
        return conditional_escape(str(text or "")) if html else text
    if "msgid" in value:
        text = gettext(value["msgid"])
        return conditional_escape(str(text or "")) if html else text
    if "time" in value:
        when = parse_datetime(value["time"]) if value["time"] else None
        text = (formats.date_format(timezone.localtime(when), "Y-m-d H:i") if when
                else gettext("not yet known"))
        return conditional_escape(str(text or "")) if html else text
    if "text" in value:
        return format_html('<span data-customer-text="">{}</span>', value["text"]) if html else value["text"]
    if "key" in value:  # a message within a message ("Major complaint CP…: <the rule's reason>")
        return _render(value, html=html) or ""
    return value


def _render(stored: Message | None, *, html: bool) -> str | None:
    if not stored or not isinstance(stored, dict):
        return None
    template = MESSAGES.get(stored.get("key", ""))
    if template is None:
        return None
    params = {name: _param(value, html=html) for name, value in (stored.get("params") or {}).items()}
    try:
        text = str(template) % params
    except (KeyError, TypeError, ValueError):
        text = str(template)
    # A message may continue with others (a planned outage, then its written notice).
    more = [_render(part, html=html) for part in stored.get("more") or []]
    text = " ".join([text, *(part for part in more if part)])
    return mark_safe(text) if html else text  # noqa: S308 - parameters escaped above


def render(stored: Message | None, fallback: str = "") -> str:
    """The stored message in the active language; ``fallback`` (the text stored before the key
    was, or what a person typed) when there is none."""
    text = _render(stored, html=False)
    return fallback if text is None else text


def render_html(stored: Message | None, fallback: str = "") -> SafeString:
    """As ``render``, for a page: typed parameters are wrapped in ``data-customer-text``."""
    text = _render(stored, html=True)
    if text is None:
        return format_html('<span data-customer-text="">{}</span>', fallback) if fallback else mark_safe("")
    return mark_safe(text)  # noqa: S308 - built from escaped parts
