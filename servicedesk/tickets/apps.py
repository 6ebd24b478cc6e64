from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "servicedesk.tickets"
    label = "tickets"
    verbose_name = _("Requests and work orders")

    def ready(self) -> None:
        from servicedesk.core.shared_cache import invalidate_on_change
        from servicedesk.sla.subjects import register_subject
        from servicedesk.tickets.config import CONFIG_CACHE_KEY, CONFIG_MODELS
        from servicedesk.tickets.timing import REQUEST, WORK_ORDER, RequestSubject, WorkOrderSubject

        register_subject(REQUEST, RequestSubject())
        register_subject(WORK_ORDER, WorkOrderSubject())
        invalidate_on_change(CONFIG_CACHE_KEY, CONFIG_MODELS)
