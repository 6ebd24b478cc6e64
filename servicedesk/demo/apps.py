from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "servicedesk.demo"
    label = "demo"
    verbose_name = "Demo data"
