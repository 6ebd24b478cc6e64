"""The customer's own pages: a signed-in customer lands on the list of their own requests.

Kept apart from the staff pages (views.py): a customer sees their requests in plain words — no
responsible units, priorities or service-level clocks (issue 10 item 12; the self-service portal
builds on this page).
"""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from servicedesk.core.views import page
from servicedesk.org.roles import Capability
from servicedesk.tickets.selectors import request_list_for_user

PAGE_SIZE = 20


@page(Capability.VIEW_OWN_REQUESTS)
def my_requests(request: HttpRequest) -> HttpResponse:
    """The requests of the signed-in customer, newest first, for a phone's screen.

    Roles: customer (their own requests only). Refused: every staff role (403).
    """
    requests = request_list_for_user(request.user).order_by("-created_at", "-id")  # type: ignore[arg-type]
    page_obj = Paginator(requests.select_related("request_type"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tickets/my_requests.html", {"page_obj": page_obj, "query": ""})
