"""``GET /search``: the header's search box for integrations and the desk's scripts (issue 10
item 5), with the same scope as the web page."""

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from servicedesk.core.api import current_user, require
from servicedesk.core.api_types import ParamsSchema
from servicedesk.org.roles import roles_with
from servicedesk.search.selectors import MAX_QUERY_LENGTH, SEARCH_CAPABILITIES, SearchHit, global_search

router = Router(tags=["search"])


class SearchHitOut(Schema):
    kind: str = Field(description="request, work_order, contact, callback, outage, planned_outage, "
                                  "service_point or customer")
    id: int
    number: str = Field(description="The object's own number (SR00000012, E0000000123, a customer number).")
    title: str
    detail: str
    url: str = Field(description="The web page that shows it; empty when it has none.")
    by_number: bool = Field(description="Found by its own number.")


class SearchOut(Schema):
    query: str
    opens: SearchHitOut | None = Field(description="The one object the query names by its number, when "
                                                   "nothing else matched (the web page opens it at once).")
    results: list[SearchHitOut]


class SearchParams(ParamsSchema):
    q: str = Field(..., min_length=1, max_length=MAX_QUERY_LENGTH,
                   description="A number (SR…, WO…, C…, CB…, O…, P…, any case, leading zeros optional), a "
                               "service point or meter number, a phone, an account number, a name or part "
                               "of an address.")


@router.get("/search", response=SearchOut, summary="Search by any number, phone, name or address",
            description="Requests, work orders, contacts, callbacks, outages and planned outages by their "
                        "number; service points by number or meter number; requests by reporter phone; "
                        "and, for roles that identify callers, the caller search (phone, account number, "
                        "name, address). Each hit only if the user may see it; at most 20 of each kind.\n\n"
                        f"**Roles:** {roles_with(*SEARCH_CAPABILITIES)}.")
def search(request: HttpRequest, params: Query[SearchParams]) -> dict:
    user = current_user(request)
    require(user, *SEARCH_CAPABILITIES)
    result = global_search(user, query=params.q)
    opens: SearchHit | None = result.opens_at_once
    return {"query": result.query, "opens": opens, "results": result.hits}
