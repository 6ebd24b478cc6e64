from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "servicedesk.core"
    label = "core"
    verbose_name = _("API access")  # what its admin pages hold: API tokens

    def ready(self) -> None:
        from django.urls import register_converter

        from servicedesk.core.references import IdConverter

        register_converter(IdConverter, "id")
