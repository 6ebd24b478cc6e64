"""Web pages of outages (seed 004, OUT-2..OUT-6): the agent's fault call, the dispatcher's outage
board with its actions (planned outages and the public notice: ``planned_views``).

Each view parses its input, fetches through a selector (which applies the role's scope), calls
one service and renders. Refusals: see servicedesk.core.views.page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Case, QuerySet, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from servicedesk.contacts.models import ContactRecord
from servicedesk.contacts.selectors import contact_get_for_user, contact_history
from servicedesk.core.exceptions import Conflict, NotFound, ValidationFailed
from servicedesk.core.messages import render as render_message
from servicedesk.core.references import parse_id
from servicedesk.core.views import is_htmx, page, show_domain_errors
from servicedesk.customers.models import Customer, ServicePoint
from servicedesk.customers.selectors import customer_get_for_user, service_point_get_for_user
from servicedesk.network.models import Utility
from servicedesk.org.models import User
from servicedesk.org.roles import Capability
from servicedesk.outages.config import outage_config
from servicedesk.outages.fault_calls import FaultCallInput, fault_call_take
from servicedesk.outages.forms import (
    OUTAGE_ERROR_FIELDS,
    FaultCallForm,
    OutageConfirmForm,
    OutageDeclareForm,
    OutageFilterForm,
    OutageMergeForm,
    OutageRejectForm,
    OutageRestoreForm,
    OutageUpdateForm,
)
from servicedesk.outages.lifecycle import (
    outage_confirm,
    outage_declare,
    outage_merge,
    outage_reject,
    outage_restore,
    outage_update,
)
from servicedesk.outages.models import (
    Outage,
    OutageEventKind,
    OutageStatus,
)
from servicedesk.outages.selectors import (
    FaultCheck,
    fault_call_of_contact,
    fault_check,
    outage_board,
    outage_calls,
    outage_crews,
    outage_etr_changes,
    outage_get_for_user,
    outage_history,
    outage_merge_targets,
    outages_merged_into,
)
from servicedesk.outages.workflow import OUTAGE_TRANSITIONS
from servicedesk.tickets.selectors import request_get_for_user

PAGE_SIZE = 25
# Who may look at outages (agents read-only, to tell callers what is known): as outages_visible.
OUTAGE_VIEWERS = (Capability.MANAGE_OUTAGES, Capability.LOG_CONTACT, Capability.VIEW_ALL_REQUESTS)
# What was told on the last fault call (the contact keeps it with its last step too).
TELL_SESSION_KEY = "fault_call_tell"
RECENT_CONTACTS = 5
ConnectionStatus = ServicePoint.ConnectionStatus


def paginate(request: HttpRequest, items: QuerySet[Any]) -> tuple[Page, str]:
    page_obj = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page_obj, query.urlencode()


def request_user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# ----------------------------------------------------------------------------------------------
# The fault call (004)


@dataclass
class Caller:
    """Who is calling about which service point, as the page's query string says (004 steps 2, 3, 6)."""

    utility: str
    point: ServicePoint | None = None
    customer: Customer | None = None
    # A customer with several service points and none chosen yet: the agent picks one.
    choose_from: list[ServicePoint] | None = None

    @property
    def identified(self) -> bool:
        return self.point is not None and self.point.customer_id is not None


def _int_param(request: HttpRequest, name: str) -> int | None:
    return parse_id(request.GET.get(name, ""))


def _caller(request: HttpRequest) -> Caller:
    user = request_user(request)
    point_id, customer_id = _int_param(request, "service_point"), _int_param(request, "customer")
    if point_id is not None:
        point = service_point_get_for_user(user, point_id)
        return Caller(utility=point.utility, point=point, customer=point.customer)
    if customer_id is not None:
        customer = customer_get_for_user(user, customer_id)
        points = list(customer.service_points.all())
        if len(points) == 1:
            return Caller(utility=points[0].utility, point=points[0], customer=customer)
        return Caller(utility=Utility.POWER, customer=customer, choose_from=points)
    utility = request.GET.get("utility", "")
    return Caller(utility=utility if utility in Utility.values else Utility.POWER)


def _is_stop(check: FaultCheck | None) -> bool:
    """The checks already end the flow (cut supply, planned outage, known outage): only record the call."""
    if check is None:
        return False
    return (check.connection_status != ConnectionStatus.CONNECTED or check.planned_outage is not None
            or check.outage is not None)


