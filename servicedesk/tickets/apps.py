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
        register_subject_vocabularies()
        invalidate_on_change(CONFIG_CACHE_KEY, CONFIG_MODELS)


def register_subject_vocabularies() -> None:
    """Tell the SLA admin the actions and statuses of requests and work orders, with their labels
    (SLA-2): the engine sits below this app and may not import its workflow."""
    from servicedesk.sla.models import SubjectType
    from servicedesk.sla.vocabulary import SubjectVocabulary, register_subject_vocabulary
    from servicedesk.tickets.models import RequestStatus, WorkOrderStatus
    from servicedesk.tickets.timing import REQUEST, WORK_ORDER
    from servicedesk.tickets.workflow import REQUEST_TRANSITIONS, WORK_ORDER_TRANSITIONS

    created = ("created", _("Created"))
    register_subject_vocabulary(REQUEST, SubjectVocabulary(
        name=SubjectType.REQUEST.label,
        actions=[created, *((action, t.label) for action, t in REQUEST_TRANSITIONS.items())],
        statuses=RequestStatus.choices))
    register_subject_vocabulary(WORK_ORDER, SubjectVocabulary(
        name=SubjectType.WORK_ORDER.label,
        actions=[created, *((action, t.label) for action, t in WORK_ORDER_TRANSITIONS.items())],
        statuses=WorkOrderStatus.choices))
