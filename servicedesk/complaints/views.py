"""The complaint pages: the owner's desk, taking a complaint (with the repeat shown before saving),
the complaint page with its parts, clocks, repeats, callbacks and history, the manager's major
complaints and the hot issues (CMP-1..CMP-7)."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.complaints import selectors
from servicedesk.complaints.forms import (
    AnswerForm,
    ComplaintForm,
    OpinionForm,
    PartForm,
    RefundForm,
    TextForm,
    TransferForm,
)
from servicedesk.complaints.models import Complaint, ComplaintPart, ComplaintStatus, PartStatus
from servicedesk.complaints.parts import PartInput, complaint_dispatch, part_accept, part_answer
from servicedesk.complaints.refunds import refund_record
from servicedesk.complaints.resolution import complaint_answer, complaint_close, complaint_customer_opinion
from servicedesk.complaints.services import (
    ComplaintInput,
    complaint_flag_major,
    complaint_take,
    complaint_transfer,
    repeat_preview,
)
from servicedesk.complaints.topics import topic_label
from servicedesk.core.exceptions import DomainError
from servicedesk.core.views import page, show_domain_errors
from servicedesk.customers.models import Account, Customer, ServicePoint
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Capability, Role
from servicedesk.sla.selectors import subject_clocks
from servicedesk.tickets.models import WorkOrder

READERS = (
    Capability.VIEW_ALL_REQUESTS,
    Capability.VIEW_UNIT_QUEUE,
    Capability.WORK_ON_ORDERS,
    Capability.VIEW_OWN_REQUESTS,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@page(Capability.TAKE_COMPLAINTS, Capability.VIEW_UNIT_QUEUE)
def complaint_desk(request: HttpRequest) -> HttpResponse:
    """CMP-4: the complaints I own with their parts' state (late first), and the parts my partner
    or department must answer."""
    user = _user(request)
    owned = list(selectors.owner_desk(user)) if user.can(Capability.TAKE_COMPLAINTS) else []
    for complaint in owned:
        complaint.topic_label = topic_label(complaint.topic)  # type: ignore[attr-defined]
    return render(
        request, "complaints/desk.html", {"owned": owned, "parts": list(selectors.part_queue(user))}
    )


@page(Capability.VIEW_ALL_REQUESTS)
def complaint_major_list(request: HttpRequest) -> HttpResponse:
    """CMP-3: every major complaint and its state, open ones first (the desk manager's view)."""
    complaints = list(selectors.major_complaints(_user(request))[:200])
    for complaint in complaints:
        complaint.topic_label = topic_label(complaint.topic)  # type: ignore[attr-defined]
    return render(request, "complaints/major.html", {"complaints": complaints})


@page(Capability.VIEW_ALL_REQUESTS)
def complaint_hot_issues(request: HttpRequest) -> HttpResponse:
    """002 §5.1: this month's most frequent complaint types and places."""
    start, end = selectors.month_bounds(timezone.localdate())
    found = selectors.hot_issues(start=start, end=end)
    topics = [(topic_label(str(row["topic"])), row["count"]) for row in found["topics"]]
    places = [(row["place"] or "—", row["count"]) for row in found["places"]]
    return render(request, "complaints/hot_issues.html", {"start": start, "topics": topics, "places": places})


def _caller(request: HttpRequest) -> tuple[Customer | None, ServicePoint | None]:
    customer = Customer.objects.filter(pk=_int(request.GET.get("customer"))).first()
    point = ServicePoint.objects.filter(pk=_int(request.GET.get("service_point"))).first()
    if point is not None and customer is None:
        customer = point.customer
    if customer is not None and point is None:
        point = customer.service_points.order_by("id").first()
    return customer, point


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 19 else 0


def _complaint_input(
    form: ComplaintForm, customer: Customer | None, point: ServicePoint | None, repeat_of: int | None
) -> ComplaintInput:
    data = form.cleaned_data
    order = (
        WorkOrder.objects.select_related("request").filter(pk=data["about_work_order"]).first()
        if data["about_work_order"]
        else None
    )
    if data["about_work_order"] and order is None:
        form.add_error("about_work_order", _("No such work order."))
        raise forms.ValidationError("")
    return ComplaintInput(
        topic=data["topic"],
        description=data["description"],
        channel=data["channel"],
        customer=customer,
        service_point=point,
        reporter_kind="customer" if customer else "non_customer",
        complainant_kind=data["complainant_kind"],
        reporter_name=data["reporter_name"],
        reporter_phone=data["reporter_phone"],
        district=data["district"] or (point.district if point else ""),
        against=data["against"],
        provider=data["provider"],
        about_work_order=order,
        not_repeat_of=repeat_of if data["not_repeat"] else None,
        not_repeat_reason=data["not_repeat_reason"],
    )


@page(Capability.TAKE_COMPLAINTS)
def complaint_new(request: HttpRequest) -> HttpResponse:
    """CMP-1/CMP-2: take a complaint; the first submit shows the complaint it would repeat, and the
    agent saves it as a repeat or says why it is not one."""
    customer, point = _caller(request)
    form = ComplaintForm(
        request.POST or None,
        initial={
            "reporter_name": customer.name if customer else "",
            "reporter_phone": customer.mobile if customer else "",
        },
    )
    repeat = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            shown = _int(request.POST.get("repeat_shown")) or None
            data = _complaint_input(form, customer, point, shown)
            repeat = repeat_preview(data)
            if repeat is not None and shown != repeat.pk:
                status = 200  # shown before saving: the agent confirms
            else:
                complaint = complaint_take(data, actor=_user(request))
                messages.success(request, _("Complaint %(ref)s taken.") % {"ref": complaint.reference})
                return redirect("web:complaint_detail", complaint_id=complaint.pk)
        except DomainError as error:
            show_domain_errors(
                form,
                error,
                {
                    "not_repeat_reason": "not_repeat_reason",
                    "provider_id": "provider",
                    "about_work_order_id": "about_work_order",
                },
            )
            status = 422
        except forms.ValidationError:
            status = 422
    elif request.method == "POST":
        status = 422
    return render(
        request,
        "complaints/new.html",
        {"form": form, "customer": customer, "point": point, "repeat": repeat},
        status=status,
    )


def _timeline(user: User, complaint: Complaint) -> list[dict[str, Any]]:
    rows = []
    for event in selectors.history_for_user(user, complaint):
        rows.append(
            {
                "at": event.at,
                "actor": event.actor.display_name if event.actor else _("System"),
                "part": str(event.part.party) if event.part else "",
                "status": (
                    PartStatus(event.to_status).label
                    if event.part and event.to_status
                    else ComplaintStatus(event.to_status).label
                    if event.to_status
                    else ""
                ),
                "text": event.text_html,
            }
        )
    return rows


def _render_detail(
    request: HttpRequest,
    complaint: Complaint,
    *,
    status: int = 200,
    bound: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    user = _user(request)
    bound = bound or {}
    parts = selectors.parts_for_user(user, complaint)
    for part in parts:
        part.clocks = subject_clocks("complaint_part", part.pk)  # type: ignore[attr-defined]
        part.is_mine = _is_party(user, part)  # type: ignore[attr-defined]
    is_customer = user.role == Role.CUSTOMER
    owner_side = not is_customer and (
        complaint.owner_id == user.pk
        or user.can(Capability.SUPERVISE_COMPLAINTS)
        or (user.provider_id is not None and complaint.owner_provider_id == user.provider_id)
    )
    context = {
        "complaint": complaint,
        "topic": topic_label(complaint.topic),
        "parts": parts,
        "is_customer": is_customer,
        "owner_side": owner_side and complaint.is_open,
        "clocks": [] if is_customer else subject_clocks("request", complaint.request_id),
        "timeline": [] if is_customer else _timeline(user, complaint),
        "repeats": list(complaint.repeats.order_by("created_at")) if not is_customer else [],
        "refunds": list(complaint.refunds.select_related("account", "provider")) if not is_customer else [],
        "part_form": bound.get("parts") or PartForm(),
        "answer_form": bound.get("answer") or AnswerForm(),
        "opinion_form": bound.get("opinion") or OpinionForm(),
        "major_form": bound.get("major") or TextForm(),
        "close_form": bound.get("close") or TextForm(),
        "transfer_form": bound.get("transfer") or TransferForm(),
        "refund_form": bound.get("refund") or RefundForm(complaint=complaint),
        "part_answer_form": bound.get("part_answer") or TextForm(),
        "may_supervise": user.can(Capability.SUPERVISE_COMPLAINTS),
        "may_close": user.role in (Role.DESK_MANAGER, Role.ADMINISTRATOR),
        "may_refund": user.can(Capability.RECORD_REFUNDS),
        "may_log": user.can(Capability.LOG_CONTACT),
        "may_flag": user.can(Capability.HANDLE_REQUEST) and complaint.is_open,
    }
    return render(request, "complaints/detail.html", context, status=status)


def _is_party(user: User, part: ComplaintPart) -> bool:
    if part.provider_id is not None:
        return user.provider_id == part.provider_id
    return part.unit_id is not None and user.unit_id == part.unit_id


@page(*READERS)
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    """The complaint with its parts (a provider: its own), clocks, repeats, refunds and history, and
    the actions this user may take."""
    return _render_detail(request, selectors.complaint_get_for_user(_user(request), complaint_id))


def _party(value: str) -> tuple[OrgUnit | None, Provider | None]:
    kind, _sep, pk = value.partition(":")
    if kind == "unit":
        return OrgUnit.objects.filter(pk=_int(pk)).first(), None
    return None, Provider.objects.filter(pk=_int(pk)).first()


ACTIONS: dict[
    str, tuple[Callable[..., forms.Form], Callable[[User, Complaint, dict[str, Any]], object], dict[str, str]]
] = {
    "parts": (
        PartForm,
        lambda user, c, d: complaint_dispatch(
            complaint=c,
            actor=user,
            parts=[PartInput(*_party(d["party"]), urgency=d["urgency"], instructions=d["instructions"])],
        ),
        {"parts[0]": "party"},
    ),
    "answer": (
        AnswerForm,
        lambda user, c, d: complaint_answer(
            complaint=c, actor=user, result=d["result"], cause_feedback=d["cause_feedback"]
        ),
        {},
    ),
    "opinion": (
        OpinionForm,
        lambda user, c, d: complaint_customer_opinion(
            complaint=c, actor=user, satisfaction=d["satisfaction"], comment=d["comment"]
        ),
        {},
    ),
    "major": (
        TextForm,
        lambda user, c, d: complaint_flag_major(complaint=c, actor=user, reason=d["text"]),
        {"reason": "text"},
    ),
    "close": (
        TextForm,
        lambda user, c, d: complaint_close(complaint=c, actor=user, reason=d["text"]),
        {"reason": "text"},
    ),
    "transfer": (
        TransferForm,
        lambda user, c, d: complaint_transfer(complaint=c, actor=user, to=d["owner"], reason=d["reason"]),
        {"owner_id": "owner"},
    ),
    "refund": (
        RefundForm,
        lambda user, c, d: refund_record(
            complaint=c,
            actor=user,
            account=Account.objects.get(pk=d["account"]),
            kind=d["kind"],
            charged_wrongly=d["charged_wrongly"],
            provider=d["provider"],
            reason=d["reason"],
        ),
        {"account_id": "account", "provider_id": "provider"},
    ),
}


@require_POST
@page(*READERS, Capability.TAKE_COMPLAINTS)
def complaint_action(request: HttpRequest, complaint_id: int, action: str) -> HttpResponse:
    """One action on a complaint; the services decide who may (a refusal is the 403 page)."""
    user = _user(request)
    complaint = selectors.complaint_get_for_user(user, complaint_id)
    if action not in ACTIONS:
        return redirect("web:complaint_detail", complaint_id=complaint_id)
    form_class, run, field_names = ACTIONS[action]
    form = (
        form_class(request.POST, complaint=complaint)
        if form_class is RefundForm
        else form_class(request.POST)
    )
    if form.is_valid():
        try:
            run(user, complaint, form.cleaned_data)
        except DomainError as error:
            if error.status_code == 403:
                raise
            show_domain_errors(form, error, field_names)
        else:
            messages.success(request, _("Complaint %(ref)s updated.") % {"ref": complaint.reference})
            return redirect("web:complaint_detail", complaint_id=complaint_id)
    return _render_detail(
        request, selectors.complaint_get_for_user(user, complaint_id), status=422, bound={action: form}
    )


@require_POST
@page(Capability.WORK_ON_ORDERS, Capability.DISPATCH, Capability.HANDLE_REQUEST)
def part_action(request: HttpRequest, part_id: int, action: str) -> HttpResponse:
    """A partner or department takes its part in hand or answers it."""
    user = _user(request)
    part = selectors.part_get_for_user(user, part_id)
    form = TextForm(request.POST)
    try:
        if action == "accept":
            part_accept(part=part, actor=user)
        elif action == "answer":
            if not form.is_valid():
                return _render_detail(request, part.complaint, status=422, bound={"part_answer": form})
            part_answer(part=part, actor=user, answer=form.cleaned_data["text"])
    except DomainError as error:
        if error.status_code == 403:
            raise
        show_domain_errors(form, error, {"answer": "text"})
        return _render_detail(request, part.complaint, status=422, bound={"part_answer": form})
    messages.success(request, _("Complaint %(ref)s updated.") % {"ref": part.complaint.reference})
    return redirect("web:complaint_detail", complaint_id=part.complaint_id)
