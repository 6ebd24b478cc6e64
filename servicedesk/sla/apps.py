from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "servicedesk.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from servicedesk.core.shared_cache import invalidate_on_change
        from servicedesk.sla.config import CONFIG_MODELS, SLA_CACHE_KEY

        invalidate_on_change(SLA_CACHE_KEY, CONFIG_MODELS)
        from servicedesk.sla import checks  # noqa: F401  (registers sla.W001)
        from servicedesk.sla.changes import config_deleted, config_saved

        for model in CONFIG_MODELS:  # SLA-5: record the change, recompute the open timers after commit
            post_save.connect(config_saved, sender=model, dispatch_uid=f"sla-change-{model.__name__}")
            post_delete.connect(config_deleted, sender=model, dispatch_uid=f"sla-change-{model.__name__}-del")
