"""The REST API under /api/v1/: one NinjaAPI, the routers of each app, and the shared plumbing of
core.api (authentication, the error format, idempotent writes, pagination, +08:00 datetimes).

OpenAPI 3 at /api/v1/openapi.json; interactive docs at /api/v1/docs, served with Swagger UI's own
files from our static folder (``ninja`` is an installed app), never from a CDN.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from servicedesk.complaints.api import router as complaints_router
from servicedesk.contacts.api import router as contacts_router
from servicedesk.contacts.callbacks_api import router as callbacks_router
from servicedesk.core.api import (
    ApiRenderer,
    BearerTokenAuth,
    ServiceDeskAPI,
    SessionCsrfAuth,
    install_error_handlers,
)
from servicedesk.core.exceptions import NotFound
from servicedesk.customers.api import router as customers_router
from servicedesk.network.api import register_open_outage_reader
from servicedesk.network.api import router as network_router
from servicedesk.org.api import router as org_router
from servicedesk.outages.api.fault_calls import router as fault_calls_router
from servicedesk.outages.api.outages import router as outages_router
from servicedesk.outages.api.planned import router as planned_outages_router
from servicedesk.outages.selectors import open_outage_of_device
from servicedesk.search.api import router as search_router
from servicedesk.sla.api import router as sla_router
from servicedesk.surveys.api import router as surveys_router
from servicedesk.tickets.api import router as tickets_router
from servicedesk.tickets.caller_api import router as caller_router

DESCRIPTION = """\
Service desk API for the hotline, dispatchers, providers and integrations.

**Authentication.** `Authorization: Bearer sd_…` (a token from `servicedesk create_token USERNAME`), or
the session of the web pages (unsafe methods then need the `X-CSRFToken` header). Without either: 401.

**Errors.** Every 4xx answer is `{"error": {"code", "message", "fields"}}`; `fields` maps the dotted path
of each bad input (`attributes.dn`, `customer_id`, `Idempotency-Key`) to its problem. Codes include
`validation_error` (422), `unauthorized` (401), `forbidden` (403: the role may not use the endpoint),
`action_not_allowed` (403: the role may not take this workflow action), `not_found` (404, also for objects
outside the user's scope), `invalid_transition` (409).

**Idempotency.** Every POST accepts `Idempotency-Key` (at most 200 characters). A retry with the same
key returns the first answer (same status and body, header `Idempotent-Replayed: true`) and creates
nothing; the same key with a different body is 422.

**Lists.** `?page=&page_size=` (at most 200) → `{"count", "page", "page_size", "results"}`.

**Time.** Datetimes are ISO 8601 with the desk's offset (Asia/Shanghai, `+08:00`); an input datetime
without an offset is read as Asia/Shanghai time.

**Outages.** `POST /fault-calls` takes a whole fault call (seed 004) in one request and answers with
what to tell the caller; `GET /public/planned-outages` is the only endpoint open without sign-in.
"""

api = ServiceDeskAPI(
    title="Service desk API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[BearerTokenAuth(), SessionCsrfAuth()],
    renderer=ApiRenderer(),
)
install_error_handlers(api)
api.add_router("", org_router)
api.add_router("", customers_router)
api.add_router("", contacts_router)
api.add_router("", caller_router)
api.add_router("", tickets_router)
api.add_router("", sla_router)
api.add_router("", fault_calls_router)
api.add_router("", complaints_router)
api.add_router("", outages_router)
api.add_router("", planned_outages_router)
api.add_router("", network_router)
# The network's device answer names the open outage covering it: outages tell it how to find one.
register_open_outage_reader(open_outage_of_device)
api.add_router("", callbacks_router)
api.add_router("", search_router)
api.add_router("", surveys_router)

# Added last: Django tries URL patterns in order, so this only catches what no router matched.
fallback_router = Router()
api.add_router("", fallback_router)


@fallback_router.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:unknown}", auth=None,
                               include_in_schema=False)
def unknown_endpoint(request: HttpRequest, unknown: str) -> None:
    """Unknown paths under /api/v1/ answer in the API's error format, not with an HTML page."""
    raise NotFound(_("No such endpoint: %(path)s") % {"path": request.path})
