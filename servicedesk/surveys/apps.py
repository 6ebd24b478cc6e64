from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "servicedesk.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self) -> None:
        from servicedesk.contacts.callback_pages import register_callback_page
        from servicedesk.surveys.services import survey_consider
        from servicedesk.surveys.views import SURVEY_REFERENCE_PREFIX, survey_page_of_reference
        from servicedesk.tickets.closing import on_request_closed

        # SUR-1: every close is considered in the close's own transaction (tickets.closing).
        on_request_closed("surveys", survey_consider)
        # A survey's callback is worked on the survey's questionnaire (contacts.callback_pages).
        register_callback_page(SURVEY_REFERENCE_PREFIX, survey_page_of_reference,
                               _("Ask the survey questions"))
