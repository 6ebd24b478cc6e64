from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "servicedesk.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from servicedesk.sla.config import CONFIG_MODELS, sla_config_changed

        for model in CONFIG_MODELS:
            post_save.connect(sla_config_changed, sender=model, dispatch_uid=f"sla-config-{model.__name__}")
            post_delete.connect(sla_config_changed, sender=model, dispatch_uid=f"sla-config-{model.__name__}-del")
