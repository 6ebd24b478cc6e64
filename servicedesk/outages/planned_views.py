"""Web pages of planned outages (OUT-2, 004 steps 10–13): the list and the form to announce one,
a planned outage with its notices, and the public notice page.

Each view parses its input, fetches through a selector, calls one service and renders.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from servicedesk.core.exceptions import ValidationFailed
from servicedesk.core.views import page, show_domain_errors
from servicedesk.org.roles import Capability
from servicedesk.outages.forms import PLANNED_ERROR_FIELDS, PlannedNoticeForm, PlannedOutageForm
from servicedesk.outages.models import PlannedOutage, PlannedOutageNotice
from servicedesk.outages.planned import (
    planned_outage_cancel,
    planned_outage_create,
    planned_outage_notices_record,
    planned_outage_points,
)
from servicedesk.outages.selectors import (
    planned_notice_summary,
    planned_outage_get,
    planned_outages_listed,
    planned_outages_public,
)
from servicedesk.outages.views import OUTAGE_VIEWERS, may_manage, paginate, request_user


def _render_planned_list(request: HttpRequest, form: PlannedOutageForm | None, *,
                         status: int = 200) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    page_obj, query = paginate(request, planned_outages_listed(show_all=show_all))
    return render(request, "outages/planned_list.html", {
        "page_obj": page_obj, "query": query, "show_all": show_all, "form": form, "now": timezone.now()},
        status=status)


@page(*OUTAGE_VIEWERS)
def planned_list(request: HttpRequest) -> HttpResponse:
    """Planned outages now and to come (all with ``?show=all``), and for dispatchers the form to
    announce one. Roles: as ``outage_list`` (desk roles read-only)."""
    return _render_planned_list(request, PlannedOutageForm() if may_manage(request) else None)


@require_POST
@page(Capability.MANAGE_OUTAGES)
def planned_new(request: HttpRequest) -> HttpResponse:
    """Announce a planned outage on devices and/or districts. Roles: dispatcher, administrator."""
    form = PlannedOutageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            planned = planned_outage_create(
                actor=request_user(request), utility=data["utility"], reason=data["reason"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"], devices=data["devices"], districts=data["districts"],
                area_description=data["area_description"], published=data["published"])
        except ValidationFailed as error:
            show_domain_errors(form, error, PLANNED_ERROR_FIELDS)
        else:
            messages.success(request, _("Planned outage %(ref)s announced.") % {"ref": planned.reference})
            return redirect("web:planned_detail", planned_id=planned.pk)
    return _render_planned_list(request, form, status=422)


def _render_planned(request: HttpRequest, planned: PlannedOutage, *,
                    notice_form: PlannedNoticeForm | None = None,
                    status: int = 200) -> HttpResponse:
    by_channel, recent = planned_notice_summary(planned)
    context = {
        "planned": planned,
        "affected": planned_outage_points(planned).count(),
        "notice_counts": [(label, by_channel.get(value, 0))
                          for value, label in PlannedOutageNotice.Channel.choices],
        "notice_total": sum(by_channel.values()),
        "recent_notices": recent,
        "notice_form": (notice_form or PlannedNoticeForm()) if may_manage(request) else None,
        "may_manage": may_manage(request),
    }
    return render(request, "outages/planned_detail.html", context, status=status)


@page(*OUTAGE_VIEWERS)
def planned_detail(request: HttpRequest, planned_id: int) -> HttpResponse:
    """A planned outage: when, why, where, how many service points it affects and how many were
    notified (by letter, notice, SMS, phone); for dispatchers the notice form and cancel.
    Roles: as ``outage_list``."""
    return _render_planned(request, planned_outage_get(planned_id))


@require_POST
@page(Capability.MANAGE_OUTAGES)
def planned_notices(request: HttpRequest, planned_id: int) -> HttpResponse:
    """Record the notice given (004 step 13) to every affected service point or to those listed.
    Roles: dispatcher, administrator."""
    planned = planned_outage_get(planned_id)
    form = PlannedNoticeForm(request.POST)
    if form.is_valid():
        try:
            added = planned_outage_notices_record(actor=request_user(request), planned=planned,
                                                  channel=form.cleaned_data["channel"],
                                                  service_points=form.cleaned_data["service_points"])
        except ValidationFailed as error:
            show_domain_errors(form, error, PLANNED_ERROR_FIELDS)
        else:
            messages.success(request, _("%(count)s notices recorded.") % {"count": added})
            return redirect("web:planned_detail", planned_id=planned.pk)
    return _render_planned(request, planned, notice_form=form, status=422)


@require_POST
@page(Capability.MANAGE_OUTAGES)
def planned_cancel(request: HttpRequest, planned_id: int) -> HttpResponse:
    """Cancel a planned outage (it leaves the public page). Roles: dispatcher, administrator."""
    planned = planned_outage_cancel(actor=request_user(request), planned=planned_outage_get(planned_id))
    messages.success(request, _("Planned outage %(ref)s cancelled.") % {"ref": planned.reference})
    return redirect("web:planned_detail", planned_id=planned.pk)


@require_GET
def public_planned(request: HttpRequest) -> HttpResponse:
    """The public notice of planned outages: published ones in force or to come (reason, area,
    districts, start, end). Anyone, without signing in."""
    now = timezone.now()
    planned = list(planned_outages_public(at=now))
    return render(request, "outages/public_planned.html", {
        "planned": planned, "now": now,
        "in_force": [p for p in planned if p.starts_at <= now],
        "upcoming": [p for p in planned if p.starts_at > now]})
