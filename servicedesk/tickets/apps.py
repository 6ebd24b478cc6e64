from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "servicedesk.tickets"
    label = "tickets"
    verbose_name = _("Requests and work orders")

    def ready(self) -> None:
        from servicedesk.sla.subjects import register_subject
        from servicedesk.tickets.config import CONFIG_MODELS, intake_config_changed
        from servicedesk.tickets.timing import REQUEST, WORK_ORDER, RequestSubject, WorkOrderSubject

        register_subject(REQUEST, RequestSubject())
        register_subject(WORK_ORDER, WorkOrderSubject())
        for model in CONFIG_MODELS:
            post_save.connect(intake_config_changed, sender=model, dispatch_uid=f"intake-config-{model.__name__}")
            post_delete.connect(intake_config_changed, sender=model, dispatch_uid=f"intake-config-{model.__name__}-del")