def _fault_call_form(caller: Caller, data: Any = None) -> FaultCallForm:
    config = outage_config()
    setting = config.settings_by_utility.get(caller.utility)
    initial: dict[str, Any] = {"utility": caller.utility}
    if caller.customer is not None:
        initial["reporter_phone"] = caller.customer.mobile or caller.customer.phone
    return FaultCallForm(data, initial=initial, identified=caller.identified,
                         scripts=config.scripts_for(caller.utility), steps_by_script=config.steps_by_script,
                         request_type=setting.request_type if setting else None)


def _render_fault_call(request: HttpRequest, caller: Caller, form: FaultCallForm, *, status: int = 200,
                       ) -> HttpResponse:
    check = fault_check(caller.point) if caller.point is not None else None
    history: list[ContactRecord] = []
    if caller.customer is not None:
        history = list(contact_history(customer_id=caller.customer.pk)[:RECENT_CONTACTS])
    context = {
        "caller": caller, "form": form, "check": check, "stop": _is_stop(check), "history": history,
        "utilities": Utility.choices,
        "connection": ConnectionStatus,
    }
    if check is not None and check.planned_outage is not None:
        context["planned_duration"] = check.planned_outage.duration
    return render(request, "outages/fault_call.html", context, status=status)


def _require_call_taker(request: HttpRequest) -> None:
    # The page needs both: the call is a contact and may become a work request (004 steps 7, 19).
    if not request_user(request).can(Capability.CREATE_REQUEST):
        raise PermissionDenied


@page(Capability.LOG_CONTACT)
def fault_call(request: HttpRequest) -> HttpResponse:
    """The agent's fault call, in 004's order: identify → automatic checks (connection status,
    planned outage, open outage) → guided self-checks → problem detail → submit. Submitting calls
    ``fault_call_take`` once (one transaction); errors are shown beside their fields and nothing is
    saved; on success, the result page with what to tell the caller.

    ``?service_point=<id>`` (from the customer panel), ``?customer=<id>`` (choose the service
    point), neither: a non-customer or unidentified caller (``?utility=water`` for water).

    Roles: agent, team lead, desk manager, key account manager, administrator (who may record
    contacts and create requests). Refused: everyone else.
    """
    _require_call_taker(request)
    caller = _caller(request)
    if request.method != "POST":
        return _render_fault_call(request, caller, _fault_call_form(caller))
    form = _fault_call_form(caller, request.POST)
    if caller.choose_from is None and form.is_valid():
        try:
            result = _take(request, caller, form)
        except ValidationFailed as error:
            show_domain_errors(form, error, form.error_fields())
        else:
            request.session[TELL_SESSION_KEY] = {"contact": result.contact.pk, "tell": result.tell}
            return redirect("web:fault_call_result", contact_id=result.contact.pk)
    return _render_fault_call(request, caller, form, status=422)


def _take(request: HttpRequest, caller: Caller, form: FaultCallForm) -> Any:
    data = form.cleaned_data
    call = FaultCallInput(
        utility=caller.utility, channel=data["channel"],
        reporter_kind=(ContactRecord.ReporterKind.CUSTOMER if caller.identified else data["reporter_kind"]),
        customer=caller.customer if caller.identified else None, service_point=caller.point,
        reporter_name=data["reporter_name"], reporter_phone=data["reporter_phone"],
        location=data.get("location") or "", notes=data["notes"],
        troubleshooting=form.troubleshooting_answers(), problem=form.problem(),
        estimated_completion_at=data["estimated_completion_at"],
    )
    return fault_call_take(call, actor=request_user(request))


# The flow's steps as people read them (the requirement each implements: in the comments only).
STEP_LABELS = {
    "identify": gettext_lazy("Caller and service point identified"),  # 004 steps 3, 6, 8
    "connection_status": gettext_lazy("Connection status"),  # OUT-4, 004 step 13
    "planned_outage": gettext_lazy("Planned outage in force"),  # OUT-2, 004 steps 10–12
    "open_outage": gettext_lazy("Known outage covering the service point"),  # OUT-2, 004 step 4
    "troubleshooting": gettext_lazy("Guided self-check"),  # OUT-5, 004 steps 14–15
    "inference": gettext_lazy("Outage inferred from neighbours' calls"),  # OUT-3
    "work_request": gettext_lazy("Work request to the dispatcher"),  # OUT-6, 004 step 19
}


