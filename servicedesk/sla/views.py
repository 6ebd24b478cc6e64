"""Web pages of the SLA engine: the signed-in user's notifications (warnings and escalations)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicedesk.core.views import page
from servicedesk.sla.inbox import notification_mark_read, notifications_mark_all_read
from servicedesk.sla.selectors import notification_groups, notification_subjects_for_user


@page()
def notification_list(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own notifications grouped by their subject (a request, a work order),
    the subject with the newest notification first, each group's newest first; ``?unread=1`` only
    the unread ones (issue 10 item 11).

    Roles: every signed-in user (each sees only their own). Anonymous: sent to sign in.
    """
    unread_only = request.GET.get("unread") == "1"
    subjects = notification_subjects_for_user(request.user, unread_only=unread_only)  # type: ignore[arg-type]
    page_obj = Paginator(subjects, 10).get_page(request.GET.get("page"))
    groups = notification_groups(request.user, page_obj, unread_only=unread_only)  # type: ignore[arg-type]
    query = "unread=1" if unread_only else ""
    return render(request, "sla/notifications.html",
                  {"page_obj": page_obj, "groups": groups, "query": query, "unread_only": unread_only})


@require_POST
@page()
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one of one's own notifications read (another user's: 404), then follow its link if
    asked (``open=1``), else back to the list. Roles: every signed-in user."""
    notification = notification_mark_read(user=request.user, notification_id=notification_id)  # type: ignore[arg-type]
    if request.POST.get("open") == "1" and notification.link and url_has_allowed_host_and_scheme(
            notification.link, allowed_hosts={request.get_host()}):
        return redirect(notification.link)
    return _back_to_list(request)


@require_POST
@page()
def notification_read_all(request: HttpRequest) -> HttpResponse:
    """Mark all of one's notifications read. Roles: every signed-in user."""
    count = notifications_mark_all_read(user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("%(n)d notifications marked read.") % {"n": count})
    return _back_to_list(request)


def _back_to_list(request: HttpRequest) -> HttpResponse:
    """Back to the inbox page the form was on (``next``, this site's only), else its first page."""
    back = request.POST.get("next", "")
    if back.startswith(reverse("web:notifications")) and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("web:notifications")
