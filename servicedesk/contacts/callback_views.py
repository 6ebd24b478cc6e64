"""The callbacks page (INT-8): the calls an agent or key account manager owes customers (after a
restoration, a result), the team's unassigned queue, recording the outcome, and the agent's
availability for new callbacks.

Refusals: see servicedesk.core.views.page.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from servicedesk.contacts.models import Callback
from servicedesk.contacts.services import agent_set_available, callback_complete
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

    def __init__(self, *args: Any, callback_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"cb{callback_id}")
        super().__init__(*args, **kwargs)


def _open_callbacks() -> QuerySet[Callback]:
    return (Callback.objects.filter(status=Callback.Status.OPEN)
            .select_related("customer", "request", "contact", "assigned_to").order_by("created_at", "id"))


def _render(request: HttpRequest, *, bound: CallbackCompleteForm | None = None, bound_id: int | None = None,
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
    for _key, _title, callbacks in sections:
        for callback in callbacks:
            callback.form = (bound if bound_id == callback.pk and bound is not None  # type: ignore[attr-defined]
                             else CallbackCompleteForm(callback_id=callback.pk))
    done = list(Callback.objects.filter(completed_by=user).exclude(status=Callback.Status.OPEN)
                .select_related("customer", "request").order_by("-completed_at")[:RECENT_DONE])
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
        try:
            callback_complete(callback=callback, actor=request.user, reached=form.cleaned_data["reached"],  # type: ignore[arg-type]
                              result=form.cleaned_data["result"])
        except ValidationFailed as error:
            show_domain_errors(form, error, {"status": "reached"})
        else:
            messages.success(request, _("Callback %(ref)s recorded.") % {"ref": callback.reference})
            return redirect("web:callbacks")
    return _render(request, bound=form, bound_id=callback.pk, status=422)


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
