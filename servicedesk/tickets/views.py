"""Web pages of service requests and work orders: create from the desk, detail with timeline and
actions, the request list, the dispatcher's queue, and the providers' work orders.

Each view parses its input, fetches through a selector (which applies the role's scope), calls
one service and renders. Refusals: see servicedesk.core.views.page.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.contacts.selectors import contacts_of_request, result_callbacks_of_request
from servicedesk.core.exceptions import Conflict, ValidationFailed
from servicedesk.core.messages import render_html
from servicedesk.core.templatetags.typed_text import typed_html
from servicedesk.core.views import page, show_domain_errors
from servicedesk.org.models import User
from servicedesk.org.roles import Capability, Role
from servicedesk.org.selectors import provider_names, unit_names
from servicedesk.sla.models import TimerState
from servicedesk.sla.selectors import (
    SLA_FILTERS,
    sla_view,
    subject_clocks,
)
from servicedesk.tickets.forms import (
    WORK_ORDER_ERROR_FIELDS,
    NoteForm,
    ReclassifyForm,
    RequestFilterForm,
    SeverityForm,
    WorkOrderForm,
    choice_label,
    field_label,
)
from servicedesk.tickets.models import (
    OPEN_REQUEST_STATUSES,
    OPEN_WORK_ORDER_STATUSES,
    EventKind,
    Priority,
    RequestEvent,
    RequestStatus,
    RequestType,
    RequestTypeField,
    ServiceRequest,
    Severity,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderStatus,
)
from servicedesk.tickets.selectors import (
    dispatch_queue,
    request_get_for_user,
    request_search,
    work_order_get_for_user,
    work_order_list_for_user,
)
from servicedesk.tickets.services import (
    request_add_note,
    request_reclassify,
    request_set_severity,
    request_transition,
    work_order_create,
    work_order_transition,
)
from servicedesk.tickets.workflow import (
    REQUEST_TRANSITIONS,
    WORK_ORDER_TRANSITIONS,
    Transition,
    available_actions,
)

PAGE_SIZE = 25

# Everyone whom request_list_for_user gives a scope.
REQUEST_READERS = (Capability.VIEW_ALL_REQUESTS, Capability.VIEW_UNIT_QUEUE, Capability.WORK_ON_ORDERS,
                   Capability.VIEW_OWN_REQUESTS)
# The staff's request list: a customer has their own page (customer_views.my_requests).
REQUEST_LIST_READERS = (Capability.VIEW_ALL_REQUESTS, Capability.VIEW_UNIT_QUEUE, Capability.WORK_ON_ORDERS)
WORK_ORDER_READERS = (Capability.VIEW_ALL_REQUESTS, Capability.VIEW_UNIT_QUEUE, Capability.WORK_ON_ORDERS)

CHANGE_LABELS = {
    "priority": gettext_lazy("Priority"),
    "responsible_unit": gettext_lazy("Responsible unit"),
    "routing_rule": gettext_lazy("Routing rule"),
    "estimated_completion_at": gettext_lazy("Estimated completion"),
    "work_order": gettext_lazy("Work order"),
    "provider": gettext_lazy("Provider"),
    "promised_end_at": gettext_lazy("Promised end"),
    "severity": gettext_lazy("Severity level"),
    "attributes": gettext_lazy("Type fields"),
}
# Changes told as a sentence rather than "label: old → new".
CHANGE_SENTENCES = {
    "request_type": gettext_lazy("Type changed from %(old)s to %(new)s"),
}
# What a change with an action of its own is called in the timeline.
CHANGE_ACTIONS = {"reclassify": gettext_lazy("Request type changed")}


# ----------------------------------------------------------------------------------------------
# Display helpers


@dataclass
class ActionButton:
    name: str
    label: str
    reason_required: bool
    error: str = ""


def _action_buttons(transitions: dict[str, Transition], status: str, user: User,
                    errors: dict[str, str] | None = None) -> list[ActionButton]:
    """The workflow's next steps from this status that this user's role may take."""
    buttons = []
    for name in available_actions(transitions, status):
        transition = transitions[name]
        if transition.capability is not None and user.can(transition.capability):
            buttons.append(ActionButton(name=name, label=str(transition.label),
                                        reason_required=transition.reason_required,
                                        error=(errors or {}).get(name, "")))
    return buttons


@dataclass
class TimelineRow:
    at: datetime.datetime
    actor: str
    kind: str
    action: str
    from_status: str
    to_status: str
    reason: str  # the note: what the system said (in the reader's language) or what a person typed (marked)
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)  # changes told as a sentence (CHANGE_SENTENCES)


def _status_label(choices: type[RequestStatus] | type[WorkOrderStatus], value: str) -> str:
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@dataclass
class _Names:
    """What a batch of history rows names by id or code, in the reader's language."""

    units: dict[int, str] = field(default_factory=dict)
    providers: dict[str, str] = field(default_factory=dict)
    types: dict[int, RequestType] = field(default_factory=dict)


