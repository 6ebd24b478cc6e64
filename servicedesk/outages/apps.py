from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutagesConfig(AppConfig):
    name = "servicedesk.outages"
    label = "outages"
    verbose_name = _("Outages and fault calls")

    def ready(self) -> None:
        from servicedesk.core.shared_cache import invalidate_on_change
        from servicedesk.outages.config import CONFIG_CACHE_KEY, CONFIG_M2M, CONFIG_MODELS

        invalidate_on_change(CONFIG_CACHE_KEY, CONFIG_MODELS, m2m=CONFIG_M2M)
