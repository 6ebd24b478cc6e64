"""The survey's questions (SUR-2), the same for the customer's page and the callback agent's."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.surveys.models import Rating
from servicedesk.surveys.services import COMMENT_MAX_LENGTH, SurveyAnswers


def _rating(label: Any, *, required: bool) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=Rating.choices, widget=forms.RadioSelect, required=required)


class SurveyAnswerForm(forms.Form):
    overall = _rating(_("Overall, how satisfied are you with this service?"), required=True)
    # 002 §4.2: the provider's service, the technical support, the customer's own experience.
    service_quality = _rating(_("Service quality of the provider who did the work"), required=False)
    support_quality = _rating(_("Quality of the technical support"), required=False)
    usage_experience = _rating(_("Your experience of using the service"), required=False)
    comment = forms.CharField(label=_("Comments or suggestions (optional)"), required=False,
                              max_length=COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))

    def answers(self) -> SurveyAnswers:
        data = self.cleaned_data
        return SurveyAnswers(overall=data["overall"], service_quality=data["service_quality"],
                             support_quality=data["support_quality"],
                             usage_experience=data["usage_experience"], comment=data["comment"])