def _history_names(events: list[RequestEvent] | list[WorkOrderEvent]) -> _Names:
    unit_ids: set[int] = set()
    type_ids: set[int] = set()
    for event in events:
        changes = event.changes or {}
        unit_ids.update(v for v in changes.get("responsible_unit") or [] if isinstance(v, int))
        type_ids.update(v for v in changes.get("request_type") or [] if isinstance(v, int))
    types = ({t.pk: t for t in RequestType.objects.filter(pk__in=type_ids).prefetch_related("fields")}
             if type_ids else {})
    return _Names(units=unit_names(unit_ids), types=types, providers=provider_names(
        {(e.changes or {}).get("provider", [None, None])[1] for e in events} - {None}))


def _attributes_text(request_type: RequestType | None, attributes: Any) -> str:
    """Type fields as people read them: "label value unit", by the type's labels and choices."""
    if not isinstance(attributes, dict) or not attributes:
        return "—"
    definitions = {f.key: f for f in request_type.fields.all()} if request_type else {}
    parts = []
    for key, value in attributes.items():
        definition = definitions.get(key)
        if definition is None:
            parts.append(f"{key} {value}")
        elif definition.kind == RequestTypeField.Kind.CHOICE:
            parts.append(f"{field_label(definition)} {choice_label(definition, value)}")
        elif definition.kind == RequestTypeField.Kind.BOOLEAN:
            parts.append(f"{field_label(definition)} {_('Yes') if value else _('No')}")
        else:
            parts.append(f"{field_label(definition)} {value} {definition.unit}".strip())
    return "; ".join(parts)


def _change_value(key: str, value: Any, names: _Names) -> str:
    if value is None or value == "":
        return "—"
    if key == "priority":
        try:
            return str(Priority(int(value)).label)
        except (TypeError, ValueError):
            return str(value)
    if key == "severity":
        try:
            return str(Severity(int(value)).label)
        except (TypeError, ValueError):
            return str(value)
    if key == "request_type" and isinstance(value, int):
        found = names.types.get(value)
        return found.display_name if found else "—"
    units, providers = names.units, names.providers
    if key == "responsible_unit" and isinstance(value, int):
        return units.get(value, str(value))
    if key == "provider" and isinstance(value, str):
        return providers.get(value, value)
    if key == "routing_rule":
        return typed_html(value)  # the rule's name, as its administrator wrote it
    if key.endswith("_at") and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _timeline(events: list[RequestEvent] | list[WorkOrderEvent], *, statuses: Any,
              transitions: dict[str, Transition], hide_internal: bool = False) -> list[TimelineRow]:
    """History rows as people read them: labels instead of codes, names instead of ids."""
    names = _history_names(events)
    rows = []
    for event in events:
        if hide_internal and event.kind == EventKind.NOTE:
            continue
        transition = transitions.get(event.action)
        action = str(transition.label) if transition and event.kind == EventKind.TRANSITION else ""
        if event.kind == EventKind.CHANGE and event.action in CHANGE_ACTIONS:
            action = str(CHANGE_ACTIONS[event.action])
        changes, sentences = _told_changes(event.changes or {}, names)
        if hide_internal:
            actor = ""
        else:
            actor = event.actor.display_name if event.actor else _("System")
        rows.append(TimelineRow(
            at=event.at, actor=actor, kind=str(EventKind(event.kind).label) if event.kind in EventKind.values
            else event.kind, action=action,
            from_status=_status_label(statuses, event.from_status),
            to_status=_status_label(statuses, event.to_status),
            reason=_event_note(event), changes=changes, sentences=sentences,
        ))
    return rows


