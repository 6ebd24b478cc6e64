from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "servicedesk.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from servicedesk.complaints import messages  # noqa: F401  (registers the history texts)
        from servicedesk.complaints.timing import PART, PartSubject, register_part_vocabulary
        from servicedesk.sla.subjects import register_subject

        register_subject(PART, PartSubject())
        register_part_vocabulary()

        from servicedesk.complaints.resolution import complaint_callback_completed
        from servicedesk.contacts.callback_hooks import on_callback_completed

        on_callback_completed(complaint_callback_completed)