def _choice_label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _step_text(step: dict[str, Any]) -> str:
    """One recorded step as people read it."""
    name, result = step.get("step", ""), str(step.get("result", ""))
    if name == "identify":
        parts = [_choice_label(ContactRecord.ReporterKind, result)]
        parts += [str(step[k]) for k in ("customer", "service_point", "location") if step.get(k)]
        return " · ".join(parts)
    if name == "connection_status":
        return _choice_label(ConnectionStatus, result)
    if result == "none":
        return _("None")
    if name == "planned_outage":
        notice = _("written notice given") if step.get("written_notice") else _("no written notice")
        return f"{result} · {notice}"
    if name == "open_outage":
        return f"{result} · {_choice_label(OutageStatus, str(step.get('status', '')))}"
    if name == "troubleshooting":
        script = outage_config().script(str(step.get("script", "")))  # its name, not its code
        done = ", ".join(str(n) for n in step.get("steps_done") or []) or "—"
        text = _("%(script)s: %(result)s (steps done: %(steps)s)") % {
            "script": script.display_name if script else step.get("script"),
            "result": _("solved") if result == "solved" else _("not solved"), "steps": done}
        return f"{text} · {step['note']}" if step.get("note") else text
    if name == "inference":
        if result == "single_premise":
            return _("Only this premise is off: a fault of its own, not counted for an outage")
        return f"{result} · {step.get('device', '')}"
    if name == "work_request":
        estimate = parse_datetime(str(step.get("estimated_completion_at") or ""))
        when = timezone.localtime(estimate).strftime("%Y-%m-%d %H:%M") if estimate else "—"
        return _("%(ref)s · first estimate %(when)s") % {"ref": result, "when": when}
    return result


@require_GET
@page(Capability.LOG_CONTACT)
def fault_call_result(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The end of a fault call: the outcome, what to tell the caller (告知客户), the links to the
    contact's customer, the request or the outage, and every step recorded on the contact.

    Roles: as ``fault_call``.
    """
    _require_call_taker(request)
    contact = contact_get_for_user(request_user(request), contact_id)
    told = request.session.get(TELL_SESSION_KEY) or {}
    fault = fault_call_of_contact(contact)
    planned = next((s["result"] for s in contact.steps if s.get("step") == "planned_outage"
                    and str(s.get("result", "")).startswith("P")), None)
    context = {
        "contact": contact,
        # What was told is kept with the last step; the session holds it for older contacts.
        "tell": next((render_message(s.get("told_message"), s["told"]) for s in reversed(contact.steps)
                      if s.get("told")), "")
        or (told.get("tell", "") if told.get("contact") == contact.pk else ""),
        "outage": fault.outage if fault else None,
        "planned_id": parse_id(planned[1:]) if planned else None,
        "planned_reference": planned,
        "steps": [(STEP_LABELS.get(s.get("step", ""), s.get("step", "")), _step_text(s))
                  for s in contact.steps],
    }
    return render(request, "outages/fault_call_result.html", context)


# ----------------------------------------------------------------------------------------------
# The dispatcher's outage board (OUT-3, OUT-6)


def may_manage(request: HttpRequest) -> bool:
    return request_user(request).can(Capability.MANAGE_OUTAGES)


@page(*OUTAGE_VIEWERS)
def outage_list(request: HttpRequest) -> HttpResponse:
    """Open outages (predicted first, most calls first), or those of one status with ``?status=``;
    with HTMX (polling every 30 s) only the board. Dispatchers also get the "declare outage" form.

    Roles: dispatcher, administrator (manage); agents, team leads, desk managers, key account
    managers, leadership, quality supervisors (read-only). Refused: provider staff, finance, customers.
    """
    return _render_board(request, OutageDeclareForm() if may_manage(request) else None)


def _render_board(request: HttpRequest, declare_form: OutageDeclareForm | None, *, status: int = 200,
                  ) -> HttpResponse:
    filters = OutageFilterForm(request.GET or None)
    chosen = (filters.cleaned_data["status"] if filters.is_valid() and filters.cleaned_data["status"]
              else "open")
    outages = outage_board(request_user(request), status=chosen)
    if chosen == "open":
        # Predicted first (they need the dispatcher's decision), then by calls: outage_board's
        # order_by("status") sorts "confirmed" before "predicted" alphabetically.
        predicted_first = Case(When(status=OutageStatus.PREDICTED, then=0), default=1)
        # call_count: selectors.with_call_stats' annotation, which the plugin does not see.
        outages = outages.order_by(predicted_first, "-call_count", "-created_at")  # type: ignore[misc]
    page_obj, query = paginate(request, outages)
    context = {"filters": filters, "chosen": chosen, "page_obj": page_obj, "query": query,
               "declare_form": declare_form, "may_manage": may_manage(request)}
    template = "outages/_board.html" if is_htmx(request) else "outages/board.html"
    return render(request, template, context, status=status)


@require_POST
@page(Capability.MANAGE_OUTAGES)
def outage_declare_view(request: HttpRequest) -> HttpResponse:
    """Declare a known outage, or a leak repair's affected supply area (003 §8.2: origin "leak",
    the leak report as its request). Roles: dispatcher, administrator."""
    form = OutageDeclareForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        leak = None
        try:
            if data["leak_request"] is not None:
                leak = request_get_for_user(request_user(request), data["leak_request"])
            outage = outage_declare(actor=request_user(request), device=data["device_code"],
                                    cause=data["cause"],
                                    etr=data["etr"], request=leak,
                                    origin=Outage.Origin.LEAK if leak else Outage.Origin.DECLARED)
        except NotFound as missing:
            form.add_error("leak_request", missing.message)
        except (ValidationFailed, Conflict) as error:
            show_domain_errors(form, error, OUTAGE_ERROR_FIELDS)
        else:
            messages.success(request, _("Outage %(ref)s declared.") % {"ref": outage.reference})
            return redirect("web:outage_detail", outage_id=outage.pk)
    return _render_board(request, form, status=422)


def _outage_or_404(request: HttpRequest, outage_id: int) -> Outage:
    return outage_get_for_user(request_user(request), outage_id)  # NotFound: the 404 page (core.views.page)


def outage_history_rows(outage: Outage) -> list[dict[str, Any]]:
    """The outage's history as the page shows it (OUT-3, OUT-6): when, what happened, from what to
    what, why, who; in the reader's language, no codes."""
    rows = []
    for event in outage_history(outage):
        row: dict[str, Any] = {"at": event.at, "actor": event.actor, "reason": event.display_reason_html}
        if event.kind in (OutageEventKind.CREATED, OutageEventKind.TRANSITION):
            transition = OUTAGE_TRANSITIONS.get(event.action)
            row["what"] = transition.label if transition else event.get_kind_display()
            row["from"] = _choice_label(OutageStatus, event.from_status) if event.from_status else ""
            row["to"] = _choice_label(OutageStatus, event.to_status)
        elif event.kind == OutageEventKind.ETR_CHANGE:
            row.update(what=event.get_kind_display(), old_etr=event.old_etr, new_etr=event.new_etr, etr=True)
        else:
            old, new = (event.changes.get("cause") or ["", ""])[:2]
            row.update(what=event.get_kind_display(), old_text=old, new_text=new)
        rows.append(row)
    return rows