def _told_changes(changes: dict[str, Any], names: _Names) -> tuple[list[tuple[str, str, str]], list[str]]:
    """A history row's changes: (label, old, new) rows, and those told as a sentence."""
    pairs = {key: pair for key, pair in changes.items()
             # A change from nothing to nothing (e.g. no promised end given) says nothing.
             if isinstance(pair, list | tuple) and len(pair) == 2 and pair != [None, None]}
    old_type, new_type = ((names.types.get(v) if isinstance(v, int) else None)
                          for v in pairs.get("request_type", [None, None]))
    rows, sentences = [], []
    for key, (old, new) in pairs.items():
        if key == "attributes":  # the type fields, each read by its own type's labels
            rows.append((str(CHANGE_LABELS[key]), _attributes_text(old_type, old),
                         _attributes_text(new_type or old_type, new)))
        elif key in CHANGE_SENTENCES:
            sentences.append(str(CHANGE_SENTENCES[key]) % {"old": _change_value(key, old, names),
                                                           "new": _change_value(key, new, names)})
        else:
            rows.append((str(CHANGE_LABELS.get(key, key)), _change_value(key, old, names),
                         _change_value(key, new, names)))
    return rows, sentences


def _event_note(event: RequestEvent | WorkOrderEvent) -> str:
    """The system's message in the reader's language, else the typed text (marked as typed, with
    its line breaks)."""
    if event.message:
        return render_html(event.message, event.reason)
    if not event.reason:
        return ""
    return format_html('<span data-customer-text="">{}</span>', linebreaksbr(event.reason))


def _type_fields(service_request: ServiceRequest) -> list[tuple[str, str]]:
    """The request's type fields with their labels, in the type's order (unknown keys last)."""
    attributes = dict(service_request.attributes or {})
    shown: list[tuple[str, str]] = []
    for definition in service_request.request_type.fields.all():
        if definition.key not in attributes:
            continue
        value = attributes.pop(definition.key)
        if definition.kind == RequestTypeField.Kind.CHOICE:
            text = choice_label(definition, value)
        elif definition.kind == RequestTypeField.Kind.BOOLEAN:
            text = _("Yes") if value else _("No")
        else:
            text = f"{value} {definition.unit}".strip()
        shown.append((field_label(definition), text))
    shown.extend((key, str(value)) for key, value in attributes.items())
    return shown


def _paginate(request: HttpRequest, items: QuerySet[Any]) -> tuple[Page, str]:
    """One page of ``items`` and the query string (without ``page``) for the page links."""
    page_obj = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page_obj, query.urlencode()


# ----------------------------------------------------------------------------------------------
# Request detail and its actions


