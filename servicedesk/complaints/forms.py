"""The web forms of complaints; the services check everything again and name the bad field."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from servicedesk.complaints.models import Complaint, ComplaintPart, Refund, Satisfaction
from servicedesk.complaints.topics import topic_choices
from servicedesk.contacts.models import Channel
from servicedesk.org.models import OrgUnit, Provider, User
from servicedesk.org.roles import Capability, Role


class ComplaintForm(forms.Form):
    topic = forms.ChoiceField(label=_("What it is about"))
    description = forms.CharField(
        label=_("The complaint"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    complainant_kind = forms.ChoiceField(label=_("Complainant"), choices=Complaint.ComplainantKind.choices)
    reporter_name = forms.CharField(label=_("Name"), max_length=100, required=False)
    reporter_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    against = forms.ChoiceField(label=_("Against"), choices=Complaint.Against.choices)
    provider = forms.ModelChoiceField(
        label=_("Provider complained about"), required=False, queryset=Provider.objects.filter(active=True)
    )
    about_work_order = forms.CharField(
        label=_("About work order (number)"), max_length=20, required=False, help_text=_("e.g. WO00000012")
    )
    not_repeat = forms.BooleanField(label=_("This is not a repeat"), required=False)
    not_repeat_reason = forms.CharField(label=_("Why it is not a repeat"), max_length=1000, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "—"), *topic_choices()]  # type: ignore[attr-defined]

    def clean_about_work_order(self) -> int | None:
        value = self.cleaned_data["about_work_order"].strip().upper().removeprefix("WO")
        if not value:
            return None
        if not value.isdigit() or not 0 < int(value) < 2**63:
            raise forms.ValidationError(_("Give a work order number such as WO00000012."))
        return int(value)


class PartForm(forms.Form):
    party = forms.ChoiceField(label=_("Department or partner"))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=ComplaintPart.Urgency.choices)
    instructions = forms.CharField(
        label=_("What to do"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = [(f"unit:{u.pk}", str(u)) for u in OrgUnit.objects.filter(active=True).order_by("code")]
        providers = [
            (f"provider:{p.pk}", str(p)) for p in Provider.objects.filter(active=True).order_by("code")
        ]
        self.fields["party"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            (str(_("Departments")), units),
            (str(_("Partners")), providers),
        ]


class TextForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class AnswerForm(forms.Form):
    result = forms.CharField(
        label=_("Result told to the customer"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    cause_feedback = forms.CharField(
        label=_("Cause and process feedback"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OpinionForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("The customer's opinion"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


class TransferForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("New owner"),
        queryset=User.objects.filter(
            is_active=True, role__in=[Role.AGENT, Role.TEAM_LEAD, Role.DESK_MANAGER, Role.KEY_ACCOUNT_MANAGER]
        ),
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class RefundForm(forms.Form):
    account = forms.ChoiceField(label=_("Account"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Refund.Kind.choices)
    charged_wrongly = forms.DecimalField(
        label=_("Amount charged wrongly (yuan)"), max_digits=12, decimal_places=2, min_value=0
    )
    provider = forms.ModelChoiceField(
        label=_("Provider who caused it"), required=False, queryset=Provider.objects.filter(active=True)
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000)

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customer = complaint.request.customer
        accounts = list(customer.accounts.all()) if customer is not None else []
        self.fields["account"].choices = [(a.pk, a.number) for a in accounts]  # type: ignore[attr-defined]


def may_supervise(user: User) -> bool:
    return user.can(Capability.SUPERVISE_COMPLAINTS)