def _render_outage(request: HttpRequest, outage: Outage, *, status: int = 200, **bound: Any) -> HttpResponse:
    """The outage with its calls and, for dispatchers, the forms its status allows; ``bound`` holds
    a submitted form to show again with its errors (confirm=, reject=, merge=, update=, restore=)."""
    forms: dict[str, Any] = {}
    if may_manage(request):
        setting = outage_config().settings_by_utility.get(outage.utility)
        if outage.status == OutageStatus.PREDICTED:
            forms["confirm"] = bound.get("confirm") or OutageConfirmForm(
                request_type=setting.request_type if setting else None, providers=outage_crews(outage),
                initial={"cause": outage.cause, "etr": outage.etr})
            forms["reject"] = bound.get("reject") or OutageRejectForm()
        if outage.is_open:
            forms["merge"] = bound.get("merge") or OutageMergeForm(targets=outage_merge_targets(outage))
            forms["update"] = bound.get("update") or OutageUpdateForm(initial={"cause": outage.cause})
        if outage.status == OutageStatus.CONFIRMED:
            forms["restore"] = bound.get("restore") or OutageRestoreForm()
    context = {"outage": outage, "calls": list(outage_calls(outage)), "forms": forms,
               "etr_changes": list(outage_etr_changes(outage)),
               "history": outage_history_rows(outage),
               "merged": list(outages_merged_into(outage)),
               "may_manage": may_manage(request)}
    return render(request, "outages/outage_detail.html", context, status=status)


@page(*OUTAGE_VIEWERS)
def outage_detail(request: HttpRequest, outage_id: int) -> HttpResponse:
    """One outage: device, status, cause, ETR, the linked calls (caller, service point, time,
    request), the outages merged into it; for dispatchers the actions its status allows (confirm,
    reject, merge, ETR/cause, restore). Roles: as ``outage_list``."""
    return _render_outage(request, _outage_or_404(request, outage_id))


# One dispatcher action: the cleaned form → (the outage to show next, what the page says).
Action = Callable[[dict[str, Any]], tuple[Outage, str]]


