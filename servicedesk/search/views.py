"""The global search page (issue 10 item 5): the header's search box submits here."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from servicedesk.core.exceptions import ValidationFailed
from servicedesk.core.views import page
from servicedesk.search.selectors import SEARCH_CAPABILITIES, global_search


@page(*SEARCH_CAPABILITIES)
def search(request: HttpRequest) -> HttpResponse:
    """Any number (SR…, WO…, C…, CB…, O…, P…, a service point or meter number), a phone, a name or
    part of an address; results grouped by kind, each only if the user may see it. One object
    found by its own number opens at once (a redirect to its page).

    Roles: every staff role that sees requests, work orders, callers or outages (agents, team
    leads, desk managers, key account managers, leadership, quality supervisors, dispatchers,
    provider staff, administrators). Refused (403): customers, finance.
    """
    query = request.GET.get("q", "").strip()
    context: dict[str, object] = {"search_query": query, "result": None}
    if not query:
        return render(request, "search/results.html", context)
    try:
        result = global_search(request.user, query=query)  # type: ignore[arg-type]
    except ValidationFailed as error:
        return render(request, "search/results.html", {**context, "error": error.message}, status=422)
    if result.opens_at_once is not None:
        return redirect(result.opens_at_once.url)
    return render(request, "search/results.html", {**context, "result": result})
