"""Where each role's work is: the home page sends every signed-in user to it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from servicedesk.core.views import page
from servicedesk.org.roles import Capability


@page()
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to where its work is. Any signed-in user.

    Desk roles → the agent desk; dispatcher → the dispatch queue; provider staff → their work
    orders; leadership and supervisors → the request list; customers → their own requests;
    others → a plain page.
    """
    user = request.user
    if user.can(Capability.VIEW_OWN_REQUESTS):  # type: ignore[union-attr]
        return redirect("web:my_requests")
    if user.can(Capability.LOG_CONTACT):  # type: ignore[union-attr]
        return redirect("web:desk")
    if user.can(Capability.DISPATCH):  # type: ignore[union-attr]
        return redirect("web:queue")
    if user.can(Capability.WORK_ON_ORDERS):  # type: ignore[union-attr]
        return redirect("web:work_orders")
    if user.can(Capability.VIEW_ALL_REQUESTS):  # type: ignore[union-attr]
        return redirect("web:requests")
    return redirect("web:nothing")


@page()
def nothing_for_role(request: HttpRequest) -> HttpResponse:
    """The page for roles without web pages yet (e.g. finance). Any signed-in user."""
    return render(request, "core/nothing.html")