def _render_request(request: HttpRequest, service_request: ServiceRequest, *, status: int = 200,
                    action_errors: dict[str, str] | None = None, work_order_form: WorkOrderForm | None = None,
                    note_form: NoteForm | None = None, severity_form: SeverityForm | None = None,
                    reclassify_form: ReclassifyForm | None = None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    # Customers follow their own requests but not the desk's internal notes and names.
    is_customer = user.role == Role.CUSTOMER
    may_dispatch = user.can(Capability.DISPATCH) and service_request.is_open
    if may_dispatch and work_order_form is None:
        work_order_form = WorkOrderForm(initial={"crew_type": service_request.crew_type})
    may_note = user.can(Capability.HANDLE_REQUEST) or user.can(Capability.DISPATCH)
    may_classify = may_note and service_request.is_open  # severity and type (request_set_severity, …)
    contacts = contacts_of_request(service_request.pk)
    # INT-5, CMP-6: how the customer was told the result and what they thought, for the desk only.
    result_callbacks = (result_callbacks_of_request(service_request.pk)
                        if user.can(Capability.VIEW_ALL_REQUESTS) else [])
    context = {
        "service_request": service_request,
        "type_fields": _type_fields(service_request),
        "timeline": _timeline(list(service_request.events.all()), statuses=RequestStatus,
                              transitions=REQUEST_TRANSITIONS, hide_internal=is_customer),
        "actions": _action_buttons(REQUEST_TRANSITIONS, service_request.status, user, action_errors),
        "contacts": [] if is_customer else list(contacts),
        "work_orders": list(service_request.work_orders.all()),
        "work_order_form": work_order_form if may_dispatch else None,
        "note_form": (note_form or NoteForm()) if may_note else None,
        # A form sent back with its errors is shown even if the request has finished meanwhile.
        "severity_form": severity_form if severity_form is not None else (
            SeverityForm(initial={"severity": service_request.severity}) if may_classify else None),
        "reclassify_form": reclassify_form if reclassify_form is not None else (
            ReclassifyForm(service_request=service_request) if may_classify else None),
        "is_customer": is_customer,
        "clocks": [] if is_customer else subject_clocks("request", service_request.pk),
        "result_callbacks": result_callbacks,
    }
    return render(request, "tickets/request_detail.html", context, status=status)


@page(*REQUEST_READERS)
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    """A request with its type fields, priority and reasons, routing, contacts, work orders,
    timeline, and the actions this user may take.

    Roles: desk roles, leadership, quality supervisor, administrator (all requests); dispatcher
    (requests of their units); provider staff (requests behind their provider's work orders);
    customer (their own, without internal notes). Refused: finance.
    """
    service_request = request_get_for_user(request.user, request_id, with_timeline=True)  # type: ignore[arg-type]
    return _render_request(request, service_request)


@require_POST
@page(Capability.HANDLE_REQUEST, Capability.DISPATCH)
def request_action(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    """Take one workflow step (accept, resolve, close, reopen, cancel, return…), with a reason where required.

    Roles: desk roles and dispatchers (the transitions table says which step needs what).
    """
    service_request = request_get_for_user(request.user, request_id)  # type: ignore[arg-type]
    try:
        request_transition(request=service_request, action=action, actor=request.user,  # type: ignore[arg-type]
                           reason=request.POST.get("reason", ""))
    except (ValidationFailed, Conflict) as error:
        refreshed = request_get_for_user(request.user, request_id, with_timeline=True)  # type: ignore[arg-type]
        return _render_request(request, refreshed, status=422, action_errors={action: error.message})
    messages.success(request, _("Request %(ref)s: %(status)s.") % {
        "ref": service_request.reference, "status": service_request.get_status_display()})
    return redirect("web:request_detail", request_id=request_id)


@require_POST
@page(Capability.HANDLE_REQUEST, Capability.DISPATCH)
def request_note(request: HttpRequest, request_id: int) -> HttpResponse:
    """Add a note to the request's timeline. Roles: desk roles and dispatchers."""
    service_request = request_get_for_user(request.user, request_id)  # type: ignore[arg-type]
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            request_add_note(request=service_request, actor=request.user, text=form.cleaned_data["text"])  # type: ignore[arg-type]
        except ValidationFailed as error:
            show_domain_errors(form, error)
        else:
            messages.success(request, _("Note added."))
            return redirect("web:request_detail", request_id=request_id)
    refreshed = request_get_for_user(request.user, request_id, with_timeline=True)  # type: ignore[arg-type]
    return _render_request(request, refreshed, status=422, note_form=form)


@require_POST
@page(Capability.HANDLE_REQUEST, Capability.DISPATCH)
def request_severity(request: HttpRequest, request_id: int) -> HttpResponse:
    """Rate the request's severity level 1/2/3, or clear it, with a reason (SLA-2: the clocks follow).

    Roles: desk roles and dispatchers (within their scope). Refused: everyone else.
    """
    service_request = request_get_for_user(request.user, request_id)  # type: ignore[arg-type]
    form = SeverityForm(request.POST)
    if form.is_valid():
        try:
            request_set_severity(request=service_request, actor=request.user,  # type: ignore[arg-type]
                                 severity=form.cleaned_data["severity"], reason=form.cleaned_data["reason"])
        except ValidationFailed as error:
            show_domain_errors(form, error)
        else:
            messages.success(request, _("Severity level saved."))
            return redirect("web:request_detail", request_id=request_id)
    refreshed = request_get_for_user(request.user, request_id, with_timeline=True)  # type: ignore[arg-type]
    return _render_request(request, refreshed, status=422, severity_form=form)


@require_POST
@page(Capability.HANDLE_REQUEST, Capability.DISPATCH)
def request_reclassify_view(request: HttpRequest, request_id: int) -> HttpResponse:
    """Change a wrongly chosen request type, with a reason; the routing stays (SLA-2: the clocks
    of the new type's policy replace the old one's). The new type's fields come back to be
    completed when it asks for more than the request has.

    Roles: desk roles and dispatchers (within their scope). Refused: everyone else.
    """
    service_request = request_get_for_user(request.user, request_id)  # type: ignore[arg-type]
    form = ReclassifyForm(request.POST, service_request=service_request)
    if form.is_valid():
        try:
            request_reclassify(request=service_request, actor=request.user,  # type: ignore[arg-type]
                               request_type=form.cleaned_data["request_type"],
                               attributes=form.attribute_values(), reason=form.cleaned_data["reason"])
        except ValidationFailed as error:
            show_domain_errors(form, error, form.error_fields())
        else:
            messages.success(request, _("Request type changed."))
            return redirect("web:request_detail", request_id=request_id)
    refreshed = request_get_for_user(request.user, request_id, with_timeline=True)  # type: ignore[arg-type]
    return _render_request(request, refreshed, status=422, reclassify_form=form)


@require_POST
@page(Capability.DISPATCH)
def work_order_new(request: HttpRequest, request_id: int) -> HttpResponse:
    """Dispatch a work order for this request to a provider. Roles: dispatcher, administrator."""
    service_request = request_get_for_user(request.user, request_id)  # type: ignore[arg-type]
    form = WorkOrderForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            work_order = work_order_create(
                request=service_request, actor=request.user, provider=data["provider"],  # type: ignore[arg-type]
                crew_type=data["crew_type"], instructions=data["instructions"],
                promised_end_at=data["promised_end_at"],
            )
        except (ValidationFailed, Conflict) as error:
            show_domain_errors(form, error, WORK_ORDER_ERROR_FIELDS)
        else:
            messages.success(request, _("Work order %(ref)s sent to %(provider)s.") % {
                "ref": work_order.reference, "provider": work_order.provider.display_name})
            return redirect("web:request_detail", request_id=request_id)
    refreshed = request_get_for_user(request.user, request_id, with_timeline=True)  # type: ignore[arg-type]
    return _render_request(request, refreshed, status=422, work_order_form=form)


# ----------------------------------------------------------------------------------------------
# Lists


@page(*REQUEST_LIST_READERS)
def request_list(request: HttpRequest) -> HttpResponse:
    """Requests in this user's scope, filtered by status, priority, type and unit and searched by
    number, subject or reporter phone (``q``), newest first.

    Roles: staff as request_detail (each sees only their scope). Refused: finance, customers
    (their own page is customer_views.my_requests: no internal units or SLA badges).
    """
    filters = RequestFilterForm(request.GET or None)
    criteria: dict[str, Any] = {}
    if filters.is_valid():
        data = filters.cleaned_data
        if data["status"]:
            criteria["statuses"] = OPEN_REQUEST_STATUSES if data["status"] == "open" else [data["status"]]
        criteria["priority"] = data["priority"]
        criteria["request_type"] = data["request_type"].code if data["request_type"] else ""
        criteria["responsible_unit"] = str(data["unit"].pk) if data["unit"] else ""
        criteria["text"] = data["q"]
    requests = request_search(request.user, **criteria)  # type: ignore[arg-type]
    sla, sort = _sla_view_options(request, default_sort="newest")
    requests = _sla_view_apply(requests, "request", sla=sla, sort=sort)
    page_obj, query = _paginate(request, requests)
    return render(request, "tickets/request_list.html", {
        "filters": filters, "page_obj": page_obj, "query": query, **_sla_context(request, sla, sort)})


@page(Capability.DISPATCH)
def queue(request: HttpRequest) -> HttpResponse:
    """The dispatcher's queue: open requests of their units, nearest SLA due time first (those
    without a running clock last, most urgent and oldest first); ``?sla=at_risk|breached|unknown`` narrows
    it, ``?sort=priority`` gives the old order.

    Roles: dispatcher, administrator. Refused: everyone else.
    """
    sla, sort = _sla_view_options(request, default_sort="due")
    requests = _sla_view_apply(dispatch_queue(request.user), "request", sla=sla, sort=sort)  # type: ignore[arg-type]
    page_obj, query = _paginate(request, requests)
    return render(request, "tickets/queue.html",
                  {"page_obj": page_obj, "query": query, **_sla_context(request, sla, sort)})


# The list orders a request page offers (besides its filters).
SORTS = {"newest": gettext_lazy("Newest first"), "due": gettext_lazy("Nearest due time first"),
         "priority": gettext_lazy("Most urgent first")}


def _sla_view_options(request: HttpRequest, *, default_sort: str) -> tuple[str, str]:
    """``sla`` (at_risk | breached | unknown | empty) and ``sort`` from the query; unknown values
    are ignored."""
    sla = request.GET.get("sla", "")
    sort = request.GET.get("sort", "") or default_sort
    return (sla if sla in SLA_FILTERS else ""), (sort if sort in SORTS else default_sort)


# Each list order of SORTS as ordering keys, per timed subject; "due" puts the nearest SLA due time
# before them (subjects without a running clock last) and breaks ties with "priority"'s keys.
ORDERINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "request": {"newest": ("-created_at", "-id"), "priority": ("priority", "created_at", "id")},
    # A work order's promised end is what its crew planned around: it breaks ties of urgency.
    "work_order": {"newest": ("-created_at", "-id"),
                   "priority": ("priority", "promised_end_at", "created_at", "id")},
}


def _sla_view_apply(items: QuerySet[Any], subject_type: str, *, sla: str, sort: str) -> QuerySet[Any]:
    """The list's SLA view (``sla``) in the chosen order; ``subject_type``: "request" or "work_order"."""
    orderings = ORDERINGS[subject_type]
    items = sla_view(items, subject_type, sla=sla, by_due=sort == "due", then=orderings["priority"])
    return items if sort == "due" else items.order_by(*orderings[sort])


def _sla_context(request: HttpRequest, sla: str, sort: str) -> dict[str, Any]:
    """The SLA view links of a list page: each keeps the page's other filters."""
    links = []
    for value, label in (("", _("All")), ("at_risk", _("At risk")), ("breached", _("Breached")),
                         ("unknown", TimerState.UNKNOWN.label)):
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("sla", None)
        if value:
            query["sla"] = value
        links.append({"value": value, "label": label, "query": query.urlencode(), "current": value == sla})
    return {"sla": sla, "sort": sort, "sla_links": links, "sorts": SORTS,
            "show_due": True}


@page(*WORK_ORDER_READERS)
def work_order_list(request: HttpRequest) -> HttpResponse:
    """Work orders in this user's scope: open ones (all with ``?status=all``);
    ``?sla=at_risk|breached|unknown`` narrows to those with an at-risk, breached or uncomputable
    clock; ``?sort=due|priority|newest``. Provider staff work from it as their queue, so theirs
    opens nearest SLA due time first (work orders without a running clock last); the others' by
    priority and promised end.

    Roles: provider staff (their provider's only), dispatcher (their units'), desk roles,
    leadership, quality supervisor, administrator. Refused: finance, customers.
    """
    user: User = request.user  # type: ignore[assignment]
    orders = work_order_list_for_user(user)
    show_all = request.GET.get("status") == "all"
    if not show_all:
        orders = orders.filter(status__in=OPEN_WORK_ORDER_STATUSES)
    sla, sort = _sla_view_options(request,
                                  default_sort="due" if user.can(Capability.WORK_ON_ORDERS) else "priority")
    orders = _sla_view_apply(orders, "work_order", sla=sla, sort=sort)
    page_obj, query = _paginate(request, orders)
    status_query = request.GET.copy()
    status_query.pop("page", None)
    status_query.pop("status", None)
    if not show_all:
        status_query["status"] = "all"
    return render(request, "tickets/work_order_list.html", {
        "page_obj": page_obj, "query": query, "show_all": show_all, "status_query": status_query.urlencode(),
        **_sla_context(request, sla, sort)})


# ----------------------------------------------------------------------------------------------
# Work orders


def _render_work_order(request: HttpRequest, work_order: WorkOrder, *, status: int = 200,
                       action_errors: dict[str, str] | None = None) -> HttpResponse:
    context = {
        "work_order": work_order,
        "timeline": _timeline(list(work_order.events.all()), statuses=WorkOrderStatus,
                              transitions=WORK_ORDER_TRANSITIONS),
        "actions": _action_buttons(WORK_ORDER_TRANSITIONS, work_order.status, request.user,  # type: ignore[arg-type]
                                   action_errors),
        "type_fields": _type_fields(work_order.request),
        "clocks": subject_clocks("work_order", work_order.pk),
    }
    return render(request, "tickets/work_order_detail.html", context, status=status)


@page(*WORK_ORDER_READERS)
def work_order_detail(request: HttpRequest, work_order_id: int) -> HttpResponse:
    """A work order with its request, timeline and the provider's actions (accept, start, complete, decline).

    Roles: provider staff (their provider's only; another provider's is not found), dispatcher
    (their units'), desk roles, leadership, quality supervisor, administrator.
    """
    work_order = work_order_get_for_user(request.user, work_order_id, with_timeline=True)  # type: ignore[arg-type]
    return _render_work_order(request, work_order)


@require_POST
@page(Capability.WORK_ON_ORDERS, Capability.DISPATCH)
def work_order_action(request: HttpRequest, work_order_id: int, action: str) -> HttpResponse:
    """Take one work-order step: provider staff accept, start, complete, decline; dispatchers cancel.

    Roles: provider staff (own provider's orders), dispatcher, administrator.
    """
    work_order = work_order_get_for_user(request.user, work_order_id)  # type: ignore[arg-type]
    try:
        work_order = work_order_transition(work_order=work_order, action=action, actor=request.user,  # type: ignore[arg-type]
                                           reason=request.POST.get("reason", ""))
    except (ValidationFailed, Conflict) as error:
        refreshed = work_order_get_for_user(request.user, work_order_id, with_timeline=True)  # type: ignore[arg-type]
        return _render_work_order(request, refreshed, status=422, action_errors={action: error.message})
    messages.success(request, _("Work order %(ref)s: %(status)s.") % {
        "ref": work_order.reference, "status": work_order.get_status_display()})
    return redirect("web:work_order_detail", work_order_id=work_order_id)
