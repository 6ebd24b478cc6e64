from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "servicedesk.core"
    label = "core"
    verbose_name = "Core"
