"""The agent desk's caller search (INT-2): one box for phone, account number, name or address."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from servicedesk.core.exceptions import ValidationFailed
from servicedesk.core.views import is_htmx, page
from servicedesk.customers.selectors import caller_search
from servicedesk.org.roles import Capability

# Enough for an agent to pick from; a longer list means the query should be sharper.
SEARCH_LIMIT = 20


def _search(query: str) -> dict[str, object]:
    """The search context; a query too short for its index gets the message instead of hits."""
    try:
        hits = caller_search(query=query, limit=SEARCH_LIMIT) if query else []
    except ValidationFailed as error:
        return {"query": query, "hits": [], "search_error": error.message}
    return {"query": query, "hits": hits, "search_error": ""}


@page(Capability.SEARCH_CUSTOMERS)
def desk(request: HttpRequest) -> HttpResponse:
    """The agent desk: the search box, and results without JavaScript when ``q`` is given.

    Roles: agent, team lead, desk manager, key account manager, leadership, quality supervisor,
    dispatcher, administrator (anyone who may search customers). Refused: provider staff,
    finance, customers.
    """
    query = request.GET.get("q", "").strip()
    return render(request, "desk/desk.html", _search(query))


@page(Capability.SEARCH_CUSTOMERS)
def desk_search(request: HttpRequest) -> HttpResponse:
    """The live search results (HTMX fragment; a full page when opened directly). Roles as ``desk``."""
    query = request.GET.get("q", "").strip()
    template = "desk/_search_results.html" if is_htmx(request) else "desk/desk.html"
    return render(request, template, _search(query))