def _outage_action(request: HttpRequest, outage: Outage, name: str, form: Any, act: Action) -> HttpResponse:
    """Run one dispatcher action: valid form → one service → the outage page with a message; any
    error → the page again with the form and its errors beside the fields, nothing saved."""
    if form.is_valid():
        try:
            shown, done = act(form.cleaned_data)
        except (ValidationFailed, Conflict) as error:
            names = form.error_fields() if hasattr(form, "error_fields") else OUTAGE_ERROR_FIELDS
            show_domain_errors(form, error, names)
        else:
            messages.success(request, done)
            return redirect("web:outage_detail", outage_id=shown.pk)
    return _render_outage(request, _outage_or_404(request, outage.pk), status=422, **{name: form})


@require_POST
@page(Capability.MANAGE_OUTAGES)
def outage_confirm_view(request: HttpRequest, outage_id: int) -> HttpResponse:
    """Confirm a predicted outage with a cause, an ETR and optionally the crew's work order (OUT-3).
    Roles: dispatcher, administrator."""
    outage = _outage_or_404(request, outage_id)
    setting = outage_config().settings_by_utility.get(outage.utility)
    form = OutageConfirmForm(request.POST, request_type=setting.request_type if setting else None,
                             providers=outage_crews(outage))

    def act(data: dict[str, Any]) -> tuple[Outage, str]:
        confirmed = outage_confirm(actor=request_user(request), outage=outage, cause=data["cause"],
                                   etr=data["etr"],
                                   provider=data["provider"], crew_type=data["crew_type"],
                                   instructions=data["instructions"], attributes=form.attributes())
        return confirmed, (_("Outage %(ref)s confirmed; the callers are told the ETR.")
                           % {"ref": outage.reference})

    return _outage_action(request, outage, "confirm", form, act)


@require_POST
@page(Capability.MANAGE_OUTAGES)
def outage_reject_view(request: HttpRequest, outage_id: int) -> HttpResponse:
    """Reject a predicted outage: its calls become single faults with work requests (OUT-3).
    Roles: dispatcher, administrator."""
    outage = _outage_or_404(request, outage_id)

    def act(data: dict[str, Any]) -> tuple[Outage, str]:
        rejected = outage_reject(actor=request_user(request), outage=outage, reason=data["reason"])
        return rejected, _("Outage %(ref)s rejected.") % {"ref": outage.reference}

    return _outage_action(request, outage, "reject", OutageRejectForm(request.POST), act)


@require_POST
@page(Capability.MANAGE_OUTAGES)
def outage_merge_view(request: HttpRequest, outage_id: int) -> HttpResponse:
    """Merge this open outage into another open one; then the page of the one kept.
    Roles: dispatcher, administrator."""
    outage = _outage_or_404(request, outage_id)

    def act(data: dict[str, Any]) -> tuple[Outage, str]:
        target = outage_merge(actor=request_user(request), source=outage, target=data["target"])
        return target, _("Outage %(source)s merged into %(target)s.") % {
            "source": outage.reference, "target": target.reference}

    form = OutageMergeForm(request.POST, targets=outage_merge_targets(outage))
    return _outage_action(request, outage, "merge", form, act)


@require_POST
@page(Capability.MANAGE_OUTAGES)
def outage_update_view(request: HttpRequest, outage_id: int) -> HttpResponse:
    """A new ETR or cause; the linked callers are told the new ETR (OUT-6).
    Roles: dispatcher, administrator."""
    outage = _outage_or_404(request, outage_id)

    def act(data: dict[str, Any]) -> tuple[Outage, str]:
        updated = outage_update(actor=request_user(request), outage=outage, etr=data["etr"],
                                cause=data["cause"],
                                reason=data["reason"])
        return updated, _("Outage %(ref)s updated.") % {"ref": outage.reference}

    return _outage_action(request, outage, "update", OutageUpdateForm(request.POST), act)


@require_POST
@page(Capability.MANAGE_OUTAGES)
def outage_restore_view(request: HttpRequest, outage_id: int) -> HttpResponse:
    """Supply is back: linked requests resolved, every caller gets a message and a callback
    (OUT-6, INT-8); the page then says how many (the RestorationReport). Roles: dispatcher, administrator."""
    outage = _outage_or_404(request, outage_id)

    def act(data: dict[str, Any]) -> tuple[Outage, str]:
        report = outage_restore(actor=request_user(request), outage=outage, note=data["note"],
                                restored_at=data["restored_at"])
        return report.outage, _(
            "Outage %(ref)s restored: %(requests)s requests resolved, %(callbacks)s callbacks routed to "
            "agents, %(messages)s messages queued to callers.") % {
            "ref": outage.reference, "requests": report.requests_resolved, "callbacks": report.callbacks,
            "messages": report.messages}

    return _outage_action(request, outage, "restore", OutageRestoreForm(request.POST), act)
