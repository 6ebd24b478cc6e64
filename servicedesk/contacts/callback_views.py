"""The callbacks page (INT-8): the calls an agent or key account manager owes customers (after a
restoration, a result), the team's unassigned queue, recording the outcome and the customer's
opinion, attaching the evidence of the call (CMP-6), and the agent's availability for new callbacks.

Refusals: see servicedesk.core.views.page.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from servicedesk.contacts.evidence import evidence_download
from servicedesk.contacts.models import Callback
from servicedesk.contacts.selectors import callback_evidence_for_user, evidence_prefetch
from servicedesk.contacts.services import agent_set_available, callback_complete, callback_evidence_add
from servicedesk.core.exceptions import ValidationFailed
from servicedesk.core.views import page, show_domain_errors
from servicedesk.org.models import User
from servicedesk.org.roles import Capability, Role

# Who sees colleagues' open callbacks too (and may record them: contacts.services).
SUPERVISING_ROLES = (Role.TEAM_LEAD, Role.DESK_MANAGER, Role.ADMINISTRATOR)
LIST_LIMIT = 200
RECENT_DONE = 20


class CallbackCompleteForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=gettext_lazy("Reached the customer?"), widget=forms.RadioSelect, coerce=lambda v: v == "yes",
        choices=[("yes", gettext_lazy("Yes, reached")), ("no", gettext_lazy("No, could not be reached"))])
    result = forms.CharField(label=gettext_lazy("Result"), widget=forms.Textarea(attrs={"rows": 2}),
                             required=False)
    # CMP-6: what the customer thinks of the result (002 §5: 满意 / 一般 / 很差).
    satisfaction = forms.ChoiceField(label=gettext_lazy("Customer's opinion"), widget=forms.RadioSelect,
                                     choices=Callback.Satisfaction.choices, required=False)
    satisfaction_comment = forms.CharField(label=gettext_lazy("Customer's comment"), required=False,
                                           max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, callback_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"cb{callback_id}")
        super().__init__(*args, **kwargs)


# What the browser offers to pick; the server reads the content anyway (contacts.evidence).
ACCEPTED = "audio/*,.amr,image/jpeg,image/png,application/pdf"


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Recording or signed confirmation"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}),
    )

    def __init__(self, *args: Any, callback_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"ev{callback_id}")
        super().__init__(*args, **kwargs)


def _open_callbacks() -> QuerySet[Callback]:
    return (Callback.objects.filter(status=Callback.Status.OPEN)
            .select_related("customer", "request", "contact", "assigned_to")
            .prefetch_related(evidence_prefetch()).order_by("created_at", "id"))


def _render(request: HttpRequest, *, bound: forms.Form | None = None, bound_id: int | None = None,
            status: int = 200) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    sections = [
        ("mine", _("My callbacks"), list(_open_callbacks().filter(assigned_to=user)[:LIST_LIMIT])),
        ("unassigned", _("Unassigned: any agent may take them"),
         list(_open_callbacks().filter(assigned_to__isnull=True)[:LIST_LIMIT])),
    ]
    if user.role in SUPERVISING_ROLES:
        sections.append(("team", _("Assigned to colleagues"),
                         list(_open_callbacks().exclude(assigned_to=user).filter(assigned_to__isnull=False)
                              [:LIST_LIMIT])))
    done = list(Callback.objects.filter(completed_by=user).exclude(status=Callback.Status.OPEN)
                .select_related("customer", "request").prefetch_related(evidence_prefetch())
                .order_by("-completed_at")[:RECENT_DONE])
    for callback in [c for _key, _title, callbacks in sections for c in callbacks] + done:
        mine = bound_id == callback.pk
        callback.form = (bound if mine and isinstance(bound, CallbackCompleteForm)  # type: ignore[attr-defined]
                         else CallbackCompleteForm(callback_id=callback.pk))
        callback.evidence_form = (bound if mine and isinstance(bound, EvidenceForm)  # type: ignore[attr-defined]
                                  else EvidenceForm(callback_id=callback.pk))
    return render(request, "contacts/callbacks.html", {"sections": sections, "done": done, "agent": user},
                  status=status)


@page(Capability.LOG_CONTACT)
def callback_list(request: HttpRequest) -> HttpResponse:
    """My open callbacks (assigned to me: after a restoration, key accounts to their manager), the
    unassigned queue (nobody was available), colleagues' for team leads, and my recent ones; the
    availability switch (only available agents receive new callbacks).

    Roles: agent, team lead, desk manager, key account manager, administrator. Refused: others.
    """
    return _render(request)


@require_POST
@page(Capability.LOG_CONTACT)
def callback_done(request: HttpRequest, callback_id: int) -> HttpResponse:
    """Record a callback's outcome (reached or not, the result); the call is kept as an outbound
    contact. Roles: as ``callback_list`` (someone else's only for team leads and desk managers)."""
    callback = Callback.objects.filter(pk=callback_id).first()
    if callback is None:
        raise Http404(_("No such callback."))
    form = CallbackCompleteForm(request.POST, callback_id=callback.pk)
    if form.is_valid():
        data = form.cleaned_data
        try:
            callback_complete(callback=callback, actor=request.user, reached=data["reached"],  # type: ignore[arg-type]
                              result=data["result"], satisfaction=data["satisfaction"],
                              satisfaction_comment=data["satisfaction_comment"])
        except ValidationFailed as error:
            show_domain_errors(form, error, {"status": "reached"})
        else:
            messages.success(request, _("Callback %(ref)s recorded.") % {"ref": callback.reference})
            return redirect("web:callbacks")
    return _render(request, bound=form, bound_id=callback.pk, status=422)


@require_POST
@page(Capability.LOG_CONTACT)
def evidence_upload(request: HttpRequest, callback_id: int) -> HttpResponse:
    """Attach a recording of the call or the customer's signed confirmation (CMP-6), checked by its
    content. Roles: as ``callback_done``."""
    callback = Callback.objects.filter(pk=callback_id).first()
    if callback is None:
        raise Http404(_("No such callback."))
    form = EvidenceForm(request.POST, request.FILES, callback_id=callback.pk)
    if form.is_valid():
        try:
            evidence = callback_evidence_add(callback=callback, actor=request.user,  # type: ignore[arg-type]
                                             upload=form.cleaned_data["file"])
        except ValidationFailed as error:
            show_domain_errors(form, error)
        else:
            messages.success(request, _("%(kind)s attached to callback %(ref)s.") % {
                "kind": evidence.get_kind_display(), "ref": callback.reference})
            return redirect("web:callbacks")
    return _render(request, bound=form, bound_id=callback.pk, status=422)


@require_GET
@page()
def evidence_file(request: HttpRequest, evidence_id: int) -> FileResponse:
    """Download an evidence file, as an attachment. Roles: those who read every request (desk
    roles, leadership, quality supervisor, administrator) and the callback's assignee. Refused (404):
    provider staff, customers, anyone else."""
    return evidence_download(callback_evidence_for_user(request.user, evidence_id=evidence_id))  # type: ignore[arg-type]


@require_POST
@page(Capability.LOG_CONTACT)
def availability_set(request: HttpRequest) -> HttpResponse:
    """At my desk (receive new callbacks) or away (INT-8). Roles: as ``callback_list``."""
    available = request.POST.get("available") == "1"
    agent_set_available(agent=request.user, available=available)  # type: ignore[arg-type]
    messages.success(request, _("You receive new callbacks.") if available
                     else _("You are away: new callbacks go to your colleagues."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return redirect("web:callbacks")
    return redirect(target)
